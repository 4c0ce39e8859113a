"""What one import costs on AWS and how long it takes, on paper (docs/performance.md).

    python -m bench.cost                          # 10 million rows: 1 and 8 shards and the alternatives
    python -m bench.cost --rows 2000000 --shards 1,4

Pure arithmetic on the standard library; nothing here calls AWS. The requests per batch come from the
code (store/readings.py and day_items.py: a meter's day one item, throttle.py, template.yaml) and
from bench/results.json (measured on the local stack): MEASURED. What cannot be measured locally
(DynamoDB's latency and limits on AWS, Lambda's CPU share) is ASSUMED, each with where it comes
from. The prices are PRICES. tests/unit/test_cost.py checks the arithmetic on small, hand-computed
numbers, and that MEASURED's item sizes are those of the items the code really builds.

item_size and write_units are the bench's one copy of DynamoDB's size rules: the local stack's
request counter bills each write with them (bench/localstack.py)."""

from __future__ import annotations

import argparse
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

GIB = 1024**3  # AWS bills data in GB of 2^30 bytes
MIB = 1024**2

# US East (N. Virginia), USD, list prices as published when this was written (2026-11-28); AWS
# changes prices, and the stack deploys to eu-west-2 (London), whose prices differ (mostly higher).
# "verified" = the figure was found in the source named; "not verified" = list price as commonly
# published, not checked here.
PRICES: dict[str, float] = {
    # Lambda, x86_64 (template.yaml Architectures): $0.0000166667 per GB-second, $0.20 per million
    # requests. Verified: aws.amazon.com/lambda/pricing as quoted by artillery's prices.js
    # (x86_64 1666670e-11) and api-evangelist's transcription of the page ($0.20 per million).
    "lambda_gb_s": 0.0000166667,
    "lambda_request": 0.20 / 1e6,
    # DynamoDB on-demand, Standard table class, after the November 2024 cut (was $1.25 / $0.25):
    # $0.625 per million write request units, $0.125 per million read request units. Verified in
    # third-party copies (airbyte.com/data-engineering-resources/dynamodb-pricing, July 2025); the
    # AWS page (aws.amazon.com/dynamodb/pricing/on-demand) renders its figures client-side.
    "ddb_wru": 0.625 / 1e6,
    "ddb_rru": 0.125 / 1e6,
    # Storage $0.25 per GB-month beyond the free 25 GB: verified (aws.amazon.com/dynamodb/pricing).
    "ddb_storage_gb_month": 0.25,
    # Point-in-time recovery (on for every table in template.yaml): $0.20 per GB-month of table
    # data. Not verified.
    "ddb_pitr_gb_month": 0.20,
    # Import from S3: $0.15 per GB of uncompressed source data. Not verified (the AWS guide,
    # S3DataImport.HowItWorks, confirms only that it is billed per uncompressed GB processed).
    "ddb_import_gb": 0.15,
    # SQS standard: $0.40 per million requests, each 64 KB of payload one request. Verified:
    # factualminds.com/blog/amazon-sqs-pricing-64kb-rule-fifo-vs-standard (June 2026),
    # cloudburn.io/blog/amazon-sqs-pricing (March 2026).
    "sqs_request": 0.40 / 1e6,
    # S3 Standard: $0.0004 per 1,000 GET, $0.005 per 1,000 PUT. Not verified.
    "s3_get": 0.0004 / 1000,
    "s3_put": 0.005 / 1000,
    # Step Functions: Standard $0.025 per 1,000 state transitions; Express $1.00 per million requests
    # and $0.06 per GB-hour of duration for the first 1,000 GB-hours (billed in 64 MB, 100 ms steps).
    # Verified: aws.amazon.com/step-functions/pricing (pricing example, Express), AWS Compute Blog
    # "Building cost-effective AWS Step Functions workflows" ($25 per million transitions).
    "sfn_transition": 0.025 / 1000,
    "sfn_express_request": 1.00 / 1e6,
    "sfn_express_gb_s": 0.06 / 3600,
}


