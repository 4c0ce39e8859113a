"""`make bench`: every measurement on one generated file, a table on stdout, bench/results.json."""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.datafile import (
    DEFAULT_ROWS_PER_METER,
    hh_long_bytes,
    hh_long_chunks,
    hh_wide_bytes,
    meter_days_for,
    meters_for,
)
from bench.localstack import BenchStack, bench_stack, clone_table, count_items
from bench.parsing import time_parsing
from bench.pipeline import PipelineError, run_pipeline
from ingestion.store.day_items import decode

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = ROOT / "bench" / "results.json"
MULTIPART_BYTES = 8 << 20

# The keys results.json always has (tests/integration/test_bench.py holds the harness to them).
REQUIRED_KEYS = (
    "date",
    "python",
    "cpu_count",
    "rows",
    "shards",
    "pipeline_rows_per_s",
    "write_limit_rows_per_s",
    "per_row_rows_per_s",
    "pipeline_vs_write_limit",
    "pipeline_vs_write_limit_runs",
    "pipeline_vs_per_row",
    "parse_validate_vs_csv_reader",
    "parse_validate_vs_csv_reader_wide",
    "peak_rss_mb_10k",
    "peak_rss_mb_1m",
    "ddb_requests_per_10k_rows",
    "job_updates_per_batch",
    "write_units_per_10k_readings",
    "ingest_cpu_us_per_row",
    "ddb_requests_per_10k_rows_wide",
    "write_units_per_10k_readings_wide",
    "ingest_cpu_us_per_row_wide",
)


@dataclass(frozen=True)
class BenchOptions:
    rows: int = 200_000
    rows_per_meter: int = DEFAULT_ROWS_PER_METER
    per_row_rows: int = 10_000
    memory_rows: tuple[int, int] = (10_000, 1_000_000)
    # A memory run whose real writes to moto would take longer than this uses the counting writer.
    real_writes_max_s: float = 180.0
    shards: int = 1
    compare_shards: tuple[int, ...] = ()
    repeat: int = 3
    # The pipeline and the write limit, each run this many times in turn (a pair on a fresh stack):
    # their ratio is the median of the pairs' (one pair swings with the machine's load).
    pairs: int = 3
    output: Path = DEFAULT_OUTPUT
    profile: Path | None = None
    profile_rows: int = 20_000
    extra: dict[str, Any] = field(default_factory=dict)


def _child_env(stack: BenchStack) -> dict[str, str]:
    """A clean environment for a child process that uses the stack as the ingest function does."""
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "JOBS_", "READINGS_", "SITES_", "SETTINGS_", "UPLOAD_", "INGEST_"))
    }
    return {
        **inherited,
        **stack.function_environment(),
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "layers" / "common")]),
        "POWERTOOLS_SERVICE_NAME": "csv-import-bench",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }


