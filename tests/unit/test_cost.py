"""bench/cost.py: its arithmetic on small numbers worked out by hand, the item sizes it assumes
against the items the code really builds, and its writes per batch against the real writer's."""

import json
import math
import random
import uuid
from collections import Counter
from dataclasses import replace
from datetime import date

import pytest

from bench.cost import (
    ASSUMED,
    MEASURED,
    PRICES,
    batch_writes,
    completion_peak_mb,
    completion_s,
    distributed_map,
    estimate,
    import_from_s3,
    invocation_rows_per_s,
    item_size,
    job_item_bytes,
    main,
    throughput,
    write_units,
    write_units_per_row,
)
from bench.datafile import hh_long_bytes
from ingestion.domain.csvstream import open_rows
from ingestion.domain.formats import detect_layout
from ingestion.domain.framing import Framing
from ingestion.domain.meter_days import MeterDay
from ingestion.domain.throttle import UNTHROTTLED_BATCH_SIZE
from ingestion.services.coverage import READS_IN_FLIGHT
from ingestion.store.batch_calls import CONCURRENT_CALLS, MAX_ITEMS_PER_CALL, MAX_KEYS_PER_GET
from ingestion.store.day_items import item_bytes, whole_item
from ingestion.store.lookup import Lookup
from ingestion.store.readings import ReadingWriter

# DynamoDB's on-demand unit prices, per unit (US East, after the November 2024 cut).
WRU = 0.625 / 1e6
RRU = 0.125 / 1e6


def line(e, starts):
    (found,) = [x for x in e.lines if x.item.startswith(starts)]
    return found


def a_day_item(periods=48, value="0.123"):
    day = MeterDay("1900000000000", "hh", date(2025, 11, 1))
    day.periods.update({p: (value, p % 5 == 0) for p in range(1, periods + 1)})
    return whole_item(day, str(uuid.uuid4()))


def test_item_sizes_follow_dynamodbs_rules():
    assert item_size({"ab": {"S": "abc"}}) == 2 + 3
    assert item_size({"n": {"N": "123.45"}}) == 1 + 3 + 1  # 5 significant digits: 3 bytes, + 1
    assert item_size({"n": {"N": "0.70"}}) == 1 + 1 + 1  # leading and trailing zeros do not count
    assert item_size({"flag": {"BOOL": True}, "x": {"NULL": True}}) == 5 + 2
    assert item_size({"l": {"L": [{"S": "ab"}, {"N": "1"}]}}) == 1 + 3 + (1 + 2) + (1 + 2)
    assert item_size({"m": {"M": {"k": {"S": "v"}}}}) == 1 + 3 + (1 + 1 + 1)
    assert [write_units(b) for b in (1, 1024, 1025, 9751)] == [1, 1, 2, 10]


def test_the_sizes_it_assumes_are_those_of_the_items_the_code_builds():
    item = a_day_item()

    # meter 5 + 13, sk 2 + 13, 48 periods of "0.123|tag__" (names 1-2 bytes), the writer 6 + 36
    assert item_size(item) == item_bytes(item) == MEASURED.day_item_bytes == 690
    assert len(json.dumps({"Item": item}, separators=(",", ":"))) + 1 == MEASURED.dynamodb_json_bytes_per_day
    # One write unit a day, the clock-change day of 50 periods and values of five digits too.
    assert write_units(item_size(a_day_item(50, "12.345"))) == 1
    assert (MEASURED.items_per_write_call, MEASURED.keys_per_read_call) == (
        MAX_ITEMS_PER_CALL,
        MAX_KEYS_PER_GET,
    )
    assert (MEASURED.concurrent_write_calls, MEASURED.batch_rows, MEASURED.log_reads_in_flight) == (
        CONCURRENT_CALLS,
        UNTHROTTLED_BATCH_SIZE,
        READS_IN_FLIGHT,
    )


class RecordingTable:
    """Holds nothing; counts each call and what each write carries."""

    class exceptions:
        class ConditionalCheckFailedException(Exception):
            pass

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def batch_get_item(self, RequestItems):
        self.calls["BatchGetItem"] += 1
        self.calls["keys"] += sum(len(request["Keys"]) for request in RequestItems.values())
        return {"Responses": {table: [] for table in RequestItems}}

    def batch_write_item(self, RequestItems):
        self.calls["BatchWriteItem"] += 1
        self.calls["puts"] += sum(len(requests) for requests in RequestItems.values())
        return {"UnprocessedItems": {}}

    def update_item(self, **arguments):
        self.calls["UpdateItem"] += 1
        return {}


