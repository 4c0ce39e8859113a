"""The job as API clients see it (the contract's field names), progress computed at read time."""

from __future__ import annotations

from typing import Any

from ingestion.clock import iso, parse_iso
from ingestion.health import diagnose
from ingestion.models import Job, JobStatus
from ingestion.progress import average_rate, compute_progress


def status_url(job_id: str) -> str:
    return f"/imports/{job_id}"


def job_view(job: Job, now: float, *, stall_after_s: float) -> dict[str, Any]:
    completed = job.status is JobStatus.COMPLETED
    progress = compute_progress(
        processed_rows=job.processed_rows,
        imported_rows=job.imported_rows,
        bytes_processed=job.bytes_processed,
        bytes_total=job.bytes_total,
        finished=completed,
        samples=[list(shard.samples) for shard in job.shards],
        now=now,
    )
    rows_per_sec, eta_seconds = progress.rows_per_sec, progress.eta_seconds
    if job.status.finished:
        started = parse_iso(job.started_at) if job.started_at else None
        ended = parse_iso(job.completed_at) if job.completed_at else None
        rows_per_sec = average_rate(job.processed_rows, started, ended)
        eta_seconds = 0 if completed else None
    percent = progress.percent
    if job.status.finished and not completed:  # failed or cancelled: how far it got
        percent = round(100.0 * job.bytes_processed / job.bytes_total, 2) if job.bytes_total else 0.0
    total_rows = job.total_rows if job.total_rows_exact else progress.total_rows
    health = diagnose(job, now, stall_after_s=stall_after_s)
    return {
        "job_id": job.job_id,
        "filename": job.filename,
        "format": job.format,
        "layout": job.layout,
        "dry_run": job.dry_run,
        "status": job.status.value,
        "total_rows": total_rows,
        "total_rows_exact": job.total_rows_exact,
        "processed_rows": job.processed_rows,
        "imported_rows": job.imported_rows,
        "failed_rows": job.failed_rows,
        "warning_rows": job.warning_rows,
        "would_insert_rows": job.would_insert_rows if job.dry_run else None,
        "would_update_rows": job.would_update_rows if job.dry_run else None,
        "readings_written": job.readings_written,
        "bytes_total": job.bytes_total,
        "bytes_processed": job.bytes_processed,
        "percent": percent,
        "rows_per_sec": rows_per_sec,
        "eta_seconds": eta_seconds,
        "success_rate": progress.success_rate,
        "throttle": {
            "batch_size": job.throttle.batch_size,
            "delay_ms": job.throttle.delay_ms,
            "preset": job.throttle.preset,
        },
        "segments": job.segments,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "updated_at": job.updated_at,
        "completed_at": job.completed_at,
        "error_message": job.error_message,
        "deleting": job.deleting,
        "throttled": job.throttled,
        "throttled_reason": job.throttled_reason,
        "stalled": health.stalled,
        "stall_reason": health.reason,
        "retry_count": job.retry_count,
        "last_error": job.last_error,
        "next_retry_at": iso(job.next_retry_at) if job.next_retry_at is not None else None,
        "note": job.note,
        "errors": list(job.errors),
        "warnings": list(job.warnings),
        "encoding": job.encoding,
        "line_ending": job.line_ending,
        "shards": [
            {
                "start": s.start,
                "end": s.end,
                "offset": s.offset,
                "segments": s.segment,
                "done": s.done,
                # (a lease that ran out is an invocation that died: nobody is working on it)
                "running": s.holder is not None and not s.done and (s.lease_expires or 0) > now,
            }
            for s in job.shards
        ],
        "status_url": status_url(job.job_id),
        "errors_url": f"{status_url(job.job_id)}/errors" if job.status.finished else None,
    }
