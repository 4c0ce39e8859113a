"""Previewing an import: what it would do with a file, from the file's first MiB (its layout, how
each column is read, the first readings, the errors, warnings and notes), writing nothing and
creating no job. A file the import would fail is a 422 with the import's own message."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ingestion.domain.errors import InvalidRequestError, PayloadTooLargeError, UnprocessableFileError
from ingestion.domain.formats import FileFormatError, ImportFormat
from ingestion.domain.formats.detect import resolve_layout
from ingestion.domain.formats.mapping import Mapping
from ingestion.domain.framing import SNIFF_BYTES, NotCsvError, sniff
from ingestion.domain.job import ImportOptions
from ingestion.domain.preview import PREVIEW_MAX_BYTES, Preview, check_rows, preview_of
from ingestion.domain.rowcheck import utc_now
from ingestion.services.imports import with_profile
from ingestion.services.ingest.files import not_csv, read_file_start, unreadable_header
from ingestion.services.wiring import Services

CUT_OFF_NOTE = "The last line was cut off and is not shown."


@dataclass(frozen=True)
class PreviewRequest:
    """The start of a file, and how to read it (as an import is asked: format, mapping, profile)."""

    body: bytes
    format: ImportFormat | None = None
    mapping: Mapping | None = None
    profile: str | None = None


def preview_import(request: PreviewRequest, owner: str, svc: Services) -> Preview:
    """What an import of the file would do, read as POST /imports reads it (the profile's mapping
    with the request's over it). Reads the owner's profile and, for the daily-beside-half-hourly
    warning, the readings table's days of the other kind, as an import does; writes nothing."""
    body = request.body
    if not body:
        raise InvalidRequestError("the request body is empty: send the start of the CSV file as the body")
    if len(body) > PREVIEW_MAX_BYTES:
        raise PayloadTooLargeError(
            f"the body is {len(body):,} bytes; a preview takes at most {PREVIEW_MAX_BYTES:,} bytes: "
            "send the file's first MiB (a last line cut off there is ignored)"
        )
    asked = ImportOptions("preview", request.format, mapping=request.mapping, profile=request.profile)
    options = with_profile(asked, owner, svc)
    notes: list[str] = []
    try:
        body, cut = _whole_lines(body)
        start = read_file_start((body,), mapping=options.mapping)
        header = start.header
        if header is None:
            raise FileFormatError("The file is empty: there is nothing to import.")
        if (unreadable := unreadable_header(header)) is not None:
            raise unreadable
        detected = resolve_layout(header.cells, options.format or "auto", options.mapping, start.facts)
    except NotCsvError as exc:
        raise UnprocessableFileError(str(not_csv(exc))) from None
    except FileFormatError as exc:
        raise UnprocessableFileError(str(exc)) from None
    mapping = detected.mapping.model_copy(update={"header_row": header.line})
    detected = replace(detected, mapping=mapping)
    if header.line == 2:
        notes.append("Line 1, above the header row, is skipped.")
    elif header.line > 2:
        notes.append(f"Lines 1 to {header.line - 1}, above the header row, are skipped.")
    given = options.mapping.meter if options.mapping is not None else None
    if mapping.meter is not None and given is None and "meter" not in mapping.columns:
        notes.append(f"The meter is {mapping.meter}, from a line above the header row.")
    # (the one read a preview makes of the table: a batch's days of the other kind, as the import's)
    overlaps = lambda records: svc.lookup.read_batch(records).overlaps  # noqa: E731
    checked = check_rows(start.reader, detected.layout, utc_now(svc.clock()), overlaps)
    if cut:
        notes.append(CUT_OFF_NOTE)
    return preview_of(detected, start.framing, start.delimiter, header.line, checked, notes)


def _whole_lines(body: bytes) -> tuple[bytes, bool]:
    """The body without its last line when that was cut off: a body of the largest size a preview
    takes that does not end with a line ending is a file's first MiB, cut part way through a line.
    (A shorter body is the whole file: its last line is a row, with or without a line ending.)"""
    if len(body) < PREVIEW_MAX_BYTES:
        return body, False
    framing = sniff(body[:SNIFF_BYTES], complete=False)
    ending = framing.terminator
    if body.endswith(ending) or (framing.line_ending == "CRLF" and body.endswith("\r".encode(framing.codec))):
        return body, False
    at = body.rfind(ending)
    while at >= 0 and (at - len(framing.bom)) % framing.unit:
        at = body.rfind(ending, 0, at + len(ending) - 1)
    return (body, False) if at < 0 else (body[: at + len(ending)], True)
