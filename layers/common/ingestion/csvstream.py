"""CSV rows from a byte stream, each with the file line it starts on and the byte offset it ends at.

The offsets are what make resumable, exactly-once segments possible: a cursor is always a row
boundary, so a segment can start a Range GET there. csv.reader pulls one physical line at a time
and only as many as the current record needs (a quoted field may span lines), so the byte count
of the lines it has pulled is exactly the end of the row it just returned."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class RawRow:
    line: int  # the file line the row starts on (header = 1)
    cells: list[str]
    end_offset: int  # byte offset just past the row
    problem: str | None = None  # why the row could not be read as CSV text, if it could not
    next_line: int = 0  # the file line just past the row


def byte_lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Physical lines, each with its terminator (the last may have none)."""
    rest = b""
    for chunk in chunks:
        if rest:
            chunk = rest + chunk
        start = 0
        while (end := chunk.find(b"\n", start)) >= 0:
            yield chunk[start : end + 1]
            start = end + 1
        rest = chunk[start:]
    if rest:
        yield rest


class _LineFeed:
    """Feeds decoded lines to csv.reader while counting bytes and lines consumed."""

    def __init__(self, lines: Iterator[bytes], offset: int) -> None:
        self._lines = lines
        self.offset = offset
        self.lines_read = 0
        self.decode_error = False

    def __iter__(self) -> _LineFeed:
        return self

    def __next__(self) -> str:
        raw = next(self._lines)
        self.offset += len(raw)
        self.lines_read += 1
        if self.offset == len(raw) and raw.startswith(BOM):
            raw = raw[len(BOM) :]
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            # The row is reported as an error; its text is never stored in a replaced form.
            self.decode_error = True
            return raw.decode("utf-8", errors="replace")


def first_line(chunks: Iterator[bytes]) -> tuple[str, Iterator[bytes]]:
    """Peek at the first physical line (to detect the delimiter) and give back the whole stream."""
    lines = byte_lines(chunks)
    head = next(lines, b"")

    def replay() -> Iterator[bytes]:
        if head:
            yield head
        yield from lines

    text = head.removeprefix(BOM).decode("utf-8", errors="replace")
    return text, replay()


class RowReader:
    """Rows from `start_offset` (a row boundary) until EOF or the first row starting at or after
    `end_offset`. Blank lines and rows of blank cells are skipped (they carry no data).

    `offset` and `line` always tell where reading has got to, including past trailing blank lines;
    `exhausted` turns true once the range has been read to its end.
    """

    def __init__(
        self,
        lines: Iterator[bytes],
        *,
        delimiter: str,
        start_offset: int,
        start_line: int,
        end_offset: int | None = None,
    ) -> None:
        self._feed = _LineFeed(lines, start_offset)
        self._reader = csv.reader(self._feed, delimiter=delimiter)
        self._start_line = start_line
        self._end = end_offset
        self.exhausted = False
        self._rows = self._generate()  # one iteration, however often iter() is called

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
            feed.decode_error = False
            problem = None
            try:
                cells = next(self._reader)
            except StopIteration:
                break
            except csv.Error as exc:
                cells, problem = [], f"the line cannot be read as CSV ({exc})"
            if feed.decode_error:
                problem = "the line is not valid UTF-8 text"
            if problem is None and not any(cell.strip() for cell in cells):
                continue
            yield RawRow(line, cells, feed.offset, problem, self.line)
        # End of file, or of this shard's byte range: nothing more for this reader.
        self.exhausted = True
