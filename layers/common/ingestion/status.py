"""Reading jobs for their owner."""

from __future__ import annotations

from typing import Any

from ingestion.api import Caller
from ingestion.clock import Clock, system_clock
from ingestion.models import JobStatus
from ingestion.settings import get_settings
from ingestion.store.jobs import JobRepository
from ingestion.views import job_view

MAX_PAGE = 100
DEFAULT_PAGE = 20


def get_job(job_id: str, caller: Caller, jobs: JobRepository, clock: Clock = system_clock) -> dict[str, Any]:
    """The caller's job and its progress."""
    job = jobs.get_owned(job_id, caller.user_id)
    return job_view(job, clock(), stall_after_s=get_settings().stall_after_seconds)


def list_jobs(
    caller: Caller,
    jobs: JobRepository,
    *,
    status: JobStatus | None,
    limit: int = DEFAULT_PAGE,
    next_token: str | None,
    clock: Clock = system_clock,
) -> dict[str, Any]:
    """A page of the caller's jobs, newest first (parameters already validated by the route)."""
    page, token = jobs.list_for_owner(caller.user_id, status=status, limit=limit, next_token=next_token)
    now = clock()
    stall_after = get_settings().stall_after_seconds
    return {"items": [job_view(job, now, stall_after_s=stall_after) for job in page], "next": token}
