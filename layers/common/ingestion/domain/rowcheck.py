"""What one batch of rows amounts to, before anything is written: the records to store, the rows
that fail (errors: skipped) and the rows that pass with a doubt (warnings: kept, counted apart).

Pure: no AWS. The checks that need the table (a daily reading beside half-hourly ones, whether a
reading exists already) take what the table says as arguments."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import cast

from ingestion.domain.csvstream import RawRow, RowBatch
from ingestion.domain.formats import AnyLayout as Layout
from ingestion.domain.formats import RowError
from ingestion.domain.formats.headers import Column
from ingestion.domain.formats.reading import Reading, ReadingColumns
from ingestion.domain.formats.row_errors import describe_problem
from ingestion.domain.formats.summary_rows import SummaryRow, SummaryRowFound
from ingestion.domain.records import MAX_PLAUSIBLE_KWH, Record, RecordKind, kind_of_layout, overlap_warning
from ingestion.domain.seen_keys import SeenKeys


@dataclass(frozen=True, slots=True)
class Problem:
    """An error or a warning about one row, with everything the error report shows."""

    line: int
    column: int | None
    column_name: str | None
    message: str
    cells: tuple[str, ...] = ()

    def describe(self) -> str:
        return describe_problem(self.line, self.column, self.column_name, self.message)


@dataclass
class CheckedBatch:
    """The rows of a batch that pass (their records and lines, in file order), and the problems."""

    records: list[Record] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # the line of each row that passes
    sizes: list[int] | None = None  # how many records each row that passes has (None: one each)
    warned: set[int] = field(default_factory=set)  # rows (by index in `lines`) with a warning
    repeats: set[int] = field(default_factory=set)  # rows with a record that came earlier in the file
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    summaries: list[SummaryRow] = field(default_factory=list)  # rows skipped as Total, Average, ...

    @property
    def imported(self) -> int:
        return len(self.lines)

    @property
    def warning_rows(self) -> int:
        return len(self.warned)

    def row_records(self) -> Iterator[tuple[int, list[Record]]]:
        """(index, records) of each row that passes."""
        if self.sizes is None:
            for index, record in enumerate(self.records):
                yield index, [record]
            return
        start = 0
        for index, size in enumerate(self.sizes):
            yield index, self.records[start : start + size]
            start += size

    def add_row(self, line: int, records: list[Record]) -> int:
        """Add a row that passes; its index."""
        index = len(self.lines)
        if self.sizes is None and len(records) != 1:
            self.sizes = [1] * index
        if self.sizes is not None:
            self.sizes.append(len(records))
        self.lines.append(line)
        self.records.extend(records)
        return index

    def warned_lines(self) -> list[int]:
        """The lines of the rows that pass with a warning."""
        return [self.lines[row] for row in self.warned]

    def warn(self, row: int, column: Column | None, message: str) -> None:
        self.warned.add(row)
        index, name = (None, None) if column is None else (column.index + 1, column.name)
        self.warnings.append(Problem(self.lines[row], index, name, message))

    def warn_overlaps(self, overlaps: set[tuple[str, date]]) -> None:
        """A warning on each row with a daily reading beside half-hourly ones for the same meter,
        channel and day, or half-hourly ones beside a daily one (in the table already: `overlaps`,
        as store/lookup.py read_batch finds them); once a row and day."""
        if not overlaps:
            return
        for row, row_records in self.row_records():
            warned = set()
            for reading in cast(list[Reading], row_records):
                pair = (reading.partition, reading.local_date)
                if pair in overlaps and pair not in warned:
                    warned.add(pair)
                    self.warn(row, None, overlap_warning(reading))


def check_batch(
    rows: RowBatch | Iterable[RawRow], layout: Layout | None, seen: SeenKeys, now: datetime
) -> CheckedBatch:
    """Parse and check each row. Keys are remembered in `seen` so a repeat later in the file warns.

    A batch read by RowReader.take is first read column by column: when every row is valid and
    none has anything to warn about (the usual batch), that is the whole check, without Python code
    run per row. Otherwise, or for rows read one at a time, each row is read and checked in turn."""
    if isinstance(rows, RowBatch):
        if layout is not None and rows.cells and not rows.problems:
            columns = layout.parse_batch(rows.cells)
            if columns is not None and _plain(columns, seen, now):
                sizes = None if columns.sizes is None else list(columns.sizes)
                return CheckedBatch(
                    records=cast(list[Record], columns.readings()), lines=rows.lines, sizes=sizes
                )
        return _check_rows(rows.rows(), layout, seen, now)
    return _check_rows(((raw.line, raw.cells, raw.problem) for raw in rows), layout, seen, now)


def _plain(columns: ReadingColumns, seen: SeenKeys, now: datetime) -> bool:
    """Whether a batch's readings have nothing to warn about: then their keys are in `seen`. (False
    changes nothing: the rows are checked one by one, which says what and where.)"""
    if columns.repeatable is not None:
        return False  # the hour the clocks go back: is it the first or the second? (remember)
    values = columns.values
    if min(values) < 0 or max(values) > MAX_PLAUSIBLE_KWH[columns.kind] or max(columns.starts) > now:
        return False
    return seen.add_new(columns)


def _check_rows(
    rows: Iterable[tuple[int, list[str], str | None]], layout: Layout | None, seen: SeenKeys, now: datetime
) -> CheckedBatch:
    batch = CheckedBatch()
    kind = kind_of_layout(layout.name if layout is not None else None)
    for line, cells, problem in rows:
        if problem is not None:
            batch.errors.append(Problem(line, None, None, problem, tuple(cells)))
            continue
        assert layout is not None  # only an empty file has no layout, and it has no rows
        try:
            records: list[Record] = list(layout.parse_row(cells))
        except SummaryRowFound as exc:
            batch.summaries.append(SummaryRow(line, exc.label))
            continue
        except RowError as exc:
            batch.errors.append(Problem(line, exc.column, exc.column_name, exc.message, tuple(cells)))
            continue
        remembered = [kind.remember(seen, record) for record in records]
        row = batch.add_row(line, [record for record, _ in remembered])
        for record, new in remembered:
            if not new:
                batch.repeats.add(row)
                batch.warn(row, None, repeat_warning(kind, record))
            for message in kind.doubts(record, now):
                batch.warn(row, layout.value_column(record), message)
    return batch


def repeat_warning(kind: RecordKind, record: Record) -> str:
    return f"{kind.describe(record)} appears earlier in the file too; this row's is kept"


def utc_now(now: float) -> datetime:
    return datetime.fromtimestamp(now, UTC)
