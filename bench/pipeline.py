"""One import through the real pipeline, over HTTP, as a client makes it: create the import
(POST /imports, JSON), POST the file to S3 with the presigned form, and wait for `completed`.

The S3 notification, the upload function, the SQS poller and the ingest function's worker
process all run as `make run` runs them; nothing is called in-process."""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import requests

from bench.localstack import BenchStack, RequestSnapshot, count_items

# The wall time comes from the job's own completed_at, so polling can be slow: it only adds load.
# Every 5 s once an import has run for 9 s, as the status page refreshes (functions/status/web/
# status.js REFRESH_MS): the polls load the server the pipeline is measured on.
MAX_POLL_S = 5.0
INGEST = "IngestFunction"


class PipelineError(AssertionError):
    """The import did not end exactly as it should have: the figures would mean nothing."""


@dataclass(frozen=True)
class PipelineRun:
    rows: int
    readings: int  # readings written: the rows of a long file, 48 a row of a wide one
    day_items: int  # the items the readings table holds afterwards
    wall_s: float  # from the start of the file's upload to the job's completed_at
    upload_s: float  # the POST of the file to S3
    processing_s: float  # from the job's started_at to its completed_at
    job: dict[str, Any]
    requests: RequestSnapshot
    commits: int  # batch commits seen by the server
    ingest_cpu_s: float | None  # CPU time of the ingest function's worker processes
    stack_cpu_s: float  # CPU time of this process: moto, the pollers and the gateway
    ingest_peak_rss_mb: float | None  # the largest peak RSS of an ingest worker (VmHWM)
    jobs_table: str
    readings_table: str

    def as_results(self, suffix: str = "") -> dict[str, Any]:
        """The run's figures, each key ending in `suffix` ("_wide": the wide file's run)."""
        ingest = self.requests.requests(caller=INGEST)
        job_updates = self.requests.requests(caller=INGEST, operation="UpdateItem", table=self.jobs_table)
        units = self.requests.units(caller=INGEST, table=self.readings_table)
        cpu = self.ingest_cpu_s
        figures = {
            "pipeline_rows_per_s": round(self.rows / self.wall_s, 1),
            "pipeline_readings_per_s": round(self.readings / self.wall_s, 1),
            "pipeline_readings": self.readings,
            "pipeline_day_items": self.day_items,
            "pipeline_wall_s": round(self.wall_s, 2),
            "pipeline_upload_s": round(self.upload_s, 2),
            "pipeline_processing_s": round(self.processing_s, 2),
            "pipeline_processing_rows_per_s": round(self.rows / self.processing_s, 1),
            "pipeline_segments": self.job.get("segments"),
            "pipeline_batches": self.commits,
            "ddb_requests_per_10k_rows": round(ingest * 10_000 / self.rows, 1),
            "ddb_requests_per_10k_readings": round(ingest * 10_000 / self.readings, 1),
            "write_units_per_10k_readings": round(units * 10_000 / self.readings, 1),
            "ingest_write_units": self.requests.units_breakdown(INGEST),
            "readings_write_units": self.requests.units_breakdown(INGEST, table=self.readings_table),
            "ingest_s3_requests": self.requests.s3_breakdown(INGEST),
            "ingest_cpu_us_per_row": None if cpu is None else round(cpu * 1e6 / self.rows, 1),
            "ingest_cpu_us_per_reading": None if cpu is None else round(cpu * 1e6 / self.readings, 2),
            "job_updates_per_batch": round(job_updates / self.commits, 3) if self.commits else None,
            "ingest_ddb_requests": self.requests.breakdown(INGEST),
            "other_ddb_requests": {
                caller: self.requests.breakdown(caller)
                for caller in sorted({k.caller for k in self.requests.counts} - {INGEST})
            },
            "moto_seconds_by_operation": {op: round(s, 2) for op, s in sorted(self.requests.seconds.items())},
            "ingest_worker_cpu_s": None if self.ingest_cpu_s is None else round(self.ingest_cpu_s, 2),
            "stack_process_cpu_s": round(self.stack_cpu_s, 2),
            "ingest_worker_peak_rss_mb": self.ingest_peak_rss_mb,
        }
        return {key + suffix: value for key, value in figures.items()}


