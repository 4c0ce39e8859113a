"""The scheduled run (the original's `process_import_jobs.php --once --limit=N`): re-drive jobs
that are queued with no message in flight or whose progress stalled, end cancelling jobs whose
worker died, and settle uploads that never arrived. Re-sending is always safe: the cursor decides
where work resumes and conditional commits make duplicate messages harmless."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from ingestion.domain.clock import iso, parse_iso
from ingestion.domain.errors import StaleWriteError
from ingestion.domain.job import Job, JobStatus
from ingestion.domain.messages import IngestMessage
from ingestion.services.imports import on_object_created
from ingestion.services.ingest.lifecycle import finish_cancel
from ingestion.services.wiring import Services

logger = logging.getLogger(__name__)
# Idle processing jobs read per run, at most (the limit bounds those re-driven): enough that jobs
# waiting out a long pause or a retry's back-off do not hide a dead worker's.
LOOK_AT = 100


@dataclass
class RedriveReport:
    requeued: list[str] = field(default_factory=list)
    resumed: list[str] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)
    started: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(map(len, (self.requeued, self.resumed, self.expired, self.started, self.cancelled)))

    def as_dict(self) -> dict[str, list[str] | int]:
        return {
            "requeued": self.requeued,
            "resumed": self.resumed,
            "expired_uploads": self.expired,
            "started_uploads": self.started,
            "cancelled": self.cancelled,
            "total": self.total,
        }


def redrive(limit: int, svc: Services) -> RedriveReport:
    """Re-drive at most `limit` jobs."""
    now = svc.clock()
    settings = svc.settings
    report = RedriveReport()
    queued = svc.jobs.find_by_status(
        JobStatus.QUEUED, updated_before=iso(now - settings.queued_grace_seconds), limit=limit
    )
    for job in queued:
        if _resend(job, svc, now):
            report.requeued.append(job.job_id)
    room = limit - report.total
    if room > 0:
        _resume_processing(room, svc, now, report)
    room = limit - report.total
    if room > 0:
        _end_cancels(room, svc, now, report)
    room = limit - report.total
    if room > 0:
        _settle_uploads(room, svc, now, report)
    return report


def _resume_processing(limit: int, svc: Services, now: float, report: RedriveReport) -> None:
    """Processing jobs whose worker died holding a shard (its lease ran out: it is renewed at every
    commit, so within lease_seconds of the death): that shard's next segment is sent. And jobs with
    no progress for stall_after_seconds (no worker and no continuation): every waiting shard's.

    A job is looked at once nothing committed for a lease's length (a lease runs out no later);
    the oldest first, so jobs waiting out a long pause or a retry cannot hide the dead ones."""
    settings = svc.settings
    resumed = 0
    idle = svc.jobs.find_by_status(
        JobStatus.PROCESSING, updated_before=iso(now - settings.lease_seconds), limit=max(limit, LOOK_AT)
    )
    for job in idle:
        if resumed == limit:
            return
        if job.next_retry_at is not None and job.next_retry_at > now:
            continue  # waiting for its back-off, not stalled
        dead = job.abandoned(now)
        stalled = parse_iso(job.updated_at) < now - settings.stall_after_seconds
        # (only the dead shards: another may be waiting out a throttle pause as a delayed message)
        if (dead or stalled) and _resend(job, svc, now, only=dead):
            report.resumed.append(job.job_id)
            resumed += 1


def _end_cancels(limit: int, svc: Services, now: float, report: RedriveReport) -> None:
    """Cancelling jobs whose worker died before it could end them (its lease ran out): cancelled."""
    for job in svc.jobs.find_by_status(JobStatus.CANCELLING, updated_before=iso(now), limit=limit):
        if not job.held_at(now) and finish_cancel(job, svc):
            report.cancelled.append(job.job_id)


def _resend(job: Job, svc: Services, now: float, only: tuple[int, ...] = ()) -> bool:
    """Send the next segment of each of the job's waiting shards (`only` these, if given)."""
    try:
        svc.jobs.note_redrive(job.job_id, expected_updated_at=job.updated_at, now_iso=iso(now))
    except StaleWriteError:
        return False  # it moved while we looked: not stalled after all
    waiting = [
        (index, shard)
        for index, shard in enumerate(job.shards)
        if not shard.done and (not only or index in only)
    ]
    # Every shard done but the job not completed (its completer died): any shard's message completes it.
    for index, shard in waiting or list(enumerate(job.shards))[:1]:
        svc.queue.send(IngestMessage(job_id=job.job_id, shard=index, segment=shard.segment + 1))
    logger.info("re-drove job", extra={"job_id": job.job_id, "status": job.status.value})
    return True


def _settle_uploads(limit: int, svc: Services, now: float, report: RedriveReport) -> None:
    """Jobs whose upload link expired: start them if the file did arrive (its S3 event was lost),
    else end them as failed with a message."""
    waiting = svc.jobs.find_by_status(
        JobStatus.AWAITING_UPLOAD,
        updated_before=iso(now - svc.settings.upload_url_expires_seconds - svc.settings.queued_grace_seconds),
        limit=limit,
    )
    for job in waiting:
        stored = svc.objects.stat(job.s3_key)
        if stored is not None:
            if on_object_created(job.s3_key, stored.size, stored.etag, svc) == "queued":
                report.started.append(job.job_id)
            continue
        try:
            svc.jobs.fail(
                job.job_id,
                message="No file was uploaded before the upload link expired. Create a new import.",
                now_iso=iso(now),
                from_statuses=(JobStatus.AWAITING_UPLOAD,),
            )
            report.expired.append(job.job_id)
        except StaleWriteError:
            continue
