"""The benchmark's pure pieces (bench/): its file, its baseline's items, its CPU comparison."""

import datetime as dt

from bench.baselines import reading_item
from bench.datafile import (
    MAX_ROWS_PER_METER,
    WIDE_TIMES,
    hh_long_bytes,
    hh_long_lines,
    hh_wide_bytes,
    hh_wide_lines,
    meters_for,
)
from bench.parsing import csv_reader_pass, parse_validate_pass, time_parsing
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


class RecordingDynamoDB:
    """Keeps the items of every BatchWriteItem call."""

    def __init__(self) -> None:
        self.items: list[dict] = []

    def batch_write_item(self, RequestItems):
        for requests in RequestItems.values():
            self.items += [r["PutRequest"]["Item"] for r in requests]
        return {"UnprocessedItems": {}}


def test_the_write_limit_baseline_writes_the_items_the_pipeline_writes():
    data = hh_long_bytes(300, rows_per_meter=100)
    rows = list(open_rows((data,), Framing(line_ending="CRLF"), delimiter=","))
    layout = detect_layout(rows[0].cells, "hh")
    readings = [reading for row in rows[1:] for reading in layout.parse_row(row.cells)]
    dynamodb = RecordingDynamoDB()

    ReadingWriter(table="readings", dynamodb=dynamodb).upsert(readings, job_id="job-1", written_at="t")
    # The writer sends batches in parallel; the file is in key order.
    pipeline = sorted(dynamodb.items, key=lambda item: (item["meter"]["S"], item["sk"]["S"]))
    baseline = [reading_item(row.cells, "job-1", "t") for row in rows[1:]]
    assert len(pipeline) == 300 and pipeline == baseline


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
