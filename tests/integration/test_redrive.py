"""The scheduled run ({"once": true, "limit": N}) re-drives what would otherwise wait forever."""

import json
import time

import boto3

from tests.integration.helpers import get_job, post_csv, post_json
from tests.support import (
    FakeContext,
    QueueDriver,
    call,
    handler_module,
    hh_long_csv,
    load_event,
    ticking_budget,
)


def scheduled_run(monkeypatch, *, seconds_later: float, limit: int | None = None) -> dict:
    """Invoke the ingest function as EventBridge Scheduler does, with the clock moved on."""
    ingest = handler_module("ingest")
    later = time.time() + seconds_later
    monkeypatch.setattr(ingest.services, "clock", lambda: later)
    event = load_event("scheduler_redrive.json")
    if limit is not None:
        event["limit"] = limit
    result = call("ingest", event)
    monkeypatch.undo()
    return result


def purge(queue_url: str) -> None:
    sqs = boto3.client("sqs")
    while msgs := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        for m in msgs:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])


def test_a_queued_job_whose_message_was_lost_is_requeued_and_completes(stack, monkeypatch):
    job_id = post_csv(hh_long_csv(500))["json"]["job_id"]
    purge(stack.queue_url)  # the first message is lost

    assert scheduled_run(monkeypatch, seconds_later=30)["total"] == 0  # still within its grace period
    report = scheduled_run(monkeypatch, seconds_later=600)
    assert report["requeued"] == [job_id]
    QueueDriver(stack.queue_url).drain()

    job = get_job(job_id)["json"]
    assert (job["status"], job["processed_rows"]) == ("completed", 500)


def test_a_processing_job_whose_worker_died_resumes_from_its_cursor_with_exact_counts(stack, monkeypatch):
    job_id = post_csv(hh_long_csv(3000), throttle="small")["json"]["job_id"]
    QueueDriver(stack.queue_url, context_factory=lambda: FakeContext(ticking_budget(25_000, 10_000))).step(1)
    purge(stack.queue_url)  # the worker died before its continuation left
    assert get_job(job_id)["json"]["processed_rows"] == 1000

    assert scheduled_run(monkeypatch, seconds_later=60)["resumed"] == []  # not stalled yet
    assert scheduled_run(monkeypatch, seconds_later=3600)["resumed"] == [job_id]
    QueueDriver(stack.queue_url).drain()

    job = get_job(job_id)["json"]
    assert (job["status"], job["processed_rows"], job["imported_rows"]) == ("completed", 3000, 3000)


def test_an_upload_that_never_arrived_ends_failed_with_a_message(stack, monkeypatch):
    job_id = post_json(json.dumps({"filename": "never.csv"}))["json"]["job_id"]

    report = scheduled_run(monkeypatch, seconds_later=3600)

    assert report["expired_uploads"] == [job_id]
    job = get_job(job_id)["json"]
    assert job["status"] == "failed" and "upload link expired" in job["error_message"]


def test_an_upload_whose_s3_event_was_lost_is_started(stack, monkeypatch):
    job_id = post_json(json.dumps({"filename": "late.csv"}))["json"]["job_id"]
    boto3.client("s3").put_object(Bucket=stack.bucket, Key=f"uploads/{job_id}.csv", Body=hh_long_csv(20))

    assert scheduled_run(monkeypatch, seconds_later=3600)["started_uploads"] == [job_id]
    QueueDriver(stack.queue_url).drain()
    assert get_job(job_id)["json"]["status"] == "completed"


def test_the_run_touches_at_most_limit_jobs(stack, monkeypatch):
    for _ in range(3):
        post_csv(hh_long_csv(5))
    purge(stack.queue_url)

    assert scheduled_run(monkeypatch, seconds_later=600, limit=2)["total"] == 2
