"""A preview: what an import of a file would do, from its first rows, as a value. Its rows are
checked as the ingest batches check theirs (rowcheck.check_batch, with the detected layout), so
the errors and warnings are the import's own; nothing is written.

Pure: no AWS. The one check that needs the table (a daily reading beside half-hourly ones already
stored) is left out: a preview reads nothing but the caller's profiles."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from ingestion.domain.csvstream import RowReader
from ingestion.domain.formats.column_notes import NOT_READ
from ingestion.domain.formats.detect import AnyLayout, Detected
from ingestion.domain.formats.headers import shown_name
from ingestion.domain.formats.mapping import Mapping
from ingestion.domain.formats.reading import Reading
from ingestion.domain.formats.summary_rows import MAX_SUMMARY_SAMPLES, SummaryRow, describe_summary_rows
from ingestion.domain.framing import Framing
from ingestion.domain.records import Record, kind_of_layout
from ingestion.domain.rowcheck import check_batch
from ingestion.domain.seen_keys import SeenKeys

# A preview is of the first MiB of a file (a browser or the CLI sends that much).
PREVIEW_MAX_BYTES = 1024 * 1024
READINGS_SHOWN = 20
# Errors and warnings shown, at most, of each (an import keeps the first 50 too: job.MAX_ERROR_SAMPLES).
PROBLEMS_SHOWN = 50
_BATCH_ROWS = 1000


@dataclass(frozen=True, slots=True)
class PreviewColumn:
    number: int  # 1-based
    header: str  # as in the file ("Column 3" when the file has no header row)
    field: str | None  # the mapping's field it is read as; None: none
    note: str  # what it is read as, or why it is not


@dataclass(frozen=True, slots=True)
class ShownReading:
    line: int  # the file line of the row it is in
    reading: Reading


@dataclass(frozen=True, slots=True)
class Preview:
    layout: str
    encoding: str
    delimiter: str
    header_line: int  # 0: the file has no header row
    columns: tuple[PreviewColumn, ...]
    mapping: Mapping  # resolved, its columns by header name
    readings: tuple[ShownReading, ...]
    errors: tuple[str, ...]
    warnings: tuple[str, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RowsChecked:
    """What checking a preview's rows found: the first readings, the first problems and how many."""

    readings: tuple[ShownReading, ...]
    errors: tuple[str, ...]
    warnings: tuple[str, ...]
    rows: int
    failed_rows: int
    warning_rows: int
    summaries: tuple[SummaryRow, ...] = ()  # summary rows (Total, Average, ...) skipped


def check_rows(
    reader: RowReader,
    layout: AnyLayout,
    now: datetime,
    overlaps: Callable[[list[Record]], set[tuple[str, date]]] | None = None,
) -> RowsChecked:
    """Every row the reader holds, checked in batches as an import checks them; with `overlaps`
    (the meter-days of a batch's readings that have the other kind in the table already, as the
    import's read of a batch finds them), warned of readings beside the other kind as it is."""
    check = overlaps if kind_of_layout(layout.name).checks_overlaps else None
    seen = SeenKeys()
    readings: list[ShownReading] = []
    errors: list[str] = []
    warnings: list[str] = []
    rows = failed = warned = 0
    summaries: list[SummaryRow] = []
    while not reader.exhausted:
        batch = reader.take(_BATCH_ROWS)
        if not batch:
            break
        checked = check_batch(batch, layout, seen, now)
        if check is not None and checked.records:
            checked.warn_overlaps(check(checked.records))
        seen.mark_warned(checked.warned_lines())
        rows += len(batch)
        summaries += checked.summaries
        failed += len(checked.errors)
        warned += checked.warning_rows
        errors += [problem.describe() for problem in checked.errors[: PROBLEMS_SHOWN - len(errors)]]
        warnings += [problem.describe() for problem in checked.warnings[: PROBLEMS_SHOWN - len(warnings)]]
        if len(readings) < READINGS_SHOWN:
            for index, records in checked.row_records():
                line = checked.lines[index]
                readings += [ShownReading(line, r) for r in records if isinstance(r, Reading)]
                if len(readings) >= READINGS_SHOWN:
                    break
    shown = tuple(readings[:READINGS_SHOWN])
    return RowsChecked(shown, tuple(errors), tuple(warnings), rows, failed, warned, tuple(summaries))


def preview_of(
    detected: Detected,
    framing: Framing,
    delimiter: str,
    header_line: int,
    checked: RowsChecked,
    notes: Sequence[str],
) -> Preview:
    """The preview of a file read with `detected` (its mapping's header_row already the header's
    line), with the notes the reading of its start gave."""
    names = detected.header
    columns = tuple(
        PreviewColumn(
            index + 1,
            shown_name(name),
            read.field if (read := detected.columns_read.get(index)) else None,
            read.note if read else NOT_READ,
        )
        for index, name in enumerate(names)
    )
    said = list(notes)
    if detected.unused_columns:
        said.append(f"Not read: {', '.join(detected.unused_columns)}.")
    if checked.summaries:
        said.append(describe_summary_rows(len(checked.summaries), checked.summaries[:MAX_SUMMARY_SAMPLES]))
    if checked.rows == len(checked.summaries):
        said.append("The file has a header row but no data rows.")
    if checked.failed_rows > len(checked.errors):
        said.append(f"{checked.failed_rows:,} rows have errors; the first {len(checked.errors)} are shown.")
    if checked.warning_rows > len(checked.warnings):
        said.append(
            f"{checked.warning_rows:,} rows have warnings; the first {len(checked.warnings)} are shown."
        )
    if kind_of_layout(detected.layout.name).name == "sites":
        said.append("This is a sites file: its rows are sites, not readings, so no readings are shown.")
    return Preview(
        layout=detected.layout.name,
        encoding=framing.encoding,
        delimiter=delimiter,
        header_line=header_line,
        columns=columns,
        mapping=detected.shown_mapping(),
        readings=checked.readings,
        errors=checked.errors,
        warnings=checked.warnings,
        notes=tuple(said),
    )
