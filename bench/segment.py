"""The ingest function's segment loop in a fresh process, against the stack's moto server: for the
peak resident memory of a worker (and, with --profile, where its time goes).

It creates a queued job for a file already in the bucket and runs
`ingestion.services.ingest.segment.run_segment` with the real services, segment after segment,
each with the Lambda timeout's time budget, as one warm execution environment would.
Continuations are handed back to this loop instead of SQS (so the local stack's own ingest workers
never see the job). With --fake-writer the readings go to a counting stand-in for DynamoDB (the
writer's BatchWriteItem and UpdateItem calls are counted and dropped; a batch's days are still read
from moto by the lookup, and found missing); everything else stays real, the log of each write
included.

    python -m bench.segment --key bench/x.csv --rows 10000 --bytes N [--fake-writer] [--profile OUT]

Prints one JSON object. Needs the function's environment (tables, bucket, AWS_ENDPOINT_URL)."""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import resource
import sys
import threading
import time
import uuid
from collections import deque
from pathlib import Path
from typing import Any

LAMBDA_TIMEOUT_S = 300  # IngestFunction's Timeout in template.yaml


def _peak_rss_mb() -> float:
    """This process's peak resident memory so far.

    Linux's VmHWM, the high-water mark of this process's own address space. ru_maxrss would be
    wrong here: it survives execve(2), so a child of the benchmark (which holds moto and its data)
    starts with the parent's peak."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux; bytes on macOS


class QueueInbox:
    """Stands in for SQS: the continuation messages a segment sends, kept for this loop."""

    def __init__(self) -> None:
        self.bodies: deque[str] = deque()

    def send_message(self, *, QueueUrl: str, MessageBody: str, DelaySeconds: int = 0) -> dict[str, Any]:
        self.bodies.append(MessageBody)
        return {"MessageId": str(uuid.uuid4())}


class CountingDynamoDB:
    """Stands in for the readings table in the writer: holds no item, and counts the readings the
    writer's puts and updates carry (a day item's periods: its attributes "1".."50"). Called from
    the writer's thread pool, hence the lock."""

    class exceptions:
        class ConditionalCheckFailedException(Exception):
            """Never raised: no other job writes here."""

    def __init__(self) -> None:
        self.readings = 0
        self.calls = 0
        self._lock = threading.Lock()

    def _count(self, readings: int) -> None:
        with self._lock:
            self.calls += 1
            self.readings += readings

    def batch_get_item(self, *, RequestItems: dict[str, Any]) -> dict[str, Any]:
        self._count(0)
        return {"Responses": {table: [] for table in RequestItems}, "UnprocessedKeys": {}}

    def batch_write_item(self, *, RequestItems: dict[str, list[Any]]) -> dict[str, Any]:
        items = [r["PutRequest"]["Item"] for requests in RequestItems.values() for r in requests]
        self._count(sum(name.isdigit() for item in items for name in item))
        return {"UnprocessedItems": {}}

    def update_item(self, **arguments: Any) -> dict[str, Any]:
        self._count(sum(name.isdigit() for name in arguments["ExpressionAttributeNames"].values()))
        return {}


def run(key: str, rows: int, size: int, fake_writer: bool, profile: Path | None) -> dict[str, Any]:
    # Imported here, after the environment is set: the models read the table names on import.
    from ingestion.domain.clock import iso
    from ingestion.domain.job import Job, JobStatus, Shard
    from ingestion.domain.messages import IngestMessage
    from ingestion.domain.throttle import PRESETS
    from ingestion.services.ingest.outcome import Outcome
    from ingestion.services.ingest.segment import run_segment
    from ingestion.services.wiring import Services
    from ingestion.store.queue import IngestQueue
    from ingestion.store.readings import ReadingWriter

    fake = CountingDynamoDB() if fake_writer else None
    inbox = QueueInbox()
    services = Services(
        queue=IngestQueue(sqs=inbox), readings=ReadingWriter(dynamodb=fake) if fake else ReadingWriter()
    )
    now = iso(time.time())
    job = Job(
        job_id=str(uuid.uuid4()),
        owner="bench",
        filename="bench.csv",
        format="hh",
        dry_run=False,
        status=JobStatus.QUEUED,
        s3_key=key,
        throttle=PRESETS["small"],
        created_at=now,
        updated_at=now,
        bytes_total=size,
        shards=(Shard(start=0, end=None, offset=0, line=1),),
    )
    services.jobs.create(job)
    rss_ready = _peak_rss_mb()

    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    message = IngestMessage(job_id=job.job_id, shard=0, segment=1)
    segments = 0
    if profiler:
        profiler.enable()
    while True:
        deadline = time.monotonic() + LAMBDA_TIMEOUT_S

        def remaining_ms(deadline: float = deadline) -> int:
            return int((deadline - time.monotonic()) * 1000)

        report = run_segment(message, remaining_ms, services)
        segments += 1
        if report.outcome is not Outcome.CONTINUED or not inbox.bodies:
            break
        message = IngestMessage.model_validate_json(inbox.bodies.popleft())
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - started

    done = services.jobs.get(job.job_id)
    assert done is not None
    ended = (done.status, done.processed_rows, done.imported_rows, done.readings_written)
    if ended != (JobStatus.COMPLETED, rows, rows, rows):
        raise SystemExit(f"the segment loop ended as (status, processed, imported, written) {ended}")
    if fake is not None and fake.readings != rows:
        raise SystemExit(f"the counting writer saw {fake.readings} readings, expected {rows}")
    if profiler and profile:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(30)
        profile.write_text(out.getvalue())
    return {
        "rows": rows,
        "seconds": seconds,
        "segments": segments,
        "writer": "counting-fake" if fake else "moto",
        "rss_ready_mb": round(rss_ready, 1),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.segment", description=__doc__.split("\n")[0])
    parser.add_argument("--key", required=True, help="the file's key in the upload bucket")
    parser.add_argument("--rows", type=int, required=True, help="data rows in the file")
    parser.add_argument("--bytes", type=int, required=True, help="the file's size")
    parser.add_argument("--fake-writer", action="store_true", help="count readings instead of writing them")
    parser.add_argument("--profile", type=Path, help="write cProfile's top entries here")
    args = parser.parse_args(argv)
    json.dump(run(args.key, args.rows, args.bytes, args.fake_writer, args.profile), sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