def _run_child(module: str, args: list[str], env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", module, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"python -m {module} {' '.join(args)} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _same_items(ddb: Any, baseline: str, pipeline: str) -> tuple[int, int]:
    """Compare every day item of the baseline with the pipeline's, period by period (its value and
    estimated flag; not who wrote it): how many items and readings."""
    items = readings = 0
    pages = ddb.get_paginator("scan").paginate(TableName=baseline, PaginationConfig={"PageSize": 500})
    for page in pages:
        keys = [{"meter": i["meter"], "sk": i["sk"]} for i in page["Items"]]
        theirs: dict[tuple[str, str], dict[str, Any]] = {}
        for i in range(0, len(keys), 100):
            request = {pipeline: {"Keys": keys[i : i + 100]}}
            while request:
                got = ddb.batch_get_item(RequestItems=request)
                for item in got["Responses"].get(pipeline, []):
                    theirs[(item["meter"]["S"], item["sk"]["S"])] = item
                request = got.get("UnprocessedKeys") or {}
        for item in page["Items"]:
            key = (item["meter"]["S"], item["sk"]["S"])
            other = theirs.get(key)
            mine = _periods(item)
            if other is None or mine != _periods(other):
                raise PipelineError(f"the write-limit baseline wrote {key} as {mine}, the pipeline {other}")
            items, readings = items + 1, readings + len(mine)
    return items, readings


def _periods(item: dict[str, Any]) -> dict[int, tuple[str, bool]]:
    return {p: (v.value, v.estimated) for p, v in decode(item).periods.items()}


def measure_wide_parsing(o: BenchOptions) -> dict[str, Any]:
    """parse + validate against csv.reader on a wide-by-time file of the same readings as the
    default file (a row per meter and day, "00:00".."23:30"): the wide layout's own figure."""
    data = hh_wide_bytes(o.rows, o.rows_per_meter)
    rows = data.count(b"\r\n") - 1  # (no quoted line breaks: one line a row)
    parse = time_parsing(data, rows, o.repeat, readings=o.rows)
    return {
        "parse_validate_vs_csv_reader_wide": round(parse.ratio, 3),
        "csv_reader_wide_s": round(parse.csv_reader_s, 3),
        "parse_validate_wide_s": round(parse.parse_validate_s, 3),
        "wide_rows": rows,
        "wide_file_bytes": len(data),
    }


def measure_write_limit(
    stack: BenchStack, path: Path, rows: int, day_items: int, env: dict[str, str], *, compare: bool = True
) -> dict[str, Any]:
    """The write-limit baseline on a copy of the readings table; `compare`: check each of its items
    against the pipeline's, period by period (else their number only)."""
    from ingestion.domain.throttle import UNTHROTTLED_BATCH_SIZE
    from ingestion.store.batch_calls import CONCURRENT_CALLS

    ddb = stack.client("dynamodb")
    table = clone_table(ddb, stack.resources.readings_table, f"bench-write-limit-{uuid.uuid4().hex[:8]}")
    before = stack.counter.snapshot()
    try:
        result = _run_child(
            "bench.baselines",
            [
                "write-limit",
                str(path),
                "--table",
                table,
                "--bucket",
                stack.resources.bucket,
                "--concurrency",
                str(CONCURRENT_CALLS),
                "--batch-rows",
                str(UNTHROTTLED_BATCH_SIZE),
            ],
            env,
        )
        units = stack.counter.snapshot().since(before).units(table=table)
        written = count_items(ddb, table)
        if (result["rows"], written) != (rows, day_items):
            raise PipelineError(
                f"the write-limit baseline read {result['rows']} rows and left {written} day items, "
                f"expected {rows} and {day_items}"
            )
        if compare:
            compared, readings = _same_items(ddb, table, stack.resources.readings_table)
            if (compared, readings) != (day_items, rows):
                raise PipelineError(
                    f"compared {compared} day items of {readings} readings, expected {day_items}"
                )
        else:
            compared = 0
    finally:
        ddb.delete_table(TableName=table)
    return {
        "write_limit_rows_per_s": round(rows / result["seconds"], 1),
        "write_limit_s": round(result["seconds"], 2),
        "write_limit_concurrent_calls": CONCURRENT_CALLS,
        "write_limit_requests": result["requests_by_operation"],
        "write_limit_write_units": units,
        "write_limit_items_compared": compared,
    }


def measure_per_row(stack: BenchStack, path: Path, rows: int, env: dict[str, str]) -> dict[str, Any]:
    ddb = stack.client("dynamodb")
    suffix = uuid.uuid4().hex[:8]
    table = clone_table(ddb, stack.resources.readings_table, f"bench-per-row-{suffix}")
    jobs = clone_table(ddb, stack.resources.jobs_table, f"bench-per-row-jobs-{suffix}")
    try:
        result = _run_child(
            "bench.baselines",
            ["per-row", str(path), "--table", table, "--jobs-table", jobs, "--rows", str(rows)],
            env,
        )
        written = count_items(ddb, table)
        if (result["rows"], written) != (rows, rows):
            raise PipelineError(f"the per-row baseline read {result['rows']} rows and left {written} items")
    finally:
        ddb.delete_table(TableName=table)
        ddb.delete_table(TableName=jobs)
    return {
        "per_row_rows_per_s": round(rows / result["seconds"], 1),
        "per_row_rows": rows,
        "per_row_s": round(result["seconds"], 2),
    }


def _upload(stack: BenchStack, rows: int, rows_per_meter: int) -> tuple[str, int]:
    """Put a generated file into the bucket without holding it whole (multipart, 8 MiB parts)."""
    s3, bucket = stack.client("s3"), stack.resources.bucket
    key = f"bench/{uuid.uuid4()}.csv"  # outside uploads/: no S3 event, no job of the stack's own
    upload = s3.create_multipart_upload(Bucket=bucket, Key=key, ContentType="text/csv")
    parts, size = [], 0
    for number, chunk in enumerate(hh_long_chunks(rows, rows_per_meter, MULTIPART_BYTES), start=1):
        part = s3.upload_part(
            Bucket=bucket, Key=key, UploadId=upload["UploadId"], PartNumber=number, Body=chunk
        )
        parts.append({"ETag": part["ETag"], "PartNumber": number})
        size += len(chunk)
    s3.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=upload["UploadId"], MultipartUpload={"Parts": parts}
    )
    return key, size


