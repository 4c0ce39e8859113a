"""Creating imports: presigned uploads, direct uploads, synchronous imports, and the S3 event
that starts a presigned one."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, replace
from typing import Any

from ingestion.domain.caller import Caller
from ingestion.domain.clock import iso
from ingestion.domain.errors import (
    InvalidRequestError,
    JobConflictError,
    JobNotFoundError,
    PayloadTooLargeError,
    QuotaExceededError,
    StaleWriteError,
    UnprocessableFileError,
)
from ingestion.domain.formats import FileFormatError
from ingestion.domain.formats.detect import resolve_layout
from ingestion.domain.formats.row_errors import MappingError
from ingestion.domain.framing import SNIFF_BYTES, NotCsvError, sniff
from ingestion.domain.job import ImportOptions, Job, JobStatus, Shard
from ingestion.domain.messages import IngestMessage
from ingestion.domain.throttle import OFF, PRESET_NAMES, Throttle, resolve_throttle
from ingestion.services.admin_settings import current_throttle_settings
from ingestion.services.ingest.files import read_file_start
from ingestion.services.ingest.outcome import Outcome
from ingestion.services.ingest.segment import run_segment
from ingestion.services.profiles import profile_for_import
from ingestion.services.wiring import Services
from ingestion.store.objects import bare_etag, job_id_from_key, upload_key


@dataclass(frozen=True)
class DirectImport:
    """A CSV sent in the request body, with its query-string options."""

    body: bytes
    options: ImportOptions
    sync: bool


def _throttle_for(svc: Services, requested: str | Throttle | None, size_bytes: int | None) -> Throttle:
    """A new job's throttle: its own, else from the throttle settings as they are now."""
    if isinstance(requested, Throttle):
        return requested
    config = current_throttle_settings(svc.throttle_settings, svc.settings.default_throttle).config
    return resolve_throttle(requested, config, size_bytes)


def _check_batch_size(requested: str | Throttle | None, caller: Caller, svc: Services) -> None:
    """A throttle of the caller's own has batches of at least min_batch_size rows, unless the caller
    is an administrator: each batch's commit rewrites the job item (presets are set by them)."""
    minimum = svc.settings.min_batch_size
    if isinstance(requested, Throttle) and requested.batch_size < minimum and not caller.is_admin:
        raise InvalidRequestError(
            f"batch_size must be at least {minimum} rows (you asked for {requested.batch_size}): every "
            "batch updates the job's record, so smaller batches are for administrators. Ask for "
            f"{minimum} or more, or name a preset ({', '.join(PRESET_NAMES[:-1])} or {PRESET_NAMES[-1]})."
        )


def with_profile(options: ImportOptions, owner: str, svc: Services) -> ImportOptions:
    """The options with the profile they name applied: the request's mapping over the profile's,
    key by key; the request's format, else the profile's, else auto."""
    mapping, format = options.mapping, options.format
    if options.profile is not None:
        profile = profile_for_import(owner, options.profile, svc.profiles)
        mapping = profile.mapping if mapping is None else mapping.over(profile.mapping)
        format = format or profile.format
    if mapping is not None and mapping.is_empty():
        mapping = None
    return replace(options, mapping=mapping, format=format or "auto")


def _new_job(
    svc: Services, options: ImportOptions, *, owner: str, throttle: Throttle, status: JobStatus
) -> Job:
    now = svc.clock()
    job_id = svc.new_id()
    queued = status is JobStatus.QUEUED
    return Job(
        job_id=job_id,
        owner=owner,
        filename=options.filename,
        format=options.format or "auto",
        dry_run=options.dry_run,
        status=status,
        s3_key=upload_key(job_id),
        throttle=throttle,
        created_at=iso(now),
        updated_at=iso(now),
        bytes_total=options.size,
        shards=(Shard(start=0, end=None, offset=0, line=1),) if queued else (),
        upload_expires_at=None if queued else iso(now + svc.settings.upload_url_expires_seconds),
        requested_mapping=options.mapping,
        profile=options.profile,
    )


def check_quota(owner: str, svc: Services) -> None:
    """QuotaExceededError if the owner already has as many imports going as one user may: one
    user must not fill the queue and the ingest concurrency that everyone shares."""
    limit = svc.settings.max_active_imports
    going = svc.jobs.count_not_ended(owner, stop_at=limit)
    if going >= limit:
        raise QuotaExceededError(
            f"you have {going} imports waiting for their file, queued or running, and at most {limit} may "
            "be at once: wait for one to finish, or cancel one you no longer need "
            "(POST /imports/{job_id}/cancel), then try again"
        )