@dataclass(frozen=True)
class Measured:
    """What the pipeline does per row and per batch: from the code and bench/results.json."""

    batch_rows: int = 1000  # throttle.UNTHROTTLED_BATCH_SIZE: throttling off
    items_per_write_call: int = 25  # store/batch_calls.py MAX_ITEMS_PER_CALL
    concurrent_write_calls: int = 4  # store/batch_calls.py CONCURRENT_CALLS
    keys_per_read_call: int = 100  # store/batch_calls.py MAX_KEYS_PER_GET
    # A half-hourly day is one item (domain/meter_days.py). The file lists meter after meter, each
    # a run of whole days of 48 half hours; a 1,000-row batch starts and ends inside a day, so on
    # average it touches 1000 / 48 + 1 days: the two at its ends partial (an UpdateItem each, SET
    # only their periods), the rest whole (a PutRequest each). Every day is written whole once,
    # and each batch boundary splits one day into two updates: items written = days + batches.
    periods_per_day: int = 48
    partial_days_per_batch: int = 2
    # store/day_items.py whole_item of a day of 48 three-decimal readings ("0.123|k3f9a") and a
    # uuid job id, by DynamoDB's rules (tests/unit/test_cost.py builds it): 1 write unit. A partial
    # day's update is billed on the larger of the item before and after it: at most a whole day.
    day_item_bytes: int = 690
    # A batch reads, in one BatchGetItem (store/lookup.py read_batch, 100 keys a call), the items of
    # the days it writes (what they held goes into the log, which the writer is handed) and the
    # other kind's items of the same days (the overlap check: "day#" keys for half-hourly readings):
    # two keys a day, some 44 a batch, one call. Eventually consistent: half a unit a key, found or
    # not.
    read_keys_per_day: int = 2
    # The log (store/reading_log.py): a PUT of a part per batch written, before its writes; when
    # the job ends, its coverage is built from it (services/coverage.py): a listing per 1,000
    # parts, a GET a part (READS_IN_FLIGHT at a time), a PUT of the coverage.
    log_puts_per_batch: int = 1
    log_reads_in_flight: int = 32  # services/coverage.py READS_IN_FLIGHT
    # Building the coverage (services/coverage.py build_coverage, at the job's end, in the
    # invocation that completes it) reads the log a window of parts at a time and folds each into
    # a bitmask a day (domain/meter_days.py Coverage): it holds the days, not the entries. Measured
    # apart (2026-12-04, commit 5271f8e), bench.segment with the counting writer over 1 and 3
    # million rows, build_coverage timed in place and, in a second run, replaced by a no-op: 2.0 s
    # of CPU a million rows (1.95 and 2.02 at 1M, 6.20 at 3M; the parts' GETs through botocore
    # included, of which decoding and folding them is about 0.5 s), and a peak RSS above the
    # no-op's of 10.3 MB at 1M and 26.4 MB at 3M: about 9 MB a million rows, the days' bitmasks.
    coverage_cpu_s_per_row: float = 2.0e-6
    coverage_mb_per_row: float = 9.0 / 1e6
    segment_peak_mb: float = 104.5  # the no-op's peak at 1M: one worker's memory, whatever the file
    # The job item, measured in moto after a clean 16,000-row import (bench/cost.py's item_size):
    # 679 bytes without its shard cursors, a cursor 80, a progress sample 34. A running shard
    # keeps a sample per commit, at most one per 5 s, for the last 60 s (progress.py).
    job_item_base_bytes: int = 679
    shard_cursor_bytes: int = 80
    sample_bytes: int = 34
    sample_spacing_s: float = 5.0  # domain/progress.py SAMPLE_SPACING_S
    progress_window_s: float = 60.0
    # A commit writes the job item. The status-seen-keys GSI is keyed by seen_at, updated_at cut
    # down to 15 s (store/jobs.py SEEN_EVERY_S): a running job's entry moves, a delete and a put of
    # a ~70-byte key entry (KEYS_ONLY), 1 WRU each, once every 15 s of the job's run, whatever
    # its shards commit. The owner-created-keys GSI holds keys and status, which a commit does not
    # change: nothing (tests/integration/test_bounded_jobs.py measures both).
    job_index_wru_per_move: int = 2
    job_index_move_s: int = 15
    # bench/results.json (make bench, 200,000 rows, 2026-12-04, commit 5271f8e): 9,000,046 bytes;
    # 4.26 CPU-seconds in the ingest worker (parse, check, day items, log, botocore, HTTP:
    # ingest_cpu_us_per_row 21.3), and 0.241 s for parse + validate alone (parse_validate_s).
    file_bytes_per_row: float = 45.0
    worker_cpu_s_per_row: float = 4.26 / 200_000
    parse_validate_s_per_row: float = 0.241 / 200_000
    # The same day items as Import from S3 wants them: one DynamoDB JSON line per item.
    dynamodb_json_bytes_per_day: int = 1313
    # template.yaml: IngestFunction MemorySize, Timeout, SEGMENT_SAFETY_MS, IngestMaxConcurrency.
    lambda_memory_mb: int = 1024
    lambda_timeout_s: int = 300
    segment_safety_s: int = 20
    max_concurrency: int = 10
    # A segment hand-off is one message: SendMessage, then Lambda's ReceiveMessage and DeleteMessage.
    sqs_requests_per_segment: int = 3
    # A segment reads its file range and the saved repeat state, and saves the state at hand-off.
    s3_gets_per_segment: int = 2
    s3_puts_per_segment: int = 1


