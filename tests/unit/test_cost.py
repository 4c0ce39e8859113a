"""bench/cost.py: its arithmetic on small numbers worked out by hand, and the item sizes it assumes
against the items the code really builds."""

import json
import math
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from bench.cost import (
    ASSUMED,
    MEASURED,
    PRICES,
    distributed_map,
    estimate,
    import_from_s3,
    invocation_rows_per_s,
    item_size,
    job_item_bytes,
    main,
    throughput,
    write_units,
)
from ingestion.domain.clock import iso
from ingestion.domain.formats import Reading
from ingestion.store.readings import JOB_PARTS, _item

# DynamoDB's on-demand unit prices, per unit (US East, after the November 2024 cut).
WRU = 0.625 / 1e6
RRU = 0.125 / 1e6


def line(e, starts):
    (found,) = [x for x in e.lines if x.item.startswith(starts)]
    return found


def a_reading_item():
    reading = Reading(
        meter="1900000000000",
        kind="hh",
        start=datetime(2025, 11, 1, 8, 30, tzinfo=UTC),
        local_date=date(2025, 11, 1),
        period=18,
        value_kwh=Decimal("4.5"),
        estimated=False,
    )
    return _item(reading, reading.partition, reading.key, str(uuid.uuid4()), iso(1795905000.123))


def test_item_sizes_follow_dynamodbs_rules():
    assert item_size({"ab": {"S": "abc"}}) == 2 + 3
    assert item_size({"n": {"N": "123.45"}}) == 1 + 3 + 1  # 5 significant digits: 3 bytes, + 1
    assert item_size({"n": {"N": "0.70"}}) == 1 + 1 + 1  # leading and trailing zeros do not count
    assert item_size({"flag": {"BOOL": True}, "x": {"NULL": True}}) == 5 + 2
    assert item_size({"l": {"L": [{"S": "ab"}, {"N": "1"}]}}) == 1 + 3 + (1 + 2) + (1 + 2)
    assert item_size({"m": {"M": {"k": {"S": "v"}}}}) == 1 + 3 + (1 + 1 + 1)
    assert [write_units(b) for b in (1, 1024, 1025, 9751)] == [1, 1, 2, 10]


def test_the_sizes_it_assumes_are_those_of_the_items_the_code_builds():
    item = a_reading_item()
    entry = {name: item[name] for name in ("job_part", "meter", "sk")}  # the job-part-index is KEYS_ONLY

    assert item_size(item) == MEASURED.reading_item_bytes == 243
    assert item_size(entry) == MEASURED.index_item_bytes == 87
    assert MEASURED.job_parts == JOB_PARTS
    assert len(json.dumps({"Item": item}, separators=(",", ":"))) + 1 == MEASURED.dynamodb_json_bytes_per_row
    assert write_units(MEASURED.reading_item_bytes) == write_units(MEASURED.index_item_bytes) == 1


def test_ten_thousand_rows_on_one_shard():
    e = estimate(10_000, 1)

    # 10 batches of 1,000 rows; 40 BatchWriteItem of 25 a batch; a lookup and a commit a batch:
    # the 420 requests per 10,000 rows bench/results.json counted (400 + 10 + 10).
    assert (e.counts["batches"], e.counts["write_calls"], e.counts["lookup_calls"]) == (10, 400, 10)
    assert e.counts["segments"] == 1 and e.counts["job_updates"] == 10 + 1  # the segment's begin
    # WRU = items x ceil(item KB): 10,000 readings and 10,000 job-part-index entries of one unit each.
    assert line(e, "DynamoDB readings: BatchWriteItem").quantity == 10_000
    assert line(e, "DynamoDB readings' job-part-index").quantity == 10_000
    assert line(e, "DynamoDB readings: BatchWriteItem").dollars == pytest.approx(10_000 * WRU)
    # 10 lookups of 22 keys, eventually consistent: half a unit a key.
    assert line(e, "DynamoDB lookups").quantity == 110
    assert line(e, "DynamoDB lookups").dollars == pytest.approx(110 * RRU)
    # Bounded at 1,000 rows/s (one partition): 10 s of work + 1 s to start the segment, at 1 GB.
    assert e.rows_per_s == 1000
    assert e.counts["gb_s"] == pytest.approx(11.0)
    assert line(e, "SQS").quantity == 3
    assert e.wall_s == pytest.approx(11.0)
    assert e.total == pytest.approx(sum(x.quantity * x.unit_price for x in e.lines))


