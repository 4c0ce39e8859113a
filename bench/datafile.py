"""The benchmark's input: a half-hourly long file, generated, the same bytes for every measurement."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

HEADER = "MPAN,ReadDateTime,ReadValue,Unit,ReadingType"
# From 1 November 2025, 7,000 half hours end on 26 March 2026, before the clocks go forward (29 March):
# every reading is in GMT, so no row crosses a clock change and no two rows share a key.
START = dt.datetime(2025, 11, 1)
MAX_ROWS_PER_METER = 7_000
DEFAULT_ROWS_PER_METER = 5_000
HALF_HOURS_A_DAY = 48  # every day of the file: it crosses no clock change


def meters_for(rows: int, rows_per_meter: int = DEFAULT_ROWS_PER_METER) -> int:
    if not 0 < rows_per_meter <= MAX_ROWS_PER_METER:
        raise ValueError(f"rows per meter must be 1..{MAX_ROWS_PER_METER} (no clock change crossed)")
    return max(1, -(-rows // rows_per_meter))


def meter_days_for(rows: int, rows_per_meter: int = DEFAULT_ROWS_PER_METER) -> int:
    """The day items the file's readings fill (the long file and the wide one alike): each meter's
    half hours start at midnight, 48 to a day, so a meter of n readings holds ceil(n / 48) days."""
    meters = meters_for(rows, rows_per_meter)
    per_meter = -(-rows // meters)
    shares = (min(per_meter, rows - m * per_meter) for m in range(meters))
    return sum(-(-share // HALF_HOURS_A_DAY) for share in shares if share > 0)


def hh_long_lines(rows: int, rows_per_meter: int = DEFAULT_ROWS_PER_METER) -> Iterator[str]:
    """The file's lines without terminators: the header, then `rows` data rows, meter by meter, each
    meter's half hours in order from START (as tests/support.py hh_long_csv writes them)."""
    yield HEADER
    meters = meters_for(rows, rows_per_meter)
    per_meter = -(-rows // meters)
    step = dt.timedelta(minutes=30)
    n = 0
    for m in range(meters):
        stamp = START
        for i in range(per_meter):
            if n == rows:
                return
            n += 1
            flag = "E" if i % 5 == 0 else "A"
            yield f"19{m:011d},{stamp:%Y-%m-%d %H:%M:%S},{(i % 97) / 10:.1f},kWh,{flag}"
            stamp += step


def hh_long_chunks(
    rows: int, rows_per_meter: int = DEFAULT_ROWS_PER_METER, chunk_bytes: int = 8 << 20
) -> Iterator[bytes]:
    """The file as CRLF-terminated bytes, in chunks of about chunk_bytes (never the whole file at once)."""
    buffer: list[str] = []
    size = 0
    for line in hh_long_lines(rows, rows_per_meter):
        buffer.append(line)
        size += len(line) + 2
        if size >= chunk_bytes:
            yield ("\r\n".join(buffer) + "\r\n").encode()
            buffer, size = [], 0
    if buffer:
        yield ("\r\n".join(buffer) + "\r\n").encode()


def hh_long_bytes(rows: int, rows_per_meter: int = DEFAULT_ROWS_PER_METER) -> bytes:
    return b"".join(hh_long_chunks(rows, rows_per_meter))


# The wide file: a row per meter and day, a column a half hour named by its start ("00:00".."23:30").
WIDE_TIMES = tuple(f"{minute // 60:02d}:{minute % 60:02d}" for minute in range(0, 24 * 60, 30))
WIDE_HEADER = ",".join(("MPAN", "Date", *WIDE_TIMES))


def hh_wide_lines(readings: int, rows_per_meter: int = DEFAULT_ROWS_PER_METER) -> Iterator[str]:
    """A wide-by-time file of the same readings as hh_long_lines(readings, rows_per_meter): each
    meter's days from START, a column a half hour ("00:00".."23:30"), the values as the long file
    has them (a meter's n-th half hour holds (n % 97) / 10)."""
    yield WIDE_HEADER
    per_day = len(WIDE_TIMES)
    meters = meters_for(readings, rows_per_meter)
    per_meter = -(-readings // meters)
    n = 0
    for m in range(meters):
        day = START.date()
        for first in range(0, per_meter, per_day):
            cells = []
            for i in range(first, first + per_day):
                filled = i < per_meter and n < readings
                n += filled
                cells.append(f"{(i % 97) / 10:.1f}" if filled else "")
            if not any(cells):
                return
            yield f"19{m:011d},{day:%Y-%m-%d}," + ",".join(cells)
            day += dt.timedelta(days=1)


def hh_wide_bytes(readings: int, rows_per_meter: int = DEFAULT_ROWS_PER_METER) -> bytes:
    return ("\r\n".join(hh_wide_lines(readings, rows_per_meter)) + "\r\n").encode()
