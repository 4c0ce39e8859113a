"""The API's response bodies as pydantic models: the routes declare them, so Powertools validates
what goes out and the OpenAPI document describes exactly that. Each is derived from its domain
type (JobView.of a Job, ThrottleSettingsView.of saved settings), never written out by hand."""

from __future__ import annotations

import csv
import io
import re
from typing import Any, Literal, Self

from pydantic import BaseModel, Field

from ingestion.domain.clock import iso, parse_iso
from ingestion.domain.formats import FileFormatError
from ingestion.domain.formats.detect import resolve_layout
from ingestion.domain.formats.mapping import Mapping
from ingestion.domain.formats.summary_rows import MAX_SUMMARY_SAMPLES, describe_summary_rows
from ingestion.domain.health import Patience, diagnose
from ingestion.domain.job import Job, JobStatus, Shard
from ingestion.domain.preview import Preview
from ingestion.domain.profiles import Profile
from ingestion.domain.progress import average_rate, compute_progress
from ingestion.domain.reading_pages import ReadingRange, StoredReading
from ingestion.domain.throttle import SavedThrottleSettings, Throttle, ThrottleConfig


def status_url(job_id: str) -> str:
    return f"/imports/{job_id}"


class JobView(BaseModel):
    """An import job and its progress."""

    job_id: str
    filename: str = Field(description="the name the client gave the file (never used as a storage key)")
    format: str = Field(description="the requested format: hh, daily, sites or auto")
    layout: str | None = Field(description="the layout found in the header: hh-long, hh-wide, daily or sites")
    dry_run: bool
    status: JobStatus = Field(
        description="cancelling: a cancel is under way (the batch in hand is still counted); "
        "completed, failed and cancelled are final: nothing about the job changes after"
    )
    total_rows: int | None = Field(description="data rows in the file: estimated until total_rows_exact")
    total_rows_exact: bool
    processed_rows: int
    imported_rows: int
    failed_rows: int = Field(description="rows skipped with an error")
    warning_rows: int = Field(description="rows imported with a warning (not counted as failed)")
    summary_rows: int = Field(
        description="summary rows skipped (Total, Maximum, Average ...): neither processed nor failed; "
        "the note says at which lines"
    )
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
        description="over the last minute while running; the average when done (null for a job "
        "that took under a second, where a rate means nothing)"
    )
    eta_seconds: int | None
    success_rate: float | None = Field(
        description="imported_rows / processed_rows, rounded down to three decimals (0.999 is 99.9 %); "
        "never 1 while a row failed nor 0 while one was imported: show it as it is"
    )
    throttle: Throttle
    segments: int = Field(description="ingest invocations so far")
    created_at: str
    started_at: str | None
    updated_at: str
    completed_at: str | None
    error_message: str | None = Field(description="why the job failed, in words a person can act on")
    deleting: bool = Field(description="DELETE was asked: the job is being removed")
    throttled: bool = Field(description="slowed down by the service because DynamoDB is throttling writes")
    throttled_reason: str | None
    stalled: bool = Field(
        description="its worker stopped (its lease ran out: the scheduled run resumes it), or no "
        "progress for longer than the job's throttle allows"
    )
    stall_reason: str | None = Field(description="why it is not moving (or what it is waiting for)")
    retry_count: int = Field(description="transient failures so far (given up after MAX_RETRIES)")
    last_error: str | None = Field(
        description="the last throttling or transient failure, in plain words (the details are in the logs)"
    )
    next_retry_at: str | None = Field(description="when the next try is due, while waiting for it")
    note: str | None = Field(
        description='what a person should know about the import, e.g. "Skipped 2 summary rows (Total, '
        'Average) at lines 50-51."'
    )
    errors: list[str] = Field(
        description='the first row errors (at most 50, in at most 8 KB), "Line N, column C (name): ...", '
        "N the file line (header = 1); every one is in the error report"
    )
    warnings: list[str] = Field(
        description="the first warnings (at most 50, in at most 4 KB), numbered as errors are"
    )
    encoding: str | None = Field(
        description="the text encoding the file was read with, e.g. UTF-8, Windows-1252"
    )
    line_ending: str | None = Field(description="LF, CRLF or CR")
    requested_mapping: Mapping | None = Field(
        description="the column mapping asked for: the profile's, with the request's keys over it"
    )
    profile: str | None = Field(description="the saved profile the import named")
    mapping: Mapping | None = Field(
        description="the mapping the import reads the file with, every key resolved (null until its "
        "first segment has read the header)"
    )
    unused_columns: list[str] = Field(
        description="the header's columns the import does not read (costs, notes), once it has read "
        "the header"
    )
    shards: list[ShardView] = Field(description="the file's byte ranges (one unless the file was split)")
    status_url: str
    errors_url: str | None = Field(description="once the job has ended: where to get its error report links")

    @classmethod
    def of(cls, job: Job, now: float, patience: Patience) -> Self:
        """The job as the API shows it at `now`: its own fields as they are, with the progress
        (percent, rate, ETA, success rate, health) computed at read time."""
        computed = _progress_fields(job, now) | {
            "would_insert_rows": job.would_insert_rows if job.dry_run else None,
            "would_update_rows": job.would_update_rows if job.dry_run else None,
            "next_retry_at": iso(job.next_retry_at) if job.next_retry_at is not None else None,
            "shards": [ShardView.of(shard, now) for shard in job.shards],
            "status_url": status_url(job.job_id),
            "errors_url": f"{status_url(job.job_id)}/errors" if job.status.finished else None,
            "note": _note(job),
        }
        health = diagnose(job, now, patience)
        computed |= {"stalled": health.stalled, "stall_reason": health.reason} | _file_reading(job)
        # Every other field is the job's attribute of the same name.
        own = {name: getattr(job, name) for name in cls.model_fields if name not in computed}
        return cls.model_validate(own | computed)


