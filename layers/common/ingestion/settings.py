"""Configuration, read from the environment (pydantic-settings) and validated once per container.

Every field is set by the environment variable named in capitals after it (AWS_REGION for
`region`); template.yaml passes the stack's parameters to the functions that way. An empty
variable counts as unset."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from pydantic import AliasChoices, Field, ValidationError
from pydantic_settings import BaseSettings, InitSettingsSource, SettingsConfigDict

from ingestion.domain.health import Patience
from ingestion.domain.throttle import DEFAULT_CHOICES as THROTTLE_CHOICES
from ingestion.domain.throttle import DEFAULT_MIN_BATCH_SIZE, MAX_BATCH_SIZE


class ConfigurationError(RuntimeError):
    """The function's environment is missing or has an invalid setting."""


def _env(name: str, **constraints: Any) -> Any:
    """A field set by the environment variable `name` (also accepted by its field name in code)."""
    return Field(validation_alias=AliasChoices(name), **constraints)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, env_ignore_empty=True, populate_by_name=True)

    jobs_table: str = _env("JOBS_TABLE", min_length=1)
    readings_table: str = _env("READINGS_TABLE", min_length=1)
    sites_table: str = _env("SITES_TABLE", min_length=1)
    # Operators' live settings (the import throttle), changed through the API.
    settings_table: str = _env("SETTINGS_TABLE", min_length=1)
    # Users' saved column mappings (profiles), by owner and name.
    profiles_table: str = _env("PROFILES_TABLE", min_length=1)
    upload_bucket: str = _env("UPLOAD_BUCKET", min_length=1)
    ingest_queue_url: str = _env("INGEST_QUEUE_URL", min_length=1)
    region: str = _env("AWS_REGION", default="eu-west-2", min_length=1)
    # Set only off AWS (the local stack): every client then talks to that endpoint.
    aws_endpoint_url: str | None = _env("AWS_ENDPOINT_URL", default=None)
    # Members of exactly this group (the token's cognito:groups or groups claim) are administrators.
    admin_group: str = _env("ADMIN_GROUP", default="admin", min_length=1, max_length=128)
    # Largest file a presigned POST accepts (the content-length-range of the policy).
    max_upload_bytes: int = _env("MAX_UPLOAD_BYTES", default=1024**3, gt=0)
    # A CSV sent in the request body itself: the HTTP API and Lambda payload limits leave room for 5 MB.
    direct_upload_max_bytes: int = _env("DIRECT_UPLOAD_MAX_BYTES", default=5 * 1024 * 1024, gt=0)
    # A user's imports awaiting their file, queued or running at once: POST /imports answers 429 beyond.
    max_active_imports: int = _env("MAX_ACTIVE_IMPORTS", default=20, ge=1)
    # mode=sync imports files below this many data rows inside the request.
    sync_max_rows: int = _env("SYNC_MAX_ROWS", default=5000, gt=0)
    # The default throttle until an operator saves throttle settings (PUT /settings/import-throttle).
    default_throttle: str = _env(
        "DEFAULT_THROTTLE", default="auto", pattern="^(" + "|".join(THROTTLE_CHOICES) + ")$"
    )
    # The smallest batch_size a job's own throttle may have unless an administrator asks for it
    # (each batch rewrites the job item: docs/performance.md).
    min_batch_size: int = _env("MIN_BATCH_SIZE", default=DEFAULT_MIN_BATCH_SIZE, ge=1, le=MAX_BATCH_SIZE)
    # A continuation chain longer than this fails the job instead of looping.
    max_segments: int = _env("MAX_SEGMENTS", default=1000, gt=0)
    # A processing job with no progress for this long is stalled, and re-driven by the scheduled run.
    stall_after_seconds: int = _env("STALL_AFTER_SECONDS", default=900, gt=0)
    # A worker's claim on a shard (its lease) lasts this long and is renewed at every batch commit
    # (and before a longer pause): a worker that died is found, and its job re-driven, this long
    # after its last commit by the scheduled run. Longer than any one batch takes.
    lease_seconds: int = _env("LEASE_SECONDS", default=60, ge=1, le=900)
    # A queued job whose first message has not been picked up after this long is stalled, and re-driven.
    queued_grace_seconds: int = _env("QUEUED_GRACE_SECONDS", default=120, gt=0)
    upload_url_expires_seconds: int = _env("UPLOAD_URL_EXPIRES_SECONDS", default=900, gt=0, le=7 * 24 * 3600)
    # The segment stops and continues through SQS when less than this much time is left.
    segment_safety_ms: int = _env("SEGMENT_SAFETY_MS", default=20_000, ge=0)
    # Throttle delays up to this long are slept in-process; longer ones continue via SQS DelaySeconds.
    inline_sleep_max_ms: int = _env("INLINE_SLEEP_MAX_MS", default=1000, ge=0)
    # Transient failures are retried this many times, after 2, 4, 8... minutes (capped at an hour).
    max_retries: int = _env("MAX_RETRIES", default=3, ge=0)
    retry_base_seconds: int = _env("RETRY_BASE_SECONDS", default=120, gt=0)
    retry_cap_seconds: int = _env("RETRY_CAP_SECONDS", default=3600, gt=0)
    # A file of at least this many bytes is split into MAX_SHARDS byte ranges imported in parallel
    # (0: never split). See domain/sharding.py for when a file cannot be split, domain/merge.py for the end.
    shard_min_bytes: int = _env("SHARD_MIN_BYTES", default=32 * 1024 * 1024, ge=0)
    max_shards: int = _env("MAX_SHARDS", default=4, ge=1, le=64)
    # Error-report download links last this long.
    report_link_seconds: int = _env("REPORT_LINK_SECONDS", default=300, gt=0, le=3600)
    # The ingest queue's maxReceiveCount (template.yaml passes the one value to both): on the last
    # delivery a failing message fails its job.
    max_receive_count: int = _env("MAX_RECEIVE_COUNT", default=5, ge=1)

    @property
    def patience(self) -> Patience:
        """How long a job may sit without progress before it is stalled."""
        return Patience(stall_after_s=self.stall_after_seconds, queued_s=self.queued_grace_seconds)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Settings from these variables (not the process environment); ConfigurationError naming
        each variable that is missing or wrong."""
        given = {name: value for name, value in environ.items() if value}
        try:
            # Only the given values, not the process environment (BaseSettings.__init__ takes the
            # sources to read; mypy sees the fields' __init__ only).
            return cls(_build_sources=((InitSettingsSource(cls, given),), {}))  # type: ignore[call-arg]
        except ValidationError as exc:
            raise _configuration_error(exc) from None


def _configuration_error(exc: ValidationError) -> ConfigurationError:
    problems = "; ".join(f"{err['loc'][0]}: {err['msg']}" for err in exc.errors())
    return ConfigurationError(f"invalid configuration: {problems}")


@cache
def get_settings() -> Settings:
    """The container's settings, validated on first use (cold start)."""
    try:
        return Settings()
    except ValidationError as exc:
        raise _configuration_error(exc) from None
