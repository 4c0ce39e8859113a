"""The benchmark's pure pieces (bench/): its file, its baseline's items, its CPU comparison."""

import datetime as dt

from bench.baselines import reading_item
from bench.datafile import MAX_ROWS_PER_METER, hh_long_bytes, hh_long_lines, meters_for
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
