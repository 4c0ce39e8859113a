"""The parse caches hold what they parse, not the padding around it: a warm container's memory
stays bounded after a file of long padded cells (each cell may be up to csv's 131,072 characters)."""

from __future__ import annotations

import datetime as dt
import gc
import tracemalloc

import pytest

from ingestion.domain.csvstream import open_rows
from ingestion.domain.formats import detect_layout
from ingestion.domain.framing import Framing
from ingestion.domain.rowcheck import check_batch, utc_now
from ingestion.domain.seen_keys import SeenKeys
from ingestion.domain.throttle import UNTHROTTLED_BATCH_SIZE

ROWS = 4_500  # more than the largest cache holds (4,096)
WIDTH = 1_500  # characters of each padded cell: far longer than any value, far under csv's limit
NOW = utc_now(dt.datetime(2026, 11, 28).timestamp())


def padded(text: str, row: int) -> str:
    """The text inside WIDTH characters of spaces, placed differently on each row: every cell is a
    distinct string, as a cache keyed on the raw cell sees it."""
    before = row % (WIDTH - len(text))
    return " " * before + text + " " * (WIDTH - len(text) - before)


def padded_file(layout: str) -> bytes:
    lines = []
    start = dt.datetime(2010, 1, 1)
    if layout == "daily":
        lines.append("MPAN,Date,Reading,Unit,Type")
        for row in range(ROWS):
            day = (start + dt.timedelta(days=row)).strftime("%Y-%m-%d")
            cells = [f"19000000000{row // 1000:02d}", day, f"{row / 10:.1f}", "kWh", "A"]
            lines.append(",".join(padded(cell, row) for cell in cells))
    else:
        lines.append("MPAN,ReadDateTime,ReadValue,Unit,Type")
        for row in range(ROWS):
            when = (dt.datetime(2010, 11, 1) + dt.timedelta(minutes=30 * row)).strftime("%Y-%m-%d %H:%M")
            cells = [f"19000000000{row // 1000:02d}", when, f"{row / 10:.1f}", "kWh", "A"]
            lines.append(",".join(padded(cell, row) for cell in cells))
    return ("\r\n".join(lines) + "\r\n").encode()


def import_rows(data: bytes, format: str) -> tuple[object, int]:
    """Read and check every row as a segment does; the layout (one a segment) and how many rows passed."""
    reader = open_rows((data,), Framing(line_ending="CRLF"), delimiter=",")
    layout = detect_layout(next(iter(reader)).cells, format)
    seen, imported = SeenKeys(), 0
    while not reader.exhausted:
        checked = check_batch(reader.take(UNTHROTTLED_BATCH_SIZE), layout, seen, NOW)
        assert not checked.errors, checked.errors[0].describe()
        imported += checked.imported
    return layout, imported


@pytest.mark.parametrize(("format", "layout_name"), [("daily", "daily"), ("hh", "hh-long")])
def test_a_file_of_long_padded_cells_leaves_little_memory_behind(format, layout_name):
    data = padded_file(format)  # (about 34 MB, made before the count starts)
    gc.collect()
    tracemalloc.start()
    try:
        layout, imported = import_rows(data, format)  # the layout kept: a segment holds it to the end
        gc.collect()
        retained, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert (getattr(layout, "name", None), imported) == (layout_name, ROWS)
    # The cells' padding alone is ROWS x 5 x 1,500 characters (34 MB); what they parse to, cached,
    # is a few hundred kilobytes.
    assert retained < 3 * 1024 * 1024, f"{retained / 1024 / 1024:.1f} MB retained after parsing"
