"""Reading a job's file: from its first byte (framing, delimiter, header), or one shard's range
from its cursor. Every read is of the object the job started on (read_job_file)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from ingestion.domain.csvstream import RawRow, RowReader, open_rows
from ingestion.domain.formats import detect_delimiter
from ingestion.domain.framing import SNIFF_BYTES, Framing, first_line, peek, sniff
from ingestion.domain.job import Job
from ingestion.store.objects import ObjectStore

# Excel writes "sep=;" as a first line to name the delimiter; the header row follows it.
EXCEL_SEPARATOR = re.compile(r"sep=(.)")


def read_file_start(
    chunks: Iterable[bytes], *, end_offset: int | None = None, end_line: int | None = None
) -> tuple[Framing, str, RowReader, RawRow | None]:
    """A file read from its first byte: its framing, its delimiter (Excel's "sep=;" first line
    honoured), its rows, and its header row, already read from them (None: the file is empty).
    NotCsvError when it is not CSV text."""
    head, chunks = peek(chunks)
    framing = sniff(head[:SNIFF_BYTES], complete=len(head) < SNIFF_BYTES)
    text = first_line(head, framing)
    directive = EXCEL_SEPARATOR.fullmatch(text.strip())
    delimiter = directive[1] if directive else detect_delimiter(text)
    reader = open_rows(chunks, framing, delimiter=delimiter, end_offset=end_offset, end_line=end_line)
    rows = iter(reader)
    header = next(rows, None)
    if directive and header is not None:
        header = next(rows, None)  # the header is the line after the directive
    return framing, delimiter, reader, header


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
