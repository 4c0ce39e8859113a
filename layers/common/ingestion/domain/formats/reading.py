"""The domain object every layout produces: one reading for one meter and one interval."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from itertools import repeat
from typing import Final, NamedTuple

from ingestion.domain.formats.mapping import DEFAULT_CHANNEL

_HOUR = timedelta(hours=1)
HALF_HOURLY: Final = "hh"
DAILY: Final = "day"


class Reading(NamedTuple):
    """One meter reading, with its interval resolved to a UTC instant and a UK local date.

    A named tuple, not a dataclass: millions are built, and a batch of them is built in one call
    (`tuple.__new__` over zipped columns, ReadingColumns.readings) without running Python code per
    reading."""

    meter: str  # stripped meter id (MPAN / serial / MPRN)
    kind: str  # HALF_HOURLY or DAILY
    start: datetime  # UTC instant the interval starts (a daily reading: local midnight)
    local_date: date  # the UK local date the reading belongs to
    period: int | None  # UK local half-hour period 1..50 for half-hourly readings, None for daily ones
    value_kwh: Decimal
    estimated: bool
    # A local time given without an offset that happens twice (the hour the clocks go back), read as
    # its first occurrence: the file's next row with the same time is its second occurrence.
    repeatable: bool = False
    # What the meter measured (mapping.CHANNELS): active import unless the file says otherwise.
    # Part of the reading's natural key (its partition, below). Last, with a default, so that a
    # reading of the usual kind is built as before (and the column path repeats one string).
    channel: str = DEFAULT_CHANNEL

    def second_occurrence(self) -> "Reading":
        """The same wall-clock half hour an hour later in UTC (two periods on), after the clocks went back."""
        assert self.repeatable and self.period is not None
        return self._replace(start=self.start + _HOUR, period=self.period + 2, repeatable=False)

    @property
    def key(self) -> str:
        """Sort key within a meter: "hh#2024-11-09T00:00Z" or "day#2024-11-09".

        The kind is part of the key so that a daily reading never collides with half-hour period 1, which
        made the original system double count.
        """
        if self.kind == HALF_HOURLY:
            # isoformat, sliced, for "%Y-%m-%dT%H:%M": 2.7 µs a reading less than strftime, about 3 % of
            # the write path's CPU (items and botocore), which computes it once an item
            return "hh#" + self.start.isoformat()[:16] + "Z"
        return "day#" + self.local_date.isoformat()

    @property
    def partition(self) -> str:
        """Its partition key in the readings table: the meter's readings on its channel."""
        return reading_partition(self.meter, self.channel)


def reading_partition(meter: str, channel: str = DEFAULT_CHANNEL) -> str:
    """The readings table's partition key of a meter's readings on one channel: the meter id for
    active import (what almost every file holds), `<meter>#<channel>` for the others (a meter id
    never holds "#": values.read_meter refuses it, so the two never meet). Beside the sort key
    (Reading.key): the store writes and reads by both (store/readings.py), the checks that find
    repeats and overlaps key by them."""
    return meter if channel == DEFAULT_CHANNEL else f"{meter}#{channel}"


def meter_of_partition(partition: str) -> str:
    """The meter id of a readings partition key (reading_partition's inverse, less the channel)."""
    return partition.partition("#")[0]


def channel_of_partition(partition: str) -> str:
    """The channel of a readings partition key (the other half of reading_partition's inverse)."""
    return partition.partition("#")[2] or DEFAULT_CHANNEL


_new = tuple.__new__
_FIRST_DAY = date(2000, 1, 1).toordinal()


def interval_number(reading: Reading) -> int:
    """A reading's interval as a number, unique for its meter and kind: for a half-hourly reading,
    half hours since 1970 (half_hour_number); for a daily one, days since 2000 (day_number)."""
    if reading.kind == HALF_HOURLY:
        return half_hour_number(reading.start)
    return day_number(reading.local_date)


# Cached: a file gives every meter the same run of half hours, and a row-by-row check numbers every
# reading (interval_number): 6 % of a parse + validate pass read row by row. (The column path
# numbers each distinct cell once, in the layout's table.)
@lru_cache(maxsize=8192)
def half_hour_number(start: datetime) -> int:
    return int(start.timestamp()) // 1800


def day_number(day: date) -> int:
    return day.toordinal() - _FIRST_DAY


def new_reading(
    meter: str,
    kind: str,
    start: datetime,
    local_date: date,
    period: int | None,
    value_kwh: Decimal,
    estimated: bool,
    repeatable: bool = False,
    channel: str = DEFAULT_CHANNEL,
) -> Reading:
    """Reading(...), the same object, built without the keyword handling of a named tuple's __new__:
    7 % of a parse + validate pass read row by row (a batch with a warning, a wide file)."""
    return _new(Reading, (meter, kind, start, local_date, period, value_kwh, estimated, repeatable, channel))


@dataclass(frozen=True, slots=True)
class ReadingColumns:
    """A batch of readings of one kind, one row each, column by column: what a layout reads from a
    batch of valid rows at once (parse_batch), for checks that run over whole columns."""

    kind: str
    meters: Sequence[str]
    starts: Sequence[datetime]
    days: Sequence[date]
    numbers: Sequence[int]  # each reading's interval as a number (interval_number)
    periods: Sequence[int] | None  # None: daily readings
    values: Sequence[Decimal]  # kWh
    estimated: Sequence[bool] | None  # None: none is
    repeatable: Sequence[bool] | None  # None: none is
    channels: Sequence[str] | None = None  # None: all active import (mapping.DEFAULT_CHANNEL)
    sizes: Sequence[int] | None = None  # the readings of each row, in order (None: one a row)

    def readings(self) -> list[Reading]:
        """Each Reading (parse_row's, the same objects, in the same order). tuple.__new__ mapped
        over the zipped columns runs no Python code per reading; starmap(Reading, ...) would run
        the named tuple's __new__ for each: 9 % of the parse + validate pass."""
        fields = zip(
            self.meters,
            repeat(self.kind),
            self.starts,
            self.days,
            repeat(None) if self.periods is None else self.periods,
            self.values,
            repeat(False) if self.estimated is None else self.estimated,
            repeat(False) if self.repeatable is None else self.repeatable,
            repeat(DEFAULT_CHANNEL) if self.channels is None else self.channels,
        )
        return list(map(_new, repeat(Reading), fields))
