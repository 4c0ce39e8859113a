"""The sample files (samples/) read to the readings they hold."""

import csv
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from ingestion.domain.formats import Reading, detect_delimiter, detect_layout

# The repository's samples/ folder, as tests.support.SAMPLES (not imported: it brings boto3 in).
SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def read_sample(name: str) -> tuple[str, list[Reading]]:
    text = (SAMPLES / name).read_text(encoding="utf-8-sig")
    header, *rows = csv.reader(text.splitlines(), delimiter=detect_delimiter(text.partition("\n")[0]))
    layout = detect_layout(header, "auto")
    return layout.name, [reading for row in rows for reading in layout.parse_row(row)]


def test_daily_sample_is_ten_daily_readings():
    name, readings = read_sample("daily.csv")
    assert (name, len(readings)) == ("daily", 10)
    assert readings[0] == Reading(
        "1400071226398",
        "day",
        datetime(2025, 2, 3, tzinfo=UTC),
        date(2025, 2, 3),
        None,
        Decimal("152.4"),
        False,
    )
    assert (readings[-1].meter, readings[-1].key, readings[-1].value_kwh) == (
        "1400071226412",
        "day#2025-02-07",
        Decimal("54.8"),
    )


def test_wide_sample_is_48_half_hours_for_each_of_two_meters():
    name, readings = read_sample("hh_wide.csv")
    assert (name, len(readings)) == ("hh-wide", 96)
    first_meter = [r for r in readings if r.meter == "1400071226398"]
    assert [r.period for r in first_meter] == list(range(1, 49))
    assert first_meter[-1].start == datetime(2025, 1, 15, 23, 30, tzinfo=UTC)
    assert (first_meter[0].value_kwh, first_meter[-1].value_kwh) == (Decimal("1.8"), Decimal("1.7"))


def test_long_sample_is_one_day_of_half_hours_with_estimates():
    name, readings = read_sample("hh_long_with_flags.csv")
    assert (name, len(readings)) == ("hh-long", 48)
    assert {r.meter for r in readings} == {"2200042817552"}
    assert [r.period for r in readings] == list(range(1, 49))
    assert readings[0].key == "hh#2025-02-12T00:00Z"
    assert (readings[3].start, readings[3].value_kwh, readings[3].estimated) == (
        datetime(2025, 2, 12, 1, 30, tzinfo=UTC),
        Decimal("2.2"),
        True,
    )
    assert sum(r.estimated for r in readings) == 7