def run_segment_child(
    stack: BenchStack,
    rows: int,
    rows_per_meter: int,
    env: dict[str, str],
    *,
    fake_writer: bool,
    profile: Path | None = None,
) -> dict[str, Any]:
    key, size = _upload(stack, rows, rows_per_meter)
    try:
        args = ["--key", key, "--rows", str(rows), "--bytes", str(size)]
        args += ["--fake-writer"] if fake_writer else []
        args += ["--profile", str(profile)] if profile else []
        # One worker's memory over the whole file: one range, whatever size splits a file in the stack.
        return _run_child("bench.segment", args, env | {"SHARD_MIN_BYTES": "0"})
    finally:
        stack.client("s3").delete_object(Bucket=stack.resources.bucket, Key=key)


def measure_memory(
    stack: BenchStack, o: BenchOptions, env: dict[str, str], rows_per_s: float
) -> dict[str, Any]:
    small, large = o.memory_rows
    lean = run_segment_child(stack, small, o.rows_per_meter, env, fake_writer=False)
    fake = large / rows_per_s > o.real_writes_max_s
    big = run_segment_child(stack, large, o.rows_per_meter, env, fake_writer=fake)
    return {
        "peak_rss_mb_10k": lean["peak_rss_mb"],
        "peak_rss_mb_1m": big["peak_rss_mb"],
        "memory_rows": [small, large],
        "memory_rss_after_imports_mb": [lean["rss_ready_mb"], big["rss_ready_mb"]],
        "memory_writers": [lean["writer"], big["writer"]],
        "memory_seconds": [round(lean["seconds"], 1), round(big["seconds"], 1)],
        "memory_segments": [lean["segments"], big["segments"]],
    }


def _git() -> dict[str, Any]:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return {"git_commit": None, "git_dirty": None}
    return {"git_commit": commit, "git_dirty": bool(dirty)}


