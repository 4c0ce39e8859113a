"""The two baselines, as plain scripts run in their own process against the stack's moto server.

write-limit: read the file with csv and write the day items the pipeline writes, with the calls the
  store makes for them and nothing else: batch by batch (the pipeline's batch size), the days' items
  read (BatchGetItem, 100 keys a call: the store reads them before it writes, to know what they
  held and their writers), the write's log part put (one S3 PUT: what the store writes in place of
  the per-reading index entries the old baseline wrote), then the whole days put (BatchWriteItem, 25
  a call, as many calls in flight as the store's pool) and each partial day updated (one UpdateItem
  SETting its periods). No checks, no overlap lookup, no commit: what writing the day items costs
  on this server, the most the pipeline could reach.
per-row: the original PHP system's way, one PutItem of a reading and one progress UpdateItem per
  row, one after the other (an item a reading, as that system stored them).

The day items are built by the store's own functions (store/day_items.py whole_item and
partial_update), from MeterDays made straight from the csv cells: tests/unit/test_bench.py checks
that they are the pipeline's items. The file's times are read as UK local times that are UTC,
because the generated file lies entirely in GMT (bench/datafile.py).

    python -m bench.baselines write-limit FILE --table T --bucket B --concurrency 4 --batch-rows 1000
    python -m bench.baselines per-row FILE --table T --jobs-table J --rows 10000

Each prints one JSON object: {"rows", "seconds", "requests", ...}."""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, date, datetime
from itertools import islice
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from ingestion.domain.meter_days import DayKey, MeterDay, Period, log_of
from ingestion.store.day_items import StoredDay, decode, key_of, partial_update, whole_item
from ingestion.store.reading_log import ReadingLog

ITEMS_PER_CALL = 25  # store/batch_calls.py MAX_ITEMS_PER_CALL
KEYS_PER_GET = 100  # store/batch_calls.py MAX_KEYS_PER_GET
# The same client configuration as the write path's (ingestion/store/clients.py,
# client("dynamodb", bulk=True)): botocore's standard retry mode, no client-side parameter
# validation. Like for like: the write limit is the fastest this client writes, not a slower one.
CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 8}, max_pool_connections=16, parameter_validation=False
)
BENCH_JOB_ID = "bench-baseline"


def rows_of(path: Path, limit: int | None = None) -> Iterator[list[str]]:
    """The file's data rows, parsed by csv alone."""
    with path.open("r", encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle)
        next(rows)  # the header
        yield from islice(rows, limit)


def days_of(rows: list[list[str]]) -> dict[DayKey, MeterDay]:
    """A batch of half-hourly long rows (meter, local time in GMT, kWh, unit, A/E) by day item, as
    the store groups a batch's readings (domain/meter_days.py group_by_day): the value as the file
    wrote it, the period from the time of day."""
    days: dict[DayKey, MeterDay] = {}
    for meter, when, value, _unit, flag in rows:
        key = (meter, "hh#" + when[:10])
        day = days.get(key)
        if day is None:
            day = days[key] = MeterDay(meter, "hh", date.fromisoformat(when[:10]))
        day.periods[int(when[11:13]) * 2 + (when[14:16] >= "30") + 1] = (value, flag == "E")
    return days