def test_a_partial_batch_and_shards_add_up_per_shard():
    assert estimate(10_001, 1).counts["write_calls"] == 401  # the last row is a call of its own
    assert estimate(10_001, 1).counts["batches"] == 11
    eight = estimate(10_000, 8)  # 1,250 rows a shard: a full batch of 40 calls and one of 10
    assert (eight.counts["batches"], eight.counts["write_calls"]) == (16, 8 * (40 + 10))


def test_segments_hand_over_when_the_function_would_time_out():
    e = estimate(600_000, 1)  # 600 s at 1,000 rows/s, 280 s a segment (300 s timeout - 20 s margin)

    assert e.counts["segments"] == 3
    assert e.counts["job_updates"] == 600 + 3 + 2  # commits, a begin per segment, two hand-overs
    assert line(e, "SQS").quantity == 9
    assert e.counts["gb_s"] == pytest.approx(600 + 3 * ASSUMED.segment_overhead_s)


def test_one_invocation_is_its_cpu_then_its_calls():
    io_only = replace(MEASURED, worker_cpu_s_per_row=0)
    # 40 calls, 4 in flight: 10 rounds of 15 ms, then a lookup and a commit of 8 ms.
    assert invocation_rows_per_s(io_only) == pytest.approx(1000 / (10 * 0.015 + 2 * 0.008))
    one_vcpu = replace(MEASURED, worker_cpu_s_per_row=1e-4, lambda_memory_mb=1769)
    assert invocation_rows_per_s(one_vcpu) == pytest.approx(1000 / (0.1 + 0.166))


def test_the_lowest_bound_decides():
    # One shard writes one meter, one partition key, at a time.
    assert throughput(1) == (1000, "one meter per shard at a time: 1,000 WRU/s a partition")
    # Eight: the job's index entries are spread over 16 keys, so a new table's 4,000 WRU/s binds.
    assert throughput(8) == (4000, "a new on-demand table: 4,000 WRU/s")
    warm = replace(ASSUMED, table_wru_per_s=40_000)
    assert throughput(8, assumed=warm) == (8000, "one meter per shard at a time: 1,000 WRU/s a partition")

    unlimited = replace(ASSUMED, table_wru_per_s=1e9, meter_sorted_file=False)
    rate, bound = throughput(8, assumed=unlimited)
    assert rate == pytest.approx(8 * invocation_rows_per_s()) and bound.startswith("8 invocation")
    # Ten invocations could write faster than 16 index keys take: 16 x 1,000 WRU/s.
    assert throughput(10, assumed=unlimited) == (16_000, "job-part-index: 16 keys a job, 1,000 WRU/s each")


def test_the_job_item_grows_with_shards_and_their_progress_samples():
    # One shard committing every second keeps the minute's 30 two-second samples + the newest.
    assert job_item_bytes(1, 1000) == 679 + 80 + 31 * 34 == 1813
    # Eight at 125 rows/s commit 7.5 times a minute: 8 samples + 1 each.
    assert job_item_bytes(8, 125) == 679 + 8 * (80 + 9 * 34)
    e = estimate(10_000, 1)
    # 2 KB, the item, and a delete and a put of its key entry in the status index
    assert line(e, "DynamoDB job item").quantity == 11 * (2 + 2)


def test_import_from_s3_is_priced_per_gb_of_its_source():
    one_gib = replace(MEASURED, dynamodb_json_bytes_per_row=1024)
    e = import_from_s3(1024**2, measured=one_gib)

    assert line(e, "Import from S3").quantity == pytest.approx(1.0)
    assert line(e, "Import from S3").dollars == pytest.approx(0.15)
    assert e.rows_per_s is None and e.wall_s is None


def test_distributed_map_starts_a_child_per_batch():
    e = distributed_map(10_000, 8)

    assert e.counts["children"] == 10
    assert line(e, "Step Functions children (Express)").dollars == pytest.approx(10 * 1.00 / 1e6)
    assert line(e, "Step Functions parent").quantity == 15
    assert line(e, "DynamoDB readings: BatchWriteItem").quantity == 10_000


def test_prices_are_per_unit():
    assert PRICES["ddb_wru"] == pytest.approx(WRU) and PRICES["ddb_rru"] == pytest.approx(RRU)
    assert PRICES["lambda_gb_s"] * 1e6 == pytest.approx(16.6667)
    assert math.isclose(PRICES["sfn_express_gb_s"] * 3600, 0.06)


def test_it_prints_the_tables(capsys):
    assert main(["--rows", "20000", "--shards", "1,2"]) == 0

    out = capsys.readouterr().out
    assert "| this service, 1 shard | 1,000 |" in out
    assert "#### Distributed Map, MaxConcurrency 2: 20,000 rows" in out
    assert out.count("**total**") == 4
