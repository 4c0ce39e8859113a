"""How a job ends or waits: completion (after merging a split job's shards), failure with a
message a person can act on, what an AWS fault leads to (domain/faults.py: throttling waits,
a transient fault is retried, anything else fails the job at once), and the events that say so.
The raw error goes to the log line, with the job id; the job's messages say what happened."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from ingestion.domain.clock import iso
from ingestion.domain.errors import ObjectMissingError, ObjectReplacedError, StaleWriteError
from ingestion.domain.faults import (
    Fault,
    FaultKind,
    given_up_message,
    retrying_message,
    stopped_message,
    unexpected_message,
    waiting_message,
)
from ingestion.domain.job import WORKING, Job, Lease, MergeCounts
from ingestion.domain.messages import IngestMessage
from ingestion.domain.retry import retry_delay
from ingestion.domain.throttle import MAX_DELAY_SECONDS
from ingestion.services.coverage import build_coverage, writes_readings
from ingestion.services.ingest.outcome import Outcome, SegmentReport
from ingestion.services.ingest.shards import merge_shards
from ingestion.services.wiring import Services
from ingestion.store.events import COMPLETED, FAILED
from ingestion.store.failures import AWS_ERRORS, classify, describe

logger = logging.getLogger(__name__)


def assemble_outputs(
    job: Job, svc: Services, header: Sequence[str] | None = None, layout: str | None = None
) -> None:
    """What a job leaves when it ends, before the update that ends it (each safe to repeat): the
    error report and fix file, and the coverage of the readings it wrote."""
    svc.reports.assemble(job.job_id, header if header is not None else job.header or ())
    if writes_readings(job, layout):
        build_coverage(job.job_id, svc.reading_log)


def complete(job: Job, svc: Services) -> bool:
    """Complete a job whose shards are all done: repeats across its shards merged, its error
    report, then the one conditional update that ends it, then the event (only the invocation
    whose update won sends it). Every step before that update is safe to repeat. False: not all
    done after all, or another invocation completed it first."""
    merged = merge_shards(job, svc) if len(job.shards) > 1 else MergeCounts()
    assemble_outputs(job, svc)
    try:
        done = svc.jobs.complete(job.job_id, shards=len(job.shards), now_iso=iso(svc.clock()), merged=merged)
    except StaleWriteError:
        return False
    announce_completed(done, svc)
    return True


def announce_completed(job: Job, svc: Services) -> None:
    """Say that the job (as its completing update left it) has completed: the log and the event."""
    logger.info(
        "job completed",
        extra={"job_id": job.job_id, "imported": job.imported_rows, "failed": job.failed_rows},
    )
    svc.events.publish(COMPLETED, ending_detail(job))


def fail(job: Job, message: str, svc: Services) -> SegmentReport:
    """End a job a worker may be on as failed, with the message, and say so (once: the update
    decides). Every shard's lease is given back in that update, so no shard shows running
    afterwards. A job being cancelled that fails on the way ends failed: what stopped it is said."""
    # As many shards as it has now: this segment's own first commit may have split the file since
    # `job` was read (only that commit splits a job, so nothing else adds shards meanwhile).
    shards = len((svc.jobs.get(job.job_id) or job).shards)
    try:
        failed = svc.jobs.fail(
            job.job_id, message=message, now_iso=iso(svc.clock()), from_statuses=WORKING, shards=shards
        )
    except StaleWriteError:
        return SegmentReport(Outcome.IGNORED, "job ended before it could be failed")
    logger.warning("job failed", extra={"job_id": job.job_id, "reason": message})
    svc.events.publish(FAILED, ending_detail(failed))
    _cover_failed(failed, svc)
    return SegmentReport(Outcome.FAILED, message)


def _cover_failed(job: Job, svc: Services) -> None:
    """The coverage of what a failed job wrote, built here (in the worker, with the time it has)
    rather than by the status function on its first request, in its 29 s. The job has failed
    already: a fault now (the one that failed it, again) leaves the build to that request."""
    if not writes_readings(job):
        return
    try:
        build_coverage(job.job_id, svc.reading_log)
    except AWS_ERRORS as exc:
        logger.warning(
            "coverage of a failed job not built", extra={"job_id": job.job_id, "error": describe(exc)}
        )


def finish_cancel(job: Job, svc: Services) -> bool:
    """End a cancelling job whose workers have all stopped as cancelled: its error report first
    (safe to repeat), then the one conditional update. False: a worker still holds a shard (it
    ends the job when it stops), or the job ended already."""
    assemble_outputs(job, svc)
    try:
        svc.jobs.finish_cancel(job.job_id, now=svc.clock(), shards=len(job.shards))
    except StaleWriteError:
        return False
    logger.info("job cancelled", extra={"job_id": job.job_id})
    return True


def missing_file_message(job: Job, error: ObjectMissingError) -> str:
    if isinstance(error, ObjectReplacedError):
        return (
            "The file was replaced while it was being imported, so the import stopped: the rows "
            "counted are those read from the file as it was first uploaded. Upload the file again "
            "as a new import."
        )
    return (
        f"The uploaded file for this job ({job.filename}) is not in storage any more, so the import "
        "cannot run. Upload the file again as a new import."
    )


def after_fault(
    job: Job, message: IngestMessage, lease: Lease, error: Exception, svc: Services
) -> SegmentReport:
    """An AWS call of this segment failed: wait and go on (throttling), try again after a back-off
    (transient), or fail the job at once (anything else: trying again would fail the same way)."""
    fault = classify(error)
    logger.warning(
        "segment failed", extra={"job_id": job.job_id, "fault": fault.kind.value, "error": fault.detail}
    )
    if fault.kind is FaultKind.PERMANENT:
        return fail(job, stopped_message(fault, job.job_id), svc)
    return retry_later(job, message, lease, fault, svc)


def fault_before_claim(job: Job, error: Exception, svc: Services) -> SegmentReport:
    """An AWS call failed before the segment held its shard (so there is no lease to retry under):
    a permanent fault fails the job at once; throttling or a transient one is raised again, for
    the queue to deliver the message again after its visibility timeout."""
    fault = classify(error)
    logger.warning(
        "segment could not start",
        extra={"job_id": job.job_id, "fault": fault.kind.value, "error": fault.detail},
    )
    if fault.kind is not FaultKind.PERMANENT:
        raise error
    return fail(job, stopped_message(fault, job.job_id), svc)


def retry_later(job: Job, message: IngestMessage, lease: Lease, fault: Fault, svc: Services) -> SegmentReport:
    """A throttling or transient fault: try again after a back-off that really waits (a delayed
    message, not a sleep). Throttling waits and tries again however long it lasts (a job never
    fails for throttling alone); a transient fault is given up after max_retries with one clear
    failure."""
    settings, now = svc.settings, svc.clock()
    throttling = fault.kind is FaultKind.THROTTLING
    attempt = job.retry_count + 1
    if not throttling and attempt > settings.max_retries:
        return fail(job, given_up_message(fault, attempts=attempt, job_id=job.job_id), svc)
    delay = retry_delay(
        1 if throttling else attempt,
        base_seconds=settings.retry_base_seconds,
        cap_seconds=settings.retry_cap_seconds,
    )
    try:
        svc.jobs.record_retry(
            job.job_id,
            shard=message.shard,
            lease=lease,
            error=waiting_message(fault) if throttling else retrying_message(fault),
            retry_at=now + delay,
            now_iso=iso(now),
            counts=not throttling,
        )
    except StaleWriteError:
        return SegmentReport(Outcome.SUPERSEDED, "the job moved on while this segment failed")
    svc.queue.send(
        IngestMessage(job_id=job.job_id, shard=message.shard, segment=message.segment + 1),
        delay_seconds=min(MAX_DELAY_SECONDS, delay),
    )
    return SegmentReport(Outcome.CONTINUED, f"trying again in {delay} s after {fault.kind.value}")


def give_up(message: IngestMessage, error: Exception, svc: Services) -> None:
    """The last delivery of a message failed too (it goes to the DLQ next): end its job as failed,
    so that it does not sit in processing forever. Unless the failure was throttling, which never
    fails a job: the scheduled re-drive resumes it once it has stalled."""
    logger.error(
        "the last delivery failed: the message goes to the dead-letter queue",
        extra={"job_id": message.job_id, "error": describe(error)},
    )
    fault = classify(error) if isinstance(error, AWS_ERRORS) else None
    if fault is not None and fault.kind is FaultKind.THROTTLING:
        return
    job = svc.jobs.get(message.job_id)
    if job is None or job.status not in WORKING:
        return
    deliveries = svc.settings.max_receive_count
    if fault is None:
        words = unexpected_message(attempts=deliveries, job_id=job.job_id)
    elif fault.kind is FaultKind.TRANSIENT:
        words = given_up_message(fault, attempts=deliveries, job_id=job.job_id)
    else:
        words = stopped_message(fault, job.job_id)
    fail(job, words, svc)


def ending_detail(job: Job) -> dict[str, object]:
    """What an Import Completed / Import Failed event says about the job."""
    return {
        "job_id": job.job_id,
        "owner": job.owner,
        "filename": job.filename,
        "status": job.status.value,
        "dry_run": job.dry_run,
        "processed_rows": job.processed_rows,
        "imported_rows": job.imported_rows,
        "failed_rows": job.failed_rows,
        "warning_rows": job.warning_rows,
        "summary_rows": job.summary_rows,  # Total / Average rows: neither processed nor failed
        "readings_written": job.readings_written,
        "would_insert_rows": job.would_insert_rows,  # (a dry run's; 0 otherwise)
        "would_update_rows": job.would_update_rows,
        "error_message": job.error_message,
        "completed_at": job.completed_at,
    }
