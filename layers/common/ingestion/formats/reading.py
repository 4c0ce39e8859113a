"""The domain object every layout produces: one reading for one meter and one interval."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Final

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

    @property
    def key(self) -> str:
        """Sort key within a meter: "hh#2024-11-09T00:00Z" or "day#2024-11-09".

        The kind is part of the key so that a daily reading never collides with half-hour period 1, which
        made the original system double count.
        """
        if self.kind == HALF_HOURLY:
            return f"hh#{self.start:%Y-%m-%dT%H:%M}Z"
        return f"day#{self.local_date.isoformat()}"
