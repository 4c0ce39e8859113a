"""Domain objects, API bodies and queue messages."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from ingestion.csvstream import Framing
from ingestion.progress import Sample
from ingestion.throttle import PRESETS, PresetName, Throttle, ThrottleConfig


class JobStatus(StrEnum):
    AWAITING_UPLOAD = "awaiting_upload"
    QUEUED = "queued"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED)


MAX_ERROR_SAMPLES = 50
ImportFormat = Literal["hh", "daily", "sites", "auto"]
# A display name only (never a storage key): printable, not blank, at most 255 characters.
Filename = Annotated[
    str,
    Field(
        min_length=1,
        max_length=255,
        pattern=r"^[^\x00-\x1f\x7f]*[^\x00-\x1f\x7f\s][^\x00-\x1f\x7f]*$",
        description="the file's name, for people (the storage key is chosen by the service)",
    ),
]


@dataclass(frozen=True)
class Shard:
    start: int
    end: int | None
    offset: int
    line: int
    first_line: int = 1  # the file line number at `start`
    segment: int = 0
    done: bool = False
    holder: str | None = None  # the invocation working on this shard (its lease)
    lease_expires: float | None = None
    samples: tuple[Sample, ...] = ()  # this shard's recent (time, rows, bytes), for rate and ETA


@dataclass(frozen=True)
class Job:
    job_id: str
    owner: str
    filename: str
    format: str
    dry_run: bool
    status: JobStatus
    s3_key: str
    throttle: Throttle
    created_at: str
    updated_at: str
    bytes_total: int | None = None
    shards: tuple[Shard, ...] = ()
    header: tuple[str, ...] | None = None
    delimiter: str | None = None
    layout: str | None = None
    encoding: str | None = None
    line_ending: str | None = None
    processed_rows: int = 0
    imported_rows: int = 0
    failed_rows: int = 0
    warning_rows: int = 0  # rows kept, with a warning (counted apart from failed rows)
    would_insert_rows: int = 0  # dry run: rows whose records are all new
    would_update_rows: int = 0  # dry run: rows that would overwrite a stored record (or an earlier row)
    readings_written: int = 0
    total_rows: int | None = None
    total_rows_exact: bool = False
    segments: int = 0
    redrives: int = 0
    retry_count: int = 0
    last_error: str | None = None
    next_retry_at: float | None = None
    deleting: bool = False  # DELETE was asked: its readings, file and record are being removed
    effective_throttle: Throttle | None = None  # slower than `throttle` while writes are throttled
    throttled: bool = False
    throttled_reason: str | None = None

    @property
    def running_throttle(self) -> Throttle:
        return self.effective_throttle or self.throttle

    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    started_at: str | None = None
    completed_at: str | None = None
    upload_expires_at: str | None = None
    error_message: str | None = None
    note: str | None = None

    @property
    def framing(self) -> Framing:
        """How the file's bytes are split into lines and decoded (known once its first segment ran)."""
        return Framing(self.encoding or "UTF-8", self.line_ending or "LF")

    @property
    def lease_expires(self) -> float | None:
        """The earliest end of a lease held on one of the job's shards (None: nobody works on it)."""
        held = [
            s.lease_expires for s in self.shards if s.holder and s.lease_expires is not None and not s.done
        ]
        return min(held) if held else None

    @property
    def bytes_processed(self) -> int:
        return sum(s.offset - s.start for s in self.shards)

    def with_changes(self, **changes: object) -> Job:
        return replace(self, **changes)  # type: ignore[arg-type]


# ---- API bodies ---------------------------------------------------------------------------------


class ThrottleBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    batch_size: int = Field(ge=1, le=10_000)
    delay_ms: int = Field(ge=0, le=900_000)


class CreateImportRequest(BaseModel):
    """POST /imports with a JSON body: create a job and get a presigned upload."""

    model_config = ConfigDict(extra="forbid")

    filename: Filename
    format: ImportFormat = "auto"
    dry_run: bool = False
    throttle: PresetName | ThrottleBody | None = None
    size: Annotated[int, Field(ge=0, description="the file's size in bytes, if known")] | None = None

    def requested_throttle(self) -> str | Throttle | None:
        return as_throttle(self.throttle)


class UpdateImportRequest(BaseModel):
    """PATCH /imports/{job_id}: a new throttle for a job that has not ended (from its next batch)."""

    model_config = ConfigDict(extra="forbid")

    throttle: PresetName | ThrottleBody = Field(
        description="a preset (its values as the throttle settings hold them now) or your own"
    )

    def requested_throttle(self) -> str | Throttle:
        throttle = as_throttle(self.throttle)
        assert throttle is not None
        return throttle


class ThrottleSettingsRequest(ThrottleConfig):
    """PUT /settings/import-throttle: the whole settings document, from the version it was read at."""

    version: int = Field(ge=0, description="the version you read (0 while nothing was saved)")


def as_throttle(value: str | ThrottleBody | None) -> str | Throttle | None:
    if isinstance(value, ThrottleBody):
        return Throttle(batch_size=value.batch_size, delay_ms=value.delay_ms)
    if value is not None and value not in PRESETS:
        raise ValueError(f"unknown throttle preset {value!r}")
    return value


class IngestMessage(BaseModel):
    """Body of an ingest queue message: work on one shard of one job, as segment N of its chain;
    or, with action "delete", remove a deleted job's readings, file and record."""

    model_config = ConfigDict(extra="ignore")

    job_id: Annotated[str, Field(min_length=1, max_length=64)]
    shard: Annotated[int, Field(ge=0)] = 0
    segment: Annotated[int, Field(ge=1)] = 1
    action: Literal["ingest", "delete"] = "ingest"


class DirectImportParams(BaseModel):
    """Query string of POST /imports with a text/csv body."""

    model_config = ConfigDict(extra="forbid")

    filename: Filename
    format: ImportFormat = "auto"
    dry_run: bool = False
    throttle: PresetName | None = None
    mode: Literal["async", "sync"] = "async"
