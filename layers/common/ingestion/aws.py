"""AWS clients, built once per container."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from ingestion.settings import get_settings

# botocore's standard retry mode retries throttling and transient errors with jittered backoff.
_RETRIES: Any = {"mode": "standard", "max_attempts": 8}


@cache
def client(service: str) -> Any:
    config = Config(retries=_RETRIES, signature_version="s3v4" if service == "s3" else None)
    # service is a runtime name, so no typed overload of boto3.client applies.
    return boto3.client(service, region_name=get_settings().region, config=config)  # type: ignore[call-overload]


def reset_clients() -> None:
    """Forget cached clients (tests and the local runtime start fresh endpoints)."""
    client.cache_clear()
