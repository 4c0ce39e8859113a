"""Where to split a large file into byte ranges that import in parallel.

A shard must start on a row boundary. A line start is a row start unless a quoted field holding a
line break spans it, and that can only happen in a file that has a quote character: such a file
is not split. Pure: the caller streams the file's bytes in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Boundary:
    offset: int  # a line start: the first byte of a shard
    line: int  # the file line number there


def plan_shards(
    chunks: Iterable[bytes],
    *,
    start: int,
    start_line: int,
    total: int,
    count: int,
    terminator: bytes = b"\n",
    quote: bytes = b'"',
) -> list[Boundary] | None:
    """The starts of shards 2..count of the data from `start` (the first data row, line
    `start_line`) to `total`, each the first line start at or after an even share of the bytes.
    `chunks` is the file from `start`. None when the file holds a quote (splitting is unsafe).
    Fewer boundaries when the file has fewer lines than shards."""
    if len(terminator) != 1:
        raise ValueError("only single-byte line terminators are split")
    share = (total - start) / count
    targets = [start + round(share * k) for k in range(1, count)]
    found: list[Boundary] = []
    position, line = start, start_line
    for chunk in chunks:
        if quote in chunk:
            return None
        end = position + len(chunk)
        search = 0
        while targets and targets[0] <= end:
            # the first terminator whose next byte is at or after the target
            at = chunk.find(terminator, max(search, targets[0] - 1 - position))
            if at < 0:
                break
            boundary = position + at + 1
            if boundary < total and (not found or boundary > found[-1].offset):
                found.append(Boundary(boundary, line + chunk.count(terminator, 0, at + 1)))
            targets.pop(0)
            search = at + 1
        line += chunk.count(terminator)
        position = end
    return found
