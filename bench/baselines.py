"""The two baselines, as plain scripts run in their own process against the stack's moto server.

write-limit: parse the file with csv and BatchWriteItem the same items the pipeline writes (25 a
  call, as many calls in flight as the pipeline's writer), and nothing else: what writing alone
  costs on this server, the most the pipeline could reach.
per-row: the original PHP system's way, one PutItem and one progress UpdateItem per row, one after
  the other.

Neither imports the ingestion package: the items are built here, by hand, to the shape of
store/readings.py `_item` (tests/unit/test_bench.py checks that they are the same). The file's
times are taken as UTC because the generated file lies entirely in GMT (bench/datafile.py).

    python -m bench.baselines write-limit FILE --table T --concurrency 4
    python -m bench.baselines per-row FILE --table T --jobs-table J --rows 10000

Each prints one JSON object: {"rows", "seconds", "requests"}."""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
import zlib
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

ITEMS_PER_CALL = 25
# The same client configuration as the write path's (ingestion/store/clients.py,
# client("dynamodb", bulk=True)): botocore's standard retry mode, no client-side parameter
# validation. Like for like: the write limit is the fastest this client writes, not a slower one.
CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 8}, max_pool_connections=16, parameter_validation=False
)
BENCH_JOB_ID = "bench-baseline"
JOB_PARTS = 16  # store/readings.py JOB_PARTS: the parts of a job's job-part-index key


def rows_of(path: Path, limit: int | None = None) -> Iterator[list[str]]:
    """The file's data rows, parsed by csv alone."""
    with path.open("r", encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle)
        next(rows)  # the header
        yield from islice(rows, limit)


def reading_item(cells: list[str], job_id: str, written_at: str) -> dict[str, Any]:
    """A half-hourly long row (meter, local time in GMT, kWh, unit, A/E) as the readings table stores it."""
    meter, when, value, _unit, flag = cells
    start = datetime.fromisoformat(when)
    sk = f"hh#{start:%Y-%m-%dT%H:%M}Z"
    part = zlib.crc32(f"{meter}#{sk}".encode()) % JOB_PARTS
    return {
        "meter": {"S": meter},
        "sk": {"S": sk},
        "kind": {"S": "hh"},
        "start": {"S": f"{start:%Y-%m-%dT%H:%M:%S}Z"},
        "local_date": {"S": start.date().isoformat()},
        "value_kwh": {"N": value},
        "estimated": {"BOOL": flag == "E"},
        "job_id": {"S": job_id},
        "job_part": {"S": f"{job_id}#{part:02d}"},
        "written_at": {"S": written_at},
        "period": {"N": str(start.hour * 2 + start.minute // 30 + 1)},
    }


def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _client() -> Any:
    return boto3.client("dynamodb", config=CLIENT_CONFIG)


def write_limit(path: Path, table: str, concurrency: int) -> dict[str, Any]:
    ddb = _client()
    calls = 0

    def write(requests: list[dict[str, Any]]) -> int:
        sent, pending = 0, requests
        while pending:  # moto never leaves items unprocessed; AWS may
            response = ddb.batch_write_item(RequestItems={table: pending})
            sent += 1
            pending = response.get("UnprocessedItems", {}).get(table, [])
        return sent

    written_at = _now_iso()
    started = time.perf_counter()
    rows = 0
    in_flight: deque[Future[int]] = deque()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        chunk: list[dict[str, Any]] = []
        for cells in rows_of(path):
            rows += 1
            chunk.append({"PutRequest": {"Item": reading_item(cells, BENCH_JOB_ID, written_at)}})
            if len(chunk) == ITEMS_PER_CALL:
                in_flight.append(pool.submit(write, chunk))
                chunk = []
                # Keep `concurrency` calls running and as many ready behind them, no more.
                while len(in_flight) > 2 * concurrency:
                    calls += in_flight.popleft().result()
        if chunk:
            in_flight.append(pool.submit(write, chunk))
        while in_flight:
            calls += in_flight.popleft().result()
    return {"rows": rows, "seconds": time.perf_counter() - started, "requests": calls}


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
    limit.add_argument("--concurrency", type=int, required=True)
    row = commands.add_parser("per-row")
    row.add_argument("file", type=Path)
    row.add_argument("--table", required=True)
    row.add_argument("--jobs-table", required=True)
    row.add_argument("--rows", type=int, required=True)
    args = parser.parse_args(argv)
    if "AWS_ENDPOINT_URL" not in os.environ:
        parser.error("AWS_ENDPOINT_URL must name the moto server (the baselines never talk to AWS)")
    if args.command == "write-limit":
        result = write_limit(args.file, args.table, args.concurrency)
    else:
        result = per_row(args.file, args.table, args.jobs_table, args.rows)
    json.dump(result, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
