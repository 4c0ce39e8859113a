"""Building the coverage of an ended job that has none, when the status function asks for it (its
own time would not hold a large job's: services/coverage.py)."""

from __future__ import annotations

from collections.abc import Callable

from ingestion.domain.messages import IngestMessage
from ingestion.services.coverage import build_coverage, writes_readings
from ingestion.services.ingest.outcome import Outcome, SegmentReport
from ingestion.services.wiring import Services


def run_cover(message: IngestMessage, remaining_ms: Callable[[], int], svc: Services) -> SegmentReport:
    """Build and save the job's coverage from its log, unless there is nothing to build: the job is
    gone or being deleted, has not ended, writes no readings, or has its coverage already (a
    repeated message, or a second request's). Safe to repeat: the same log builds the same one."""
    job = svc.jobs.get(message.job_id)
    if job is None or job.deleting or not job.status.finished or not writes_readings(job):
        return SegmentReport(Outcome.IGNORED, "no ended job whose coverage to build")
    if svc.reading_log.has_coverage(job.job_id):
        return SegmentReport(Outcome.IGNORED, "its coverage is built already")
    build_coverage(job.job_id, svc.reading_log)
    return SegmentReport(Outcome.COVERED, rows=job.processed_rows)
