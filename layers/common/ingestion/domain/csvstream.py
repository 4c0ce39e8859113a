"""CSV rows from a byte stream, each with the file line it starts on and the byte offset it ends at.

The offsets are what make resumable, exactly-once segments possible: a cursor is always a row
boundary, so a segment can start a Range GET there. csv.reader pulls one physical line at a time
and only as many as the current record needs (a quoted field may span lines), so the byte count
of the lines it has pulled is exactly the end of the row it just returned.

How the bytes are decoded and split into lines (the file's Framing) is framing.py's."""

from __future__ import annotations

import csv
import io
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from itertools import accumulate, chain, islice

from ingestion.domain.framing import Framing

# A physical line longer than this is a row error; its bytes are counted and skipped, never held.
MAX_LINE_BYTES = 1024 * 1024
# Lines are decoded and split this many bytes at a time (at most; a longer line comes alone).
RUN_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class LongLine:
    """A physical line longer than the limit: only its size is kept."""

    size: int


def byte_lines(
    chunks: Iterable[bytes],
    terminator: bytes = b"\n",
    unit: int = 1,
    max_line: int = MAX_LINE_BYTES,
    *,
    run_bytes: int = 0,
) -> Iterator[bytes | LongLine]:
    """Physical lines, each with its terminator (the last may have none). The stream must start at
    a line start. A line longer than `max_line` comes out as a LongLine, its bytes never held.

    With `run_bytes` (and one-byte code units), the whole lines that fit in that many bytes come out
    together as one bytes object, a run of lines, so that they can be decoded and split at once."""
    width = len(terminator)
    runs = min(run_bytes, max_line) if unit == 1 else 0
    rest = b""
    skipped = 0  # bytes of an over-long line dropped so far
    for chunk in chunks:
        if rest:
            chunk = rest + chunk
        start = search = 0
        while True:
            if runs and not skipped and (cut := chunk.rfind(terminator, start, start + runs)) >= 0:
                stop = cut + width
                yield chunk[start:stop]
                start = search = stop
                continue
            end = chunk.find(terminator, search)
            if end < 0:
                break
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


# A frozen dataclass's __init__ sets each field through object.__setattr__, which costs about as much
# as csv.reader takes to read the row; the reader sets the slots directly. Rows read one at a time
# (counting a direct upload's rows, the merge of a split file, an old job's shards): 27 % of that pass.
# (Batches, RowReader.take, build no RawRow.)
_new = object.__new__
_line, _cells, _end_offset, _problem, _next_line = (vars(RawRow)[f.name].__set__ for f in fields(RawRow))


def _raw_row(line: int, cells: list[str], end_offset: int, problem: str | None, next_line: int) -> RawRow:
    """RawRow(...), the same object, built in half the time."""
    row = _new(RawRow)
    _line(row, line)
    _cells(row, cells)
    _end_offset(row, end_offset)
    _problem(row, problem)
    _next_line(row, next_line)
    return row


@dataclass(slots=True)
class RowBatch:
    """Rows read together (RowReader.take): what a batch of the ingest loop holds. Only where the
    batch ends is an offset; a row's own end is not kept."""

    cells: list[list[str]]
    lines: list[int]  # the file line each row starts on
    problems: dict[int, str]  # by index: why that row could not be read as CSV text
    end_offset: int  # just past the last row, or where reading stopped
    next_line: int  # the file line there

    def __len__(self) -> int:
        return len(self.cells)

    def rows(self) -> Iterator[tuple[int, list[str], str | None]]:
        """(line, cells, problem) of each row."""
        problems = self.problems
        for index, (line, cells) in enumerate(zip(self.lines, self.cells, strict=True)):
            yield line, cells, problems.get(index)


