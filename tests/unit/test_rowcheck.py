"""Checking a batch of rows: errors, warnings, repeats, and the keys a shard carries between segments."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ingestion.csvstream import RawRow
from ingestion.formats import detect_layout
from ingestion.rowcheck import SeenKeys, check_batch
from ingestion.store.reports import escape_cell, escape_for_reimport

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def rows(*lines: str) -> list[RawRow]:
    return [RawRow(number, line.split(","), 0) for number, line in enumerate(lines, start=2)]


def check(header: str, *lines: str, seen: SeenKeys | None = None):
    layout = detect_layout(header.split(","), "auto")
    return check_batch(rows(*lines), layout, seen if seen is not None else SeenKeys(), NOW)


def test_the_hour_the_clocks_go_back_written_twice_without_offsets_is_two_hours_not_a_repeat():
    batch = check(
        "MPAN,Date,Time,Value",
        "1,2025-10-26,00:30,1",
        "1,2025-10-26,01:00,2",  # BST
        "1,2025-10-26,01:30,3",
        "1,2025-10-26,01:00,4",  # GMT: the same wall clock an hour later
        "1,2025-10-26,01:30,5",
        "1,2025-10-26,02:00,6",
    )
    assert batch.warnings == [] and batch.errors == []
    starts = [(r.start.strftime("%H:%M"), r.period) for r in batch.records]
    assert starts == [("23:30", 2), ("00:00", 3), ("00:30", 4), ("01:00", 5), ("01:30", 6), ("02:00", 7)]


def test_a_third_time_in_the_repeated_hour_is_a_repeat():
    batch = check("MPAN,Date,Time,Value", *["1,2025-10-26,01:00,1"] * 3)
    assert [w.line for w in batch.warnings] == [4]


def test_warnings_name_the_line_and_the_value_column_and_keep_the_row():
    batch = check(
        "MPAN,Date,Reading", "1,2025-11-01,-3", "1,2025-11-02,250001", "1,2027-01-01,1", "1,2025-11-01,2"
    )
    assert [w.describe() for w in batch.warnings] == [
        "Line 2, column 3 (Reading): negative reading -3 kWh",
        "Line 3, column 3 (Reading): 250001 kWh is far more than a meter records in a day (over 240000 kWh): "
        "check the unit",
        "Line 4, column 3 (Reading): the reading is for 2027-01-01, which is in the future",
        "Line 5: meter 1 at 2025-11-01 appears earlier in the file too; this row's is kept",
    ]
    assert len(batch.rows) == 4 and batch.warning_rows == 4 and batch.rows[3].repeats


def test_a_wide_row_warns_on_the_period_column():
    header = "MPAN,Date," + ",".join(f"HH{p:02d}" for p in range(1, 49))
    cells = ["1", "2025-11-01", "-1"] + ["1"] * 47
    (warning,) = check(header, ",".join(cells)).warnings
    assert warning.describe() == "Line 2, column 3 (HH01): negative reading -1 kWh"


def test_errors_keep_the_rows_original_cells_for_the_report():
    (error,) = check("MPAN,Date,Reading", "1,2025-02-31,4").errors
    assert (error.line, error.column, error.column_name, error.cells) == (
        2,
        2,
        "Date",
        ("1", "2025-02-31", "4"),
    )


def test_seen_keys_survive_a_hand_off():
    seen = SeenKeys()
    check("MPAN,Date,Reading", "1,2025-11-01,1", seen=seen)
    check("name,company_id", "Head Office,1", seen=seen)
    restored = SeenKeys.load(seen.dump())
    again = check("MPAN,Date,Reading", "1,2025-11-01,1", "1,2025-11-02,1", seen=restored)
    assert [w.line for w in again.warnings] == [2]
    sites = check("name,company_id", "head  office,1", seen=restored)
    assert [w.line for w in sites.warnings] == [2]


@pytest.mark.parametrize(
    ("cell", "report", "reimport"),
    [
        ("=1+2", "'=1+2", "'=1+2"),
        ("@SUM(A1)", "'@SUM(A1)", "'@SUM(A1)"),
        ("+44 20", "'+44 20", "'+44 20"),
        ("-1.5", "'-1.5", "-1.5"),
        ("+3", "'+3", "+3"),
        ("\tx", "'\tx", "'\tx"),
        ("\rx", "'\rx", "'\rx"),
        ("12.5", "12.5", "12.5"),
        ("", "", ""),
    ],
)
def test_cells_that_a_spreadsheet_would_run_are_escaped(cell, report, reimport):
    assert (escape_cell(cell), escape_for_reimport(cell)) == (report, reimport)
