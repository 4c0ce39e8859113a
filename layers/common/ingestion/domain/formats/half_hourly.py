"""Half-hourly readings, long (one reading a row) or wide (a row per meter and day, columns HH01..HH50)."""

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timezone
from typing import cast

from ingestion.domain.formats.cell_cache import MAX_CACHED_CHARS
from ingestion.domain.formats.headers import Column
from ingestion.domain.formats.reading import (
    HALF_HOURLY,
    Reading,
    ReadingColumns,
    half_hour_number,
    new_reading,
)
from ingestion.domain.formats.row_errors import InvalidValue, RowError, quoted
from ingestion.domain.formats.rows import CommonColumns, read_date, read_kwh
from ingestion.domain.formats.uk_time import (
    happens_twice,
    local_date,
    local_half_hour,
    period_of,
    period_starts,
)
from ingestion.domain.formats.values import parse_datetime, parse_number, parse_time, to_kwh

_USUAL_PERIODS = 48
# Where a long row's reading falls: its UTC start, UK local date and period, and whether its local time
# happens twice (the hour the clocks go back).
type HalfHour = tuple[datetime, date, int, bool]
type NumberedHalfHour = tuple[datetime, date, int, bool, int]  # and its number (half_hour_number)
# The most date-time cells a layout keeps (about 370 bytes each, 13 MB): two years of half hours.
KNOWN_HALF_HOURS = 35_040
_NOT_ON_HALF_HOUR = "half-hourly readings must start at :00 or :30, with zero seconds"


class LongLayout:
    """meter, when (a date-and-time column, or a date and a time column), value; optionally unit and flag."""

    __slots__ = ("_date", "_datetime", "_half_hours", "_row", "_time", "_value")
    name = "hh-long"

    def __init__(
        self,
        row: CommonColumns,
        value: Column,
        datetime_column: Column | None = None,
        date_column: Column | None = None,
        time_column: Column | None = None,
    ) -> None:
        if datetime_column is None and (date_column is None or time_column is None):
            raise ValueError("a long layout needs a datetime column, or both a date and a time column")
        self._row = row
        self._value = value
        self._datetime = datetime_column
        self._date = date_column
        self._time = time_column
        # The date-time cells this layout has read, with their half hours (see _half_hour_of):
        # filled up to KNOWN_HALF_HOURS, never emptied, gone with the layout.
        self._half_hours: dict[str, NumberedHalfHour] = {}

    def parse_row(self, cells: list[str]) -> list[Reading]:
        row = self._row
        row.check_shape(cells)
        meter = row.meter(cells)
        start, day, period, repeatable = self._when(cells)
        value = read_kwh(cells, self._value, row.unit_shift(cells))
        return [new_reading(meter, HALF_HOURLY, start, day, period, value, row.estimated(cells), repeatable)]

    def parse_batch(self, rows: list[list[str]]) -> ReadingColumns | None:
        """parse_row of every row at once, column by column, for a batch of valid rows (None: some
        row is not, or the times are in two columns; read the rows one by one)."""
        row, column = self._row, self._datetime
        if column is None or (columns := row.columns(rows)) is None:
            return None
        try:
            meters, values, estimated = row.read_columns(columns, self._value)
            whens = self._half_hours_of(columns[column.index])
        except InvalidValue:
            return None
        starts, days, periods, repeatable, numbers = zip(*whens, strict=True)
        twice = repeatable if any(repeatable) else None
        return ReadingColumns(HALF_HOURLY, meters, starts, days, numbers, periods, values, estimated, twice)

    def value_column(self, reading: Reading) -> Column:
        return self._value

    def _half_hours_of(self, cells: Sequence[str]) -> list[NumberedHalfHour]:
        """_half_hour_of each cell (the usual batch: all in the table already)."""
        found = list(map(self._half_hours.get, cells))
        if None in found:
            found = [when or self._half_hour_of(text) for when, text in zip(found, cells, strict=True)]
        return cast(list[NumberedHalfHour], found)

    def _half_hour_of(self, text: str) -> NumberedHalfHour:
        """The half hour a date-and-time cell names, and its number; InvalidValue when it names none.

        A file repeats the same run of times meter after meter, a year's run is 17,520 of them, and
        an lru cache smaller than the run misses every time. So a layout (one a segment) keeps the
        first KNOWN_HALF_HOURS cells it reads: a longer run still finds those. A cell longer than
        MAX_CACHED_CHARS is kept by its stripped text (what is parsed), or not at all."""
        when = self._half_hours.get(text)
        if when is None:
            if len(text) > MAX_CACHED_CHARS:
                text = text.strip()  # (parse_datetime reads the stripped text only)
                when = self._half_hours.get(text)
                if when is not None:
                    return when
            day, clock, offset = parse_datetime(text)
            start, day, period, repeatable = _half_hour(text, day, clock, offset)
            when = (start, day, period, repeatable, half_hour_number(start))
            if len(self._half_hours) < KNOWN_HALF_HOURS and len(text) <= MAX_CACHED_CHARS:
                self._half_hours[text] = when
        return when

    def _when(self, cells: Sequence[str]) -> HalfHour:
        if self._datetime is not None:
            column = self._datetime
            try:
                start, day, period, repeatable, _ = self._half_hour_of(cells[column.index])
                return start, day, period, repeatable
            except InvalidValue as exc:
                raise column.error(str(exc)) from None
        assert self._date is not None and self._time is not None
        day = read_date(cells, self._date)
        column = self._time
        try:
            text = cells[column.index]
            return _half_hour(text, day, parse_time(text), None)
        except InvalidValue as exc:
            raise column.error(str(exc)) from None


