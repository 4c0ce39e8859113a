"""One segment of an import: one invocation's share of one shard, from its cursor.

Every batch ends in one conditional update of the job (counters ADDed, cursor moved) that only
succeeds if the cursor is still where the batch started. A redelivered or duplicate message can
therefore never count a batch twice: the loser of the race sees "already done" and stops. Records
are upserts on their natural key, so writing a batch again changes nothing. The batch loop itself
is batches.py; how the job ends, lifecycle.py."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable

from ingestion.domain.clock import iso
from ingestion.domain.errors import ObjectMissingError, StaleWriteError
from ingestion.domain.formats import FileFormatError
from ingestion.domain.job import ACTIVE, Job, JobStatus, Lease
from ingestion.domain.messages import IngestMessage
from ingestion.services.ingest.batches import SegmentRun
from ingestion.services.ingest.lifecycle import (
    after_fault,
    complete,
    fail,
    fault_before_claim,
    finish_cancel,
    missing_file_message,
)
from ingestion.services.ingest.outcome import Outcome, SegmentReport
from ingestion.services.ingest.shards import start_waiting_shards
from ingestion.services.wiring import Services
from ingestion.store.failures import AWS_ERRORS

# A lease ends at the latest this long after its invocation's deadline (clock skew between Lambda
# and DynamoDB).
LEASE_MARGIN_S = 5.0

logger = logging.getLogger(__name__)


def run_segment(message: IngestMessage, remaining_ms: Callable[[], int], svc: Services) -> SegmentReport:
    """Process one segment of a job's shard, from its cursor, until the file ends, the time budget
    runs low, or a throttle pause is long enough to continue through the queue instead."""
    job = svc.jobs.get(message.job_id)
    if job is None:
        return SegmentReport(Outcome.IGNORED, "no such job")
    now = svc.clock()
    try:
        waiting = _not_to_run(job, message, now, svc)  # (may complete the job: a merge reads the file)
    except ObjectMissingError as exc:
        return fail(job, missing_file_message(job, exc), svc)
    if waiting is not None:
        return waiting
    if message.segment > svc.settings.max_segments:
        return fail(
            job,
            f"The import was stopped after {svc.settings.max_segments} segments without reaching the end "
            "of the file (the configured maximum). Split the file or raise MaxSegments.",
            svc,
        )
    # A short claim, renewed at every commit: a worker that dies (killed for memory, say) leaves a
    # lease that runs out within lease_seconds, and the scheduled run re-drives the shard. It never
    # outlives the invocation's deadline, when Lambda ends the holder at the latest.
    deadline = now + remaining_ms() / 1000 + LEASE_MARGIN_S
    lease = Lease(svc.new_holder(), now, svc.settings.lease_seconds, bound=deadline)
    try:
        job = svc.jobs.begin_segment(
            job.job_id, shard=message.shard, segment=message.segment, now_iso=iso(now), lease=lease
        )
    except StaleWriteError:
        return SegmentReport(Outcome.IGNORED, "another live invocation holds the shard, or it moved on")
    except AWS_ERRORS as exc:  # a permanent fault fails the job now; the others come back by the queue
        return fault_before_claim(job, exc, svc)
    if job.segments == 1:  # this claim was the job's first: it starts now
        _log_started(job)
    try:
        start_waiting_shards(job, message.shard, svc)
        return SegmentRun(job, message, remaining_ms, svc, lease).run()
    except ObjectMissingError as exc:  # (or replaced: not the object the job started on)
        return fail(job, missing_file_message(job, exc), svc)
    except FileFormatError as exc:
        return fail(job, str(exc), svc)
    except AWS_ERRORS as exc:  # throttling waits, a transient fault is retried, the rest fails the job
        return after_fault(job, message, lease, exc, svc)


def _log_started(job: Job) -> None:
    logger.info(
        "job started",
        extra={
            "job_id": job.job_id,
            "file": job.filename,
            "bytes": job.bytes_total,
            "throttle": job.throttle.model_dump(),
        },
    )


def _not_to_run(job: Job, message: IngestMessage, now: float, svc: Services) -> SegmentReport | None:
    """Why this message starts no segment (None: it does): the job ended, the message is stale, or
    the job waits for its back-off. A redelivered last message of a done shard may complete the job."""
    if job.status is JobStatus.CANCELLING and not job.held_at(now) and finish_cancel(job, svc):
        # (its worker gave the shard back just before the cancel saw it: nobody else would end it)
        return SegmentReport(Outcome.CANCELLED, "the job was being cancelled and nobody works on it")
    if job.status not in ACTIVE:
        return SegmentReport(Outcome.IGNORED, f"job is {job.status.value}")
    if message.shard >= len(job.shards):
        return SegmentReport(Outcome.IGNORED, f"job has no shard {message.shard}")
    shard = job.shards[message.shard]
    if shard.done:
        # A redelivery of a shard's last message: the job may still wait for its completion.
        if job.status is JobStatus.PROCESSING and all(s.done for s in job.shards) and complete(job, svc):
            return SegmentReport(Outcome.COMPLETED, "every shard was done: the job is complete")
        return SegmentReport(Outcome.IGNORED, "stale message: the shard is done")
    if message.segment < shard.segment:
        return SegmentReport(Outcome.IGNORED, "stale message: a later segment already ran")
    if job.next_retry_at is not None and now < job.next_retry_at:
        # Early (SQS delays stop at 15 minutes): wait out the rest of the back-off.
        svc.queue.send(message, delay_seconds=math.ceil(job.next_retry_at - now))
        return SegmentReport(Outcome.IGNORED, "waiting for the next retry")
    return None