def create_presigned_import(
    options: ImportOptions, caller: Caller, svc: Services
) -> tuple[Job, dict[str, Any]]:
    """A job awaiting its file, and the presigned POST the client sends the file with."""
    settings = svc.settings
    owner = caller.user_id
    _check_batch_size(options.throttle, caller, svc)
    options = with_profile(options, owner, svc)
    check_quota(owner, svc)
    if options.size is not None and options.size > settings.max_upload_bytes:
        raise PayloadTooLargeError(
            f"the file is {options.size} bytes; the largest accepted is {settings.max_upload_bytes} bytes"
        )
    if options.size == 0:
        raise InvalidRequestError("the file is empty (size 0): there is nothing to import")
    throttle = _throttle_for(svc, options.throttle, options.size)
    job = _new_job(svc, options, owner=owner, throttle=throttle, status=JobStatus.AWAITING_UPLOAD)
    svc.jobs.create(job)
    # The form takes no more than the client declared (at most the stack's maximum): up to it, not
    # exactly it, so a client whose count was an upper bound still succeeds.
    cap = settings.max_upload_bytes if options.size is None else options.size
    upload = svc.objects.presigned_post(
        job.s3_key, max_bytes=cap, expires_in=settings.upload_url_expires_seconds
    )
    return job, upload


def check_csv_body(body: bytes, max_bytes: int) -> None:
    """Refuse what cannot be a CSV before anything is stored."""
    if not body:
        raise InvalidRequestError("the request body is empty: send the CSV file as the body")
    if len(body) > max_bytes:
        raise PayloadTooLargeError(
            f"the body is {len(body)} bytes; direct uploads take up to {max_bytes} bytes. "
            "For larger files create the import with a JSON body and upload through the presigned POST."
        )
    try:
        sniff(body[:SNIFF_BYTES], complete=len(body) <= SNIFF_BYTES)
    except NotCsvError as exc:
        raise InvalidRequestError(f"the body is not a CSV file: {exc}") from None


def check_mapped_columns(body: bytes, options: ImportOptions) -> None:
    """400 when the mapping names a column the file lacks (naming it, listing the file's headers),
    read from the header as the import would read it, before any job exists. Whatever else is wrong
    with the file the job says, as it does for any upload."""
    if options.mapping is None:
        return
    with suppress(NotCsvError, FileFormatError):
        try:
            start = read_file_start((body,), mapping=options.mapping)
            if start.header is not None and start.header.problem is None:
                resolve_layout(start.header.cells, options.format or "auto", options.mapping, start.facts)
        except MappingError as exc:
            raise InvalidRequestError(str(exc)) from None


def count_data_rows(body: bytes, stop_at: int) -> int:
    """Data rows in a CSV body (quoted newlines respected), counting no further than stop_at."""
    start = read_file_start((body,))
    reader, header = start.reader, start.header
    count = 0
    if header is not None:
        for _ in reader:  # the rows after the header
            count += 1
            if count >= stop_at:
                break
    return count


def create_direct_import(
    upload: DirectImport,
    owner: str,
    svc: Services,
    remaining_ms: Callable[[], int] | None = None,
) -> tuple[Job, bool]:
    """Store a CSV sent in the request and queue it; with sync, import it here and now.

    Returns the job and whether it has finished."""
    settings = svc.settings
    check_csv_body(upload.body, settings.direct_upload_max_bytes)
    upload = replace(upload, options=with_profile(upload.options, owner, svc))
    check_mapped_columns(upload.body, upload.options)
    check_quota(owner, svc)
    if upload.sync:
        rows = count_data_rows(upload.body, stop_at=settings.sync_max_rows)
        if rows >= settings.sync_max_rows:
            raise UnprocessableFileError(
                f"the file has {settings.sync_max_rows} or more data rows; mode=sync imports files under "
                f"{settings.sync_max_rows} rows. Use mode=async and follow the job's status_url."
            )
    # A synchronous import never sleeps between batches: it would only make the request longer.
    throttle = OFF if upload.sync else _throttle_for(svc, upload.options.throttle, len(upload.body))
    job = _new_job(svc, upload.options, owner=owner, throttle=throttle, status=JobStatus.QUEUED)
    job = replace(job, file_etag=svc.objects.put(job.s3_key, upload.body))
    svc.jobs.create(job)
    message = IngestMessage(job_id=job.job_id, shard=0, segment=1)
    if not upload.sync:
        svc.queue.send(message)
        return job, False
    assert remaining_ms is not None
    report = run_segment(message, remaining_ms, svc)
    finished = svc.jobs.get(job.job_id)
    assert finished is not None
    return finished, report.outcome in (Outcome.COMPLETED, Outcome.FAILED)


