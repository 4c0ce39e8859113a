"""UK local time (Europe/London) against UTC, and the half-hour periods of a local day.

Period p of local date d starts at d's local midnight (as UTC) + (p - 1) * 30 minutes. A day has 48
periods, 46 when the clocks go forward and 50 when they go back, so period numbers never repeat or skip.
"""

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
HALF_HOUR = timedelta(minutes=30)
_ONE_DAY = timedelta(days=1)
USUAL_PERIODS = 48


@lru_cache(maxsize=1024)
def local_midnight(day: date) -> datetime:
    """The UTC instant at which UK local date `day` begins."""
    # Local midnight is never skipped or repeated: UK clocks change at 01:00 and 02:00.
    return datetime(day.year, day.month, day.day, tzinfo=LONDON).astimezone(UTC)


@lru_cache(maxsize=1024)
def period_starts(day: date) -> tuple[datetime, ...]:
    """The UTC start of each half-hour period of a UK local date, period 1 first."""
    first = local_midnight(day)
    count = (local_midnight(day + _ONE_DAY) - first) // HALF_HOUR
    return tuple(first + index * HALF_HOUR for index in range(count))


def periods_in_day(day: date) -> int:
    """48, or 46 when the clocks go forward that day, or 50 when they go back."""
    return len(period_starts(day))


def local_half_hour(day: date, minute_of_day: int) -> tuple[datetime, int] | None:
    """The UTC start and the period of the half hour starting at a UK wall-clock time on `day`.

    `minute_of_day` must be a multiple of 30. None when the time does not exist (the hour skipped when
    the clocks go forward); a time that happens twice (when they go back) is taken as the first.
    """
    starts = period_starts(day)
    if len(starts) == USUAL_PERIODS:  # no clock change that day: wall clock and UTC keep step
        index = minute_of_day // 30
        return starts[index], index + 1
    return _half_hour_on_change_day(day, minute_of_day)


@lru_cache(maxsize=256)
def _half_hour_on_change_day(day: date, minute_of_day: int) -> tuple[datetime, int] | None:
    hour, minute = divmod(minute_of_day, 60)
    wall = datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)  # fold=0: first occurrence
    start = wall.astimezone(UTC)
    if start.astimezone(LONDON).replace(tzinfo=None) != wall.replace(tzinfo=None):
        return None  # zoneinfo maps a skipped time past the gap; the round trip shows it
    return start, period_of(start, day)


@lru_cache(maxsize=256)
def happens_twice(day: date, minute_of_day: int) -> bool:
    """Whether a UK wall-clock time happens twice on `day` (the hour repeated when the clocks go back)."""
    if periods_in_day(day) <= USUAL_PERIODS:
        return False
    hour, minute = divmod(minute_of_day, 60)
    wall = datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)
    return wall.astimezone(UTC) != wall.replace(fold=1).astimezone(UTC)


def local_date(instant: datetime) -> date:
    """The UK local date of an aware instant."""
    return instant.astimezone(LONDON).date()


def period_of(start: datetime, day: date) -> int:
    """The period of local date `day` that starts at the UTC instant `start` (on a half hour of that day)."""
    return (start - local_midnight(day)) // HALF_HOUR + 1
