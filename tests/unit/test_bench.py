"""The benchmark's pure pieces (bench/): its file, its baseline's calls, its counting writer, its CPU
comparison."""

import datetime as dt
import json
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from bench.baselines import BENCH_JOB_ID, DayWriter, days_of
from bench.datafile import (
    MAX_ROWS_PER_METER,
    WIDE_TIMES,
    hh_long_bytes,
    hh_long_lines,
    hh_wide_bytes,
    hh_wide_lines,
    meter_days_for,
    meters_for,
)
from bench.parsing import csv_reader_pass, parse_validate_pass, time_parsing
from bench.segment import CountingDynamoDB
from ingestion.domain.csvstream import open_rows
from ingestion.domain.formats import detect_layout
from ingestion.domain.framing import Framing
from ingestion.domain.rowcheck import check_batch, utc_now
from ingestion.domain.seen_keys import SeenKeys
from ingestion.store.readings import ReadingWriter

CLOCKS_GO_FORWARD = dt.datetime(2026, 3, 29, 1, 0)


def test_the_file_has_the_rows_asked_for_and_no_meter_reaches_the_clock_change():
    lines = list(hh_long_lines(20_001, rows_per_meter=MAX_ROWS_PER_METER))

    assert len(lines) == 1 + 20_001 and meters_for(20_001, MAX_ROWS_PER_METER) == 3
    latest = max(dt.datetime.fromisoformat(line.split(",")[1]) for line in lines[1:])
    assert latest < CLOCKS_GO_FORWARD


def test_every_row_of_the_file_is_valid_with_no_warning():
    data = hh_long_bytes(3_000, rows_per_meter=1_000)
    rows = iter(open_rows((data,), Framing(line_ending="CRLF"), delimiter=","))
    layout = detect_layout(next(rows).cells, "hh")

    checked = check_batch(rows, layout, SeenKeys(), utc_now(dt.datetime(2026, 11, 28).timestamp()))
    assert (checked.imported, checked.errors, checked.warnings) == (3_000, [], [])


class DayTable:
    """A readings table in memory that records every call: BatchGetItem answers what it holds,
    BatchWriteItem puts whole items, UpdateItem applies the SETs of partial_update's expression."""

    class exceptions:
        class ConditionalCheckFailedException(Exception):
            pass

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], dict] = {}
        self.calls: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def _record(self, operation, arguments):
        with self._lock:
            self.calls.append((operation, json.dumps(arguments, sort_keys=True)))

    def batch_get_item(self, RequestItems):
        self._record("BatchGetItem", RequestItems)
        ((table, request),) = RequestItems.items()
        keys = [(k["meter"]["S"], k["sk"]["S"]) for k in request["Keys"]]
        return {"Responses": {table: [self.items[k] for k in keys if k in self.items]}}

    def batch_write_item(self, RequestItems):
        self._record("BatchWriteItem", RequestItems)
        for requests in RequestItems.values():
            for r in requests:
                item = r["PutRequest"]["Item"]
                self.items[item["meter"]["S"], item["sk"]["S"]] = item
        return {"UnprocessedItems": {}}

    def update_item(
        self, TableName, Key, UpdateExpression, ExpressionAttributeNames, ExpressionAttributeValues, **rest
    ):
        self._record(
            "UpdateItem",
            {
                "Key": Key,
                "UpdateExpression": UpdateExpression,
                "Names": ExpressionAttributeNames,
                "Values": ExpressionAttributeValues,
                **rest,
            },
        )
        item = self.items.setdefault((Key["meter"]["S"], Key["sk"]["S"]), dict(Key))
        for assignment in UpdateExpression.removeprefix("SET ").split(", "):
            name, value = assignment.split(" = ")
            item[ExpressionAttributeNames[name]] = ExpressionAttributeValues[value]
        return {}


class RecordingLog:
    def __init__(self) -> None:
        self.parts: list[list] = []

    def write(self, job_id, entries):
        self.parts.append(sorted(entries, key=lambda e: e.key))


def test_the_write_limit_baseline_makes_the_calls_the_pipelines_writer_makes():
    # Two meters of 27 days and 4 half hours, in a batch of 1,500 rows (31 whole days: two put
    # calls) and one of 1,100: days split between batches and each meter's last day partial, so
    # there are updates as well as puts; the batches written one after the other.
    data = hh_long_bytes(2_600, rows_per_meter=1_300)
    rows = list(open_rows((data,), Framing(line_ending="CRLF"), delimiter=","))
    layout = detect_layout(rows[0].cells, "hh")
    batches = [rows[1:1_501], rows[1_501:]]
    pipeline, baseline = DayTable(), DayTable()

    pipeline_log, baseline_log = RecordingLog(), RecordingLog()
    writer = ReadingWriter(table="readings", dynamodb=pipeline, log=pipeline_log)
    with ThreadPoolExecutor(max_workers=4) as pool:
        for batch in batches:
            writer.upsert(
                [r for row in batch for r in layout.parse_row(row.cells)], job_id=BENCH_JOB_ID, written_at="t"
            )
            DayWriter(baseline, "readings", pool, baseline_log).write(days_of([row.cells for row in batch]))

    operations = Counter(operation for operation, _ in pipeline.calls)
    assert operations == {"BatchGetItem": 2, "BatchWriteItem": 2 + 1, "UpdateItem": 2 + 2}
    assert len(pipeline.items) == meter_days_for(2_600, 1_300) == 2 * 28
    # The calls in flight at once may come in any order.
    assert sorted(baseline.calls) == sorted(pipeline.calls)
    assert baseline.items == pipeline.items
    assert len(pipeline_log.parts) == 2 and baseline_log.parts == pipeline_log.parts  # (a log part a batch)


