"""The API's response bodies as pydantic models: the routes declare them, so Powertools validates
what goes out and the OpenAPI document describes exactly that."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from ingestion.models import JobStatus
from ingestion.throttle import ThrottleConfig


class ThrottleView(BaseModel):
    batch_size: int = Field(description="rows per batch")
    delay_ms: int = Field(description="pause after each batch, in milliseconds")
    preset: str | None = Field(description="the preset it came from, if any")


class JobView(BaseModel):
    """An import job and its progress."""

    job_id: str
    filename: str = Field(description="the name the client gave the file (never used as a storage key)")
    format: str = Field(description="the requested format: hh, daily, sites or auto")
    layout: str | None = Field(description="the layout found in the header: hh-long, hh-wide, daily or sites")
    dry_run: bool
    status: JobStatus
    total_rows: int | None = Field(description="data rows in the file: estimated until total_rows_exact")
    total_rows_exact: bool
    processed_rows: int
    imported_rows: int
    failed_rows: int = Field(description="rows skipped with an error")
    warning_rows: int = Field(description="rows imported with a warning (not counted as failed)")
    would_insert_rows: int | None = Field(description="dry run: rows whose records are all new")
    would_update_rows: int | None = Field(
        description="dry run: rows that would overwrite a stored record, or an earlier row of the file"
    )
    readings_written: int = Field(
        description="records upserted: readings (a wide row holds up to 50) or sites"
    )
    bytes_total: int | None
    bytes_processed: int
    percent: float = Field(ge=0, le=100)
    rows_per_sec: float | None = Field(
        description="over the last minute while running; the average when done"
    )
    eta_seconds: int | None
    success_rate: float | None = Field(description="imported_rows / processed_rows")
    throttle: ThrottleView
    segments: int = Field(description="ingest invocations so far")
    created_at: str
    started_at: str | None
    updated_at: str
    completed_at: str | None
    error_message: str | None = Field(description="why the job failed, in words a person can act on")
    deleting: bool = Field(description="DELETE was asked: the job is being removed")
    throttled: bool = Field(description="slowed down by the service because DynamoDB is throttling writes")
    throttled_reason: str | None
    stalled: bool = Field(description="no progress for longer than the job's throttle allows")
    stall_reason: str | None = Field(description="why it is not moving (or what it is waiting for)")
    retry_count: int = Field(description="transient failures so far (given up after MAX_RETRIES)")
    last_error: str | None = Field(description="the last transient failure")
    next_retry_at: str | None = Field(description="when the next try is due, while waiting for it")
    note: str | None
    errors: list[str] = Field(
        description='the first 50 row errors, "Line N, column C (name): ...", N the file line (header = 1)'
    )
    warnings: list[str] = Field(description="the first 50 warnings, numbered as errors are")
    encoding: str | None = Field(
        description="the text encoding the file was read with, e.g. UTF-8, Windows-1252"
    )
    line_ending: str | None = Field(description="LF, CRLF or CR")
    shards: list[ShardView] = Field(description="the file's byte ranges (one unless the file was split)")
    status_url: str
    errors_url: str | None = Field(description="once the job has ended: where to get its error report links")


class ShardView(BaseModel):
    """One byte range of the file: a large file is split into several that import in parallel."""

    start: int = Field(description="first byte of the range")
    end: int | None = Field(description="first byte of the next range; null for the last")
    offset: int = Field(description="how far this range has got (a row boundary)")
    segments: int = Field(description="invocations that worked on this range")
    done: bool
    running: bool = Field(
        description="an invocation is working on it now (after a cancel: its batch in hand is yet to count)"
    )


class ErrorReportLinks(BaseModel):
    """Short-lived links to download a finished job's error report and its fix-and-re-import file."""

    failed_rows: int
    errors_url: str = Field(
        description="CSV: line, column, column_name, message, then the row's original cells "
        "(cells a spreadsheet would run as a formula start with ')"
    )
    fix_url: str = Field(
        description="CSV: the file's header and only its failed rows, in its own columns: fix, import again"
    )
    expires_in: int = Field(description="seconds the links stay valid")


class JobPage(BaseModel):
    items: list[JobView]
    next: str | None = Field(description="pass as ?next= for the following page; null on the last")


class UploadForm(BaseModel):
    url: str = Field(description="POST the file here as multipart/form-data")
    fields: dict[str, str] = Field(description="form fields to send first, before the file")


class AcceptedImport(BaseModel):
    job_id: str
    status: JobStatus
    status_url: str


class CreatedImport(AcceptedImport):
    upload: UploadForm


class ThrottleSettingsView(ThrottleConfig):
    """The throttle settings new jobs take theirs from: saved by an operator, or the built-in ones."""

    version: int = Field(description="send it back with PUT; 0 while nothing was saved (built-in values)")
    updated_by: str | None = Field(description="who saved this version (null: built-in values)")
    updated_at: str | None = Field(description="when this version was saved")


class ErrorBody(BaseModel):
    message: str = Field(description="what is wrong, for a person")
    error: str | None = Field(default=None, description="the HTTP status phrase")
    details: list[dict[str, Any]] | None = None


def error_responses(*codes: int, conflict: str | None = None) -> dict[int, dict[str, Any]]:
    """OpenAPI response entries for error codes, all with the ErrorBody shape."""
    descriptions = {
        400: "the request is malformed",
        401: "no valid token",
        403: "for administrators only",
        404: "no such job, or not the caller's",
        409: conflict or "the job's state does not allow this",
        410: "it has expired",
        413: "the file is too large for this way of uploading",
        422: "the file cannot be handled this way",
    }
    return {
        code: {"description": descriptions[code], "content": {"application/json": {"model": ErrorBody}}}
        for code in codes
    }
