"""Checking a batch of rows: errors, warnings, repeats, and the keys a shard carries between segments."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingestion.domain.csvstream import RawRow, RowBatch
from ingestion.domain.formats import detect_layout, half_hourly
from ingestion.domain.rowcheck import check_batch
from ingestion.domain.seen_keys import SeenKeys
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
    assert batch.imported == 4 and batch.warning_rows == 4 and batch.repeats == {3}


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


# ---- a batch read column by column is checked exactly as row by row --------------------------------

HH_WHEN = [
    "2025-11-01 00:00",
    "2025-11-01 00:30",
    "2025-11-01T01:00:00Z",
    "2025-11-01 01:30+00:00",
    "2025-06-01 00:00",  # another bitmap block
    "2020-01-01 00:00",  # years before: too far for one mask
    "2025-10-26 01:00",  # the hour the clocks go back, without an offset
    "2027-01-01 00:00",  # in the future
    "2025-11-01 00:15",  # not on a half hour
    "2025-03-30 01:30",  # skipped when the clocks go forward
    "soon",
]
DAY_WHEN = ["2025-11-01", "02/11/2025", "2025-06-01", "1950-01-01", "2027-01-01", "2025-02-30", "yesterday"]
METERS = ["1", "2", " 2 ", "3", "", "1E+05"]
VALUES = ["1", "0", "2.50", "-1", "6000", "300000", "", "x"]
UNITS = ["kWh", "Wh", "", "MWh", "lbs"]
FLAGS = ["A", "E", "", "Q"]


def data_rows(when):
    row = st.tuples(
        st.sampled_from(METERS),
        st.sampled_from(when),
        st.sampled_from(VALUES),
        st.sampled_from(UNITS),
        st.sampled_from(FLAGS),
        st.sampled_from([(), (), (), ("",), ("z",)]),
    )
    return st.lists(row.map(lambda r: [*r[:5], *r[5]]), min_size=1, max_size=40)


def plain_rows(when):
    """Rows that are mostly valid (the fast path's usual case), meter by meter or interleaved."""
    good = st.tuples(
        st.sampled_from(["1", "2", "3"]), st.sampled_from(when[:6]), st.sampled_from(["1", "2.50"])
    )
    return st.lists(good.map(lambda r: [r[0], r[1], r[2], "kWh", "A"]), min_size=1, max_size=40)


@pytest.mark.parametrize(
    ("header", "when"),
    [("MPAN,ReadDateTime,Value,Unit,Flag", HH_WHEN), ("MPAN,Date,Value,Unit,Flag", DAY_WHEN)],
)
@given(data=st.data())
def test_a_batch_read_column_by_column_is_checked_exactly_as_row_by_row(header, when, data):
    # Given batches of rows, valid or not, repeating keys within and across batches
    batches = data.draw(st.lists(st.one_of(data_rows(when), plain_rows(when)), min_size=1, max_size=4))
    layout = detect_layout(header.split(","), "auto")
    by_columns, by_rows, line = SeenKeys(), SeenKeys(), 2
    for cells in batches:
        lines = list(range(line, line + len(cells)))
        line += len(cells)
        # When one is checked as a batch read by RowReader.take, the other row by row
        fast = check_batch(RowBatch([list(c) for c in cells], lines, {}, 0, 0), layout, by_columns, NOW)
        slow = check_batch(
            [RawRow(n, list(c), 0) for n, c in zip(lines, cells, strict=True)], layout, by_rows, NOW
        )
        # Then they find the same records, errors and warnings, and remember the same keys
        assert fast == slow
        assert by_columns.dump() == by_rows.dump()


def test_a_plain_batch_is_read_column_by_column():
    layout = detect_layout(["MPAN", "ReadDateTime", "Value"], "auto")
    cells = [["1", "2025-11-01 00:00", "1"], ["1", "2025-11-01 00:30", "2"]]
    columns = layout.parse_batch(cells)
    assert columns is not None and columns.readings() == [layout.parse_row(c)[0] for c in cells]
    assert layout.parse_batch([*cells, ["1", "2025-11-01 00:15", "1"]]) is None


def test_a_layout_keeps_the_date_times_it_read_up_to_its_limit_and_reads_the_rest_anyway(monkeypatch):
    monkeypatch.setattr(half_hourly, "KNOWN_HALF_HOURS", 2)
    layout = detect_layout(["MPAN", "ReadDateTime", "Value"], "auto")
    cells = [["1", f"2025-11-01 0{hour}:00", "1"] for hour in range(4)]

    for _ in range(2):  # (the second time, two are known)
        columns = layout.parse_batch(cells)
        assert columns is not None and columns.readings() == [layout.parse_row(c)[0] for c in cells]
    assert len(layout._half_hours) == 2


# ---- channels: the same meter and interval on two channels are two readings ------------------------

CHANNEL_HEADER = "MPAN,ReadDateTime,Value,Channel"


def channel_check(*lines: str, seen: SeenKeys | None = None, by_columns: bool = False):
    layout = detect_layout(CHANNEL_HEADER.split(","), "auto")
    seen = seen if seen is not None else SeenKeys()
    if by_columns:
        cells = [line.split(",") for line in lines]
        return check_batch(RowBatch(cells, list(range(2, 2 + len(cells))), {}, 0, 0), layout, seen, NOW)
    return check_batch(rows(*lines), layout, seen, NOW)


@pytest.mark.parametrize("by_columns", [False, True])
def test_the_same_meter_and_half_hour_on_two_channels_is_not_a_repeat(by_columns):
    batch = channel_check(
        "1,2025-11-01 00:00,1,import", "1,2025-11-01 00:00,0.4,reactive_import", by_columns=by_columns
    )
    assert (batch.warnings, batch.repeats) == ([], set())
    assert [(r.meter, r.channel) for r in batch.records] == [("1", "import"), ("1", "reactive_import")]


@pytest.mark.parametrize("by_columns", [False, True])
def test_the_same_meter_channel_and_half_hour_twice_is_a_repeat(by_columns):
    batch = channel_check(
        "1,2025-11-01 00:00,0.4,reactive_import",
        "1,2025-11-01 00:00,1,import",
        "1,2025-11-01 00:00,0.5,reactive_import",
        by_columns=by_columns,
    )
    assert [w.describe() for w in batch.warnings] == [
        "Line 4: meter 1 (channel reactive_import) at 2025-11-01 half hour 1 (2025-11-01 00:00 UTC) "
        "appears earlier in the file too; this row's is kept"
    ]
    assert batch.repeats == {2}


def test_seen_keys_of_two_channels_survive_a_hand_off_apart():
    seen = SeenKeys()
    channel_check("1,2025-11-01 00:00,1,export", seen=seen)
    restored = SeenKeys.load(seen.dump())
    again = channel_check(
        "1,2025-11-01 00:00,1,import", "1,2025-11-01 00:00,1,export", seen=restored, by_columns=True
    )
    assert [w.line for w in again.warnings] == [3]
    assert restored.meters() == {"1"}  # the meter, whatever its channels (the merge looks for it)


def test_a_batch_of_channels_is_checked_column_by_column_exactly_as_row_by_row():
    lines = [
        f"{meter},2025-11-01 0{hour}:00,1,{channel}"
        for meter in ("1", "2")
        for channel in ("import", "export", "reactive_export")
        for hour in range(3)
    ]
    lines += ["1,2025-11-01 01:00,2,export"]  # a repeat
    by_columns, by_rows = SeenKeys(), SeenKeys()
    fast = channel_check(*lines, seen=by_columns, by_columns=True)
    slow = channel_check(*lines, seen=by_rows)
    assert fast == slow and len(fast.warnings) == 1
    assert by_columns.dump() == by_rows.dump()