class NoLog:
    def write(self, job_id, entries):
        pass


def test_its_calls_per_batch_are_the_real_read_and_writers_on_a_file_of_whole_days():
    # 5 meters of 100 days, in the pipeline's 1,000-row batches, each read once (its days and the
    # other kind's) and written from that read, as services/ingest/batches.py does.
    rows = 24_000
    data = hh_long_bytes(rows, rows_per_meter=4_800)
    lines = list(open_rows((data,), Framing(line_ending="CRLF"), delimiter=","))
    layout = detect_layout(lines[0].cells, "hh")
    readings = [r for row in lines[1:] for r in layout.parse_row(row.cells)]
    table = RecordingTable()
    lookup = Lookup(readings_table="readings", sites_table="sites", dynamodb=table)
    writer = ReadingWriter(table="readings", dynamodb=table, log=NoLog(), rng=random.Random(1))
    for i in range(0, rows, 1000):
        batch = readings[i : i + 1000]
        writer.upsert(batch, job_id="job-1", written_at="t", read=lookup.read_batch(batch).days)

    model = batch_writes(rows)
    assert (model.batches, model.put_calls, model.read_calls) == (24, 24, 24)
    assert table.calls["BatchWriteItem"] == model.put_calls
    assert table.calls["BatchGetItem"] == model.read_calls
    # Two keys a day read (hh# and day#): the model's, but for the days a boundary does not split.
    assert table.calls["keys"] == 2 * (500 + 20) < model.read_keys == pytest.approx(2 * (500 + 24))
    # Every day written whole once, every batch boundary inside a day splits it into two updates:
    # 500 days + 20 of the 23 boundaries (each 6,000th row ends a day).
    assert table.calls["puts"] + table.calls["UpdateItem"] == 500 + 20
    # The model counts each boundary as splitting a day: as many write units, and a few more.
    assert model.write_units == pytest.approx(500 + 24)
    assert table.calls["UpdateItem"] == 2 * 20 < model.updates == 48


def test_ten_thousand_rows_on_one_shard():
    e = estimate(10_000, 1)

    # 10 batches of 1,000 rows, each 1000 / 48 + 1 days: two partial, updated; 19.8 whole, put in
    # one BatchWriteItem; one BatchGetItem (its days and the other kind's) and a commit.
    assert (e.counts["batches"], e.counts["put_calls"], e.counts["updates"]) == (10, 10, 20)
    assert e.counts["read_calls"] == 10 and e.counts["job_updates"] == 10 + 1  # the segment's begin
    assert e.counts["ddb_requests"] == 10 + 20 + 10 + 11
    # WRU = day items written, each within 1 KB: every day once, plus one per batch boundary.
    assert line(e, "DynamoDB readings: whole days").quantity == pytest.approx(10_000 / 48 - 10)
    assert line(e, "DynamoDB readings: partial days").quantity == 20
    assert e.counts["write_units"] == pytest.approx(10_000 / 48 + 10)
    assert line(e, "DynamoDB readings: partial days").dollars == pytest.approx(20 * WRU)
    # 2 x (1000 / 48 + 1) keys a batch, eventually consistent: half a unit a key.
    assert line(e, "DynamoDB reads").quantity == pytest.approx(10 * (1000 / 48 + 1))
    assert line(e, "DynamoDB reads").dollars == pytest.approx(10 * (1000 / 48 + 1) * RRU)
    # A log part a batch, read back once for the coverage (and listed), the coverage saved.
    assert line(e, "S3: the log").quantity == 10 and line(e, "S3: the coverage at the end").quantity == 11
    assert line(e, "S3: the coverage saved").quantity == 1
    # Bounded by the invocation itself; 1 s more to start the segment, and the coverage at the end:
    # the 10 parts read 32 at a time (one round of 15 ms), 2 us of CPU a row at 1024/1769 of a vCPU.
    assert e.rows_per_s == pytest.approx(invocation_rows_per_s()) and e.bound.startswith("1 invocation")
    ending = 1 * 0.015 + 2e-6 * 10_000 / (1024 / 1769)
    assert e.counts["completion_s"] == pytest.approx(ending)
    assert e.wall_s == pytest.approx(10_000 / invocation_rows_per_s() + 1.0 + ending)
    assert line(e, "SQS").quantity == 3
    assert e.total == pytest.approx(sum(x.quantity * x.unit_price for x in e.lines))


