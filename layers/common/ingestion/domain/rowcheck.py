"""What one batch of rows amounts to, before anything is written: the records to store, the rows
that fail (errors: skipped) and the rows that pass with a doubt (warnings: kept, counted apart).

Pure: no AWS. The checks that need the table (a daily reading beside half-hourly ones, whether a
reading exists already) take what the table says as arguments."""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from itertools import compress, islice, pairwise, repeat
from operator import lshift, ne, sub
from typing import cast

from ingestion.domain.csvstream import RawRow, RowBatch
from ingestion.domain.formats import Layout as FormatLayout
from ingestion.domain.formats import Reading, RowError
from ingestion.domain.formats.headers import Column
from ingestion.domain.formats.reading import HALF_HOURLY, ReadingColumns, interval_number
from ingestion.domain.formats.row_errors import describe_problem
from ingestion.domain.formats.sites import Site

# More than a meter records in the interval, by a wide margin (a 10 MW site): most likely Wh read as kWh.
MAX_PLAUSIBLE_KWH = {"hh": Decimal(5_000), "day": Decimal(240_000)}

Record = Reading | Site


Layout = FormatLayout[Reading] | FormatLayout[Site]


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


def record_key(record: Record) -> tuple[str, str]:
    """(partition, sort) of the record's natural key in its table (a site has no sort key: "")."""
    if isinstance(record, Reading):
        return record.meter, record.key
    return record.key, ""


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

    def warn(self, row: int, column: Column | None, message: str) -> None:
        self.warned.add(row)
        index, name = (None, None) if column is None else (column.index + 1, column.name)
        self.warnings.append(Problem(self.lines[row], index, name, message))


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
                return CheckedBatch(records=cast(list[Record], columns.readings()), lines=rows.lines)
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
    for line, cells, problem in rows:
        if problem is not None:
            batch.errors.append(Problem(line, None, None, problem, tuple(cells)))
            continue
        assert layout is not None  # only an empty file has no layout, and it has no rows
        try:
            records: list[Record] = list(layout.parse_row(cells))
        except RowError as exc:
            batch.errors.append(Problem(line, exc.column, exc.column_name, exc.message, tuple(cells)))
            continue
        remembered = [remember(seen, record) for record in records]
        row = batch.add_row(line, [record for record, _ in remembered])
        for record, new in remembered:
            if not new:
                batch.repeats.add(row)
                batch.warn(row, None, repeat_warning(record))
            if isinstance(record, Reading):
                for message in reading_warnings(record, now):
                    batch.warn(row, _value_column(layout, record), message)
    return batch


def remember(seen: SeenKeys, record: Record) -> tuple[Record, bool]:
    """The record as it is stored, and whether its key is new to `seen` (which now has it)."""
    if seen.add(record):
        return record, True
    if isinstance(record, Reading) and record.repeatable:
        # The hour the clocks go back, written twice without offsets: this is the second.
        record = record.second_occurrence()
        return record, seen.add(record)
    return record, False


def repeat_warning(record: Record) -> str:
    return f"{_describe(record)} appears earlier in the file too; this row's is kept"


def _value_column(layout: Layout, reading: Reading) -> Column | None:
    column_of = getattr(layout, "value_column", None)
    return None if column_of is None else column_of(reading)


def reading_warnings(reading: Reading, now: datetime) -> list[str]:
    """Doubts about a valid reading: kept, but a person should look."""
    found = []
    if reading.value_kwh < 0:
        found.append(f"negative reading {reading.value_kwh} kWh")
    limit = MAX_PLAUSIBLE_KWH[reading.kind]
    if reading.value_kwh > limit:
        span = "half an hour" if reading.kind == HALF_HOURLY else "a day"
        found.append(
            f"{reading.value_kwh} kWh is far more than a meter records in {span} (over {limit} kWh): "
            "check the unit"
        )
    if reading.start > now:
        found.append(f"the reading is for {_when(reading)}, which is in the future")
    return found


def overlap_warning(reading: Reading) -> str:
    if reading.kind == HALF_HOURLY:
        return f"meter {reading.meter} already has a daily reading for {reading.local_date}"
    return f"meter {reading.meter} already has half-hourly readings for {reading.local_date}"


