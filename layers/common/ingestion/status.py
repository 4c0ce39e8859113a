"""Reading jobs for their owner."""

from __future__ import annotations

from typing import Any

from ingestion.api import Caller
from ingestion.clock import Clock, system_clock
from ingestion.errors import GoneError, JobConflictError
from ingestion.models import JobStatus
from ingestion.settings import get_settings
from ingestion.store.jobs import JobRepository
from ingestion.store.reports import REPORT_DAYS, ReportStore
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


def error_report_links(
    job_id: str, caller: Caller, jobs: JobRepository, reports: ReportStore
) -> dict[str, Any]:
    """Download links for a finished job's error report and fix file (assembled now if the job
    ended without doing it, e.g. cancelled while waiting between segments)."""
    job = jobs.get_owned(job_id, caller.user_id)
    if not job.status.finished:
        raise JobConflictError(
            f"the job is {job.status.value}: its error report is ready once the import has ended "
            "(the job's errors field shows the first 50 meanwhile)"
        )
    if not reports.ready(job.job_id):
        if job.failed_rows and not reports.has_parts(job.job_id):
            raise GoneError(
                f"the error report of this job has expired (reports are kept {REPORT_DAYS} days after the "
                "import); the job's errors field still holds the first 50"
            )
        reports.assemble(job.job_id, job.header or ())
    expires = get_settings().report_link_seconds
    links = reports.download_links(job.job_id, job.filename, expires)
    return {"failed_rows": job.failed_rows, "expires_in": expires, **links}