@dataclass(frozen=True)
class Assumed:
    """What the local stack cannot tell: AWS's side, each with where it comes from."""

    # docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html: 1,769 MB is one vCPU.
    mb_per_vcpu: float = 1769.0
    # A Lambda vCPU as fast as one core of the benchmark machine (not measured).
    cpu_speed_vs_bench: float = 1.0
    # BatchWriteItem of 25 small items, and a single-item call, from inside the region (typical,
    # not measured): single-digit milliseconds server-side plus the round trip.
    write_call_latency_s: float = 0.015
    small_call_latency_s: float = 0.008
    # A PUT and a GET of a small object to S3 from inside the region (typical, not measured).
    s3_put_latency_s: float = 0.025
    s3_get_latency_s: float = 0.015
    # Start of every segment: a cold start, begin_segment, the first S3 Range GET, the saved state.
    segment_overhead_s: float = 1.0
    # A Lambda invocation per Distributed Map child (warm), on top of its batch's work.
    child_overhead_s: float = 0.05
    # docs.aws.amazon.com/amazondynamodb/latest/developerguide/on-demand-capacity-mode.html and
    # repost.aws/knowledge-center/on-demand-table-throttling-dynamodb: a new on-demand table
    # sustains 4,000 WRU/s at once (more after its traffic has doubled, at most every 30 minutes,
    # or after pre-warming); one partition at most 1,000 WRU/s.
    table_wru_per_s: float = 4000.0
    partition_wru_per_s: float = 1000.0
    # A half-hourly file lists meter after meter: each shard writes one meter (one partition key,
    # its sort keys ascending, which splitting for heat is not promised to help) at a time.
    meter_sorted_file: bool = True
    # docs.aws.amazon.com/amazondynamodb/latest/developerguide/on-demand-capacity-mode-max-throughput.html:
    # an on-demand table is bounded by the per-table default quota of 40,000 WRU/s (raisable). The
    # what-if of a table warmed that far (by earlier traffic or pre-warming).
    warm_table_wru_per_s: float = 40000.0
    # Express workflows bill memory in 64 MB steps; a small child workflow uses less than 64 MB.
    express_billed_mb: int = 64


MEASURED = Measured()
ASSUMED = Assumed()


@dataclass(frozen=True)
class Line:
    item: str
    quantity: float
    unit: str
    unit_price: float

    @property
    def dollars(self) -> float:
        return self.quantity * self.unit_price


@dataclass(frozen=True)
class Estimate:
    name: str
    rows: int
    concurrency: int
    rows_per_s: float | None  # None: not published
    bound: str
    lines: tuple[Line, ...]
    storage_gb: float  # what the table holds afterwards (items + indexes, with DynamoDB's overhead)
    storage_per_month: float  # storage and PITR of that, every month it is kept
    counts: Mapping[str, float]

    @property
    def wall_s(self) -> float | None:
        return None if self.rows_per_s is None else self.rows / self.rows_per_s + self.counts.get("wait_s", 0)

    @property
    def total(self) -> float:
        return sum(line.dollars for line in self.lines)


# ---------- DynamoDB's sizes ----------


def _number_size(text: str) -> int:
    digits = text.lstrip("+-").lower().split("e")[0].replace(".", "").strip("0") or "0"
    return math.ceil(len(digits) / 2) + 1