class _Phases:
    """How long each step of the benchmark took (results["phase_seconds"])."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.monotonic()

    def done(self, name: str, figures: str = "") -> None:
        now = time.monotonic()
        self.seconds[name] = round(now - self._last, 1)
        self._last = now
        # Progress on stderr: a long run shows what it has measured, even if a later step fails.
        said = f": {figures}" if figures else ""
        print(f"bench: {name} done in {self.seconds[name]} s{said}", file=sys.stderr, flush=True)


def _measure_on_the_stack(
    o: BenchOptions, results: dict[str, Any], data: bytes, path: Path, day_items: int, phases: _Phases
) -> dict[str, Any]:
    """The first pair (the pipeline, then the write limit, its items compared with the
    pipeline's), the per-row baseline and the memory runs, on one stack."""
    results = dict(results)
    with bench_stack(shards=o.shards) as stack:
        env = _child_env(stack)
        phases.done("stack_start")
        pipeline = run_pipeline(stack, data, o.rows, day_items=day_items, shards=o.shards)
        results |= pipeline.as_results()
        phases.done("pipeline", f"{results['pipeline_rows_per_s']} rows/s")
        results |= measure_write_limit(stack, path, o.rows, day_items, env)
        phases.done("write_limit", f"{results['write_limit_rows_per_s']} rows/s")
        results |= measure_per_row(stack, path, min(o.per_row_rows, o.rows), env)
        phases.done("per_row", f"{results['per_row_rows_per_s']} rows/s")
        results["pipeline_vs_per_row"] = round(
            results["pipeline_rows_per_s"] / results["per_row_rows_per_s"], 2
        )
        results |= measure_memory(stack, o, env, results["pipeline_processing_rows_per_s"])
        phases.done("memory", f"{results['peak_rss_mb_10k']} MB, {results['peak_rss_mb_1m']} MB")
        if o.profile is not None:
            profiled = run_segment_child(
                stack, o.profile_rows, o.rows_per_meter, env, fake_writer=False, profile=o.profile
            )
            results["profile"] = {
                "file": str(o.profile),
                "rows": o.profile_rows,
                "seconds": profiled["seconds"],
            }
            phases.done("profile")
    phases.done("stack_stop")
    return results


def _more_pairs(
    o: BenchOptions, results: dict[str, Any], data: bytes, path: Path, day_items: int, phases: _Phases
) -> dict[str, Any]:
    """The pipeline and the write limit again, `o.pairs` in all, each pair on a fresh stack, back to
    back: pipeline / write limit is the median of the pairs' ratios (a pair under the same load)."""
    runs = [(results["pipeline_rows_per_s"], results["write_limit_rows_per_s"])]
    for n in range(2, o.pairs + 1):
        with bench_stack(shards=o.shards) as stack:
            run = run_pipeline(stack, data, o.rows, day_items=day_items, shards=o.shards)
            pipeline = run.as_results()["pipeline_rows_per_s"]
            limit = measure_write_limit(stack, path, o.rows, day_items, _child_env(stack), compare=False)
        runs.append((pipeline, limit["write_limit_rows_per_s"]))
        phases.done(f"pair_{n}", f"{pipeline} / {limit['write_limit_rows_per_s']} rows/s")
    ratios = [round(p / w, 3) for p, w in runs]
    return {
        "pipeline_rows_per_s_runs": [p for p, _ in runs],
        "write_limit_rows_per_s_runs": [w for _, w in runs],
        "pipeline_vs_write_limit_runs": ratios,
        "pipeline_vs_write_limit": statistics.median(ratios),
    }


def run_bench(o: BenchOptions) -> dict[str, Any]:
    started = time.monotonic()
    phases = _Phases()
    results: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
        **_git(),
        "rows": o.rows,
        "rows_per_meter": o.rows_per_meter,
        "meters": meters_for(o.rows, o.rows_per_meter),
        "shards": o.shards,
        **o.extra,
    }
    data = hh_long_bytes(o.rows, o.rows_per_meter)
    day_items = meter_days_for(o.rows, o.rows_per_meter)
    results["file_bytes"] = len(data)
    results["day_items"] = day_items
    phases.done("generate")
    parse = time_parsing(data, o.rows, o.repeat)
    results |= {
        "parse_validate_vs_csv_reader": round(parse.ratio, 3),
        "csv_reader_s": round(parse.csv_reader_s, 3),
        "parse_validate_s": round(parse.parse_validate_s, 3),
    }
    phases.done("parse_validate", f"ratio {results['parse_validate_vs_csv_reader']}")
    results |= measure_wide_parsing(o)
    phases.done("parse_validate_wide", f"ratio {results['parse_validate_vs_csv_reader_wide']}")
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        path = Path(tmp) / "bench.csv"
        path.write_bytes(data)
        results |= _measure_on_the_stack(o, results, data, path, day_items, phases)
        results |= _more_pairs(o, results, data, path, day_items, phases)
    # The wide file's import, on a stack of its own: its readings are the long file's, and they are
    # to be written into an empty table, as the long file's were.
    wide = hh_wide_bytes(o.rows, o.rows_per_meter)
    with bench_stack(shards=o.shards) as stack:
        run = run_pipeline(
            stack, wide, results["wide_rows"], readings=o.rows, day_items=day_items, shards=o.shards
        )
        results |= run.as_results("_wide")
    phases.done("pipeline_wide", f"{results['pipeline_readings_per_s_wide']} readings/s")
    if o.compare_shards:
        # The same import split into 1, 2, 4... byte ranges, each count on a fresh stack.
        by_shards = {}
        for count in o.compare_shards:
            with bench_stack(shards=count) as stack:
                run = run_pipeline(stack, data, o.rows, day_items=day_items, shards=count)
                by_shards[str(count)] = run.as_results()["pipeline_rows_per_s"]
            phases.done(f"shards_{count}", f"{by_shards[str(count)]} rows/s")
        results["pipeline_rows_per_s_by_shards"] = by_shards
    results["phase_seconds"] = phases.seconds
    results["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    results["bench_seconds"] = round(time.monotonic() - started, 1)
    missing = [k for k in REQUIRED_KEYS if k not in results]
    if missing:
        raise AssertionError(f"results lack {missing}")
    return results


def _n(value: float | int | None, digits: int = 1) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}" if isinstance(value, float) else f"{value:,}"


