"""CSV rows from a byte stream, each with the file line it starts on and the byte offset it ends at.

The offsets are what make resumable, exactly-once segments possible: a cursor is always a row
boundary, so a segment can start a Range GET there. csv.reader pulls one physical line at a time
and only as many as the current record needs (a quoted field may span lines), so the byte count
of the lines it has pulled is exactly the end of the row it just returned.

How a file is framed (its encoding, byte-order mark and line ending) is sniffed once, from its
first 64 KiB, recorded on the job, and used by every later segment, so all of them split and
decode the bytes the same way."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

BOM = b"\xef\xbb\xbf"
SNIFF_BYTES = 64 * 1024
# A physical line longer than this is a row error; its bytes are counted and skipped, never held.
MAX_LINE_BYTES = 1024 * 1024

# label -> (Python codec, byte-order mark). The label is what the job records and shows.
ENCODINGS: dict[str, tuple[str, bytes]] = {
    "UTF-8": ("utf-8", b""),
    "UTF-8 with BOM": ("utf-8", BOM),
    "UTF-16LE with BOM": ("utf-16-le", codecs.BOM_UTF16_LE),
    "UTF-16BE with BOM": ("utf-16-be", codecs.BOM_UTF16_BE),
    "UTF-16LE": ("utf-16-le", b""),
    "UTF-16BE": ("utf-16-be", b""),
    "Windows-1252": ("cp1252", b""),
    "ISO-8859-1": ("latin-1", b""),
}
LINE_ENDINGS = ("LF", "CRLF", "CR")

# What a file that is not text looks like, by its first bytes.
_SIGNATURES = {
    b"PK\x03\x04": "a ZIP archive, such as an Excel workbook (.xlsx) or an OpenDocument spreadsheet",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1": "an Excel 97-2003 workbook (.xls) or another old Office document",
    b"%PDF": "a PDF document",
    b"\x1f\x8b": "a gzip-compressed file",
    b"BZh": "a bzip2-compressed file",
    b"7z\xbc\xaf\x27\x1c": "a 7-Zip archive",
    b"Rar!": "a RAR archive",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"{\\rtf": "a Rich Text document (.rtf)",
    b"SQLite format 3": "an SQLite database",
}
# Text that is really a document, not a table (checked case-insensitively after leading blanks).
_MARKUP = {
    b"<?xml": "an XML document (Excel's XML Spreadsheet 2003 format, perhaps)",
    b"<!doctype html": "an HTML page",
    b"<html": "an HTML page",
    b"<table": "an HTML table",
}
_TEXT_CONTROLS = frozenset("\t\n\r\f\x1a")  # control characters a text file may hold
_MAX_CONTROL_SHARE = 0.01


class NotCsvError(Exception):
    """The file is not CSV text at all; the message says what it looks like."""


@dataclass(frozen=True, slots=True)
class Framing:
    encoding: str = "UTF-8"  # a key of ENCODINGS
    line_ending: str = "LF"  # LF, CRLF or CR: CR-only files split on CR, the others on LF

    @property
    def codec(self) -> str:
        return ENCODINGS[self.encoding][0]

    @property
    def bom(self) -> bytes:
        return ENCODINGS[self.encoding][1]

    @property
    def unit(self) -> int:
        """Bytes per code unit: a line terminator only counts at a multiple of this from a line start."""
        return 2 if self.codec.startswith("utf-16") else 1

    @property
    def terminator(self) -> bytes:
        return ("\r" if self.line_ending == "CR" else "\n").encode(self.codec)

    def decode(self, data: bytes) -> str:
        return data.removeprefix(self.bom).decode(self.codec, errors="replace")


def sniff(head: bytes, *, complete: bool) -> Framing:
    """The framing of a file from its first bytes (`complete`: they are the whole file).

    NotCsvError for a file that is binary, or a document rather than a table."""
    encoding = _encoding(head, complete)
    codec, bom = ENCODINGS[encoding]
    text = head.removeprefix(bom).decode(codec, errors="replace")
    controls = sum(1 for ch in text if ch < " " and ch not in _TEXT_CONTROLS)
    if text and controls / len(text) > _MAX_CONTROL_SHARE:
        raise NotCsvError(
            f"it contains binary data ({controls} control characters in its first {len(head)} bytes)"
        )
    start = text.lstrip().encode("ascii", errors="replace")[:16].lower()
    for signature, what in _MARKUP.items():
        if start.startswith(signature):
            raise NotCsvError(f"it looks like {what}")
    newline = text.find("\n")
    if newline >= 0:
        line_ending = "CRLF" if newline > 0 and text[newline - 1] == "\r" else "LF"
    else:
        line_ending = "CR" if "\r" in text else "LF"
    return Framing(encoding, line_ending)


def _encoding(head: bytes, complete: bool) -> str:
    for label in ("UTF-8 with BOM", "UTF-16LE with BOM", "UTF-16BE with BOM"):
        if head.startswith(ENCODINGS[label][1]):
            return label
    for signature, what in _SIGNATURES.items():
        if head.startswith(signature):
            raise NotCsvError(f"it looks like {what}")
    if b"\x00" in head:
        # UTF-16 without a byte-order mark: ASCII text puts a NUL in every other byte.
        even, odd = head[0::2], head[1::2]
        if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
            return "UTF-16LE"
        if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
            return "UTF-16BE"
        raise NotCsvError("it contains binary data (NUL bytes), not text")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=complete)
    except UnicodeDecodeError:
        # UTF-8 text with a stray byte or two stays UTF-8 (those rows are errors): it shows more
        # well-formed multi-byte characters than broken bytes. Otherwise it is a single-byte encoding.
        text = head.decode("utf-8", errors="replace")
        broken = text.count("\ufffd")
        if sum(1 for ch in text if ch > "\x7f") - broken > broken:
            return "UTF-8"
        try:
            head.decode("cp1252")
        except UnicodeDecodeError:
            return "ISO-8859-1"  # every byte is a character; cp1252 leaves five undefined
        return "Windows-1252"
    return "UTF-8"


def peek(chunks: Iterable[bytes], size: int = SNIFF_BYTES) -> tuple[bytes, Iterator[bytes]]:
    """At least `size` bytes from the start of a stream (fewer: it is the whole stream), and the
    whole stream again."""
    stream = iter(chunks)
    taken: list[bytes] = []
    length = 0
    for chunk in stream:
        taken.append(chunk)
        length += len(chunk)
        if length >= size:
            break
    head = b"".join(taken)

    def replay() -> Iterator[bytes]:
        yield head
        yield from stream

    return head, replay()


def first_line(head: bytes, framing: Framing) -> str:
    """The first physical line of the file, decoded (for detecting the delimiter)."""
    text = framing.decode(head)
    end = text.find("\r" if framing.line_ending == "CR" else "\n")
    return text if end < 0 else text[:end]


@dataclass(frozen=True, slots=True)
class LongLine:
    """A physical line longer than the limit: only its size is kept."""

    size: int


def byte_lines(
    chunks: Iterable[bytes], terminator: bytes = b"\n", unit: int = 1, max_line: int = MAX_LINE_BYTES
) -> Iterator[bytes | LongLine]:
    """Physical lines, each with its terminator (the last may have none). The stream must start at
    a line start. A line longer than `max_line` comes out as a LongLine, its bytes never held."""
    width = len(terminator)
    rest = b""
    skipped = 0  # bytes of an over-long line dropped so far
    for chunk in chunks:
        if rest:
            chunk = rest + chunk
        start = search = 0
        while (end := chunk.find(terminator, search)) >= 0:
            if (end - start) % unit:  # e.g. UTF-16 "\n\0" straddling two characters: not a newline
                search = end + 1
                continue
            stop = end + width
            if skipped or stop - start > max_line:
                yield LongLine(skipped + stop - start)
                skipped = 0
            else:
                yield chunk[start:stop]
            start = search = stop
        rest = chunk[start:]
        if len(rest) > max_line:
            # Keep the tail that may hold the start of a terminator; drop whole code units before it.
            drop = (len(rest) - width) // unit * unit
            skipped += drop
            rest = rest[drop:]
    if skipped:
        yield LongLine(skipped + len(rest))
    elif rest:
        yield rest


@dataclass(frozen=True, slots=True)
class RawRow:
    line: int  # the file line the row starts on (header = 1)
    cells: list[str]
    end_offset: int  # byte offset just past the row
    problem: str | None = None  # why the row could not be read as CSV text, if it could not
    next_line: int = 0  # the file line just past the row


class _LineFeed:
    """Feeds decoded lines to csv.reader while counting bytes and lines consumed."""

    def __init__(self, lines: Iterator[bytes | LongLine], offset: int, framing: Framing) -> None:
        self._lines = lines
        self.offset = offset
        self.lines_read = 0
        self._codec = framing.codec
        self._bom = framing.bom if offset == 0 else b""
        self.problem: str | None = None
        self._not_text = f"the line is not valid {framing.encoding} text"

    def __iter__(self) -> _LineFeed:
        return self

    def __next__(self) -> str:
        raw = next(self._lines)
        self.lines_read += 1
        if type(raw) is LongLine:
            self.offset += raw.size
            self.problem = f"the line is longer than {MAX_LINE_BYTES // 1024} KiB, the most a row may be"
            return "\n"  # to csv.reader: the row ends here
        assert isinstance(raw, bytes)
        self.offset += len(raw)
        if self._bom:
            raw = raw.removeprefix(self._bom)
            self._bom = b""
        try:
            return raw.decode(self._codec)
        except UnicodeDecodeError:
            # The row is reported as an error; its text is never stored in a replaced form.
            self.problem = self._not_text
            return raw.decode(self._codec, errors="replace")


# csv.Error messages (strict mode), as a person reads them.
_CSV_PROBLEMS = {
    "unexpected end of data": "the file ends inside a quoted field: its closing quote is missing",
    "expected after": "a closing quote must be followed by the delimiter or the end of the line",
    "field larger than field limit": "a cell is longer than {limit} characters, the most a cell may be",
    "new-line character seen in unquoted field": "a line break inside a cell that is not in quotes",
}


def _describe_csv_error(exc: csv.Error) -> str:
    text = str(exc)
    for fragment, problem in _CSV_PROBLEMS.items():
        if fragment in text:
            return problem.format(limit=csv.field_size_limit())
    return f"the line cannot be read as CSV ({text})"


class RowReader:
    """Rows from `start_offset` (a row boundary) until EOF or the first row starting at or after
    `end_offset`. Blank lines and rows of blank cells are skipped (they carry no data).

    `offset` and `line` always tell where reading has got to, including past trailing blank lines;
    `exhausted` turns true once the range has been read to its end.
    """

    def __init__(
        self,
        lines: Iterator[bytes | LongLine],
        *,
        delimiter: str,
        start_offset: int,
        start_line: int,
        end_offset: int | None = None,
        framing: Framing = Framing(),
    ) -> None:
        self._feed = _LineFeed(lines, start_offset, framing)
        # strict: a stray quote or a missing closing quote is a row error, not silently different data.
        self._reader = csv.reader(self._feed, delimiter=delimiter, strict=True)
        self._start_line = start_line
        self._end = end_offset
        self.exhausted = False
        self._rows = self._generate()  # one iteration, however often iter() is called

    def stop_at(self, end_offset: int) -> None:
        """Read no row that starts at or after this offset (the range was cut shorter)."""
        self._end = end_offset

    @property
    def offset(self) -> int:
        return self._feed.offset

    @property
    def line(self) -> int:
        return self._start_line + self._feed.lines_read

    def __iter__(self) -> Iterator[RawRow]:
        return self._rows

    def _generate(self) -> Iterator[RawRow]:
        feed = self._feed
        while self._end is None or feed.offset < self._end:
            line = self.line
            feed.problem = None
            try:
                cells = next(self._reader)
            except StopIteration:
                break
            except csv.Error as exc:
                cells = []
                if feed.problem is None:
                    feed.problem = _describe_csv_error(exc)
            if feed.problem is None and not any(cell.strip() for cell in cells):
                continue
            yield RawRow(line, cells, feed.offset, feed.problem, self.line)
        # End of file, or of this shard's byte range: nothing more for this reader.
        self.exhausted = True


def open_rows(
    chunks: Iterable[bytes],
    framing: Framing,
    *,
    delimiter: str,
    start_offset: int = 0,
    start_line: int = 1,
    end_offset: int | None = None,
) -> RowReader:
    """The rows of a stream that starts at a row boundary of a file with this framing."""
    lines = byte_lines(chunks, framing.terminator, framing.unit)
    return RowReader(
        lines,
        delimiter=delimiter,
        start_offset=start_offset,
        start_line=start_line,
        end_offset=end_offset,
        framing=framing,
    )
