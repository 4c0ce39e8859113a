"""The ingest function: sample files, file-level failures, throttling, guards."""

import gc

import boto3
import pytest

from ingestion.domain.messages import IngestMessage
from ingestion.services.collector import YOUNG_OBJECTS
from tests.integration.helpers import get_job, import_csv, post_csv
from tests.support import (
    SAMPLES,
    FakeContext,
    QueueDriver,
    call,
    handler_module,
    hh_long_csv,
    readings_of,
    sqs_event,
    stored_items,
)


@pytest.mark.parametrize(
    ("sample", "layout", "rows", "readings"),
    [
        ("daily.csv", "daily", 10, 10),
        ("hh_wide.csv", "hh-wide", 2, 96),
        ("hh_long_with_flags.csv", "hh-long", 48, 48),
    ],
)
def test_each_readings_sample_imports_completely(stack, sample, layout, rows, readings):
    job, _ = import_csv(stack, (SAMPLES / sample).read_bytes(), filename=sample)

    assert (job["status"], job["layout"], job["processed_rows"], job["imported_rows"]) == (
        "completed",
        layout,
        rows,
        rows,
    )
    assert job["failed_rows"] == 0 and job["errors"] == []
    assert job["readings_written"] == readings == len(readings_of(stack.readings_table))


def test_the_long_sample_keeps_its_estimated_flags_and_records_its_job(stack):
    job, _ = import_csv(stack, (SAMPLES / "hh_long_with_flags.csv").read_bytes())
    items = stored_items(stack.readings_table)

    estimated = {key for _, key, reading in items if reading.estimated}
    assert "hh#2025-02-12T01:30Z" in estimated and "hh#2025-02-12T00:00Z" not in estimated
    assert {reading.job_id for _, _, reading in items} == {job["job_id"]}


def test_a_daily_reading_never_collides_with_half_hour_period_1(stack):
    import_csv(stack, b"MPAN,Date,Reading\n1900000000000,2025-11-01,40\n", format="daily")
    import_csv(stack, b"MPAN,ReadDateTime,ReadValue\n1900000000000,2025-11-01 00:00,1.5\n", format="hh")

    assert set(readings_of(stack.readings_table)) == {
        ("1900000000000", "day#2025-11-01"),
        ("1900000000000", "hh#2025-11-01T00:00Z"),
    }


@pytest.mark.parametrize(
    ("sample", "imported", "errors"),
    [
        ("sites.csv", 5, []),
        ("sites_invalid_date.csv", 3, ["Line 4, column 11 (created_at): invalid date '30/02/2025'"]),
        (
            "sites_one_bad_row.csv",
            47,
            ["Line 47, column 3 (created_at): invalid date '15.06.2025'"],
        ),
    ],
)
def test_the_sites_samples_import_as_sites_with_the_errors_on_the_right_lines(
    stack, sample, imported, errors
):
    job, _ = import_csv(stack, (SAMPLES / sample).read_bytes(), format="sites")

    assert (job["status"], job["layout"], job["imported_rows"]) == ("completed", "sites", imported)
    assert [e[: len(expected)] for e, expected in zip(job["errors"], errors, strict=True)] == errors
    sites = boto3.client("dynamodb").scan(TableName=stack.sites_table)["Items"]
    assert len(sites) == imported == job["readings_written"]


def test_sites_are_upserted_on_their_natural_key_so_a_reimport_adds_none(stack):
    body = (SAMPLES / "sites.csv").read_bytes()
    import_csv(stack, body, format="sites")
    changed = body.replace(b"Harbour View Office,7,", b"HARBOUR  view office,7,").replace(b"640.25", b"655")
    job, _ = import_csv(stack, changed)  # "auto" finds a sites file by its columns

    assert job["layout"] == "sites"
    items = boto3.client("dynamodb").scan(TableName=stack.sites_table)["Items"]
    assert len(items) == 5
    office = next(i for i in items if i["site_key"]["S"] == "7#harbour view office")
    assert (office["name"]["S"], office["floor_area"]["N"]) == ("HARBOUR  view office", "655")


def test_row_errors_never_stop_the_import_and_the_first_50_are_kept_with_their_line_numbers(stack):
    job, _ = import_csv(stack, hh_long_csv(3000, bad_every=20), throttle="medium")

    assert job["status"] == "completed"
    assert (job["processed_rows"], job["imported_rows"], job["failed_rows"]) == (3000, 2850, 150)
    assert len(job["errors"]) == 50
    # data row 20 is file line 21 (the header is line 1)
    assert job["errors"][0].startswith("Line 21, column 3 (ReadValue): ") and "oops" in job["errors"][0]
    assert job["errors"][49].startswith("Line 1001, column 3 ")