def test_a_partial_batch_and_shards_add_up_per_shard():
    one_more = estimate(10_001, 1)  # the last row is a batch of its own: a partial day, no put
    assert (one_more.counts["batches"], one_more.counts["put_calls"], one_more.counts["updates"]) == (
        11,
        10,
        22,
    )
    eight = estimate(10_000, 8)  # 1,250 rows a shard: a batch of 1,000 rows and one of 250
    assert (eight.counts["batches"], eight.counts["put_calls"], eight.counts["updates"]) == (16, 16, 32)
    assert eight.counts["write_units"] == pytest.approx(10_000 / 48 + 16)


def test_segments_hand_over_when_the_function_would_time_out():
    # 1,000 rows/s: a second of CPU a batch and calls that take no time.
    vcpu = MEASURED.lambda_memory_mb / ASSUMED.mb_per_vcpu
    slow = replace(MEASURED, worker_cpu_s_per_row=vcpu / 1000)
    instant = replace(
        ASSUMED, write_call_latency_s=0, small_call_latency_s=0, s3_put_latency_s=0, s3_get_latency_s=0
    )
    e = estimate(600_000, 1, measured=slow, assumed=instant)  # 600 s, 280 s a segment

    assert e.rows_per_s == pytest.approx(1000)
    assert e.counts["segments"] == 3
    assert e.counts["job_updates"] == 600 + 3 + 2  # commits, a begin per segment, two hand-overs
    assert line(e, "SQS").quantity == 9
    ending = 2e-6 * 600_000 / vcpu  # (the log's 600 parts read in no time)
    assert e.counts["gb_s"] == pytest.approx(600 + 3 * ASSUMED.segment_overhead_s + ending)


def test_one_invocation_is_its_cpu_then_its_calls():
    io_only = replace(MEASURED, worker_cpu_s_per_row=0)
    # One read, the log's PUT, one BatchWriteItem, two updates side by side, the commit.
    calls_s = 0.008 + 0.025 + 0.015 + 0.008 + 0.008
    assert invocation_rows_per_s(io_only) == pytest.approx(1000 / calls_s)
    one_vcpu = replace(MEASURED, worker_cpu_s_per_row=1e-4, lambda_memory_mb=1769)
    assert invocation_rows_per_s(one_vcpu) == pytest.approx(1000 / (0.1 + calls_s))


def test_the_lowest_bound_decides():
    wru = write_units_per_row()
    assert wru == pytest.approx((1000 / 48 + 1) / 1000)
    # A partition takes 1,000 WRU/s: about 45,800 rows/s of one meter, no longer what binds.
    assert throughput(1) == (pytest.approx(invocation_rows_per_s()), "1 invocation(s): CPU + calls")
    assert ASSUMED.partition_wru_per_s / wru == pytest.approx(45_802, abs=1)

    small_table = replace(ASSUMED, table_wru_per_s=100)
    assert throughput(8, assumed=small_table) == (pytest.approx(100 / wru), "the table: 100 WRU/s")
    hot = replace(ASSUMED, partition_wru_per_s=50)
    rate, bound = throughput(2, assumed=hot)
    assert rate == pytest.approx(2 * 50 / wru) and bound.startswith("one meter per shard at a time")
    unsorted = replace(hot, meter_sorted_file=False)
    assert throughput(2, assumed=unsorted)[1] == "2 invocation(s): CPU + calls"


def test_the_job_item_grows_with_shards_and_their_progress_samples():
    # One shard committing every second keeps the minute's 12 five-second samples + the newest.
    assert job_item_bytes(1, 1000) == 679 + 80 + 13 * 34 == 1201
    # Eight at 125 rows/s commit 7.5 times a minute: 8 samples + 1 each.
    assert job_item_bytes(8, 125) == 679 + 8 * (80 + 9 * 34)
    e = estimate(10_000, 1)
    # 2 KB, the item alone: its entry in the status index moves once every 15 s of the run (a
    # delete and a put there), not at each commit, and once more as the job ends
    assert line(e, "DynamoDB job item").quantity == 11 * 2
    run_s = 10_000 / e.rows_per_s + e.counts["completion_s"]
    assert run_s < 15 and line(e, "DynamoDB job's status-index entry").quantity == (1 + 1) * 2
    big = estimate(10_000_000, 8)
    moves = math.ceil((10_000_000 / big.rows_per_s + big.counts["completion_s"]) / 15) + 1
    index_wru = line(big, "DynamoDB job's status-index entry").quantity
    assert index_wru == moves * 2 < big.counts["job_updates"] / 100


