"""Is a job moving? If not, why not: the original's "stuck at 0%" and "progress not updating" as
states with messages (pure: the clock is a parameter)."""

from __future__ import annotations

from dataclasses import dataclass

from ingestion.domain.clock import iso, parse_iso
from ingestion.domain.job import Job, JobStatus


@dataclass(frozen=True)
class Patience:
    """How long a job may sit without progress before it counts as stalled (the settings
    stall_after_seconds and queued_grace_seconds: the scheduled re-drive waits as long)."""

    stall_after_s: float  # a processing job, beyond its throttle's pause
    queued_s: float  # a queued job whose first message has not been picked up


@dataclass(frozen=True)
class Health:
    stalled: bool
    reason: str | None = None


def diagnose(job: Job, now: float, patience: Patience) -> Health:
    """Whether the job has made no progress for longer than it should, and the likely cause."""
    if job.status is JobStatus.CANCELLING:
        if job.held_at(now):
            return Health(False, "being cancelled: the batch in hand is counted, then the import stops")
        return Health(
            True,
            "being cancelled, but its worker stopped before it could end the import; the scheduled "
            "run ends it as cancelled",
        )
    if job.status not in (JobStatus.QUEUED, JobStatus.PROCESSING):
        return Health(False)
    idle = now - parse_iso(job.updated_at)
    if job.next_retry_at is not None and job.next_retry_at > now:
        return Health(False, f"waiting to retry at {iso(job.next_retry_at)} after: {job.last_error}")
    if job.status is JobStatus.PROCESSING and (dead := job.abandoned(now)):
        ran_out = max(job.shards[index].lease_expires or 0 for index in dead)
        worker = "its worker" if len(job.shards) == 1 else "the worker of one of its parts"
        return Health(
            True,
            f"{worker} stopped (its lease ran out at {iso(ran_out)}); the scheduled run resumes it "
            "from its cursor at its next run",
        )
    if job.status is JobStatus.QUEUED:
        if idle > patience.queued_s:
            return Health(
                True,
                f"no worker has picked the job up for {round(idle)} s; the scheduled run will re-queue it",
            )
        return Health(False)
    # Throttle pauses longer than a few seconds continue through a delayed message: allow for one.
    allowed = patience.stall_after_s + job.throttle.delay_ms / 1000
    if idle <= allowed:
        return Health(False)
    if job.lease_expires is None:
        cause = "no worker holds it and no continuation arrived"
    else:
        cause = "its worker holds it but has committed nothing"
    return Health(
        True,
        f"no progress for {round(idle)} s: {cause}; the scheduled run will resume it from its cursor, "
        "or look for its message in the ingest dead-letter queue",
    )