def _by_operation(requests: dict[str, int]) -> str:
    """ "Operation table" counts summed by operation, largest first."""
    by_op: dict[str, int] = {}
    for name, n in requests.items():
        op = name.split()[0]
        by_op[op] = by_op.get(op, 0) + n
    return ", ".join(f"{op} {n:,}" for op, n in sorted(by_op.items(), key=lambda x: -x[1]))


def table(r: dict[str, Any]) -> str:
    """The figures as a table a person reads."""
    ops, ops_wide = _by_operation(r["ingest_ddb_requests"]), _by_operation(r["ingest_ddb_requests_wide"])

    small, large = r["memory_rows"]
    lines = [
        (
            "pipeline_rows_per_s",
            _n(r["pipeline_rows_per_s"]),
            f"upload to completed: {r['pipeline_wall_s']} s ({r['pipeline_processing_s']} s processing, "
            f"{r['pipeline_segments']} segment(s), {r['pipeline_batches']} batches)",
        ),
        (
            "write_limit_rows_per_s",
            _n(r["write_limit_rows_per_s"]),
            f"csv + the store's calls only ({_by_operation(r['write_limit_requests'])}), "
            f"{r['write_limit_concurrent_calls']} in flight",
        ),
        (
            "per_row_rows_per_s",
            _n(r["per_row_rows_per_s"]),
            f"PutItem + UpdateItem per row; a rate over the first {r['per_row_rows']:,} rows",
        ),
        (
            "pipeline / write_limit",
            _n(r["pipeline_vs_write_limit"], 3),
            "1.0: as fast as writing alone; the median of "
            + ", ".join(f"{x:.3f}" for x in r["pipeline_vs_write_limit_runs"])
            + " (the pipeline then the write limit, each pair on a fresh stack); target >= 0.85",
        ),
        ("pipeline / per_row", _n(r["pipeline_vs_per_row"], 2), "times faster than row by row"),
        (
            "parse_validate_vs_csv_reader",
            _n(r["parse_validate_vs_csv_reader"], 3),
            f"csv.reader {r['csv_reader_s']} s / ours {r['parse_validate_s']} s, best of runs; target >= 0.3",
        ),
        (
            "parse_validate_vs_csv_reader_wide",
            _n(r["parse_validate_vs_csv_reader_wide"], 3),
            f"the same {r['rows']:,} readings wide by time ({r['wide_rows']:,} rows of 00:00..23:30): "
            f"csv.reader {r['csv_reader_wide_s']} s / ours {r['parse_validate_wide_s']} s",
        ),
        (
            "peak_rss_mb_10k",
            _n(r["peak_rss_mb_10k"]),
            f"{small:,} rows, writes to moto; {r['memory_rss_after_imports_mb'][0]} MB after imports",
        ),
        (
            "peak_rss_mb_1m",
            _n(r["peak_rss_mb_1m"]),
            f"{large:,} rows, writer: {r['memory_writers'][1]}; {r['memory_rss_after_imports_mb'][1]} MB "
            "after imports",
        ),
        (
            "ddb_requests_per_10k_rows",
            _n(r["ddb_requests_per_10k_rows"]),
            f"ingest function: {ops}; target <= 60",
        ),
        (
            "write_units_per_10k_readings",
            _n(r["write_units_per_10k_readings"]),
            f"readings table, as billed: {_by_operation(r['readings_write_units'])} WRU "
            f"for {r['day_items']:,} day items; target <= 500",
        ),
        (
            "ingest_cpu_us_per_row",
            _n(r["ingest_cpu_us_per_row"]),
            f"ingest worker: {r['ingest_worker_cpu_s']} s of CPU; target <= 91",
        ),
        (
            "pipeline_readings_per_s_wide",
            _n(r["pipeline_readings_per_s_wide"]),
            f"the wide file ({r['wide_rows']:,} rows): {r['pipeline_wall_s_wide']} s, "
            f"{r['pipeline_batches_wide']} batches",
        ),
        (
            "ddb_requests_per_10k_rows_wide",
            _n(r["ddb_requests_per_10k_rows_wide"]),
            f"{r['ddb_requests_per_10k_readings_wide']} per 10,000 readings: {ops_wide}",
        ),
        (
            "write_units_per_10k_readings_wide",
            _n(r["write_units_per_10k_readings_wide"]),
            f"{_by_operation(r['readings_write_units_wide'])} WRU",
        ),
        (
            "ingest_cpu_us_per_row_wide",
            _n(r["ingest_cpu_us_per_row_wide"]),
            f"{r['ingest_cpu_us_per_reading_wide']} us a reading; {r['ingest_worker_cpu_s_wide']} s of CPU",
        ),
        (
            "job_updates_per_batch",
            _n(r["job_updates_per_batch"], 3),
            f"UpdateItem on the jobs table / {r['pipeline_batches']} committed batches",
        ),
    ]
    for count, rate in r.get("pipeline_rows_per_s_by_shards", {}).items():
        lines.append((f"pipeline, {count} shard(s)", _n(rate), "rows/s, the pipeline alone on a fresh stack"))
    width = max(len(name) for name, _, _ in lines)
    value_width = max(len(value) for _, value, _ in lines)
    head = (
        f"make bench: {r['rows']:,} rows ({r['file_bytes'] / 1e6:.1f} MB, {r['meters']} meters), "
        f"shards {r['shards']}, Python {r['python']}, {r['cpu_count']} CPUs, "
        f"load {r['load_average_start'][0]} -> {r['load_average_end'][0]}, {r['bench_seconds']} s"
    )
    body = [f"{name:<{width}}  {value:>{value_width}}  {note}" for name, value, note in lines]
    return "\n".join([head, "", *body])


