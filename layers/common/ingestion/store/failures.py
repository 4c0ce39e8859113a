"""Which AWS failures are transient (worth another try later), and which of those are throttling."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from ingestion.domain.errors import WriteThrottledError

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


def describe(error: Exception) -> str:
    """A one-line account of a transient error, for the job's last_error."""
    if isinstance(error, ClientError):
        detail = error.response.get("Error", {})
        return f"{detail.get('Code', 'Error')}: {detail.get('Message', '')}".strip()
    return f"{type(error).__name__}: {error}"
