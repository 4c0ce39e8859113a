"""A job's coverage (domain/coverage.py): built from its log when it ends, read a page of meters at
a time (GET /imports/{job_id}/coverage)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Any

from ingestion.domain.caller import Caller
from ingestion.domain.coverage import (
    BUILD_ASKED_AGAIN_S,
    builds_in_a_request,
    meters_covered,
    page_bounds,
    summary,
)
from ingestion.domain.errors import JobConflictError
from ingestion.domain.job import Job
from ingestion.domain.messages import IngestMessage
from ingestion.domain.meter_days import Coverage
from ingestion.domain.records import READINGS, kind_of_layout
from ingestion.store.jobs import JobRepository
from ingestion.store.queue import IngestQueue
from ingestion.store.reading_log import ReadingLog

# A job's log has a part a batch written: 10 million rows at 1,000 a batch are 10,000 GETs of some
# 8 KB, about 6 s at 32 in flight (S3 takes thousands a second a prefix). The ending segment builds
# it within its safety margin (SEGMENT_SAFETY_MS), the status function within its 29 s.
READS_IN_FLIGHT = 32


@cache
def _reads() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=READS_IN_FLIGHT, thread_name_prefix="log-read")


def build_coverage(job_id: str, log: ReadingLog) -> dict[str, Any]:
    """The coverage of everything the job's log says it wrote, saved beside the log."""
    parts = log.parts(job_id)
    coverage = Coverage()
    for start in range(0, len(parts), READS_IN_FLIGHT):  # (a window at a time, in order: memory stays flat)
        for entries in _reads().map(log.read, parts[start : start + READS_IN_FLIGHT]):
            coverage.add(entries)
    meters = meters_covered(coverage.days)
    document = {"summary": summary(meters), "meters": [m.as_json() for m in meters]}
    log.save_coverage(job_id, document)
    return document


def writes_readings(job: Job, layout: str | None = None) -> bool:
    """Whether a job (its layout, or the one it will record) writes readings, and so has coverage."""
    return not job.dry_run and kind_of_layout(layout or job.layout) is READINGS


def coverage_page(
    job_id: str,
    caller: Caller,
    jobs: JobRepository,
    log: ReadingLog,
    queue: IngestQueue,
    now: float,
    *,
    cursor: str | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    """A page of the caller's job's coverage: `ready` false (and no meters) until the job ends, or
    while the ingest function builds the coverage of a large job that ended without it (`building`:
    asked here, through the queue, at most every BUILD_ASKED_AGAIN_S)."""
    first, size = page_bounds(cursor, limit)
    job = jobs.get_owned(job_id, caller.user_id)
    if job.dry_run:
        raise JobConflictError("a dry run writes no readings, so it has no coverage")
    if kind_of_layout(job.layout) is not READINGS:
        raise JobConflictError("a sites import writes no readings, so it has no coverage")
    waiting = {"job_id": job_id, "ready": False, "building": False, "summary": None, "meters": []}
    if not job.status.finished:
        return waiting | {"next_cursor": None}
    document = log.load_coverage(job_id)
    if document is None:
        if not builds_in_a_request(job.processed_rows):
            _ask_for_build(job, log, queue, now)
            return waiting | {"building": True, "next_cursor": None}
        document = build_coverage(job_id, log)
    meters = document["meters"]
    page = meters[first : first + size]
    more = first + size < len(meters)
    return {
        "job_id": job_id,
        "ready": True,
        "building": False,
        "summary": document["summary"],
        "meters": page,
        "next_cursor": str(first + size) if more else None,
    }


def _ask_for_build(job: Job, log: ReadingLog, queue: IngestQueue, now: float) -> None:
    """Have the ingest function build the coverage (services/ingest/cover.py), unless it was asked
    to lately: two requests at once may both ask, and the second build finds the first's done."""
    asked = log.build_asked_at(job.job_id)
    if asked is not None and now - asked < BUILD_ASKED_AGAIN_S:
        return
    log.note_build_asked(job.job_id, now)
    queue.send(IngestMessage(job_id=job.job_id, action="cover"))