def value_size(value: Mapping[str, Any]) -> int:
    """The bytes of one attribute value (low-level form, e.g. {"S": "x"}), by the rules of
    docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html."""
    ((kind, v),) = value.items()
    if kind == "S":
        return len(v.encode())
    if kind == "N":
        return _number_size(v)
    if kind == "B":
        return len(v)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(1 + value_size(e) for e in v)
    if kind == "M":
        return 3 + sum(1 + len(name.encode()) + value_size(e) for name, e in v.items())
    if kind == "SS":
        return sum(len(e.encode()) for e in v)
    if kind == "NS":
        return sum(_number_size(e) for e in v)
    raise ValueError(f"unknown DynamoDB type {kind}")


def item_size(item: Mapping[str, Mapping[str, Any]]) -> int:
    """An item's size in bytes: its attribute names plus their values (write units are per KB of it)."""
    return sum(len(name.encode()) + value_size(v) for name, v in item.items())


def write_units(size_bytes: float) -> int:
    return max(1, math.ceil(size_bytes / 1024))


STORAGE_OVERHEAD_BYTES = 100  # per item and per index entry, for storage billing


def job_item_bytes(shards: int, shard_rows_per_s: float, measured: Measured = MEASURED) -> int:
    """The job item while every shard commits at this rate: each cursor holds the progress samples
    of the last minute, one per commit but at most one per 5 s."""
    m = measured
    commits_per_window = m.progress_window_s * shard_rows_per_s / m.batch_rows
    samples = min(math.floor(m.progress_window_s / m.sample_spacing_s), math.ceil(commits_per_window)) + 1
    return m.job_item_base_bytes + shards * (m.shard_cursor_bytes + samples * m.sample_bytes)


# ---------- what the batches write ----------


@dataclass(frozen=True)
class Writes:
    """The readings table's side of some batches of a meter-sorted half-hourly file."""

    batches: int
    days: float  # the day items the rows fill
    puts: float  # whole days: PutRequests
    updates: float  # partial days: UpdateItem calls
    put_calls: int  # BatchWriteItem calls
    read_calls: int  # BatchGetItem calls (the days' items and the other kind's, together)
    read_keys: float

    @property
    def write_units(self) -> float:
        return self.puts + self.updates  # every item within 1 KB (day_item_bytes)

    @property
    def requests(self) -> float:
        return self.put_calls + self.updates + self.read_calls


def batch_writes(rows: int, measured: Measured = MEASURED) -> Writes:
    """What one shard's `rows` write, batch by batch: every batch's two end days partial (an
    update each), the days between them whole (a put each, 25 a call)."""
    m = measured
    full, rest = divmod(rows, m.batch_rows)
    sizes = [m.batch_rows] * full + ([rest] if rest else [])
    partial = m.partial_days_per_batch
    # (each end day is half this batch's, on average: the other half is its neighbour's)
    puts = [max(0.0, size / m.periods_per_day - partial / 2) for size in sizes]
    spanned = [size / m.periods_per_day + partial / 2 for size in sizes]
    return Writes(
        batches=len(sizes),
        days=rows / m.periods_per_day,
        puts=sum(puts),
        updates=partial * len(sizes),
        put_calls=sum(math.ceil(p / m.items_per_write_call) for p in puts),
        read_calls=sum(math.ceil(m.read_keys_per_day * d / m.keys_per_read_call) for d in spanned),
        read_keys=m.read_keys_per_day * sum(spanned),
    )


# ---------- rates ----------


def invocation_rows_per_s(measured: Measured = MEASURED, assumed: Assumed = ASSUMED) -> float:
    """One invocation's rows/s with nothing throttling it: the batch's CPU (as measured, scaled to
    the function's CPU share), then its calls one after another: the read of its days (and the other
    kind's), the log's PUT, the put calls (4 in flight), the updates (4 in flight), the commit. The
    loop checks and reads the next batch while this one's writes are in flight
    (services/ingest/batches.py), so the sum errs slow."""
    m, a = measured, assumed
    vcpu = m.lambda_memory_mb / a.mb_per_vcpu * a.cpu_speed_vs_bench
    cpu_s = m.worker_cpu_s_per_row * m.batch_rows / vcpu
    w = batch_writes(m.batch_rows, m)
    rounds = math.ceil(w.put_calls / m.concurrent_write_calls)
    update_rounds = math.ceil(w.updates / m.concurrent_write_calls)
    io_s = (
        w.read_calls * a.small_call_latency_s
        + m.log_puts_per_batch * a.s3_put_latency_s
        + rounds * a.write_call_latency_s
        + update_rounds * a.small_call_latency_s
        + a.small_call_latency_s  # the commit
    )
    return m.batch_rows / (cpu_s + io_s)


