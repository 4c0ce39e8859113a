"""Wall-clock helpers. Time is always passed in (as epoch seconds) so logic stays testable."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], float]
system_clock: Clock = time.time


def iso(epoch_seconds: float) -> str:
    """ISO 8601 UTC with milliseconds and a Z: sorts as text in the same order as in time."""
    stamp = datetime.fromtimestamp(epoch_seconds, UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