def _note(job: Job) -> str | None:
    """The job's note, and what it skipped as summary rows."""
    notes = [job.note] if job.note else []
    if job.summary_rows:
        notes.append(describe_summary_rows(job.summary_rows, job.summary_samples[:MAX_SUMMARY_SAMPLES]))
    return " ".join(notes) or None


def _file_reading(job: Job) -> dict[str, Any]:
    """The resolved mapping with its columns by name, and the columns not read: worked out again
    from the header and the mapping the job recorded (the job item holds columns by number)."""
    if job.header is None or job.mapping is None:
        return {"mapping": job.mapping, "unused_columns": []}
    try:
        detected = resolve_layout(list(job.header), job.format, job.mapping)
    except FileFormatError:
        return {"mapping": job.mapping, "unused_columns": []}
    return {"mapping": detected.shown_mapping(), "unused_columns": list(detected.unused_columns)}


def _progress_fields(job: Job, now: float) -> dict[str, Any]:
    completed = job.status is JobStatus.COMPLETED
    progress = compute_progress(
        processed_rows=job.processed_rows,
        imported_rows=job.imported_rows,
        bytes_processed=job.bytes_processed,
        bytes_total=job.bytes_total,
        finished=completed,
        samples=[list(shard.samples) for shard in job.shards],
        now=now,
    )
    rows_per_sec, eta_seconds, percent = progress.rows_per_sec, progress.eta_seconds, progress.percent
    if job.status is JobStatus.CANCELLING:
        eta_seconds = None  # it stops after the batch in hand
    if job.status.finished:
        started = parse_iso(job.started_at) if job.started_at else None
        ended = parse_iso(job.completed_at) if job.completed_at else None
        rows_per_sec = average_rate(job.processed_rows, started, ended)
        eta_seconds = 0 if completed else None
        if not completed:  # failed or cancelled: how far it got
            percent = round(100.0 * job.bytes_processed / job.bytes_total, 2) if job.bytes_total else 0.0
    return {
        "total_rows": job.total_rows if job.total_rows_exact else progress.total_rows,
        "percent": percent,
        "rows_per_sec": rows_per_sec,
        "eta_seconds": eta_seconds,
        "success_rate": progress.success_rate,
    }


