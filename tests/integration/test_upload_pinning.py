"""A presigned upload pins the file: the POST policy caps the size at the declared one, and a job
reads only the object it started on (its ETag), so a file posted again later never changes what the
job reads, counts or reports."""

from __future__ import annotations

import base64
import json

import boto3

from tests.integration.helpers import get_job, post_csv, post_json, s3_created
from tests.support import (
    FakeContext,
    QueueDriver,
    call,
    handler_module,
    hh_long_csv,
    load_event,
    readings_of,
    ticking_budget,
)

ORIGINAL = hh_long_csv(3000, meters=3, bad_every=250)  # rows 250, 500, ... fail
# Posted again with the same form: every value different, and no row failing.
REPLACEMENT = ORIGINAL.replace(b",kWh,", b"1,kWh,").replace(b",oops1,", b",2,")
REPLACED = (
    "The file was replaced while it was being imported, so the import stopped: the rows counted are "
    "those read from the file as it was first uploaded. Upload the file again as a new import."
)
KEYS = ("processed_rows", "imported_rows", "failed_rows", "warning_rows", "readings_written", "errors")


def policy_of(created: dict) -> dict:
    return json.loads(base64.b64decode(created["json"]["upload"]["fields"]["policy"]))


def presigned_job(stack, body: bytes) -> str:
    """A presigned import whose file has arrived, and S3 said so."""
    created = post_json(json.dumps({"filename": "r.csv", "size": len(body), "throttle": "small"}))
    job_id = created["json"]["job_id"]
    boto3.client("s3").put_object(Bucket=stack.bucket, Key=f"uploads/{job_id}.csv", Body=body)
    assert s3_created(stack, f"uploads/{job_id}.csv")["results"] == ["queued"]
    return job_id


def one_batch_only() -> FakeContext:
    """25 s left, 10 s gone at each look at the clock, 20 s margin: one batch, then a continuation."""
    return FakeContext(ticking_budget(25_000, 10_000))


def test_the_presigned_policy_caps_the_size_at_the_declared_size(stack):
    declared = post_json(json.dumps({"filename": "a.csv", "size": 10}))
    undeclared = post_json(json.dumps({"filename": "a.csv"}))

    assert ["content-length-range", 1, 10] in policy_of(declared)["conditions"]
    assert ["content-length-range", 1, 1024**3] in policy_of(undeclared)["conditions"]


def test_a_declared_size_of_nothing_is_refused_before_any_upload(stack):
    answer = post_json(json.dumps({"filename": "a.csv", "size": 0}))
    assert answer["statusCode"] == 400 and "empty" in answer["json"]["message"]


def test_a_file_larger_than_declared_fails_its_job_and_is_never_read(stack):
    # S3 enforces the policy; moto (the local stack) does not, so the S3 event checks it too.
    created = post_json(json.dumps({"filename": "r.csv", "size": 100}))
    job_id = created["json"]["job_id"]
    boto3.client("s3").put_object(Bucket=stack.bucket, Key=f"uploads/{job_id}.csv", Body=ORIGINAL)

    assert s3_created(stack, f"uploads/{job_id}.csv")["results"] == ["failed: larger than declared"]
    job = get_job(job_id)["json"]
    assert job["status"] == "failed" and job["processed_rows"] == 0
    assert job["error_message"] == (
        f"The file is {len(ORIGINAL)} bytes, more than the 100 bytes declared when the import was "
        "created. Create a new import with the file's real size."
    )


def test_a_file_posted_again_mid_import_fails_the_job_and_changes_nothing_it_had_read(stack):
    job_id = presigned_job(stack, ORIGINAL)
    QueueDriver(stack.queue_url, context_factory=one_batch_only).step(1)  # the first 1,000 rows
    before = get_job(job_id)["json"]
    readings_before = readings_of(stack.readings_table)
    assert before["status"] == "processing" and before["processed_rows"] == 1000

    # The same form, posted again (it stays valid for 15 minutes), and S3 says so.
    boto3.client("s3").put_object(Bucket=stack.bucket, Key=f"uploads/{job_id}.csv", Body=REPLACEMENT)
    assert s3_created(stack, f"uploads/{job_id}.csv")["results"] == [
        "ignored: no job is awaiting this upload"
    ]
    QueueDriver(stack.queue_url).drain()

    job = get_job(job_id)["json"]
    assert (job["status"], job["error_message"]) == ("failed", REPLACED)
    assert {k: job[k] for k in KEYS} == {k: before[k] for k in KEYS}
    assert (job["processed_rows"], job["imported_rows"], job["failed_rows"]) == (1000, 996, 4)
    assert [e.split(":")[0] for e in job["errors"]] == [
        f"Line {n + 1}, column 3 (ReadValue)" for n in (250, 500, 750, 1000)
    ]
    assert readings_of(stack.readings_table) == readings_before  # not one value from the replacement
    assert len(readings_before) == 996


def test_a_file_posted_again_before_the_first_read_fails_the_job_with_nothing_read(stack):
    job_id = presigned_job(stack, ORIGINAL)
    boto3.client("s3").put_object(Bucket=stack.bucket, Key=f"uploads/{job_id}.csv", Body=REPLACEMENT)
    QueueDriver(stack.queue_url).drain()

    job = get_job(job_id)["json"]
    assert (job["status"], job["error_message"], job["processed_rows"]) == ("failed", REPLACED, 0)
    assert readings_of(stack.readings_table) == {}


def test_every_shard_of_a_split_file_reads_only_the_file_the_job_started_on(stack, monkeypatch):
    services = handler_module("ingest").services
    monkeypatch.setattr(
        services, "settings", services.settings.model_copy(update={"shard_min_bytes": 1, "max_shards": 3})
    )
    job_id = post_csv(ORIGINAL, throttle="small")["json"]["job_id"]
    QueueDriver(stack.queue_url, context_factory=one_batch_only).step(1)  # split, and its first batch
    assert len(get_job(job_id)["json"]["shards"]) == 3
    readings_before = readings_of(stack.readings_table)

    boto3.client("s3").put_object(Bucket=stack.bucket, Key=f"uploads/{job_id}.csv", Body=REPLACEMENT)
    QueueDriver(stack.queue_url).drain()

    job = get_job(job_id)["json"]
    assert (job["status"], job["error_message"], job["processed_rows"]) == ("failed", REPLACED, 1000)
    assert readings_of(stack.readings_table) == readings_before


def test_an_s3_event_without_an_etag_pins_the_object_stored_when_it_arrives(stack):
    created = post_json(json.dumps({"filename": "r.csv", "size": len(ORIGINAL), "throttle": "small"}))
    job_id = created["json"]["job_id"]
    boto3.client("s3").put_object(Bucket=stack.bucket, Key=f"uploads/{job_id}.csv", Body=ORIGINAL)
    event = load_event("s3_object_created.json")
    stored = event["Records"][0]["s3"]
    stored["bucket"]["name"], stored["object"]["key"] = stack.bucket, f"uploads/{job_id}.csv"
    del stored["object"]["eTag"]
    assert call("upload", event)["results"] == ["queued"]

    boto3.client("s3").put_object(Bucket=stack.bucket, Key=f"uploads/{job_id}.csv", Body=REPLACEMENT)
    QueueDriver(stack.queue_url).drain()
    assert (get_job(job_id)["json"]["status"], get_job(job_id)["json"]["error_message"]) == (
        "failed",
        REPLACED,
    )