@dataclass(frozen=True, slots=True)
class _Ahead:
    cells: list[str]
    line: int
    problem: str | None
    end: tuple[int, int]  # the offset and line just past it


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

    `lines` are the physical lines from there (byte_lines), or runs of whole lines. `offset` and
    `line` always tell where reading has got to, including past trailing blank lines; `exhausted`
    turns true once the range has been read to its end.

    Rows come one at a time (iterating: RawRow, each with its offsets) or a batch at a time
    (`take`: a RowBatch, its cells and lines in lists, offsets only where it ends). `end_line`, the
    line at `end_offset`, lets `take` find the range's end by line numbers, which csv.reader counts
    anyway; without it, `take` reads row by row.
    """

    def __init__(
        self,
        lines: Iterable[bytes | LongLine],
        *,
        delimiter: str,
        start_offset: int,
        start_line: int,
        end_offset: int | None = None,
        end_line: int | None = None,
        framing: Framing = Framing(),
    ) -> None:
        self._codec = framing.codec
        self._terminator = framing.terminator
        self._one_byte_units = framing.unit == 1
        self._newline = "\r" if framing.line_ending == "CR" else "\n"
        self._bom = framing.bom if start_offset == 0 else b""
        self._not_text = f"the line is not valid {framing.encoding} text"
        # csv.reader takes the lines of one run after another. Where it has got to is the offset of
        # the run it is in, plus the position in the run's text when every character of that text
        # is one byte, else the byte length of the run's lines it has taken.
        self._run_start = start_offset
        self._run_text: io.StringIO | None = None
        self._run_ends = [0]  # the byte length of the run's first n lines, by n
        self._run_first = 0  # the lines taken before the run
        self._problems: dict[int, str] = {}  # why a line (numbered as taken) cannot be read
        # strict: a stray quote or a missing closing quote is a row error, not silently different data.
        self._reader = csv.reader(chain.from_iterable(self._texts(lines)), delimiter=delimiter, strict=True)
        self._start_line = start_line
        self._end = end_offset
        self._end_line = end_line if end_offset is not None else None
        self.exhausted = False
        self._rows = self._generate()  # one iteration, however often iter() is called
        self._ahead: _Ahead | None = None  # the row take() read to know whether more follow
        self._past_end = False  # take() read rows past the range's end, and dropped them

    def stop_at(self, end_offset: int, end_line: int | None = None) -> None:
        """Read no row that starts at or after this offset, on this line if known (the range was
        cut shorter)."""
        self._end = end_offset
        self._end_line = end_line

    @property
    def offset(self) -> int:
        return self._offset_after(self._reader.line_num)

    @property
    def line(self) -> int:
        return self._start_line + self._reader.line_num

    def __iter__(self) -> Iterator[RawRow]:
        return self._rows

    def _offset_after(self, taken: int) -> int:
        """The byte offset just past the first `taken` lines (csv.reader has taken them)."""
        text = self._run_text
        if text is not None:
            return self._run_start + text.tell()
        return self._run_start + self._run_ends[taken - self._run_first]

    def _generate(self) -> Iterator[RawRow]:
        reader, problems, first_line = self._reader, self._problems, self._start_line
        # (where reading has got to is read afresh each time: take() may have read rows since)
        while not self.exhausted and (self._end is None or self.offset < self._end):
            problem = None
            before = reader.line_num
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                cells = []
                problem = _describe_csv_error(exc)
            taken = reader.line_num
            offset = self._offset_after(taken)
            if problems:
                problem = self._line_problem(before, taken) or problem
            # (the first cell tells at once for almost every row: 7 % of reading rows one at a time)
            if problem is None and not (cells and (cells[0].strip() or "".join(cells).strip())):
                continue
            yield _raw_row(first_line + before, cells, offset, problem, first_line + taken)
        # End of file, or of this shard's byte range: nothing more for this reader.
        self.exhausted = True

    def take(self, size: int) -> RowBatch:
        """The next `size` rows (fewer at the end of the range), read one row ahead so that
        `exhausted` says whether any follow. The batch ends just past its last row, or, when it is
        the last, where reading stopped (past trailing blank lines, or at the range's end)."""
        cells: list[list[str]] = []
        lines: list[int] = []
        problems: dict[int, str] = {}
        ahead, self._ahead = self._ahead, None
        end = (self.offset, self.line)
        if ahead is not None:
            cells.append(ahead.cells)
            lines.append(ahead.line)
            if ahead.problem is not None:
                problems[0] = ahead.problem
            end = ahead.end
        if len(cells) < size and not self.exhausted:
            self._read(size - len(cells), cells, lines, problems)
            if len(cells) > (ahead is not None):
                end = (self.offset, self.line)
        if not self.exhausted:
            more: list[list[str]] = []
            more_lines: list[int] = []
            more_problems: dict[int, str] = {}
            self._read(1, more, more_lines, more_problems)
            if more:
                self._ahead = _Ahead(more[0], more_lines[0], more_problems.get(0), (self.offset, self.line))
        if self.exhausted:
            end = self._stopped_at()
        return RowBatch(cells, lines, problems, *end)

    def _read(self, wanted: int, cells: list[list[str]], lines: list[int], problems: dict[int, str]) -> None:
        """Read up to `wanted` more rows into the lists; at the range's end, set `exhausted`."""
        if self._end is not None and self._end_line is None:
            self._read_one_by_one(wanted, cells, lines, problems)
            return
        reader, first, line_problems = self._reader, self._start_line, self._problems
        end_line, goal = self._end_line, len(cells) + wanted
        add_cells, add_line = cells.append, lines.append  # (looked up once: 3 % of the parse + validate pass)
        while len(cells) < goal and not self.exhausted:
            before = started = reader.line_num
            try:
                for row in islice(reader, goal - len(cells)):
                    taken = reader.line_num
                    if line_problems and (problem := self._line_problem(before, taken)) is not None:
                        problems[len(cells)] = problem
                        add_cells(row)
                        add_line(first + before)
                    # (the first cell tells at once for almost every row; joining every row's cells
                    # costs 8 % of the parse + validate pass)
                    elif row and (row[0].strip() or "".join(row).strip()):
                        add_cells(row)
                        add_line(first + before)
                    before = taken
            except csv.Error as exc:
                failure = _describe_csv_error(exc)
                problem = self._line_problem(before, reader.line_num) if line_problems else None
                problems[len(cells)] = problem or failure
                add_cells([])
                add_line(first + before)
            else:
                if reader.line_num == started:
                    self.exhausted = True  # nothing more to read: the end of the file
            if end_line is not None and first + reader.line_num > end_line:
                # Lines past the range's end were read (a row starting before the end ends at it, so
                # they belong to the next range): drop their rows.
                keep = bisect_left(lines, end_line)
                del cells[keep:], lines[keep:]
                for index in [i for i in problems if i >= keep]:
                    del problems[index]
                self.exhausted = self._past_end = True

    def _read_one_by_one(
        self, wanted: int, cells: list[list[str]], lines: list[int], problems: dict[int, str]
    ) -> None:
        """_read for a range whose end is known only as an offset: each row's end offset is checked
        (the generator sets `exhausted` at the range's end)."""
        for row in islice(self._rows, wanted):
            if row.problem is not None:
                problems[len(cells)] = row.problem
            cells.append(row.cells)
            lines.append(row.line)

    def _stopped_at(self) -> tuple[int, int]:
        """Where reading the range stopped: its end, if rows past it were read; else here."""
        if self._past_end:
            assert self._end is not None and self._end_line is not None
            return self._end, self._end_line
        return self.offset, self.line

    def _line_problem(self, before: int, taken: int) -> str | None:
        """Why the last of lines before+1..taken that cannot be read cannot be (None: all can)."""
        found = None
        for number in range(before + 1, taken + 1):
            found = self._problems.pop(number, found)
        return found

    def _texts(self, runs: Iterable[bytes | LongLine]) -> Iterator[Iterator[str]]:
        """The lines of each run, decoded, for csv.reader. The reader asks for a run's lines only
        once it has taken all of the run before, so the bookkeeping set here is for the run whose
        lines it takes from then on."""
        start = self._run_start
        for run in runs:
            taken = self._reader.line_num
            if type(run) is LongLine:
                self._problems[taken + 1] = (
                    f"the line is longer than {MAX_LINE_BYTES // 1024} KiB, the most a row may be"
                )
                self._start_run(start, taken, None, [0, run.size])
                start += run.size
                yield iter(("\n",))  # to csv.reader: the row ends here
                continue
            assert isinstance(run, bytes)
            bom, self._bom = self._bom, b""
            body = run.removeprefix(bom) if bom else run
            try:
                text = body.decode(self._codec)
            except UnicodeDecodeError:
                text = ""
            if text and len(text) == len(body) and (self._newline == "\n" or "\n" not in text):
                # One byte a character (and, split on CR, no LF a StringIO would turn into CR): the
                # position in the text is the position in the run. (A run that is only a byte-order
                # mark is still a line, an empty one, to csv.reader: it goes the long way.)
                lines = io.StringIO(text, newline=self._newline)
                self._start_run(start + len(run) - len(body), taken, lines, [0])
                start += len(run)
                yield lines
                continue
            raw_lines = self._split(run)
            self._start_run(start, taken, None, list(accumulate(map(len, raw_lines), initial=0)))
            start += len(run)
            if bom:
                raw_lines[0] = raw_lines[0].removeprefix(bom)
            yield iter(self._decode(raw_lines, taken))

    def _start_run(self, start: int, taken: int, text: io.StringIO | None, ends: list[int]) -> None:
        self._run_start, self._run_first, self._run_text, self._run_ends = start, taken, text, ends

    def _split(self, run: bytes) -> list[bytes]:
        """A run's lines, each with its terminator (the last may have none)."""
        if not self._one_byte_units:
            return [run]  # (lines of two-byte code units come one at a time)
        terminator = self._terminator
        lines = [part + terminator for part in run.split(terminator)]
        if run.endswith(terminator):
            lines.pop()
        else:
            lines[-1] = lines[-1].removesuffix(terminator)
        return lines

    def _decode(self, raw_lines: list[bytes], taken: int) -> list[str]:
        lines = []
        for number, raw in enumerate(raw_lines, start=taken + 1):
            try:
                lines.append(raw.decode(self._codec))
            except UnicodeDecodeError:
                # The row is reported as an error; its text is never stored in a replaced form.
                self._problems[number] = self._not_text
                lines.append(raw.decode(self._codec, errors="replace"))
        return lines


def open_rows(
    chunks: Iterable[bytes],
    framing: Framing,
    *,
    delimiter: str,
    start_offset: int = 0,
    start_line: int = 1,
    end_offset: int | None = None,
    end_line: int | None = None,
) -> RowReader:
    """The rows of a stream that starts at a row boundary of a file with this framing, up to
    `end_offset` (on line `end_line`, if known) or the end of the file."""
    lines = byte_lines(chunks, framing.terminator, framing.unit, run_bytes=RUN_BYTES)
    return RowReader(
        lines,
        delimiter=delimiter,
        start_offset=start_offset,
        start_line=start_line,
        end_offset=end_offset,
        end_line=end_line,
        framing=framing,
    )