def _half_hour(text: str, day: date, clock: time, offset: timezone | None) -> HalfHour:
    if clock.minute % 30 or clock.second or clock.microsecond:
        raise InvalidValue(f"{quoted(text.strip())} is not on a half hour ({_NOT_ON_HALF_HOUR})")
    if offset is None:
        return _local_half_hour(day, clock)
    return _exact_half_hour(day, clock, offset)


def _local_half_hour(day: date, clock: time) -> HalfHour:
    minute_of_day = clock.hour * 60 + clock.minute
    found = local_half_hour(day, minute_of_day)
    if found is None:
        raise InvalidValue(
            f"{day} {clock:%H:%M} does not exist in UK local time (that hour is skipped when the clocks go "
            "forward); give the time in UTC with a Z, or with its UTC offset"
        )
    start, period = found
    return start, day, period, happens_twice(day, minute_of_day)


def _exact_half_hour(day: date, clock: time, offset: timezone) -> HalfHour:
    start = datetime(day.year, day.month, day.day, clock.hour, clock.minute, tzinfo=offset).astimezone(UTC)
    if start.minute % 30:
        raise InvalidValue(f"{start:%H:%M} UTC is not on a half hour ({_NOT_ON_HALF_HOUR})")
    day = local_date(start)
    return start, day, period_of(start, day), False


class WideLayout:
    """meter, date, HH01..HH50 (HH01 the half hour from local midnight); optionally unit and flag.

    Blank period cells are skipped. A row is all or nothing: one bad cell rejects the whole row.
    """

    __slots__ = ("_by_period", "_date", "_periods", "_row")
    name = "hh-wide"

    def __init__(
        self, row: CommonColumns, date_column: Column, periods: Sequence[tuple[int, Column]]
    ) -> None:
        self._row = row
        self._date = date_column
        self._periods = tuple(periods)
        self._by_period = dict(self._periods)

    def parse_row(self, cells: list[str]) -> list[Reading]:
        row = self._row
        row.check_shape(cells)
        meter = row.meter(cells)
        day = read_date(cells, self._date)
        unit_shift = row.unit_shift(cells)
        estimated = row.estimated(cells)
        starts = period_starts(day)
        readings = []
        for period, column in self._periods:
            text = cells[column.index]
            try:
                value = parse_number(text)
            except InvalidValue as exc:
                raise column.error(str(exc)) from None
            if value is None:
                continue
            if period > len(starts):
                raise column.error(_no_such_period(day, period, len(starts), text))
            kwh = to_kwh(value, unit_shift)
            readings.append(new_reading(meter, HALF_HOURLY, starts[period - 1], day, period, kwh, estimated))
        if not readings:
            raise RowError("no readings in row")
        return readings

    def parse_batch(self, rows: list[list[str]]) -> None:
        """None: a wide row holds many readings, each its own cell to check (read row by row)."""
        return None

    def value_column(self, reading: Reading) -> Column:
        assert reading.period is not None
        return self._by_period[reading.period]


def _no_such_period(day: date, period: int, periods: int, text: str) -> str:
    why = " as the clocks go forward that day" if periods < _USUAL_PERIODS else ""
    return (
        f"{day} has only {periods} half hours{why}, so HH{period:02d} must be blank; "
        f"found {quoted(text.strip())}"
    )
