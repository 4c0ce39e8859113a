"""AWS clients, built once per container."""

from __future__ import annotations

from functools import cache
from typing import Any, ClassVar

import boto3
from botocore.config import Config

from ingestion.settings import get_settings

# botocore's standard retry mode retries throttling and transient errors with jittered backoff.
_RETRIES: Any = {"mode": "standard", "max_attempts": 8}


@cache
def client(service: str, *, bulk: bool = False) -> Any:
    """A client for `service`. `bulk`: for the hot write path, whose requests the code builds
    itself: botocore's client-side parameter validation is skipped (DynamoDB still validates them),
    which was a third of the ingest worker's CPU (make bench)."""
    settings = get_settings()
    s3_options: Any = None
    if service == "s3" and not settings.aws_endpoint_url:
        # Virtual-hosted, regional URLs (bucket.s3.<region>.amazonaws.com): boto3 otherwise signs
        # browser uploads for the global endpoint, which redirects (307) for a day after a bucket
        # is created outside us-east-1, and browsers do not follow that for a cross-origin POST.
        s3_options = {"addressing_style": "virtual"}
    config = Config(
        retries=_RETRIES,
        signature_version="s3v4" if service == "s3" else None,
        s3=s3_options,
        parameter_validation=not bulk,
        # (botocore keeps 10 connections a client: a job's log is read 32 parts at a time)
        max_pool_connections=32,
    )
    # service is a runtime name, so no typed overload of boto3.client applies.
    return boto3.client(service, region_name=settings.region, config=config)  # type: ignore[call-overload]


def reset_clients() -> None:
    """Forget cached clients, so that the next call builds one for the endpoint that is current
    now: each integration test starts a fresh moto account."""
    client.cache_clear()


class DynamoTable:
    """A store of one DynamoDB table through the low-level client: the table's name from the
    settings field `setting` (or given), the container's client (or one given, in tests)."""

    setting: ClassVar[str]

    def __init__(self, *, table: str | None = None, dynamodb: Any = None) -> None:
        self._table = table
        self._dynamodb = dynamodb

    @property
    def _client(self) -> Any:
        return self._dynamodb or client("dynamodb")

    @property
    def _table_name(self) -> str:
        return self._table or str(getattr(get_settings(), self.setting))
