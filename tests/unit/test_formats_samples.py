"""The original system's sample files read to the readings they hold."""

import csv
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from ingestion.domain.formats import Reading, detect_delimiter, detect_layout

# The shared folder sits beside the repository clone (/work/shared beside /work/main).
SAMPLES = Path(__file__).resolve().parents[3] / "shared/samples/original"


def read_sample(name: str) -> tuple[str, list[Reading]]:
    text = (SAMPLES / name).read_text(encoding="utf-8-sig")
    header, *rows = csv.reader(text.splitlines(), delimiter=detect_delimiter(text.partition("\n")[0]))
    layout = detect_layout(header, "auto")
    return layout.name, [reading for row in rows for reading in layout.parse_row(row)]


def test_daily_sample_is_ten_daily_readings():
    name, readings = read_sample("sample_daily_data.csv")
    assert (name, len(readings)) == ("daily", 10)
    assert readings[0] == Reading(
        "1234567890123",
        "day",
        datetime(2025, 11, 1, tzinfo=UTC),
        date(2025, 11, 1),
        None,
        Decimal("45.6"),
        False,
    )
    assert (readings[-1].meter, readings[-1].key, readings[-1].value_kwh) == (
        "1234567890124",
        "day#2025-11-05",
        Decimal("38.8"),
    )


def test_wide_sample_is_48_half_hours_for_each_of_two_meters():
    name, readings = read_sample("sample_hh_data.csv")
    assert (name, len(readings)) == ("hh-wide", 96)
    first_meter = [r for r in readings if r.meter == "1234567890123"]
    assert [r.period for r in first_meter] == list(range(1, 49))
    assert first_meter[-1].start == datetime(2025, 11, 7, 23, 30, tzinfo=UTC)
    assert (first_meter[0].value_kwh, first_meter[-1].value_kwh) == (Decimal("1.2"), Decimal("0.5"))


def test_long_sample_is_one_day_of_half_hours_with_estimates():
    name, readings = read_sample("sample_hh_data_with_ae_flag.csv")
    assert (name, len(readings)) == ("hh-long", 48)
    assert {r.meter for r in readings} == {"E06BG12862"}
    assert [r.period for r in readings] == list(range(1, 49))
    assert readings[0].key == "hh#2024-11-09T00:00Z"
    assert (readings[3].start, readings[3].value_kwh, readings[3].estimated) == (
        datetime(2024, 11, 9, 1, 30, tzinfo=UTC),
        Decimal("5.3"),
        True,
    )
    assert sum(r.estimated for r in readings) == 14