def reading_item(cells: list[str], job_id: str, written_at: str) -> dict[str, Any]:
    """A half-hourly long row as one item of its own, the way the original system stored a reading
    (the per-row baseline's item; the readings table now holds a day an item)."""
    meter, when, value, _unit, flag = cells
    start = datetime.fromisoformat(when)
    return {
        "meter": {"S": meter},
        "sk": {"S": f"hh#{start:%Y-%m-%dT%H:%M}Z"},
        "kind": {"S": "hh"},
        "start": {"S": f"{start:%Y-%m-%dT%H:%M:%S}Z"},
        "local_date": {"S": start.date().isoformat()},
        "value_kwh": {"N": value},
        "estimated": {"BOOL": flag == "E"},
        "job_id": {"S": job_id},
        "written_at": {"S": written_at},
        "period": {"N": str(start.hour * 2 + start.minute // 30 + 1)},
    }


def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _client() -> Any:
    return boto3.client("dynamodb", config=CLIENT_CONFIG)


class DayWriter:
    """The store's calls for one batch of days (store/readings.py ReadingWriter.upsert), counted by
    operation."""

    def __init__(self, ddb: Any, table: str, pool: ThreadPoolExecutor, log: ReadingLog) -> None:
        self.ddb, self.table, self.pool, self.log = ddb, table, pool, log
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()  # (the calls are counted from the pool's threads)

    def _count(self, operation: str) -> None:
        with self._lock:
            self.calls[operation] += 1

    def write(self, days: dict[DayKey, MeterDay]) -> None:
        keys = list(days)
        chunks = [keys[i : i + KEYS_PER_GET] for i in range(0, len(keys), KEYS_PER_GET)]
        stored: dict[DayKey, StoredDay] = {}
        for found in self.pool.map(self._read, chunks) if len(chunks) > 1 else map(self._read, chunks):
            stored |= found
        self.log.write(
            BENCH_JOB_ID, [log_of(d, _periods(stored.get(key)), BENCH_JOB_ID) for key, d in days.items()]
        )
        self._count("PutObject")
        puts = [{"PutRequest": {"Item": whole_item(d, BENCH_JOB_ID)}} for d in days.values() if d.whole]
        calls = [puts[i : i + ITEMS_PER_CALL] for i in range(0, len(puts), ITEMS_PER_CALL)]
        list(self.pool.map(self._put, calls) if len(calls) > 1 else map(self._put, calls))
        partial = [(d, stored.get(key)) for key, d in days.items() if not d.whole]
        list(self.pool.map(self._update, partial))

    def _read(self, keys: list[DayKey]) -> dict[DayKey, StoredDay]:
        request: dict[str, Any] = {self.table: {"Keys": [key_of(key) for key in keys]}}
        found: dict[DayKey, StoredDay] = {}
        while request:  # moto never leaves keys unprocessed; AWS may
            response = self.ddb.batch_get_item(RequestItems=request)
            self._count("BatchGetItem")
            for item in response.get("Responses", {}).get(self.table, []):
                found[item["meter"]["S"], item["sk"]["S"]] = decode(item)
            request = response.get("UnprocessedKeys") or {}
        return found

    def _put(self, requests: list[dict[str, Any]]) -> None:
        pending = requests
        while pending:
            response = self.ddb.batch_write_item(RequestItems={self.table: pending})
            self._count("BatchWriteItem")
            pending = response.get("UnprocessedItems", {}).get(self.table, [])

    def _update(self, day_and_stored: tuple[MeterDay, StoredDay | None]) -> None:
        day, stored = day_and_stored
        self.ddb.update_item(TableName=self.table, **partial_update(day, BENCH_JOB_ID, stored))
        self._count("UpdateItem")


def _periods(stored: StoredDay | None) -> dict[int, Period] | None:
    return stored.periods if stored is not None else None


def write_limit(path: Path, table: str, bucket: str, concurrency: int, batch_rows: int) -> dict[str, Any]:
    # As the ingest loop runs with no pause: the next batch is read while this one is written, and
    # one batch is written at a time (services/ingest/batches.py), its calls on a pool of the
    # store's size (store/batch_calls.py pool).
    ddb = _client()  # (built before the clock starts: the limit is the writing alone)
    started = time.perf_counter()
    rows = 0
    with ThreadPoolExecutor(max_workers=concurrency) as pool, ThreadPoolExecutor(max_workers=1) as batches:
        log = ReadingLog(bucket=bucket, s3=boto3.client("s3", config=CLIENT_CONFIG))
        writer = DayWriter(ddb, table, pool, log)
        writing: Future[None] | None = None
        source = rows_of(path)
        while batch := list(islice(source, batch_rows)):
            rows += len(batch)
            days = days_of(batch)
            if writing is not None:
                writing.result()
            writing = batches.submit(writer.write, days)
        if writing is not None:
            writing.result()
    return {
        "rows": rows,
        "seconds": time.perf_counter() - started,
        "requests": sum(writer.calls.values()),
        "requests_by_operation": dict(sorted(writer.calls.items())),
    }


def per_row(path: Path, table: str, jobs_table: str, limit: int) -> dict[str, Any]:
    ddb = _client()
    now = _now_iso()
    job_key = {"job_id": {"S": BENCH_JOB_ID}}
    ddb.put_item(
        TableName=jobs_table,
        Item={
            **job_key,
            "owner": {"S": "bench"},
            "status": {"S": "processing"},
            "created_at": {"S": now},
            "updated_at": {"S": now},
            "processed_rows": {"N": "0"},
        },
    )
    started = time.perf_counter()
    rows = 0
    for cells in rows_of(path, limit):
        now = _now_iso()
        ddb.put_item(TableName=table, Item=reading_item(cells, BENCH_JOB_ID, now))
        rows += 1
        ddb.update_item(
            TableName=jobs_table,
            Key=job_key,
            UpdateExpression="SET processed_rows = :n, updated_at = :now",
            ExpressionAttributeValues={":n": {"N": str(rows)}, ":now": {"S": now}},
        )
    return {"rows": rows, "seconds": time.perf_counter() - started, "requests": 2 * rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.baselines", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    limit = commands.add_parser("write-limit")
    limit.add_argument("file", type=Path)
    limit.add_argument("--table", required=True)
    limit.add_argument("--bucket", required=True)
    limit.add_argument("--concurrency", type=int, required=True)
    limit.add_argument("--batch-rows", type=int, required=True)
    row = commands.add_parser("per-row")
    row.add_argument("file", type=Path)
    row.add_argument("--table", required=True)
    row.add_argument("--jobs-table", required=True)
    row.add_argument("--rows", type=int, required=True)
    args = parser.parse_args(argv)
    if "AWS_ENDPOINT_URL" not in os.environ:
        parser.error("AWS_ENDPOINT_URL must name the moto server (the baselines never talk to AWS)")
    if args.command == "write-limit":
        result = write_limit(args.file, args.table, args.bucket, args.concurrency, args.batch_rows)
    else:
        result = per_row(args.file, args.table, args.jobs_table, args.rows)
    json.dump(result, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
