"""A wide file's batch read column by column (WideLayout.parse_batch) reads exactly what reading its
rows one by one reads: the same readings, in the same order, with the same rows and the same
errors and warnings; and the usual batch (no clock change, every cell valid) takes that path."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ingestion.domain.csvstream import RawRow, RowBatch
from ingestion.domain.formats.detect import resolve_layout
from ingestion.domain.formats.mapping import Mapping
from ingestion.domain.rowcheck import check_batch
from ingestion.domain.seen_keys import SeenKeys

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
M1, M2 = "1200023305967", "1200023305968"
TIMES = [f"{m // 60:02d}:{m % 60:02d}" for m in range(0, 1440, 30)]
PERIODS = [f"HH{n:02d}" for n in range(1, 51)]


def cells(n: int, start: int = 0, blank: tuple[int, ...] = ()) -> list[str]:
    return ["" if i in blank else f"{(start + i) % 97 / 10:.1f}" for i in range(n)]


def both_ways(header: list[str], rows: list[list[str]], mapping: Mapping | None = None):
    """check_batch of the rows as one batch (columns first) and as rows one by one: each with its
    own layout and keys, as two segments would have."""
    lines = list(range(2, 2 + len(rows)))

    def layout():
        return resolve_layout(header, "auto", mapping).layout

    batch = RowBatch(cells=[list(r) for r in rows], lines=lines, problems={}, end_offset=0, next_line=0)
    by_columns = check_batch(batch, layout(), SeenKeys(), NOW)
    one_by_one = check_batch(
        [RawRow(line, list(r), 0) for line, r in zip(lines, rows, strict=True)], layout(), SeenKeys(), NOW
    )
    return by_columns, one_by_one


def same(by_columns, one_by_one) -> None:
    assert by_columns.records == one_by_one.records
    assert by_columns.lines == one_by_one.lines
    assert list(by_columns.row_records()) == list(one_by_one.row_records())
    assert [e.describe() for e in by_columns.errors] == [e.describe() for e in one_by_one.errors]
    assert [w.describe() for w in by_columns.warnings] == [w.describe() for w in one_by_one.warnings]


def test_the_usual_wide_batch_is_read_column_by_column():
    header = ["MPAN", "Date", *TIMES]
    rows = [[M1, f"2025-11-{d:02d}", *cells(48, d)] for d in range(1, 8)]
    layout = resolve_layout(header, "auto").layout

    columns = layout.parse_batch(rows)

    assert columns is not None and len(columns.values) == 7 * 48
    assert list(columns.sizes) == [48] * 7
    assert columns.starts[0] == datetime(2025, 11, 1, 0, 0, tzinfo=UTC)
    assert columns.starts[-1] == datetime(2025, 11, 7, 23, 30, tzinfo=UTC)
    assert list(columns.periods[:3]) == [1, 2, 3]


WIDE_CASES = {
    "by start time, two meters": (
        ["MPAN", "Date", *TIMES],
        [[m, f"2025-11-{d:02d}", *cells(48, d)] for m in (M1, M2) for d in range(1, 4)],
    ),
    "by period, HH49 and HH50 blank": (
        ["MPAN", "Date", *PERIODS],
        [[M1, f"2025-11-{d:02d}", *cells(48, d), "", ""] for d in range(1, 4)],
    ),
    "blank cells and a last row cut short": (
        ["MPAN", "Date", *TIMES],
        [
            [M1, "2025-11-01", *cells(48, blank=(0, 7, 47))],
            [M1, "2025-11-02", *cells(48, blank=tuple(range(20, 48)))],
        ],
    ),
    "some half hours, out of order": (
        ["MPAN", "Date", "12:00", "00:00", "06:30"],
        [[M1, f"2025-11-{d:02d}", *cells(3, d)] for d in range(1, 4)],
    ),
    "a unit column in Wh and a row flag": (
        ["MPAN", "Date", "Unit", "Type", *TIMES],
        [
            [M1, f"2025-11-{d:02d}", "Wh" if d % 2 else "kWh", "E" if d == 2 else "A", *cells(48, d)]
            for d in range(1, 4)
        ],
    ),
    "a flag beside each half hour": (
        ["MPAN", "Date", *[name for t in TIMES for name in (t, f"{t}_Act_Est")]],
        [[M1, "2025-11-01", *[c for i, v in enumerate(cells(48)) for c in (v, "E" if i % 3 == 0 else "A")]]],
    ),
    "a channel column": (
        ["MPAN", "Date", "Measurement Type", *TIMES],
        [[M1, "2025-11-01", "AI", *cells(48)], [M1, "2025-11-01", "AE", *cells(48, 5)]],
    ),
    "the spring and autumn days": (
        ["MPAN", "Date", *PERIODS],
        [
            [M1, "2026-03-28", *cells(48), "", ""],
            [M1, "2026-03-29", *cells(46), "", "", "", ""],
            [M1, "2025-10-26", *cells(50)],
        ],
    ),
    "a repeated row, a bad cell, a negative value": (
        ["MPAN", "Date", *TIMES],
        [
            [M1, "2025-11-01", *cells(48)],
            [M1, "2025-11-01", *cells(48)],
            [M1, "2025-11-02", "oops", *cells(47)],
            [M1, "2025-11-03", "-1", *cells(47)],
        ],
    ),
    "a row with no readings and a total row": (
        ["MPAN", "Date", *TIMES],
        [[M1, "2025-11-01", *cells(48)], [M1, "2025-11-02", *[""] * 48], ["Total", "", *cells(48)]],
    ),
}


@pytest.mark.parametrize("case", WIDE_CASES)
def test_a_wide_batch_reads_the_same_by_columns_as_row_by_row(case):
    header, rows = WIDE_CASES[case]
    by_columns, one_by_one = both_ways(header, rows)
    same(by_columns, one_by_one)
    assert by_columns.summaries == one_by_one.summaries


def test_a_wide_file_without_a_meter_column_reads_the_same_by_columns():
    header = ["Date", *TIMES]
    rows = [[f"2025-11-{d:02d}", *cells(48, d)] for d in range(1, 4)]
    by_columns, one_by_one = both_ways(header, rows, Mapping(meter=M1))
    same(by_columns, one_by_one)
    assert len(by_columns.records) == 3 * 48