class ShardView(BaseModel):
    """One byte range of the file: a large file is split into several that import in parallel."""

    start: int = Field(description="first byte of the range")
    end: int | None = Field(description="first byte of the next range; null for the last")
    offset: int = Field(description="how far this range has got (a row boundary)")
    segments: int = Field(description="invocations that worked on this range")
    done: bool
    running: bool = Field(
        description="an invocation is working on it now (its lease is live; while cancelling: its batch "
        "in hand is yet to count)"
    )

    @classmethod
    def of(cls, shard: Shard, now: float) -> Self:
        return cls(
            start=shard.start,
            end=shard.end,
            offset=shard.offset,
            segments=shard.segment,
            done=shard.done,
            # (a lease that ran out is an invocation that died: nobody is working on it)
            running=shard.holder is not None and not shard.done and (shard.lease_expires or 0) > now,
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

    @classmethod
    def of(cls, job: Job) -> Self:
        return cls(job_id=job.job_id, status=job.status, status_url=status_url(job.job_id))


class CreatedImport(AcceptedImport):
    upload: UploadForm


class ThrottleSettingsView(ThrottleConfig):
    """The throttle settings new jobs take theirs from: saved by an operator, or the built-in ones."""

    version: int = Field(description="send it back with PUT; 0 while nothing was saved (built-in values)")
    updated_by: str | None = Field(description="who saved this version (null: built-in values)")
    updated_at: str | None = Field(description="when this version was saved")

    @classmethod
    def of(cls, saved: SavedThrottleSettings) -> Self:
        return cls.model_validate(
            {
                **saved.config.model_dump(),
                "version": saved.version,
                "updated_by": saved.updated_by,
                "updated_at": saved.updated_at,
            }
        )


def _utc(instant: Any) -> str:
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


class ReadingView(BaseModel):
    """One stored reading and the interval it covers."""

    start: str = Field(description="UTC, ISO 8601: when the reading's interval starts")
    end: str = Field(description="UTC, ISO 8601: when it ends (a daily reading: the next local midnight)")
    local_date: str = Field(description="the UK local date it belongs to")
    period: int | None = Field(description="the UK local half hour of the day, 1..46/48/50; null for daily")
    kind: Literal["hh", "daily"]
    value_kwh: str = Field(description="kWh, as a decimal string exactly as stored")
    estimated: bool
    job_id: str = Field(description="the import that wrote it last")

    @classmethod
    def of(cls, reading: StoredReading) -> Self:
        return cls(
            start=_utc(reading.start),
            end=_utc(reading.end),
            local_date=reading.local_date.isoformat(),
            period=reading.period,
            kind=reading.kind,
            value_kwh=reading.value_kwh,
            estimated=reading.estimated,
            job_id=reading.job_id,
        )


class MeterCoverageView(BaseModel):
    """One meter and channel's days, from the first the import wrote to the last: three numbers a
    day, in day order (a day the import wrote nothing on counts as wholly missing)."""

    meter: str
    channel: str
    kind: Literal["hh", "daily"]
    first_day: str = Field(description="UK local date of the first number in each list")
    last_day: str
    written: list[int] = Field(description="periods the import wrote, a number a day")
    estimated: list[int] = Field(description="of those, estimated")
    missing: list[int] = Field(
        description="periods the day has (46, 48 or 50; 1 for daily) that it did not write"
    )


class CoverageSummary(BaseModel):
    meters: int
    days: int
    complete_days: int
    partial_days: int
    empty_days: int = Field(description="days between a meter's first and last with nothing written")
    written_periods: int
    estimated_periods: int
    missing_periods: int


class CoverageView(BaseModel):
    """Which half hours an import wrote, meter by meter and day by day."""

    job_id: str
    ready: bool = Field(description="false until the import has ended (then meters is empty)")
    building: bool = Field(
        default=False,
        description="true while the coverage of an ended import that lacked one is being built: ask again "
        "in a minute",
    )
    summary: CoverageSummary | None
    meters: list[MeterCoverageView] = Field(description="a page of meters, by meter id, then channel")
    next_cursor: str | None = Field(description="pass as ?cursor= for the following page; null on the last")


class ReadingPage(BaseModel):
    meter: str
    channel: str
    items: list[ReadingView] = Field(
        description="in time order; where a day's reading and its first half hour start together, "
        "the day's first"
    )
    next: str | None = Field(
        description="pass as ?next= (with the same meter, channel, from and to) for the following page; "
        "null on the last"
    )


READINGS_CSV_COLUMNS = tuple(ReadingView.model_fields)
_FILENAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def readings_csv(readings: list[StoredReading]) -> str:
    """The readings as a CSV file: a header row, then a row each (estimated: true/false; a daily
    reading's period empty). Every cell is a date, a number (a negative one is a number to a
    spreadsheet too, not a formula), a word or a job id: nothing a spreadsheet would run."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(READINGS_CSV_COLUMNS)
    for reading in readings:
        view = ReadingView.of(reading)
        writer.writerow(
            [
                view.start,
                view.end,
                view.local_date,
                "" if view.period is None else view.period,
                view.kind,
                view.value_kwh,
                "true" if view.estimated else "false",
                view.job_id,
            ]
        )
    return out.getvalue()


def readings_filename(query: ReadingRange) -> str:
    """readings-<meter>-<channel>-<from>-<to>.csv, with only characters safe in any file system."""
    meter = _FILENAME_UNSAFE.sub("_", query.meter)
    return f"readings-{meter}-{query.channel}-{query.first.isoformat()}-{query.last.isoformat()}.csv"


class ProfileView(BaseModel):
    """A saved profile: a column mapping (and a format) an import can name."""

    name: str
    format: str | None = Field(description="hh, daily, sites or auto; null: the import's own, else auto")
    mapping: Mapping
    created_at: str
    updated_at: str

    @classmethod
    def of(cls, profile: Profile) -> Self:
        return cls(
            name=profile.name,
            format=profile.format,
            mapping=profile.mapping,
            created_at=profile.created_at,
            updated_at=profile.updated_at,
        )


class ProfileList(BaseModel):
    items: list[ProfileView] = Field(description="your profiles, by name")


class PreviewColumnView(BaseModel):
    """One column of the file, and what an import reads it as."""

    number: int = Field(description="1 is the first column")
    header: str = Field(description='its name in the header row ("Column 3" in a file without one)')
    field: str | None = Field(
        description="the mapping's field it is read as (meter, date, value, ...); null: none, such as "
        "a half-hour column of a wide file, its flag, or a column not read"
    )
    note: str = Field(
        description='what it is read as, or why not: "half hour 00:30", "flag of 00:30", "not read"'
    )


class PreviewReadingView(BaseModel):
    """One reading the import would store, and the file line it comes from."""

    line: int = Field(description="the file line of its row (header = line 1, or its own line)")
    meter: str
    channel: str
    start: str = Field(description="UTC, ISO 8601: when the reading's interval starts")
    local_date: str = Field(description="the UK local date it belongs to")
    period: int | None = Field(description="the UK local half hour of the day, 1..46/48/50; null for daily")
    value_kwh: str = Field(description="kWh, as a decimal string")
    estimated: bool


class PreviewView(BaseModel):
    """What an import of the file would do, from its first MiB: nothing is written."""

    layout: str = Field(description="hh-long, hh-wide, daily or sites")
    encoding: str = Field(description="the text encoding it is read with, e.g. UTF-8, Windows-1252")
    delimiter: str
    header_line: int = Field(description="the header row's line (below a preamble); 0: no header row")
    columns: list[PreviewColumnView] = Field(description="every column of the header, in file order")
    mapping: Mapping = Field(description="the mapping it would read the file with, every key resolved")
    readings: list[PreviewReadingView] = Field(description="the first 20 readings")
    errors: list[str] = Field(description="the first 50 row errors (rows the import would skip)")
    warnings: list[str] = Field(description="the first 50 warnings (rows imported with a doubt)")
    notes: list[str] = Field(
        description="what else it does: lines above the header skipped, the meter taken from them, "
        "columns not read, a last line cut off"
    )

    @classmethod
    def of(cls, preview: Preview) -> Self:
        return cls(
            layout=preview.layout,
            encoding=preview.encoding,
            delimiter=preview.delimiter,
            header_line=preview.header_line,
            columns=[
                PreviewColumnView(number=c.number, header=c.header, field=c.field, note=c.note)
                for c in preview.columns
            ],
            mapping=preview.mapping,
            readings=[
                PreviewReadingView(
                    line=shown.line,
                    meter=shown.reading.meter,
                    channel=shown.reading.channel,
                    start=_utc(shown.reading.start),
                    local_date=shown.reading.local_date.isoformat(),
                    period=shown.reading.period,
                    value_kwh=f"{shown.reading.value_kwh:f}",
                    estimated=shown.reading.estimated,
                )
                for shown in preview.readings
            ],
            errors=list(preview.errors),
            warnings=list(preview.warnings),
            notes=list(preview.notes),
        )


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
        404: "no such job (or profile), or not the caller's",
        409: conflict or "the job's state does not allow this",
        410: "it has expired",
        413: "the file is too large for this way of uploading",
        422: "the file cannot be handled this way",
        429: "the caller has as many imports going as one user may",
    }
    return {
        code: {"description": descriptions[code], "content": {"application/json": {"model": ErrorBody}}}
        for code in codes
    }