def test_a_missing_object_fails_the_job_at_once_with_a_message_that_says_so(stack):
    job_id = post_csv(b"MPAN,Date,Reading\n1,2025-11-01,4\n")["json"]["job_id"]
    boto3.client("s3").delete_object(Bucket=stack.bucket, Key=f"uploads/{job_id}.csv")
    driver = QueueDriver(stack.queue_url)
    driver.drain()

    job = get_job(job_id)["json"]
    assert job["status"] == "failed"
    assert "not in storage" in job["error_message"] and "readings.csv" in job["error_message"]
    assert driver.invocations == 1


def test_a_file_without_the_required_columns_fails_naming_the_column_and_its_aliases(stack):
    job, _ = import_csv(stack, b"Meter Name,When,Amount\nx,2025-11-01,3\n")

    assert job["status"] == "failed"
    assert "mpan" in job["error_message"] and "serial number" in job["error_message"]


def test_an_empty_file_and_a_header_only_file_complete_with_zero_rows_and_a_note(stack):
    header_only, _ = import_csv(stack, b"MPAN,Date,Reading\r\n")
    assert (header_only["status"], header_only["processed_rows"]) == ("completed", 0)
    assert "no data rows" in header_only["note"]


def test_throttled_batches_pause_between_batches(stack, no_sleep):
    job, _ = import_csv(stack, hh_long_csv(1000), throttle="large")  # 50 rows, 200 ms

    assert job["status"] == "completed" and job["processed_rows"] == 1000
    assert no_sleep == [0.2] * 19  # a pause after each batch but the last


def test_a_long_pause_ends_the_invocation_and_continues_through_a_delayed_message(stack, monkeypatch):
    ingest = handler_module("ingest")
    settings = ingest.services.settings.model_copy(update={"inline_sleep_max_ms": 100})
    monkeypatch.setattr(ingest.services, "settings", settings)
    created = post_csv(hh_long_csv(600), throttle="large")  # 200 ms pauses > 100 ms inline limit
    sent = []
    monkeypatch.setattr(
        ingest.services.queue, "send", lambda m, delay_seconds=0: sent.append((m, delay_seconds))
    )

    QueueDriver(stack.queue_url).step(1)

    job = get_job(created["json"]["job_id"])["json"]
    assert job["processed_rows"] == 50  # one batch, then hand over
    assert sent == [(IngestMessage(job_id=job["job_id"], shard=0, segment=2), 1)]


def test_a_chain_longer_than_the_segment_guard_fails_with_a_clear_message(stack, monkeypatch):
    ingest = handler_module("ingest")
    job_id = post_csv(hh_long_csv(100))["json"]["job_id"]
    too_far = {
        "MessageId": "m-1",
        "ReceiptHandle": "r-1",
        "MD5OfBody": "x",
        "Body": IngestMessage(
            job_id=job_id, segment=ingest.services.settings.max_segments + 1
        ).model_dump_json(),
    }

    call("ingest", sqs_event([too_far], "arn:aws:sqs:eu-west-2:123456789012:csv-import-ingest"))

    job = get_job(job_id)["json"]
    assert job["status"] == "failed" and "segments" in job["error_message"]


@pytest.mark.parametrize("body", ["not json", '{"shard": 0}', '{"job_id": "unknown-job", "segment": 1}'])
def test_malformed_and_stray_messages_are_acknowledged_not_retried(stack, body):
    record = {"MessageId": "m-1", "ReceiptHandle": "r-1", "MD5OfBody": "x", "Body": body}
    result = call("ingest", sqs_event([record], "arn:aws:sqs:eu-west-2:123456789012:csv-import-ingest"))
    assert result == {"batchItemFailures": []}


def test_a_message_for_a_finished_job_does_nothing(stack):
    job, driver = import_csv(stack, hh_long_csv(10))
    stale = {"MessageId": "m-1", "ReceiptHandle": "r-1", "MD5OfBody": "x", "Body": driver.bodies[0]}
    call("ingest", sqs_event([stale], "arn:aws:sqs:eu-west-2:123456789012:csv-import-ingest"), FakeContext())

    assert get_job(job["job_id"])["json"] == job | {"rows_per_sec": job["rows_per_sec"]}


def test_the_ingest_worker_freezes_what_it_imported_and_collects_young_objects_in_batches(stack):
    handler_module("ingest")
    # (set once, when the module is loaded: frozen objects stay frozen; the threshold stays set)
    assert gc.get_threshold()[0] == YOUNG_OBJECTS and gc.get_freeze_count() > 0
