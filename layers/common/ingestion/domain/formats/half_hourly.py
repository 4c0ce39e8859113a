"""Half-hourly readings, long (one reading a row) or wide (a row per meter and day, columns HH01..HH50)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timezone
from typing import NamedTuple, cast
from zoneinfo import ZoneInfo

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
from ingestion.domain.formats.rows import CommonColumns, ValueColumn
from ingestion.domain.formats.summary_rows import check_not_summary
from ingestion.domain.formats.uk_time import (
    HALF_HOUR,
    happens_twice,
    local_date,
    local_half_hour,
    period_of,
    period_starts,
)
from ingestion.domain.formats.values import (
    END_OF_DAY,
    MINUTES_PER_DAY,
    ONE_DAY,
    is_end_of_day,
    parse_datetime,
    parse_flag,
    parse_time,
    to_kwh,
)
from ingestion.domain.formats.wide_columns import USUAL_PERIODS, WideColumn, read_wide_batch

# Where a long row's reading falls: its UTC start, UK local date and period, and whether its local time
# happens twice (the hour the clocks go back).
type HalfHour = tuple[datetime, date, int, bool]
type NumberedHalfHour = tuple[datetime, date, int, bool, int]  # and its number (half_hour_number)
# The most date-time cells a layout keeps (about 370 bytes each, 13 MB): two years of half hours.
KNOWN_HALF_HOURS = 35_040
_NOT_ON_HALF_HOUR = "half-hourly readings must start at :00 or :30, with zero seconds"


@dataclass(frozen=True, slots=True)
class Clock:
    """How a file's times are read: naive ones in `zone` (None: UK local time, the usual), and as
    the start of their half hour or its end (`ending`: the reading started half an hour earlier)."""

    zone: ZoneInfo | None = None
    ending: bool = False

    def half_hour(self, text: str, day: date, clock: time, offset: timezone | None) -> HalfHour:
        if clock.minute % 30 or clock.second or clock.microsecond:
            raise InvalidValue(f"{quoted(text.strip())} is not on a half hour ({_NOT_ON_HALF_HOUR})")
        if offset is None and self.zone is not None:
            if self.zone.key == "UTC":
                offset = UTC
            else:
                wall = datetime(day.year, day.month, day.day, clock.hour, clock.minute, tzinfo=self.zone)
                return self._exact(wall.astimezone(UTC))
        if offset is not None:
            instant = datetime(day.year, day.month, day.day, clock.hour, clock.minute, tzinfo=offset)
            return self._exact(instant.astimezone(UTC))
        minute_of_day = clock.hour * 60 + clock.minute
        if self.ending:
            minute_of_day -= 30
            if minute_of_day < 0:
                day, minute_of_day = day - ONE_DAY, minute_of_day + MINUTES_PER_DAY
        return _local_half_hour(day, minute_of_day, self.ending)

    def _exact(self, instant: datetime) -> HalfHour:
        start = instant - HALF_HOUR if self.ending else instant
        if start.minute % 30:
            raise InvalidValue(f"{start:%H:%M} UTC is not on a half hour ({_NOT_ON_HALF_HOUR})")
        day = local_date(start)
        return start, day, period_of(start, day), False


UK_CLOCK = Clock()


class LongLayout:
    """meter (or one for the whole file), when, value (or one a channel); optionally unit, flag and
    channel. When: a date-and-time column (or a start column, with an end column checked), a date
    and a time column, or a date and a settlement period column."""

    __slots__ = (
        "_by_channel",
        "_clock",
        "_date",
        "_datetime",
        "_end",
        "_half_hours",
        "_keys",
        "_period",
        "_row",
        "_time",
        "_values",
    )
    name = "hh-long"

    def __init__(
        self,
        row: CommonColumns,
        values: Sequence[ValueColumn],
        datetime_column: Column | None = None,
        date_column: Column | None = None,
        time_column: Column | None = None,
        *,
        period_column: Column | None = None,
        end_column: Column | None = None,
        clock: Clock = UK_CLOCK,
    ) -> None:
        if datetime_column is None and (
            date_column is None or (time_column is None and period_column is None)
        ):
            raise ValueError("a long layout needs a datetime column, or a date and a time or period column")
        self._row = row
        self._values = tuple(values)
        self._by_channel = {value.channel: value.column for value in self._values}
        self._datetime = datetime_column
        self._date = date_column
        self._time = time_column
        self._period = period_column
        self._end = end_column
        self._clock = clock
        self._keys = _key_indexes(row, datetime_column, date_column)
        # The date-time cells this layout has read, with their half hours (see _half_hour_of):
        # filled up to KNOWN_HALF_HOURS, never emptied, gone with the layout.
        self._half_hours: dict[str, NumberedHalfHour] = {}

    def parse_row(self, cells: list[str]) -> list[Reading]:
        row = self._row
        check_not_summary(cells, self._keys)
        row.check_shape(cells)
        meter = row.meter(cells)
        start, day, period, repeatable = self._when(cells)
        estimated = row.estimated(cells)
        if len(self._values) == 1:
            unit = row.unit(cells)
            value = row.read_kwh(cells, self._values[0].column, unit)
            channel = row.channel(cells, unit)
            return [
                new_reading(meter, HALF_HOURLY, start, day, period, value, estimated, repeatable, channel)
            ]
        readings = []
        for value_column in self._values:
            if not cells[value_column.column.index].strip():
                continue
            value = row.read_kwh(cells, value_column.column, value_column.unit)
            channel = value_column.channel
            readings.append(
                new_reading(meter, HALF_HOURLY, start, day, period, value, estimated, repeatable, channel)
            )
        if not readings:
            raise RowError("no readings in row")
        return readings

    def parse_batch(self, rows: list[list[str]]) -> ReadingColumns | None:
        """parse_row of every row at once, column by column, for a batch of valid rows (None: some
        row is not, the times are in two columns, an end column is checked, or a row holds more
        than one reading; read the rows one by one)."""
        row, column = self._row, self._datetime
        if column is None or self._end is not None or len(self._values) != 1:
            return None
        if (columns := row.columns(rows)) is None:
            return None
        try:
            meters, values, estimated, channels = row.read_columns(columns, self._values[0].column)
            whens = self._half_hours_of(columns[column.index])
        except InvalidValue:
            return None
        starts, days, periods, repeatable, numbers = zip(*whens, strict=True)
        twice = repeatable if any(repeatable) else None
        return ReadingColumns(
            HALF_HOURLY, meters, starts, days, numbers, periods, values, estimated, twice, channels
        )

    def value_column(self, reading: Reading) -> Column:
        return self._by_channel.get(reading.channel, self._values[0].column)

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
            if not self._clock.ending and is_end_of_day(text):
                raise InvalidValue(_starting_at_24(text))
            day, clock, offset = parse_datetime(text, self._row.dates)
            start, day, period, repeatable = self._clock.half_hour(text, day, clock, offset)
            when = (start, day, period, repeatable, half_hour_number(start))
            if len(self._half_hours) < KNOWN_HALF_HOURS and len(text) <= MAX_CACHED_CHARS:
                self._half_hours[text] = when
        return when

    def _when(self, cells: Sequence[str]) -> HalfHour:
        if self._datetime is not None:
            column = self._datetime
            try:
                start, day, period, repeatable, _ = self._half_hour_of(cells[column.index])
            except InvalidValue as exc:
                raise column.error(str(exc)) from None
            if self._end is not None:
                self._check_end(cells, start)
            return start, day, period, repeatable
        assert self._date is not None
        day = self._row.read_date(cells, self._date)
        if self._period is not None:
            return _settlement_half_hour(cells, day, self._period)
        assert self._time is not None
        column = self._time
        try:
            text = cells[column.index]
            if text.strip() in END_OF_DAY:
                if not self._clock.ending:
                    raise InvalidValue(_starting_at_24(text))
                return self._clock.half_hour(text, day + ONE_DAY, time(0, 0), None)
            return self._clock.half_hour(text, day, parse_time(text), None)
        except InvalidValue as exc:
            raise column.error(str(exc)) from None

    def _check_end(self, cells: Sequence[str], start: datetime) -> None:
        """An interval's end must be half an hour after its start."""
        assert self._end is not None
        column = self._end
        text = cells[column.index]
        if not text.strip():
            return
        try:
            day, clock, offset = parse_datetime(text, self._row.dates)
            end = Clock(self._clock.zone, ending=True).half_hour(text, day, clock, offset)[0] + HALF_HOUR
        except InvalidValue as exc:
            raise column.error(str(exc)) from None
        if end != start + HALF_HOUR:
            minutes = int((end - start).total_seconds() // 60)
            raise column.error(
                f"the interval ends {minutes} minutes after it starts ({quoted(text.strip())}); "
                "half-hourly readings span 30 minutes"
            )


def _key_indexes(row: CommonColumns, *columns: Column | None) -> tuple[int, ...]:
    """Where a summary word may be besides a row's first non-blank cell: its meter and date cells."""
    return tuple(column.index for column in (row.meter_column, *columns) if column is not None)


def _starting_at_24(text: str) -> str:
    return (
        f"invalid time {quoted(text.strip())} (24:00 is the end of a day, so it can only end a half hour, "
        "and this file's times are read as the start of theirs; if they are the end, import it with "
        "timestamps end)"
    )


def _settlement_half_hour(cells: Sequence[str], day: date, column: Column) -> HalfHour:
    """The half hour of a settlement period (1..46/48/50) of a UK local date."""
    text = cells[column.index].strip()
    if not (text.isascii() and text.isdigit()):
        raise column.error(f"invalid settlement period {quoted(text)} (expected a whole number 1 to 50)")
    period = int(text)
    starts = period_starts(day)
    if not 1 <= period <= len(starts):
        why = _DAY_LENGTH_NOTES.get(len(starts), "")
        raise column.error(f"{day} has settlement periods 1 to {len(starts)}{why}; found {period}")
    return starts[period - 1], day, period, False


_DAY_LENGTH_NOTES = {46: " (the clocks go forward that day)", 50: " (the clocks go back that day)"}


def _local_half_hour(day: date, minute_of_day: int, ending: bool = False) -> HalfHour:
    found = local_half_hour(day, minute_of_day)
    if found is None:
        hour, minute = divmod(minute_of_day + (30 if ending else 0), 60)
        said = "the half hour ending " if ending else ""
        raise InvalidValue(
            f"{said}{day} {hour:02d}:{minute:02d} does not exist in UK local time (that hour is skipped "
            "when the clocks go forward); give the time in UTC with a Z, or with its UTC offset"
        )
    start, period = found
    return start, day, period, happens_twice(day, minute_of_day)


class Slot(NamedTuple):
    """A wide file's column of one half hour: named by its settlement period (HH01, P1, SP1), or by a
    time of day (the minute its half hour starts, local time: "00:30" is 30; the second column of a
    time on a day it happens twice is its second occurrence); with its own flag column, if any."""

    column: Column
    period: int | None = None
    minute: int | None = None
    occurrence: int = 0  # 1: the second column named by this time (the hour the clocks go back)
    flag: Column | None = None

    @property
    def label(self) -> str:
        if self.period is not None:
            return f"HH{self.period:02d}"
        assert self.minute is not None
        return f"{self.minute // 60:02d}:{self.minute % 60:02d}"


class WideLayout:
    """meter (or one for the whole file), date, a column a half hour: by period (HH01..HH50, HH01 the
    half hour from local midnight) or by time of day ("00:00".."23:30", or their ends, or ranges);
    optionally unit, flag (a row's, or one beside each half hour) and channel.

    Blank half-hour cells are skipped. A row is all or nothing: one bad cell rejects the whole row.
    """

    __slots__ = ("_columns", "_date", "_keys", "_row", "_slots", "_twice", "_zone")
    name = "hh-wide"

    def __init__(
        self, row: CommonColumns, date_column: Column, slots: Sequence[Slot], zone: ZoneInfo | None = None
    ) -> None:
        self._row = row
        self._date = date_column
        self._slots = tuple(slots)
        # Times of day the header names twice: on the day the clocks go back, the first column is the
        # first occurrence of that time, the second the second.
        self._twice = frozenset(s.minute for s in self._slots if s.occurrence)
        # The zone of the times of day the columns name (None: UK local time). Period numbers are
        # the UK's settlement periods whatever it is.
        self._zone = zone
        self._keys = _key_indexes(row, date_column)
        self._columns = tuple(
            WideColumn(s.column.index, None if s.flag is None else s.flag.index, _usual_index(s))
            for s in slots
        )

    def parse_row(self, cells: list[str]) -> list[Reading]:
        row = self._row
        check_not_summary(cells, self._keys)
        row.check_shape(cells)
        meter = row.meter(cells)
        day = row.read_date(cells, self._date)
        unit = row.unit(cells)
        channel = row.channel(cells, unit)
        estimated = row.estimated(cells)
        starts = period_starts(day)
        numbers = row.numbers
        readings = []
        for slot in self._slots:
            column = slot.column
            text = cells[column.index]
            try:
                value = numbers(text)
            except InvalidValue as exc:
                raise column.error(str(exc)) from None
            if value is None:
                continue
            flagged = estimated if slot.flag is None else _flag(cells, slot.flag)
            kwh = to_kwh(value, unit.conversion)
            if self._zone is not None and slot.minute is not None:
                start, local, period = self._zoned(slot, day, text)
                readings.append(
                    new_reading(meter, HALF_HOURLY, start, local, period, kwh, flagged, False, channel)
                )
                continue
            period = self._period_of(slot, day, starts, text)
            start = starts[period - 1]
            readings.append(new_reading(meter, HALF_HOURLY, start, day, period, kwh, flagged, False, channel))
        if not readings:
            raise RowError("no readings in row")
        return readings

    def _zoned(self, slot: Slot, day: date, text: str) -> tuple[datetime, date, int]:
        """The UTC start, UK local date and period of a slot's half hour on `day` in the file's zone."""
        assert self._zone is not None and slot.minute is not None
        hour, minute = divmod(slot.minute, 60)
        wall = datetime(day.year, day.month, day.day, hour, minute, tzinfo=self._zone, fold=slot.occurrence)
        start = wall.astimezone(UTC)
        if start.astimezone(self._zone).replace(tzinfo=None) != wall.replace(tzinfo=None):
            raise slot.column.error(
                f"{day} has no {slot.label} in {self._zone.key} (the clocks go forward that day, skipping "
                f"that hour), so this cell must be blank; found {quoted(text.strip())}"
            )
        local = local_date(start)
        return start, local, period_of(start, local)

    def _period_of(self, slot: Slot, day: date, starts: Sequence[datetime], text: str) -> int:
        """The local period of a slot's half hour on `day`; RowError when that day has none."""
        if slot.period is not None:
            if slot.period > len(starts):
                raise slot.column.error(_no_such_period(day, slot.period, len(starts), text))
            return slot.period
        assert slot.minute is not None
        found = local_half_hour(day, slot.minute)
        if found is None:
            raise slot.column.error(
                f"{day} has no half hour at {slot.label} (the clocks go forward that day, skipping that "
                f"hour), so this cell must be blank; found {quoted(text.strip())}"
            )
        period = found[1]
        if slot.occurrence and not happens_twice(day, slot.minute):
            raise slot.column.error(
                f"this is the second {slot.label} column, which only the day the clocks go back has "
                f"({day} is not that day), so it must be blank; found {quoted(text.strip())}"
            )
        if happens_twice(day, slot.minute):
            if slot.minute not in self._twice:
                raise RowError(
                    f"the clocks go back on {day}, so {slot.label} happens twice that day, and this file "
                    f"has one column for it: it cannot say which of the two half hours the reading "
                    f"{quoted(text.strip())} is. Give that day's readings in a file with a column for "
                    "each half hour (HH01 to HH50), or with UTC times"
                )
            period += 2 * slot.occurrence
        return period

    def parse_batch(self, rows: list[list[str]]) -> ReadingColumns | None:
        """parse_row of every row at once, column by column, for a batch of valid rows on days
        without a clock change (None: read the rows one by one): formats/wide_columns.py."""
        if self._zone is not None:
            return None  # (times in another zone: each row's half hours placed one by one)
        return read_wide_batch(self._row, self._date.index, self._columns, rows)

    def value_column(self, reading: Reading) -> Column:
        for slot in self._slots:
            if slot.period is not None:
                if slot.period == reading.period:
                    return slot.column
                continue
            assert slot.minute is not None
            found = local_half_hour(reading.local_date, slot.minute)
            if found is not None and found[1] + 2 * slot.occurrence == reading.period:
                return slot.column
        return self._slots[0].column


def _usual_index(slot: Slot) -> int | None:
    """A slot's half hour on a day of 48, 0 first (None: such a day has none: HH49, HH50, or the
    second column of a time that happens twice only the day the clocks go back)."""
    if slot.period is not None:
        return slot.period - 1 if slot.period <= USUAL_PERIODS else None
    assert slot.minute is not None
    return None if slot.occurrence else slot.minute // 30


def _flag(cells: Sequence[str], column: Column) -> bool:
    try:
        return parse_flag(cells[column.index])
    except InvalidValue as exc:
        raise column.error(str(exc)) from None


def _no_such_period(day: date, period: int, periods: int, text: str) -> str:
    why = " as the clocks go forward that day" if periods < USUAL_PERIODS else ""
    return (
        f"{day} has only {periods} half hours{why}, so HH{period:02d} must be blank; "
        f"found {quoted(text.strip())}"
    )