def _when(reading: Reading) -> str:
    if reading.kind == HALF_HOURLY:
        return f"{reading.local_date} half hour {reading.period} ({reading.start:%Y-%m-%d %H:%M} UTC)"
    return reading.local_date.isoformat()


def _describe(record: Record) -> str:
    if isinstance(record, Reading):
        return f"meter {record.meter} at {_when(record)}"
    return f"site {record.name!r}" + ("" if record.company_id is None else f" of company {record.company_id}")


# ---- which keys a shard has had -------------------------------------------------------------------

_BLOCK_BITS = 4096  # 85 days of half hours, or 11 years of days, per block of 512 bytes
_BLOCK_MASK = (1 << _BLOCK_BITS) - 1
_MASK_BLOCKS = 4  # the widest run of one meter's keys in a batch that add_new sets as one mask


class SeenKeys:
    """The record keys one shard of a file has had so far, exact and compact: per meter a bitmap of
    interval numbers (half hours or days), per site its key; and a bitmap of the lines of the rows
    it warned about. Saved between segments, so a repeat is found however far apart the two rows
    are. (A bitmap holds only blocks with a bit set, and a meter only when it has a block.)"""

    def __init__(self) -> None:
        self._blocks: dict[str, dict[int, bytearray]] = {}
        self._keys: set[str] = set()
        self._warned: dict[int, bytearray] = {}

    def add(self, record: Record) -> bool:
        """Remember the record's key: False when it was there already."""
        if isinstance(record, Site):
            if record.key in self._keys:
                return False
            self._keys.add(record.key)
            return True
        name, number = _interval(record)
        return _set_bit(self._blocks.setdefault(name, {}), number)

    def add_new(self, columns: ReadingColumns) -> bool:
        """Remember the keys of a batch of readings when none is here already and none comes twice
        among them: True. Otherwise change nothing: False."""
        meters, numbers = columns.meters, columns.numbers
        prefix, count = "h" if columns.kind == HALF_HOURLY else "d", len(meters)
        starts = [0, *compress(range(1, count), map(ne, meters, islice(meters, 1, None))), count]
        if len(starts) * 8 > count:
            return self._add_new_one_by_one(prefix, meters, numbers)  # meters interleaved
        # Meter by meter (the usual file): each run of one meter's rows is one mask over its blocks.
        changed: dict[tuple[str, int], int] = {}  # (name, block number) -> the block's bits, and the batch's
        for first, end in pairwise(starts):
            name, run = prefix + meters[first], numbers[first:end]
            low, high = min(run), max(run)
            if high - low >= _MASK_BLOCKS * _BLOCK_BITS:
                return self._add_new_one_by_one(prefix, meters, numbers)  # (years apart: a mask too wide)
            base = low - low % _BLOCK_BITS
            if high - low == len(run) - 1 and len(set(run)) == len(run):
                mask = ((1 << len(run)) - 1) << (low - base)  # a run of consecutive intervals
            else:
                mask = sum(map(lshift, repeat(1), map(sub, run, repeat(base))))
                if mask.bit_count() < len(run):
                    return False  # an interval twice (the sum carried, losing a bit)
            for block_no in range(base // _BLOCK_BITS, high // _BLOCK_BITS + 1):
                part = mask & _BLOCK_MASK
                mask >>= _BLOCK_BITS
                key = (name, block_no)
                held = changed.get(key)
                if held is None:
                    block = self._blocks.get(name, {}).get(block_no)
                    held = 0 if block is None else int.from_bytes(block, "little")
                if held & part:
                    return False
                changed[key] = held | part
        for (name, block_no), held in changed.items():
            if held:
                self._blocks.setdefault(name, {})[block_no] = bytearray(
                    held.to_bytes(_BLOCK_BITS // 8, "little")
                )
        return True

    def _add_new_one_by_one(self, prefix: str, meters: Sequence[str], numbers: Sequence[int]) -> bool:
        """add_new, key by key."""
        keys = list(zip(meters, numbers, strict=True))
        if len(set(keys)) < len(keys) or any(_has_bit(self._blocks.get(prefix + m, {}), n) for m, n in keys):
            return False
        for m, n in keys:
            _set_bit(self._blocks.setdefault(prefix + m, {}), n)
        return True

    def dump(self) -> bytes:
        state = {
            "blocks": {name: _encode(blocks) for name, blocks in self._blocks.items()},
            "keys": sorted(self._keys),
            "warned": _encode(self._warned),
        }
        return zlib.compress(json.dumps(state, separators=(",", ":")).encode())

    @classmethod
    def load(cls, data: bytes) -> SeenKeys:
        state = json.loads(zlib.decompress(data))
        seen = cls()
        seen._blocks = {name: _decode(blocks) for name, blocks in state["blocks"].items()}
        seen._keys = set(state["keys"])
        seen._warned = _decode(state.get("warned", {}))  # (states saved before lines were kept have none)
        return seen

    def mark_warned(self, checked: CheckedBatch) -> None:
        """Remember the lines of the batch's rows that had a warning."""
        for row in checked.warned:
            _set_bit(self._warned, checked.lines[row])

    # What the merge of a split file's shards needs (merge.py).

    def has(self, record: Record) -> bool:
        if isinstance(record, Site):
            return record.key in self._keys
        name, number = _interval(record)
        return _has_bit(self._blocks.get(name, {}), number)

    def warned(self, line: int) -> bool:
        return _has_bit(self._warned, line)

    def __bool__(self) -> bool:
        """Whether it holds any key."""
        return bool(self._keys or self._blocks)

    def meters(self) -> set[str]:
        """The meters with a key here."""
        return {name[1:] for name in self._blocks}

    def union(self, other: SeenKeys) -> None:
        """Add the other's keys to these."""
        self._keys |= other._keys
        for name, blocks in other._blocks.items():
            mine = self._blocks.setdefault(name, {})
            for no, block in blocks.items():
                ours = mine.get(no)
                mine[no] = bytearray(block if ours is None else _or(ours, block))

    def common(self, other: SeenKeys) -> SeenKeys:
        """The keys both have."""
        both = SeenKeys()
        both._keys = self._keys & other._keys
        for name, blocks in self._blocks.items():
            theirs = other._blocks.get(name, {})
            for no, block in blocks.items():
                if no in theirs and (anded := int.from_bytes(block) & int.from_bytes(theirs[no])):
                    both._blocks.setdefault(name, {})[no] = bytearray(anded.to_bytes(len(block)))
        return both


def _interval(record: Reading) -> tuple[str, int]:
    """Where a reading's key is kept: per meter and kind, the number of its half hour or day."""
    return ("h" if record.kind == HALF_HOURLY else "d") + record.meter, interval_number(record)


# A sparse bitmap: blocks of _BLOCK_BITS bits by block number, only those with a bit set.


def _set_bit(blocks: dict[int, bytearray], number: int) -> bool:
    """Set the bit: False when it was set already."""
    block_no, bit = divmod(number, _BLOCK_BITS)
    block = blocks.get(block_no)
    if block is None:
        block = blocks[block_no] = bytearray(_BLOCK_BITS // 8)
    byte, mask = bit >> 3, 1 << (bit & 7)
    if block[byte] & mask:
        return False
    block[byte] |= mask
    return True


def _has_bit(blocks: dict[int, bytearray], number: int) -> bool:
    block_no, bit = divmod(number, _BLOCK_BITS)
    block = blocks.get(block_no)
    return block is not None and bool(block[bit >> 3] & (1 << (bit & 7)))


def _or(a: bytearray, b: bytearray) -> bytes:
    return (int.from_bytes(a) | int.from_bytes(b)).to_bytes(len(a))


def _encode(blocks: dict[int, bytearray]) -> dict[str, str]:
    return {str(no): base64.b64encode(block).decode() for no, block in blocks.items()}


def _decode(blocks: dict[str, str]) -> dict[int, bytearray]:
    return {int(no): bytearray(base64.b64decode(text)) for no, text in blocks.items()}


def utc_now(now: float) -> datetime:
    return datetime.fromtimestamp(now, UTC)
