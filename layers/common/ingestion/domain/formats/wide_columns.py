"""A wide file's batch read column by column: what WideLayout.parse_row reads of each row, for a
batch of rows that are all valid on days without a clock change (the usual batch), built with
C-level maps over whole columns instead of Python code run per reading.

Anything else (a clock-change day, a bad cell, a row with no reading, a cell where that day has no
half hour) returns None, and the rows are read one by one, which says what and where."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from itertools import chain, compress, repeat
from operator import add, is_not
from typing import NamedTuple, cast

from ingestion.domain.formats.reading import HALF_HOURLY, ReadingColumns, half_hour_number
from ingestion.domain.formats.row_errors import InvalidValue
from ingestion.domain.formats.rows import CommonColumns
from ingestion.domain.formats.uk_time import USUAL_PERIODS, period_starts
from ingestion.domain.formats.values import parse_flag, to_kwh


class WideColumn(NamedTuple):
    """A half hour's column (and its own flag column) by index, and its half hour's index on a day
    of 48 (None: a column that day has not, HH49 or a time's second column: it must be blank)."""

    value: int
    flag: int | None
    usual: int | None


def read_wide_batch(
    row: CommonColumns, date_index: int, slots: Sequence[WideColumn], rows: list[list[str]]
) -> ReadingColumns | None:
    """The readings of a batch of wide rows, row after row and each row's in column order (as
    parse_row reads them), or None: read the rows one by one."""
    if (columns := row.columns(rows)) is None:
        return None
    try:
        meters, conversions, estimated, channels = row.read_rows(columns)
        days = list(map(row.dates, columns[date_index]))
        numbers = row.numbers
        values = [list(map(numbers, columns[slot.value])) for slot in slots]
        flags = [None if slot.flag is None else list(map(parse_flag, columns[slot.flag])) for slot in slots]
    except InvalidValue:
        return None
    starts_of = list(map(period_starts, days))
    if any(len(starts) != USUAL_PERIODS for starts in set(starts_of)):
        return None  # a clock-change day: its half hours are read row by row
    kept = [i for i, slot in enumerate(slots) if slot.usual is not None]
    if not kept:
        return None
    if any(any(map(is_not, values[i], repeat(None))) for i, slot in enumerate(slots) if slot.usual is None):
        return None  # a value where the day has no such half hour: an error, said row by row
    indexes = [cast(int, slots[i].usual) for i in kept]
    width, count = len(kept), len(rows)
    flat = list(chain.from_iterable(zip(*(values[i] for i in kept), strict=True)))
    present = list(map(is_not, flat, repeat(None)))
    sizes: list[int] = [width] * count
    if not all(present):
        sizes = [sum(present[r * width : (r + 1) * width]) for r in range(count)]
        if not all(sizes):
            return None  # a row with no readings: an error, said row by row
    present_all = sizes == [width] * count

    def each(per_row: Iterable[object]) -> list:
        """A value of each row, once for each of its half hours that holds a reading."""
        spread = chain.from_iterable(map(repeat, per_row, repeat(width)))
        return list(spread) if present_all else list(compress(spread, present))

    def spread_rows(per_row: Iterable[Sequence[object]]) -> list:
        """Each row's values of its half hours, those that hold a reading."""
        joined = chain.from_iterable(per_row)
        return list(joined) if present_all else list(compress(joined, present))

    if indexes == list(range(USUAL_PERIODS)):  # (the usual header: every half hour, in order)
        starts: list[datetime] = spread_rows(starts_of)
    else:
        starts = spread_rows([[day_starts[i] for i in indexes] for day_starts in starts_of])
    firsts = [half_hour_number(day_starts[0]) for day_starts in starts_of]
    half_hours: list[int] = spread_rows([list(map(add, repeat(first), indexes)) for first in firsts])
    periods: list[int] = spread_rows(repeat([index + 1 for index in indexes], count))
    readings = flat if present_all else list(compress(flat, present))
    kwh = cast(list[Decimal], readings)
    if conversions is not None:
        kwh = list(map(to_kwh, kwh, each(conversions)))
    flagged: list[bool] | None = None
    if any(flag is not None for flag in flags):
        default: Sequence[bool] = estimated if estimated is not None else [False] * count
        by_slot = (flags[i] if flags[i] is not None else default for i in kept)
        flagged = spread_rows(zip(*by_slot, strict=True))
    elif estimated is not None:
        flagged = each(estimated)
    if flagged is not None and not any(flagged):
        flagged = None
    return ReadingColumns(
        HALF_HOURLY,
        each(meters),
        starts,
        cast(list[date], each(days)),
        half_hours,
        periods,
        kwh,
        flagged,
        None,
        None if channels is None else each(channels),
        sizes,
    )