def completion_s(rows: int, measured: Measured = MEASURED, assumed: Assumed = ASSUMED) -> float:
    """The coverage built when the job ends: the log's parts read, 32 at a time, then its CPU (which
    the reads overlap: the sum errs slow)."""
    m, a = measured, assumed
    vcpu = m.lambda_memory_mb / a.mb_per_vcpu * a.cpu_speed_vs_bench
    parts = batch_writes(rows, m).batches * m.log_puts_per_batch
    reads_s = math.ceil(parts / m.log_reads_in_flight) * a.s3_get_latency_s
    return reads_s + m.coverage_cpu_s_per_row * rows / vcpu


def completion_peak_mb(rows: int, measured: Measured = MEASURED) -> float:
    """The memory of the invocation that completes the job, while it builds the coverage (a bitmask
    a day of the job's: it grows with the days written, not with the log)."""
    return measured.segment_peak_mb + measured.coverage_mb_per_row * rows


def write_units_per_row(measured: Measured = MEASURED) -> float:
    return batch_writes(measured.batch_rows, measured).write_units / measured.batch_rows


def throughput(
    concurrency: int, measured: Measured = MEASURED, assumed: Assumed = ASSUMED, *, cursors: int | None = None
) -> tuple[float, str]:
    """Rows/s of `concurrency` invocations writing one job's readings, and what bounds it. The job
    item holds `cursors` shard cursors (as many as the invocations unless said): every batch of
    every shard commits to that one item, one partition key, so its write units a second are
    bounded like a meter's."""
    m, a = measured, assumed
    wru = write_units_per_row(m)
    per_invocation = invocation_rows_per_s(m, a)
    item_wru = write_units(job_item_bytes(cursors or concurrency, per_invocation, m))  # (the largest)
    bounds = [
        (concurrency * per_invocation, f"{concurrency} invocation(s): CPU + calls"),
        (a.table_wru_per_s / wru, f"the table: {a.table_wru_per_s:,.0f} WRU/s"),
        (
            a.partition_wru_per_s / item_wru * m.batch_rows,
            f"the job item: a commit a batch of {item_wru} WRU, "
            f"{a.partition_wru_per_s:,.0f} WRU/s a partition",
        ),
    ]
    if a.meter_sorted_file:
        bounds.append(
            (
                concurrency * a.partition_wru_per_s / wru,
                f"one meter per shard at a time: {a.partition_wru_per_s:,.0f} WRU/s a partition",
            )
        )
    lowest = min(rate for rate, _ in bounds)
    return lowest, "; ".join(why for rate, why in bounds if math.isclose(rate, lowest))


def _split(rows: int, parts: int) -> list[int]:
    share, extra = divmod(rows, parts)
    return [share + (1 if i < extra else 0) for i in range(parts)]


def _sum_writes(parts: Sequence[Writes]) -> Writes:
    return Writes(
        batches=sum(w.batches for w in parts),
        days=sum(w.days for w in parts),
        puts=sum(w.puts for w in parts),
        updates=sum(w.updates for w in parts),
        put_calls=sum(w.put_calls for w in parts),
        read_calls=sum(w.read_calls for w in parts),
        read_keys=sum(w.read_keys for w in parts),
    )


def _reading_lines(w: Writes, p: Mapping[str, float], m: Measured) -> list[Line]:
    parts = w.batches * m.log_puts_per_batch
    return [
        Line(
            f"DynamoDB readings: whole days, BatchWriteItem ({w.put_calls:,} calls of <= 25 days)",
            w.puts,
            "WRU",
            p["ddb_wru"],
        ),
        Line(
            f"DynamoDB readings: partial days, UpdateItem ({w.updates:,.0f} calls)",
            w.updates,
            "WRU",
            p["ddb_wru"],
        ),
        Line(
            f"DynamoDB reads: BatchGetItem of the days and the other kind's ({w.read_calls:,} calls)",
            w.read_keys * 0.5,
            "RRU",
            p["ddb_rru"],
        ),
        Line(f"S3: the log, a part per batch ({parts:,})", parts, "PUT", p["s3_put"]),
        Line(
            "S3: the coverage at the end: the log's parts read, listed",
            parts + math.ceil(parts / 1000),
            "GET",
            p["s3_get"],
        ),
        Line("S3: the coverage saved", 1, "PUT", p["s3_put"]),
    ]