def parse_args(argv: list[str] | None) -> BenchOptions:
    parser = argparse.ArgumentParser(prog="make bench BENCH_ARGS=...", description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000, help="data rows in the file (200,000)")
    parser.add_argument(
        "--rows-per-meter",
        type=int,
        default=DEFAULT_ROWS_PER_METER,
        help=f"rows of each meter (at most 7,000: no clock change; {DEFAULT_ROWS_PER_METER:,})",
    )
    parser.add_argument(
        "--per-row-rows", type=int, default=10_000, help="rows the per-row baseline writes (10,000)"
    )
    parser.add_argument(
        "--memory-rows",
        default="10000,1000000",
        help="rows of the two peak-memory runs, SMALL,LARGE (10000,1000000)",
    )
    parser.add_argument(
        "--real-writes-max-s",
        type=float,
        default=180.0,
        help="a memory run expected to write to moto for longer uses a counting writer (180)",
    )
    parser.add_argument(
        "--shards", type=int, default=1, help="split every file into this many byte ranges (1)"
    )
    parser.add_argument(
        "--compare-shards",
        default="",
        help="also time the pipeline alone with each of these shard counts, e.g. 1,2,4",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of the CPU-only comparison (best kept)")
    parser.add_argument(
        "--pairs",
        type=int,
        default=3,
        help="runs of the pipeline and the write limit in turn; their ratio is the pairs' median (3)",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="bench/results.json")
    parser.add_argument(
        "--profile", type=Path, help="also cProfile one segment loop, top entries to this file"
    )
    parser.add_argument("--profile-rows", type=int, default=20_000, help="rows of the profiled run (20,000)")
    args = parser.parse_args(argv)
    small, _, large = args.memory_rows.partition(",")
    return BenchOptions(
        rows=args.rows,
        rows_per_meter=args.rows_per_meter,
        per_row_rows=args.per_row_rows,
        memory_rows=(int(small), int(large)),
        real_writes_max_s=args.real_writes_max_s,
        shards=args.shards,
        compare_shards=tuple(int(n) for n in args.compare_shards.split(",") if n),
        repeat=args.repeat,
        pairs=max(1, args.pairs),
        output=args.output,
        profile=args.profile,
        profile_rows=args.profile_rows,
    )


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    results = run_bench(options)
    options.output.parent.mkdir(parents=True, exist_ok=True)
    options.output.write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))
    print(f"\nresults: {options.output}")
    return 0
