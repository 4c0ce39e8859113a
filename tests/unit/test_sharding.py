"""Splitting a file into shards: boundaries on line starts, with the right line numbers, or not at all."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingestion.domain.csvstream import open_rows
from ingestion.domain.framing import Framing
from ingestion.domain.sharding import plan_shards


def chunked(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def rows_in(data: bytes, start: int, line: int, end: int | None, terminator: str = "LF"):
    framing = Framing("UTF-8", terminator)
    reader = open_rows(
        [data[start:]], framing, delimiter=",", start_offset=start, start_line=line, end_offset=end
    )
    return [(row.line, row.cells) for row in reader]


FILE = b"h,v\n" + b"".join(b"%d,%d\n" % (n, n * n) for n in range(1, 200))


@pytest.mark.parametrize("count", [2, 3, 4, 7])
@pytest.mark.parametrize("chunk", [1, 5, 64, 10_000])
def test_shards_cover_every_row_once_with_the_right_line_numbers(count, chunk):
    start = FILE.index(b"\n") + 1
    bounds = plan_shards(
        chunked(FILE[start:], chunk), start=start, start_line=2, total=len(FILE), count=count
    )
    assert bounds is not None and len(bounds) == count - 1
    edges = [(start, 2)] + [(b.offset, b.line) for b in bounds] + [(None, None)]
    pieces = [rows_in(FILE, s, ln, e) for (s, ln), (e, _) in itertools.pairwise(edges)]
    assert [row for piece in pieces for row in piece] == rows_in(FILE, start, 2, None)
    sizes = [(e or len(FILE)) - s for (s, _), (e, _) in itertools.pairwise(edges)]
    assert max(sizes) - min(sizes) < 2 * 12  # even shares, give or take a line


def test_a_file_with_a_quote_anywhere_is_not_split():
    data = FILE + b'300,"a\nb"\n'
    assert plan_shards(chunked(data[4:], 64), start=4, start_line=2, total=len(data), count=4) is None


def test_cr_only_files_split_on_cr():
    data = FILE.replace(b"\n", b"\r")
    bounds = plan_shards([data[4:]], start=4, start_line=2, total=len(data), count=2, terminator=b"\r")
    assert bounds is not None
    (b,) = bounds
    assert (
        data[b.offset - 1 : b.offset] == b"\r" and rows_in(data, b.offset, b.line, None, "CR")[0][0] == b.line
    )


def test_a_file_with_fewer_lines_than_shards_gets_fewer_shards():
    data = b"h\n1\n2\n"
    bounds = plan_shards([data[2:]], start=2, start_line=2, total=len(data), count=8)
    assert bounds is not None and [b.offset for b in bounds] == [4]


@given(st.lists(st.integers(0, 30), min_size=1, max_size=60), st.integers(2, 6), st.integers(1, 50))
def test_boundaries_are_line_starts_in_order_for_any_line_lengths(lengths, count, chunk):
    data = b"".join(b"x" * n + b"\n" for n in lengths)
    bounds = plan_shards(chunked(data, chunk), start=0, start_line=1, total=len(data), count=count)
    assert bounds is not None
    offsets = [b.offset for b in bounds]
    assert offsets == sorted(set(offsets)) and all(0 < o < len(data) for o in offsets)
    for b in bounds:
        assert data[b.offset - 1 : b.offset] == b"\n" and b.line == 1 + data[: b.offset].count(b"\n")
