"""Reading a job's file: from its first byte (framing, delimiter, header), or one shard's range
from its cursor. Every read is of the object the job started on (read_job_file)."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from ingestion.domain.csvstream import RawRow, RowReader, open_rows
from ingestion.domain.formats import FileFormatError, detect_delimiter
from ingestion.domain.formats.detect import FileFacts, header_score, numbered_header, preamble_meter
from ingestion.domain.formats.mapping import MAX_PREAMBLE_LINES, Mapping
from ingestion.domain.formats.row_errors import MappingError
from ingestion.domain.framing import SNIFF_BYTES, Framing, NotCsvError, peek, sniff
from ingestion.domain.job import Job
from ingestion.store.objects import ObjectStore

# Excel writes "sep=;" as a first line to name the delimiter; the header row follows it.
EXCEL_SEPARATOR = re.compile(r"sep=(.)")
# The data rows after the header that the first segment looks at, for what the header cannot say
# (the dates' order, the decimal mark, times ending their half hour): at most this many, from the
# file's first SNIFF_BYTES.
SAMPLE_ROWS = 500


@dataclass(frozen=True)
class FileStart:
    """A file read from its first byte: how it is framed, where its header row is (and what it
    says), and its rows after the header, ready to read."""

    framing: Framing
    delimiter: str
    reader: RowReader
    header: RawRow | None  # None: the file is empty
    facts: FileFacts = field(default_factory=FileFacts)


def read_file_start(
    chunks: Iterable[bytes],
    *,
    mapping: Mapping | None = None,
    end_offset: int | None = None,
    end_line: int | None = None,
) -> FileStart:
    """A file read from its first byte: its framing, its header row (found below up to
    MAX_PREAMBLE_LINES lines of titles and blank lines, or where the mapping's header_row says;
    Excel's "sep=;" first line honoured), its delimiter (the header row's), what the preamble and
    the first rows say (FileFacts), and its rows from the one after the header. NotCsvError when it
    is not CSV text; FileFormatError when the mapping's header row is not in the file."""
    head, chunks = peek(chunks)
    complete = len(head) < SNIFF_BYTES
    framing = sniff(head[:SNIFF_BYTES], complete=complete)
    lines = head_lines(head, framing, complete=complete)
    header_at, delimiter = find_header_line(lines, mapping)
    reader = open_rows(chunks, framing, delimiter=delimiter, end_offset=end_offset, end_line=end_line)
    rows = iter(reader)
    if header_at == 0:  # no header row: the columns by number, every row data
        first = next((line for line in lines if line.strip()), None)
        if first is None:
            return FileStart(framing, delimiter, reader, None)
        width = len(_cells(first, delimiter)) or 1
        numbered = RawRow(line=0, cells=numbered_header(width), end_offset=len(framing.bom), next_line=1)
        sample = _sample(lines, 0, delimiter)
        return FileStart(framing, delimiter, reader, numbered, FileFacts(delimiter, None, sample))
    header: RawRow | None = next(rows, None)
    while header is not None and header.line < header_at:
        header = next(rows, None)  # a preamble line (titles, "MPAN: ...") or Excel's sep= line
    if header is not None and header.line > header_at:
        raise FileFormatError(
            f"The lines above the header row (line {header_at}) cannot be read: a quote in them runs on "
            "past it. Remove the lines above the header row, and upload the file again."
        )
    facts = FileFacts(delimiter, preamble_meter(lines[: header_at - 1]), _sample(lines, header_at, delimiter))
    return FileStart(framing, delimiter, reader, header, facts)


def not_csv(exc: NotCsvError) -> FileFormatError:
    """What an import of a file that is not CSV text fails with."""
    return FileFormatError(
        f"This is not a CSV file: {exc}. Save it as CSV (comma-separated values) and upload that."
    )


def unreadable_header(header: RawRow) -> FileFormatError | None:
    """What an import fails with when its header row cannot be read as CSV text (None: it can)."""
    if header.problem is None:
        return None
    return FileFormatError(f"The header row (line {header.line}) cannot be read: {header.problem}")