def _storage(rows: int, p: Mapping[str, float], m: Measured) -> tuple[float, float]:
    table = rows / m.periods_per_day * (m.day_item_bytes + STORAGE_OVERHEAD_BYTES) / GIB
    return table, table * (p["ddb_storage_gb_month"] + p["ddb_pitr_gb_month"])


def index_moves_of(run_s: float, m: Measured) -> int:
    """How often a job's entry in the status index moves during a run of `run_s` seconds: once
    every job_index_move_s (its seen_at), and once more as it ends (the status it is keyed by)."""
    return math.ceil(run_s / m.job_index_move_s) + 1


def _index_line(moves: int, m: Measured, p: Mapping[str, float]) -> Line:
    return Line(
        f"DynamoDB job's status-index entry: moved {moves:,} times (every {m.job_index_move_s} s)",
        moves * m.job_index_wru_per_move,
        "WRU",
        p["ddb_wru"],
    )


# ---------- the three ways ----------


def estimate(
    rows: int,
    shards: int,
    prices: Mapping[str, float] = PRICES,
    measured: Measured = MEASURED,
    assumed: Assumed = ASSUMED,
) -> Estimate:
    """This service importing `rows` half-hourly rows split into `shards` byte ranges, throttling off."""
    m, a, p = measured, assumed, prices
    running = min(shards, m.max_concurrency)
    rate, bound = throughput(running, m, a, cursors=shards)
    per_shard_rate = rate / running
    segments = 0
    busy_s = 0.0
    per_shard = []
    for shard_rows in _split(rows, shards):
        per_shard.append(batch_writes(shard_rows, m))
        work_s = shard_rows / per_shard_rate
        shard_segments = max(1, math.ceil(work_s / (m.lambda_timeout_s - m.segment_safety_s)))
        segments += shard_segments
        busy_s += work_s + shard_segments * a.segment_overhead_s
    ending_s = completion_s(rows, m, a)
    busy_s += ending_s
    w = _sum_writes(per_shard)
    handoffs = segments - shards
    job_updates = w.batches + segments + handoffs  # a commit per batch, begin and hand-over per segment
    job_bytes = job_item_bytes(shards, per_shard_rate, m)
    job_wru = write_units(job_bytes)
    index_moves = index_moves_of(rows / rate + ending_s, m)
    gb_s = busy_s * m.lambda_memory_mb / 1024
    lines = [
        Line(f"Lambda ingest: {segments} invocations (segments)", segments, "requests", p["lambda_request"]),
        Line(
            f"Lambda ingest: {busy_s:,.0f} s busy at {m.lambda_memory_mb} MB", gb_s, "GB-s", p["lambda_gb_s"]
        ),
        Line(
            "SQS: a message per segment (send, receive, delete)",
            segments * m.sqs_requests_per_segment,
            "requests",
            p["sqs_request"],
        ),
        *_reading_lines(w, p, m),
        Line(
            f"DynamoDB job item: {job_updates:,} UpdateItem of {job_bytes:,} B",
            job_updates * job_wru,
            "WRU",
            p["ddb_wru"],
        ),
        _index_line(index_moves, m, p),
        Line("S3: file ranges and saved state", segments * m.s3_gets_per_segment, "GET", p["s3_get"]),
        Line("S3: saved state at hand-off", segments * m.s3_puts_per_segment, "PUT", p["s3_put"]),
    ]
    storage_gb, per_month = _storage(rows, p, m)
    # Shards run side by side; each shard's segments follow one another, with their start overhead;
    # then the last one to end builds the coverage.
    wait_s = max(math.ceil(segments / shards), 1) * a.segment_overhead_s + ending_s
    counts = {
        "batches": w.batches,
        "put_calls": w.put_calls,
        "updates": w.updates,
        "read_calls": w.read_calls,
        "write_units": w.write_units,
        "job_updates": job_updates,
        "ddb_requests": w.requests + job_updates,
        "segments": segments,
        "gb_s": gb_s,
        "wait_s": wait_s,
        "completion_s": ending_s,
        "completion_peak_mb": completion_peak_mb(rows, m),
    }
    return Estimate(
        f"this service, {shards} shard{'s' if shards != 1 else ''}",
        rows,
        running,
        rate,
        bound,
        tuple(lines),
        storage_gb,
        per_month,
        counts,
    )


