"""The domain object every layout produces: one reading for one meter and one interval."""

from dataclasses import dataclass, fields, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Final

_HOUR = timedelta(hours=1)
HALF_HOURLY: Final = "hh"
DAILY: Final = "day"


@dataclass(frozen=True, slots=True)
class Reading:
    """One meter reading, with its interval resolved to a UTC instant and a UK local date."""

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

    def second_occurrence(self) -> "Reading":
        """The same wall-clock half hour an hour later in UTC (two periods on), after the clocks went back."""
        assert self.repeatable and self.period is not None
        return replace(self, start=self.start + _HOUR, period=self.period + 2, repeatable=False)

    @property
    def key(self) -> str:
        """Sort key within a meter: "hh#2024-11-09T00:00Z" or "day#2024-11-09".

        The kind is part of the key so that a daily reading never collides with half-hour period 1, which
        made the original system double count.
        """
        if self.kind == HALF_HOURLY:
            # isoformat, sliced: "%Y-%m-%dT%H:%M" at a tenth of strftime's cost (every reading, 3 times)
            return "hh#" + self.start.isoformat()[:16] + "Z"
        return "day#" + self.local_date.isoformat()


# A frozen dataclass's __init__ sets every field through object.__setattr__, which costs more than
# reading the rest of a row does. The layouts, which build a Reading a row, set its slots directly.
_new = object.__new__
_meter, _kind, _start, _local_date, _period, _value_kwh, _estimated, _repeatable = (
    vars(Reading)[field.name].__set__ for field in fields(Reading)
)


def new_reading(
    meter: str,
    kind: str,
    start: datetime,
    local_date: date,
    period: int | None,
    value_kwh: Decimal,
    estimated: bool,
    repeatable: bool = False,
) -> Reading:
    """Reading(...), the same object, built in half the time."""
    reading = _new(Reading)
    _meter(reading, meter)
    _kind(reading, kind)
    _start(reading, start)
    _local_date(reading, local_date)
    _period(reading, period)
    _value_kwh(reading, value_kwh)
    _estimated(reading, estimated)
    _repeatable(reading, repeatable)
    return reading
