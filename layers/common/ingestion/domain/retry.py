"""When to try again after a transient failure (pure)."""

from __future__ import annotations


def retry_delay(attempt: int, *, base_seconds: int, cap_seconds: int) -> int:
    """Seconds before retry number `attempt` (1-based): base, 2x base, 4x base... capped.
    With the defaults, the original's 2^n minutes: 2, 4, 8 minutes, never more than an hour."""
    return int(min(cap_seconds, base_seconds * 2 ** (attempt - 1)))
