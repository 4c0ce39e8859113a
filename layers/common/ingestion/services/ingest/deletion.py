"""Removing a deleted job: its readings undone (or the sites it wrote last removed), its file, its
reports and coverage, then its record."""

from __future__ import annotations

import logging
from collections.abc import Callable

from ingestion.domain.messages import IngestMessage
from ingestion.domain.records import kind_of_layout
from ingestion.domain.throttle import segment_should_stop
from ingestion.services.ingest.outcome import Outcome, SegmentReport
from ingestion.services.wiring import Services

logger = logging.getLogger(__name__)


def run_delete(message: IngestMessage, remaining_ms: Callable[[], int], svc: Services) -> SegmentReport:
    """Remove a deleted job: its readings undone (services/ingest/undo.py) or the sites it wrote
    last removed, page by page while time lasts (then again through the queue), its file, reports
    and coverage, and finally its record. Safe to repeat at any point."""
    job = svc.jobs.get(message.job_id)
    if job is None or not job.deleting:
        return SegmentReport(Outcome.IGNORED, "no job being deleted")
    removed = 0
    cleaner = svc.cleaner_of(kind_of_layout(job.layout))
    while (looked := cleaner.delete_page(job.job_id)) > 0:
        removed += looked
        if segment_should_stop(remaining_ms(), svc.settings.segment_safety_ms):
            svc.queue.send(message)
            return SegmentReport(Outcome.CONTINUED, "more records to delete", rows=removed)
    svc.objects.delete(job.s3_key)
    svc.reports.delete_all(job.job_id)
    svc.reading_log.remove_coverage(job.job_id)
    svc.jobs.remove(job.job_id)
    logger.info("job deleted", extra={"job_id": job.job_id})
    return SegmentReport(Outcome.DELETED, rows=removed)
