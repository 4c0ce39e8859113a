"""Reading jobs for their owner."""

from __future__ import annotations

from dataclasses import dataclass

from ingestion.domain.caller import Caller
from ingestion.domain.errors import GoneError, JobConflictError
from ingestion.domain.job import Job, JobStatus
from ingestion.store.jobs import JobRepository
from ingestion.store.reports import REPORT_DAYS, ReportStore

MAX_PAGE = 100
DEFAULT_PAGE = 20


@dataclass(frozen=True)
class ReportLinks:
    """Where to download a finished job's error report and fix file, for how long."""

    failed_rows: int
    errors_url: str
    fix_url: str
    expires_in: int


def get_job(job_id: str, caller: Caller, jobs: JobRepository) -> Job:
    """The caller's job (JobNotFoundError for anyone else's)."""
    return jobs.get_owned(job_id, caller.user_id)


def list_jobs(
    caller: Caller,
    jobs: JobRepository,
    *,
    status: JobStatus | None,
    limit: int = DEFAULT_PAGE,
    next_token: str | None,
) -> tuple[list[Job], str | None]:
    """A page of the caller's jobs, newest first, and the token of the next page (parameters
    already validated by the route)."""
    return jobs.list_for_owner(caller.user_id, status=status, limit=limit, next_token=next_token)


def error_report_links(
    job_id: str, caller: Caller, jobs: JobRepository, reports: ReportStore, *, expires_in: int
) -> ReportLinks:
    """Download links for a finished job's error report and fix file (assembled now if the job
    ended without doing it, e.g. cancelled while waiting between segments)."""
    job = jobs.get_owned(job_id, caller.user_id)
    if not job.status.finished:
        raise JobConflictError(
            f"the job is {job.status.value}: its error report is ready once the import has ended "
            "(the job's errors field shows the first ones meanwhile)"
        )
    if not reports.ready(job.job_id):
        if job.failed_rows and not reports.has_parts(job.job_id):
            raise GoneError(
                f"the error report of this job has expired (reports are kept {REPORT_DAYS} days after the "
                "import); the job's errors field still holds the first ones"
            )
        reports.assemble(job.job_id, job.header or ())
    links = reports.download_links(job.job_id, job.filename, expires_in)
    return ReportLinks(job.failed_rows, links["errors_url"], links["fix_url"], expires_in)
