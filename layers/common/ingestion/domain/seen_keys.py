"""Which record keys one shard of a file has had: exact, compact, and saved between segments, so a
repeat is found however far apart the two rows are (and the merge of a split file compares the
shards' keys: merge.py)."""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Iterable, Sequence
from itertools import compress, islice, pairwise, repeat
from operator import lshift, ne, sub

from ingestion.domain.formats.reading import (
    HALF_HOURLY,
    ReadingColumns,
    meter_of_partition,
    reading_partition,
)

_BLOCK_BITS = 4096  # 85 days of half hours, or 11 years of days, per block of 512 bytes
_BLOCK_MASK = (1 << _BLOCK_BITS) - 1
_MASK_BLOCKS = 4  # the widest run of one meter's keys in a batch that add_new sets as one mask


class SeenKeys:
    """The record keys one shard of a file has had so far, exact and compact: per meter and channel
    a bitmap of interval numbers (half hours or days), per site its key; and a bitmap of the lines of the rows
    it warned about. Saved between segments, so a repeat is found however far apart the two rows
    are. (A bitmap holds only blocks with a bit set, and a meter only when it has a block.)"""

    def __init__(self) -> None:
        self._blocks: dict[str, dict[int, bytearray]] = {}
        self._keys: set[str] = set()
        self._warned: dict[int, bytearray] = {}

    # A record kind (domain/records.py) says which of these its records are remembered by.

    def add_interval(self, name: str, number: int) -> bool:
        """Remember interval `number` of a meter's readings of one kind on one channel (`name`: the
        kind's letter and the readings' partition key): False when it was there already."""
        return _set_bit(self._blocks.setdefault(name, {}), number)

    def has_interval(self, name: str, number: int) -> bool:
        return _has_bit(self._blocks.get(name, {}), number)

    def add_key(self, key: str) -> bool:
        """Remember a record's whole key: False when it was there already."""
        if key in self._keys:
            return False
        self._keys.add(key)
        return True

    def has_key(self, key: str) -> bool:
        return key in self._keys

    def add_new(self, columns: ReadingColumns) -> bool:
        """Remember the keys of a batch of readings when none is here already and none comes twice
        among them: True. Otherwise change nothing: False."""
        meters, numbers = columns.meters, columns.numbers
        if columns.channels is not None:
            # (each reading's partition: its meter, and its channel unless import)
            meters = list(map(reading_partition, meters, columns.channels))
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

    def mark_warned(self, lines: Iterable[int]) -> None:
        """Remember the lines of rows that had a warning."""
        for line in lines:
            _set_bit(self._warned, line)

    # What the merge of a split file's shards needs (merge.py).

    def warned(self, line: int) -> bool:
        return _has_bit(self._warned, line)

    def __bool__(self) -> bool:
        """Whether it holds any key."""
        return bool(self._keys or self._blocks)

    def meters(self) -> set[str]:
        """The meters with a key here, on any channel."""
        return {meter_of_partition(name[1:]) for name in self._blocks}

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