def _cpu_seconds(pid: int) -> float | None:
    """utime + stime of a live process (Linux /proc), in seconds."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def _workers_cpu(stack: BenchStack) -> dict[int, float]:
    return {pid: cpu for pid in stack.worker_pids(INGEST) if (cpu := _cpu_seconds(pid)) is not None}


def _parse_iso(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def run_pipeline(
    stack: BenchStack,
    data: bytes,
    rows: int,
    *,
    readings: int | None = None,
    day_items: int,
    shards: int = 1,
    timeout_s: float = 3600,
) -> PipelineRun:
    """Import `data` (a file of `rows` data rows holding `readings` readings, the rows unless said,
    in `day_items` meter-days) through the local stack, into an empty readings table, with
    throttling off.

    `shards`: the byte ranges the stack splits the file into (it was started with that count)."""
    readings = rows if readings is None else readings
    api = stack.api_url
    headers = {"Authorization": "Bearer dev:bench"}
    http = requests.Session()
    created = http.post(
        f"{api}/imports",
        json={"filename": "bench.csv", "format": "hh", "size": len(data), "throttle": "small"},
        headers=headers,
        timeout=30,
    )
    if created.status_code != 201:
        raise PipelineError(f"POST /imports answered {created.status_code}: {created.text}")
    job_id, form = created.json()["job_id"], created.json()["upload"]

    cpu_before = _workers_cpu(stack)
    process_cpu_before = time.process_time()
    requests_before = stack.counter.snapshot()
    started = time.time()
    posted = http.post(form["url"], data=form["fields"], files={"file": ("bench.csv", data)}, timeout=600)
    upload_s = time.time() - started
    if posted.status_code not in (200, 204):
        raise PipelineError(f"the presigned POST answered {posted.status_code}: {posted.text[:500]}")

    deadline = time.monotonic() + timeout_s
    while True:
        job = http.get(f"{api}/imports/{job_id}", headers=headers, timeout=30).json()
        if job["status"] in ("completed", "failed", "cancelled"):
            break
        if time.monotonic() > deadline:
            raise PipelineError(f"the import did not end in {timeout_s} s: {job}")
        # (quick at first, for the small imports of the tests; then as the status page does)
        time.sleep(min(MAX_POLL_S, 0.5 + (time.time() - started) / 2))
    seen = stack.counter.snapshot().since(requests_before)
    stack_cpu = time.process_time() - process_cpu_before
    cpu_after = _workers_cpu(stack)
    ingest_cpu = sum(cpu - cpu_before.get(pid, 0.0) for pid, cpu in cpu_after.items()) if cpu_after else None
    peaks = [p for pid in cpu_after if (p := _peak_rss_mb(pid)) is not None]

    jobs_table = stack.resources.jobs_table
    expected = (("completed", rows, rows, 0, readings), "")
    actual = (
        (
            job["status"],
            job["processed_rows"],
            job["imported_rows"],
            job["failed_rows"],
            job["readings_written"],
        ),
        job.get("error_message") or "",
    )
    if actual != expected:
        raise PipelineError(f"the import ended as {actual}, expected {expected}")
    # One item a meter-day: what the readings are in is checked item by item against the
    # write-limit baseline's (bench/run.py).
    in_table = count_items(stack.client("dynamodb"), stack.resources.readings_table)
    if in_table != day_items:
        raise PipelineError(f"the readings table holds {in_table} day items, expected {day_items}")
    if len(job["shards"]) != shards:
        raise PipelineError(f"the job ran as {len(job['shards'])} shards, expected {shards}")
    commits = seen.commits.get(f"{INGEST}:{jobs_table}", 0)
    batch_size = job["throttle"]["batch_size"]
    fewest = max(1, math.ceil(rows / batch_size))  # each shard's last batch may be short
    if not job["throttled"] and not fewest <= commits <= fewest + shards - 1:
        raise PipelineError(f"{commits} batch commits seen, expected {fewest}")

    return PipelineRun(
        rows=rows,
        readings=readings,
        day_items=day_items,
        wall_s=_parse_iso(job["completed_at"]) - started,
        upload_s=upload_s,
        processing_s=_parse_iso(job["completed_at"]) - _parse_iso(job["started_at"]),
        job=job,
        requests=seen,
        commits=commits,
        ingest_cpu_s=ingest_cpu,
        stack_cpu_s=stack_cpu,
        ingest_peak_rss_mb=max(peaks) if peaks else None,
        jobs_table=jobs_table,
        readings_table=stack.resources.readings_table,
    )