def head_lines(head: bytes, framing: Framing, *, complete: bool) -> list[str]:
    """The file's first physical lines, decoded, from its first bytes (the last, cut off, left out
    unless they are the whole file)."""
    text = framing.decode(head)
    lines = text.split("\r" if framing.line_ending == "CR" else "\n")
    if not complete and len(lines) > 1:
        lines = lines[:-1]
    return [line.removesuffix("\r") for line in lines]


def find_header_line(lines: list[str], mapping: Mapping | None) -> tuple[int, str]:
    """The line number of the header row (0: the mapping says the file has none) and the delimiter.

    The header row is the mapping's header_row, else the first of the first MAX_PREAMBLE_LINES + 1
    lines that names at least two columns the service knows (detect.header_score), else the first
    line that is not blank (whose header, if it is none, says why)."""
    first = 0
    directive = EXCEL_SEPARATOR.fullmatch(lines[0].strip()) if lines else None
    if directive:
        first = 1
    given = mapping.header_row if mapping is not None else None
    if given is not None:
        if given == 0:
            line = next((text for text in lines[first:] if text.strip()), "")
            return 0, directive[1] if directive else detect_delimiter(line)
        if given > len(lines):
            raise MappingError(
                f"The mapping says the header row is line {given}, but the file has {len(lines)} lines"
            )
        line = lines[given - 1]
        return given, directive[1] if directive else detect_delimiter(line)
    fallback: tuple[int, str] | None = None
    for index in range(first, min(len(lines), first + MAX_PREAMBLE_LINES + 1)):
        line = lines[index]
        if not line.strip():
            continue
        delimiter = directive[1] if directive else detect_delimiter(line)
        if fallback is None:
            fallback = (index + 1, delimiter)
        if header_score(_cells(line, delimiter)) >= 2:
            return index + 1, delimiter
    return fallback or (first + 1, directive[1] if directive else ",")


def _cells(line: str, delimiter: str) -> list[str]:
    """A line's cells, for a look at them (a line longer than any header row has none)."""
    if len(line) > _LONGEST_LOOKED_AT:
        return []
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return []


# Header rows are at most 4 KB of names (headers.MAX_HEADER_BYTES) and their delimiters.
_LONGEST_LOOKED_AT = 8 * 1024


def _sample(lines: list[str], header_at: int, delimiter: str) -> list[list[str]]:
    following = lines[header_at : header_at + SAMPLE_ROWS]
    return [cells for line in following if line.strip() and (cells := _cells(line, delimiter))]


def end_line(job: Job, index: int) -> int | None:
    """The line a shard's range ends on: the next shard's first line (None: the shard runs to the
    end of the file, or its job was split before shards recorded their first lines)."""
    shard = job.shards[index]
    if shard.end is None or index + 1 >= len(job.shards):
        return None
    following = job.shards[index + 1]
    return following.first_line if following.start == shard.end and following.first_line > 1 else None


def read_job_file(job: Job, objects: ObjectStore, start: int) -> Iterator[bytes]:
    """The job's file from a byte offset: the object the job started on (its ETag), never one
    uploaded later under the same key (ObjectReplacedError, when the read begins)."""
    return objects.read_from(job.s3_key, start, etag=job.file_etag)


def chunks_from_cursor(job: Job, index: int, objects: ObjectStore) -> Iterator[bytes]:
    """The file's bytes from a shard's cursor (none when the cursor is at the end of the file)."""
    shard = job.shards[index]
    if job.bytes_total is not None and shard.offset >= job.bytes_total:
        return iter(())  # nothing left: a Range GET past the end would be refused
    return read_job_file(job, objects, shard.offset)


def rows_in_range(
    job: Job, chunks: Iterable[bytes], *, start: int, line: int, end: int | None, end_at_line: int | None
) -> RowReader:
    """A reader of the rows of a job whose header is known, from a row boundary."""
    assert job.delimiter is not None
    return open_rows(
        chunks,
        job.framing,
        delimiter=job.delimiter,
        start_offset=start,
        start_line=line,
        end_offset=end,
        end_line=end_at_line,
    )
