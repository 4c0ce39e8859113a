"""Configuration, read from the environment and validated once per container."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ingestion.domain.throttle import DEFAULT_CHOICES as THROTTLE_CHOICES


class ConfigurationError(RuntimeError):
    """The function's environment is missing or has an invalid setting."""


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    jobs_table: str = Field(min_length=1)
    readings_table: str = Field(min_length=1)
    sites_table: str = Field(min_length=1)
    # Operators' live settings (the import throttle), changed through the API.
    settings_table: str = Field(min_length=1)
    upload_bucket: str = Field(min_length=1)
    ingest_queue_url: str = Field(min_length=1)
    region: str = Field(default="eu-west-2", min_length=1)
    # Set only off AWS (the local stack): every client then talks to that endpoint.
    aws_endpoint_url: str | None = None
    # Largest file a presigned POST accepts (the content-length-range of the policy).
    max_upload_bytes: int = Field(default=1024**3, gt=0)
    # A CSV sent in the request body itself: the HTTP API and Lambda payload limits leave room for 5 MB.
    direct_upload_max_bytes: int = Field(default=5 * 1024 * 1024, gt=0)
    # mode=sync imports files below this many data rows inside the request.
    sync_max_rows: int = Field(default=5000, gt=0)
    # The default throttle until an operator saves throttle settings (PUT /settings/import-throttle).
    default_throttle: str = Field(default="auto", pattern="^(" + "|".join(THROTTLE_CHOICES) + ")$")
    # A continuation chain longer than this fails the job instead of looping.
    max_segments: int = Field(default=1000, gt=0)
    # A processing job with no progress for this long is re-driven by the scheduled run.
    stall_after_seconds: int = Field(default=900, gt=0)
    # A queued job whose first message has not been picked up after this long is re-driven.
    queued_grace_seconds: int = Field(default=120, gt=0)
    upload_url_expires_seconds: int = Field(default=900, gt=0, le=7 * 24 * 3600)
    # The segment stops and continues through SQS when less than this much time is left.
    segment_safety_ms: int = Field(default=20_000, ge=0)
    # Throttle delays up to this long are slept in-process; longer ones continue via SQS DelaySeconds.
    inline_sleep_max_ms: int = Field(default=1000, ge=0)
    # Transient failures are retried this many times, after 2, 4, 8... minutes (capped at an hour).
    max_retries: int = Field(default=3, ge=0)
    retry_base_seconds: int = Field(default=120, gt=0)
    retry_cap_seconds: int = Field(default=3600, gt=0)
    # A file of at least this many bytes is split into MAX_SHARDS byte ranges imported in parallel
    # (0: never split). See sharding.py for when a file cannot be split, merge.py for the end.
    shard_min_bytes: int = Field(default=32 * 1024 * 1024, ge=0)
    max_shards: int = Field(default=4, ge=1, le=64)
    # Error-report download links last this long.
    report_link_seconds: int = Field(default=300, gt=0, le=3600)
    # The ingest queue's maxReceiveCount: on the last delivery a failing message fails its job.
    max_receive_count: int = Field(default=5, ge=1)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        names = {
            "jobs_table": "JOBS_TABLE",
            "readings_table": "READINGS_TABLE",
            "sites_table": "SITES_TABLE",
            "settings_table": "SETTINGS_TABLE",
            "upload_bucket": "UPLOAD_BUCKET",
            "ingest_queue_url": "INGEST_QUEUE_URL",
            "region": "AWS_REGION",
            "aws_endpoint_url": "AWS_ENDPOINT_URL",
            "max_upload_bytes": "MAX_UPLOAD_BYTES",
            "default_throttle": "DEFAULT_THROTTLE",
            "max_segments": "MAX_SEGMENTS",
            "stall_after_seconds": "STALL_AFTER_SECONDS",
            "queued_grace_seconds": "QUEUED_GRACE_SECONDS",
            "upload_url_expires_seconds": "UPLOAD_URL_EXPIRES_SECONDS",
            "segment_safety_ms": "SEGMENT_SAFETY_MS",
            "inline_sleep_max_ms": "INLINE_SLEEP_MAX_MS",
            "max_retries": "MAX_RETRIES",
            "max_receive_count": "MAX_RECEIVE_COUNT",
            "shard_min_bytes": "SHARD_MIN_BYTES",
            "max_shards": "MAX_SHARDS",
        }
        values = {field: environ[var] for field, var in names.items() if environ.get(var)}
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            problems = "; ".join(
                f"{names.get(str(err['loc'][0]), err['loc'][0])}: {err['msg']}" for err in exc.errors()
            )
            raise ConfigurationError(f"invalid configuration: {problems}") from None


@cache
def get_settings() -> Settings:
    """The container's settings, validated on first use (cold start)."""
    return Settings.from_env(os.environ)