def on_object_created(key: str, size: int, etag: str | None, svc: Services) -> str:
    """A presigned upload arrived: queue its job on that object, the one the event is about (its
    ETag; looked up when the event has none). Once, however often S3 tells us: an upload after the
    first, under the same key, changes nothing (and the job never reads it: files.read_job_file)."""
    job_id = job_id_from_key(key)
    if job_id is None:
        return "ignored: not an upload key"
    awaiting = svc.jobs.get(job_id)
    if awaiting is None or awaiting.status is not JobStatus.AWAITING_UPLOAD:
        return "ignored: no job is awaiting this upload"
    if not etag:
        stored = svc.objects.stat(key)
        if stored is None:
            return "ignored: the file is not in storage"
        size, etag = stored.size, stored.etag
    now = iso(svc.clock())
    try:
        svc.jobs.mark_queued(job_id, bytes_total=size, etag=bare_etag(etag), now_iso=now)
    except StaleWriteError:
        return "ignored: no job is awaiting this upload"
    # S3 enforces the POST policy's content-length-range; this guards any other way in.
    declared, limit = awaiting.bytes_total, svc.settings.max_upload_bytes
    if size > limit or (declared is not None and size > declared):
        message = (
            f"The file is {size} bytes; the largest accepted is {limit} bytes."
            if size > limit
            else f"The file is {size} bytes, more than the {declared} bytes declared when the import was "
            "created. Create a new import with the file's real size."
        )
        svc.jobs.fail(job_id, message=message, now_iso=now, from_statuses=(JobStatus.QUEUED,))
        return "failed: too large" if size > limit else "failed: larger than declared"
    svc.queue.send(IngestMessage(job_id=job_id, shard=0, segment=1))
    return "queued"


def cancel_import(job_id: str, owner: str, svc: Services) -> Job:
    """Cancel the caller's job that has not ended. One no worker holds ends cancelled at once; one
    a worker holds reads cancelling until that worker has counted its batch in hand and ended it
    (within one batch). A job being cancelled already is returned as it is."""
    job = svc.jobs.get_owned(job_id, owner)
    now = svc.clock()
    if job.status is not JobStatus.CANCELLING:
        with suppress(StaleWriteError):  # a worker holds it (or it ended): see below
            return svc.jobs.cancel(job_id, owner=owner, now=now, shards=len(job.shards))
        with suppress(StaleWriteError):
            return svc.jobs.mark_cancelling(job_id, owner=owner, now_iso=iso(now))
        job = svc.jobs.get_owned(job_id, owner)
    if job.status is JobStatus.CANCELLING:
        return job
    raise JobConflictError(f"the job has already ended: it is {job.status.value}")


def change_throttle(job_id: str, caller: Caller, requested: str | Throttle, svc: Services) -> Job:
    """A new throttle for a job that has not ended: the owner's, or anyone's for an administrator.
    A running import takes it from its next batch (the one after, if it runs without pauses)."""
    job = svc.jobs.get(job_id)
    if job is None or not (caller.is_admin or job.owner == caller.user_id):
        raise JobNotFoundError(f"no import job {job_id!r}")
    _check_batch_size(requested, caller, svc)
    throttle = _throttle_for(svc, requested, job.bytes_total)
    try:
        return svc.jobs.change_throttle(
            job_id, throttle=throttle, owner=None if caller.is_admin else caller.user_id
        )
    except StaleWriteError:
        now = svc.jobs.get(job_id)
        if now is None:
            raise JobNotFoundError(f"no import job {job_id!r}") from None
        state = "being deleted" if now.deleting else now.status.value
        raise JobConflictError(
            f"the job has already ended: it is {state}; its throttle can no longer change"
        ) from None


def delete_import(job_id: str, owner: str, svc: Services) -> Job:
    """Delete the caller's job that is not running: its readings (those it wrote last), its file
    and its record go, in the background. Running jobs must be cancelled first."""
    job = svc.jobs.get_owned(job_id, owner)
    try:
        job = svc.jobs.mark_deleting(job_id, owner=owner, now_iso=iso(svc.clock()))
    except StaleWriteError:
        if job.status is JobStatus.CANCELLING:
            raise JobConflictError(
                "the job is being cancelled: delete it once it reads cancelled (after its batch in hand)"
            ) from None
        raise JobConflictError(f"the job is {job.status.value}: cancel it before deleting it") from None
    svc.queue.send(IngestMessage(job_id=job_id, action="delete"))
    return job
