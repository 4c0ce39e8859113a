"""How a job ends or waits: completion (after merging a split job's shards), failure with a
message a person can act on, a retry after a transient error, and the events that say so."""

from __future__ import annotations

import logging

from ingestion.domain.clock import iso
from ingestion.domain.errors import StaleWriteError
from ingestion.domain.job import ACTIVE, Job, Lease, MergeCounts
from ingestion.domain.messages import IngestMessage
from ingestion.domain.retry import retry_delay
from ingestion.domain.throttle import MAX_DELAY_SECONDS
from ingestion.services.ingest.outcome import Outcome, SegmentReport
from ingestion.services.ingest.shards import merge_shards
from ingestion.services.wiring import Services
from ingestion.store.events import COMPLETED, FAILED
from ingestion.store.failures import describe, is_throttling

logger = logging.getLogger(__name__)


def complete(job: Job, svc: Services) -> bool:
    """Complete a job whose shards are all done: repeats across its shards merged, its error
    report, then the one conditional update that ends it, then the event (only the invocation
    whose update won sends it). Every step before that update is safe to repeat. False: not all
    done after all, or another invocation completed it first."""
    merged = merge_shards(job, svc) if len(job.shards) > 1 else MergeCounts()
    svc.reports.assemble(job.job_id, job.header or ())
    try:
        done = svc.jobs.complete(job.job_id, shards=len(job.shards), now_iso=iso(svc.clock()), merged=merged)
    except StaleWriteError:
        return False
    announce_completed(done, svc)
    return True


def announce_completed(job: Job, svc: Services) -> None:
    svc.events.publish(COMPLETED, ending_detail(job))


def fail(job: Job, message: str, svc: Services) -> SegmentReport:
    """End an active job as failed, with the message, and say so (once: the update decides)."""
    try:
        failed = svc.jobs.fail(job.job_id, message=message, now_iso=iso(svc.clock()), from_statuses=ACTIVE)
    except StaleWriteError:
        return SegmentReport(Outcome.IGNORED, "job ended before it could be failed")
    logger.warning("job failed", extra={"job_id": job.job_id, "reason": message})
    svc.events.publish(FAILED, ending_detail(failed))
    return SegmentReport(Outcome.FAILED, message)


def finish_cancel(job: Job, svc: Services) -> bool:
    """End a cancelling job whose workers have all stopped as cancelled: its error report first
    (safe to repeat), then the one conditional update. False: a worker still holds a shard (it
    ends the job when it stops), or the job ended already."""
    svc.reports.assemble(job.job_id, job.header or ())
    try:
        svc.jobs.finish_cancel(job.job_id, now=svc.clock(), shards=len(job.shards))
    except StaleWriteError:
        return False
    logger.info("job cancelled", extra={"job_id": job.job_id})
    return True


def missing_file_message(job: Job) -> str:
    return (
        f"The uploaded file for this job ({job.filename}) is not in storage any more, so the import "
        "cannot run. Upload the file again as a new import."
    )


def retry_later(
    job: Job, message: IngestMessage, lease: Lease, error: Exception, svc: Services
) -> SegmentReport:
    """A transient failure: try again after a back-off that really waits (a delayed message, not a
    sleep). Throttling waits and tries again however long it lasts (a job never fails for
    throttling alone); anything else is given up after max_retries with one clear failure."""
    settings, now = svc.settings, svc.clock()
    reason = describe(error)
    throttling = is_throttling(error)
    attempt = job.retry_count + 1
    if not throttling and attempt > settings.max_retries:
        return fail(
            job,
            f"The import failed {attempt} times for a transient reason and was given up. "
            f"Last error: {reason}",
            svc,
        )
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
            error=reason,
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
    logger.warning(
        "segment will be retried", extra={"job_id": job.job_id, "throttling": throttling, "error": reason}
    )
    return SegmentReport(Outcome.CONTINUED, f"trying again in {delay} s: {reason}")


def give_up(message: IngestMessage, error: Exception, svc: Services) -> None:
    """The last delivery of a message failed too (it goes to the DLQ next): end its job as failed,
    with the reason, so the job does not sit in processing forever."""
    job = svc.jobs.get(message.job_id)
    if job is not None and job.status in ACTIVE:
        fail(
            job,
            f"The import kept failing ({svc.settings.max_receive_count} deliveries) and its message was "
            f"moved to the dead-letter queue. Last error: {describe(error)}",
            svc,
        )


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
        "error_message": job.error_message,
        "completed_at": job.completed_at,
    }