def distributed_map(
    rows: int,
    concurrency: int,
    prices: Mapping[str, float] = PRICES,
    measured: Measured = MEASURED,
    assumed: Assumed = ASSUMED,
) -> Estimate:
    """Step Functions Distributed Map over the same file: a Standard parent reads the CSV from S3
    (ItemReader), batches 1,000 rows (ItemBatcher) into an Express child workflow each, whose one
    task is a Lambda doing what one of our batches does (check, read and log its days, write them,
    commit progress). MaxConcurrency = `concurrency`."""
    m, a, p = measured, assumed, prices
    rate, bound = throughput(concurrency, m, a, cursors=1)
    w = batch_writes(rows, m)
    children = w.batches
    batch_s = m.batch_rows / (rate / concurrency) + a.child_overhead_s
    billed_child_s = math.ceil(batch_s * 10) / 10  # Express rounds each execution up to 100 ms
    job_wru = write_units(job_item_bytes(1, rate, m))
    gb_s = children * batch_s * m.lambda_memory_mb / 1024
    lines = [
        # Assumed, not verified: the parent counts one state transition per child it starts, plus
        # a handful of its own.
        Line(
            "Step Functions parent (Standard): ~1 transition per child",
            children + 5,
            "transitions",
            p["sfn_transition"],
        ),
        Line(
            f"Step Functions children (Express): {children:,} executions",
            children,
            "requests",
            p["sfn_express_request"],
        ),
        Line(
            f"Step Functions children: {billed_child_s:.1f} s each at {a.express_billed_mb} MB",
            children * billed_child_s * a.express_billed_mb / 1024,
            "GB-s",
            p["sfn_express_gb_s"],
        ),
        Line(f"Lambda: {children:,} invocations", children, "requests", p["lambda_request"]),
        Line(
            f"Lambda: {children * batch_s:,.0f} s busy at {m.lambda_memory_mb} MB",
            gb_s,
            "GB-s",
            p["lambda_gb_s"],
        ),
        *_reading_lines(w, p, m),
        Line("DynamoDB job item: a progress UpdateItem per child", children * job_wru, "WRU", p["ddb_wru"]),
        _index_line(index_moves_of(rows / rate, m), m, p),
        Line("S3: ItemReader reads the file (about one GET per child)", children, "GET", p["s3_get"]),
    ]
    storage_gb, per_month = _storage(rows, p, m)
    counts = {"children": children, "put_calls": w.put_calls, "write_units": w.write_units, "gb_s": gb_s}
    return Estimate(
        f"Distributed Map, MaxConcurrency {concurrency}",
        rows,
        concurrency,
        rate,
        bound,
        tuple(lines),
        storage_gb,
        per_month,
        counts,
    )


def import_from_s3(
    rows: int,
    prices: Mapping[str, float] = PRICES,
    measured: Measured = MEASURED,
    assumed: Assumed = ASSUMED,
) -> Estimate:
    """DynamoDB Import from S3 of the same day items. Not of the file itself: the table's items are
    computed (a meter's UK local day, its periods and their writer), and a CSV import makes an
    item of each row with every non-key column a string. So a pass of our own parser first (priced
    as the CPU of parse + check twice over, the second for building the day items and their JSON),
    writing DynamoDB JSON to S3, then the import of that into a new table. Its speed is not
    published: no wall time."""
    m, a, p = measured, assumed, prices
    days = rows / m.periods_per_day
    source_gb = days * m.dynamodb_json_bytes_per_day / GIB
    vcpu = m.lambda_memory_mb / a.mb_per_vcpu * a.cpu_speed_vs_bench
    transform_s = 2 * m.parse_validate_s_per_row * rows / vcpu
    parts = max(1, math.ceil(source_gb * GIB / (100 * MIB)))
    lines = [
        Line(
            "Lambda: our parse + check, writing DynamoDB JSON",
            transform_s * m.lambda_memory_mb / 1024,
            "GB-s",
            p["lambda_gb_s"],
        ),
        Line("S3: the DynamoDB JSON, 100 MB multipart parts", parts, "PUT", p["s3_put"]),
        Line(
            f"Import from S3: {source_gb:.2f} GB of DynamoDB JSON"
            f" ({m.dynamodb_json_bytes_per_day:,} B a day)",
            source_gb,
            "GB",
            p["ddb_import_gb"],
        ),
    ]
    storage_gb, per_month = _storage(rows, p, m)
    counts = {"source_gb": source_gb, "csv_gb": rows * m.file_bytes_per_row / GIB}
    return Estimate(
        "Import from S3 (into a new table)",
        rows,
        1,
        None,
        "not published",
        tuple(lines),
        storage_gb,
        per_month,
        counts,
    )