def test_the_job_that_completes_holds_a_bitmask_a_day_while_it_builds_the_coverage():
    # As measured (9 MB a million rows above the segment loop's 104.5 MB): 10 million rows end at
    # under a fifth of the function's 1,024 MB.
    assert completion_peak_mb(1_000_000) == pytest.approx(104.5 + 9)
    assert completion_peak_mb(10_000_000) == pytest.approx(104.5 + 90)
    assert completion_peak_mb(10_000_000) < MEASURED.lambda_memory_mb / 5


def test_the_job_s_end_is_its_log_read_32_parts_at_a_time_then_its_cpu():
    # 10,000 parts: 313 rounds of 15 ms; 20 s of CPU at 1024/1769 of a vCPU: longer than the 20 s a
    # segment keeps in hand, which it says.
    vcpu = 1024 / 1769
    assert completion_s(10_000_000) == pytest.approx(313 * 0.015 + 20 / vcpu)
    assert completion_s(10_000_000) > MEASURED.segment_safety_s > completion_s(5_000_000)


def test_import_from_s3_is_priced_per_gb_of_its_source():
    a_kib_a_reading = replace(MEASURED, dynamodb_json_bytes_per_day=48 * 1024)
    e = import_from_s3(1024**2, measured=a_kib_a_reading)

    assert line(e, "Import from S3").quantity == pytest.approx(1.0)
    assert line(e, "Import from S3").dollars == pytest.approx(0.15)
    assert e.rows_per_s is None and e.wall_s is None


def test_distributed_map_starts_a_child_per_batch_that_writes_what_a_batch_writes():
    e = distributed_map(10_000, 8)

    assert e.counts["children"] == 10
    assert line(e, "Step Functions children (Express)").dollars == pytest.approx(10 * 1.00 / 1e6)
    assert line(e, "Step Functions parent").quantity == 15
    assert e.counts["write_units"] == estimate(10_000, 1).counts["write_units"]
    assert line(e, "S3: the log").quantity == 10


def test_storage_is_a_day_item_per_48_rows():
    e = estimate(48_000, 1)
    assert e.storage_gb == pytest.approx(1000 * (690 + 100) / 1024**3)
    assert e.storage_per_month == pytest.approx(e.storage_gb * (0.25 + 0.20))


def test_prices_are_per_unit():
    assert PRICES["ddb_wru"] == pytest.approx(WRU) and PRICES["ddb_rru"] == pytest.approx(RRU)
    assert PRICES["lambda_gb_s"] * 1e6 == pytest.approx(16.6667)
    assert math.isclose(PRICES["sfn_express_gb_s"] * 3600, 0.06)


def test_it_prints_the_tables(capsys):
    assert main(["--rows", "20000", "--shards", "1,2"]) == 0

    out = capsys.readouterr().out
    assert "| this service, 1 shard | " in out and "| 1 invocation(s): CPU + calls |" in out
    assert "#### Distributed Map, MaxConcurrency 2: 20,000 rows" in out
    assert out.count("**total**") == 4
    assert "at a peak of about 105 MB of the function's 1,024 MB" in out
    assert "SEGMENT_SAFETY_MS" not in out  # (20,000 rows end in well under 20 s)


def test_it_says_when_the_job_s_end_outlasts_the_segment_s_margin(capsys):
    assert main(["--rows", "10000000", "--shards", "1"]) == 0

    out = capsys.readouterr().out
    assert "at a peak of about 194 MB of the function's 1,024 MB" in out
    assert "longer than the 20 s a segment keeps in hand (SEGMENT_SAFETY_MS)" in out


def test_every_shard_commits_to_the_one_job_item_which_bounds_how_many_shards_help():
    # 8 shards: a 4.8 KB item, 5 WRU a commit, some 400 WRU/s at full speed: the invocations bind.
    assert job_item_bytes(8, 9_921) == 679 + 8 * (80 + 13 * 34) == 4855
    rate, bound = throughput(8)
    assert bound == "8 invocation(s): CPU + calls"
    # 32 at full speed would write 17 WRU a commit (a 17 KB item), 317 commits a second, to one
    # partition key: the job item's 1,000 WRU/s binds first, at 1,000 / 17 commits of 1,000 rows
    # a second.
    rate, bound = throughput(32)
    assert bound.startswith("the job item: a commit a batch of 17 WRU")
    assert rate == pytest.approx(1000 / 17 * 1000) and rate < 32 * 9_921


def test_the_model_keeps_the_samples_the_code_keeps():
    from ingestion.domain.progress import RATE_WINDOW_S, SAMPLE_SPACING_S

    assert (MEASURED.sample_spacing_s, MEASURED.progress_window_s) == (SAMPLE_SPACING_S, RATE_WINDOW_S)
