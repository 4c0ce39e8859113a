"""When to try again after a transient failure (pure)."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from ingestion.store.readings import WriteThrottledError

# Failures worth another try later: AWS said no for now (throttling, a 5xx, a network error).
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (WriteThrottledError, ClientError, BotoCoreError)


THROTTLING_CODES = frozenset(
    {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded", "SlowDown"}
)


def is_throttling(error: Exception) -> bool:
    """AWS asking us to slow down: a reason to wait, never a reason to fail the job."""
    if isinstance(error, WriteThrottledError):
        return True
    return isinstance(error, ClientError) and error.response.get("Error", {}).get("Code") in THROTTLING_CODES


def retry_delay(attempt: int, *, base_seconds: int, cap_seconds: int) -> int:
    """Seconds before retry number `attempt` (1-based): base, 2x base, 4x base... capped.
    With the defaults, the original's 2^n minutes: 2, 4, 8 minutes, never more than an hour."""
    return int(min(cap_seconds, base_seconds * 2 ** (attempt - 1)))


def describe(error: Exception) -> str:
    """A one-line account of a transient error, for the job's last_error."""
    if isinstance(error, ClientError):
        detail = error.response.get("Error", {})
        return f"{detail.get('Code', 'Error')}: {detail.get('Message', '')}".strip()
    return f"{type(error).__name__}: {error}"