# ---------- the table ----------


def _money(x: float) -> str:
    if x >= 0.995:
        return f"${x:,.2f}"
    if x >= 0.0001:
        return "$" + f"{x:.4f}".rstrip("0")
    return "< $0.0001" if x > 0 else "$0"


def _price(x: float) -> str:
    return "$" + f"{x:.10f}".rstrip("0").rstrip(".")


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "not published"
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def cost_table(e: Estimate) -> str:
    out = [
        f"#### {e.name}: {e.rows:,} rows",
        "",
        "| line | quantity | unit | unit price | cost |",
        "|---|---:|---|---:|---:|",
    ]
    for line in e.lines:
        price, cost = _price(line.unit_price), _money(line.dollars)
        q = line.quantity
        quantity = f"{q:,.0f}" if q >= 100 or q == int(q) else f"{q:,.2f}"
        out.append(f"| {line.item} | {quantity} | {line.unit} | {price} | {cost} |")
    out.append(f"| **total** | | | | **{_money(e.total)}** |")
    return "\n".join(out)


def summary_table(estimates: Sequence[Estimate]) -> str:
    out = [
        "| way | rows/s | bounded by | wall time | cost of the import | storage + PITR a month |",
        "|---|---:|---|---:|---:|---:|",
    ]
    for e in estimates:
        rate = "-" if e.rows_per_s is None else f"{e.rows_per_s:,.0f}"
        out.append(
            f"| {e.name} | {rate} | {e.bound} | {_duration(e.wall_s)} | {_money(e.total)} "
            f"| {_money(e.storage_per_month)} ({e.storage_gb:.1f} GB) |"
        )
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cost", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--shards", default="1,8", help="shard counts to price, comma-separated")
    args = parser.parse_args(argv)
    shard_counts = [int(s) for s in args.shards.split(",")]
    ours = [estimate(args.rows, n) for n in shard_counts]
    others = [distributed_map(args.rows, max(shard_counts)), import_from_s3(args.rows)]
    warm = replace(ASSUMED, table_wru_per_s=ASSUMED.warm_table_wru_per_s)
    what_if = [
        replace(e, name=f"{e.name}, table warmed to {warm.table_wru_per_s:,.0f} WRU/s")
        for e in (estimate(args.rows, n, assumed=warm) for n in shard_counts)
    ]
    batch = batch_writes(MEASURED.batch_rows)
    print(
        f"Per invocation, unthrottled: {invocation_rows_per_s():,.0f} rows/s "
        f"({MEASURED.worker_cpu_s_per_row * 1e6:.1f} us CPU a row at {MEASURED.lambda_memory_mb} MB; "
        f"a batch: {batch.put_calls} BatchWriteItem of {batch.puts:.1f} days, {batch.updates:.0f} "
        f"UpdateItem, {batch.read_calls} BatchGetItem, a log PUT, a commit: "
        f"{write_units_per_row() * 10_000:.0f} WRU per 10,000 rows)"
    )
    ending = ours[0].counts
    print(
        f"The job's end: its coverage built from {ours[0].counts['batches']:,} log parts in "
        f"{ending['completion_s']:,.0f} s, at a peak of about {ending['completion_peak_mb']:,.0f} MB"
        + (
            f": more than the function's {MEASURED.lambda_memory_mb:,} MB"
            if ending["completion_peak_mb"] > MEASURED.lambda_memory_mb
            else f" of the function's {MEASURED.lambda_memory_mb:,} MB"
        )
        + (
            f"; longer than the {MEASURED.segment_safety_s} s a segment keeps in hand (SEGMENT_SAFETY_MS)"
            if ending["completion_s"] > MEASURED.segment_safety_s
            else ""
        )
    )
    print()
    print(summary_table([*ours, *what_if, *others]))
    for e in [*ours, *others]:
        print()
        print(cost_table(e))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