def test_the_bench_knows_how_many_day_items_its_files_fill():
    for rows, per_meter in ((300, 5_000), (1_000, 500), (10_001, 5_000), (7_000, 7_000)):
        readings = [tuple(line.split(",")[:2]) for line in hh_long_lines(rows, per_meter)][1:]
        assert meter_days_for(rows, per_meter) == len({(meter, when[:10]) for meter, when in readings})


def test_the_counting_writer_of_the_memory_runs_counts_every_reading_it_is_sent():
    # A day and a half for two meters: two whole days put, two partial days updated.
    data = hh_long_bytes(144, rows_per_meter=72)
    rows = list(open_rows((data,), Framing(line_ending="CRLF"), delimiter=","))
    layout = detect_layout(rows[0].cells, "hh")
    fake = CountingDynamoDB()

    result = ReadingWriter(table="readings", dynamodb=fake, log=RecordingLog()).upsert(
        [r for row in rows[1:] for r in layout.parse_row(row.cells)], job_id="job-1", written_at="t"
    )
    assert fake.readings == result.written == 144
    assert fake.calls == 1 + 1 + 2  # a read of the four days, one put call, two updates


def test_both_sides_of_the_cpu_comparison_read_every_row():
    data = hh_long_bytes(500, rows_per_meter=200)

    assert csv_reader_pass(data) == parse_validate_pass(data) == 500
    times = time_parsing(data, 500, repeat=1)
    assert times.csv_reader_s > 0 and times.parse_validate_s > 0 and times.ratio > 0


def test_the_wide_file_holds_the_long_files_readings_a_column_a_half_hour():
    lines = list(hh_wide_lines(1_000, rows_per_meter=500))
    header = lines[0].split(",")

    assert header == ["MPAN", "Date", *WIDE_TIMES] and WIDE_TIMES[0] == "00:00" and WIDE_TIMES[-1] == "23:30"
    assert len(WIDE_TIMES) == 48
    # 2 meters of 500 half hours: 11 rows each (10 whole days, then 20 half hours and 28 blank cells)
    assert len(lines) == 1 + 2 * 11
    last = lines[11].split(",")
    assert last[:2] == ["1900000000000", "2025-11-11"] and last[2 + 19] != "" and last[2 + 20 :] == [""] * 28
    long_values = [line.split(",")[2] for line in hh_long_lines(1_000, rows_per_meter=500)][1:]
    wide_values = [cell for line in lines[1:] for cell in line.split(",")[2:] if cell]
    assert wide_values == long_values


def test_every_reading_of_the_wide_file_is_valid_with_no_warning_and_read_column_by_column():
    data = hh_wide_bytes(3_000, rows_per_meter=1_000)
    rows = list(open_rows((data,), Framing(line_ending="CRLF"), delimiter=","))
    layout = detect_layout(rows[0].cells, "hh")

    assert layout.name == "hh-wide" and layout.parse_batch([r.cells for r in rows[1:]]) is not None
    checked = check_batch(rows[1:], layout, SeenKeys(), utc_now(dt.datetime(2026, 11, 28).timestamp()))
    assert (len(checked.records), checked.errors, checked.warnings) == (3_000, [], [])
    latest = max(r.start for r in checked.records).replace(tzinfo=None)
    assert latest < CLOCKS_GO_FORWARD


def test_both_sides_of_the_wide_cpu_comparison_read_every_row_and_reading():
    data = hh_wide_bytes(960, rows_per_meter=480)
    rows = data.count(b"\r\n") - 1

    assert rows == 20 and csv_reader_pass(data) == rows and parse_validate_pass(data) == 960
    times = time_parsing(data, rows, repeat=1, readings=960)
    assert times.csv_reader_s > 0 and times.parse_validate_s > 0 and times.ratio > 0


def test_the_bench_reports_the_wide_ratio_in_its_results():
    from bench.run import REQUIRED_KEYS, BenchOptions, measure_wide_parsing

    wide = measure_wide_parsing(BenchOptions(rows=960, rows_per_meter=480, repeat=1))

    assert "parse_validate_vs_csv_reader_wide" in REQUIRED_KEYS
    assert set(wide) == {
        "parse_validate_vs_csv_reader_wide",
        "csv_reader_wide_s",
        "parse_validate_wide_s",
        "wide_rows",
        "wide_file_bytes",
    }
    assert wide["wide_rows"] == 20 and wide["parse_validate_vs_csv_reader_wide"] > 0
