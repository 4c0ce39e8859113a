"""Day items through the real handlers: a day written in pieces (batches, segments, shards) ends as
the item of the whole day written at once; the coverage of a file with gaps, estimates and a
clock-change day, counted period by period."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import boto3
import pytest
from botocore.exceptions import ClientError

from ingestion.domain.formats.uk_time import LONDON, period_starts
from ingestion.domain.messages import IngestMessage
from ingestion.services import coverage as coverage_service
from ingestion.store.day_items import decode
from ingestion.store.readings import ReadingWriter
from tests.integration.helpers import fresh_stack, get_job, post_json, s3_created
from tests.support import FakeContext, QueueDriver, call, handler_module, http_event, ticking_budget

METER = "2200042817552"
DAYS = [date(2025, 10, 25), date(2025, 10, 26), date(2025, 10, 27)]  # the clocks go back on the 26th


def long_file(days=DAYS, skip=frozenset(), estimated=frozenset()) -> bytes:
    """One meter's half hours in time order, with their offsets (the repeated hour is unambiguous)."""
    rows = ["MPAN,ReadDateTime,ReadValue,ReadingType"]
    for day in days:
        for period, start in enumerate(period_starts(day), start=1):
            if (day, period) in skip:
                continue
            local = start.astimezone(LONDON).isoformat()
            flag = "E" if (day, period) in estimated else "A"
            rows.append(f"{METER},{local},{period / 8:.3f},{flag}")
    return ("\r\n".join(rows) + "\r\n").encode()


def start(stack, body: bytes, **options) -> str:
    """A presigned import of the file, landed: its job id (the queue not yet run)."""
    created = post_json(json.dumps({"filename": "days.csv", "format": "hh", **options}))
    job_id = created["json"]["job_id"]
    boto3.client("s3").put_object(Bucket=stack.bucket, Key=f"uploads/{job_id}.csv", Body=body)
    s3_created(stack, f"uploads/{job_id}.csv")
    return job_id


def run(stack, body: bytes, **options) -> dict:
    job_id = start(stack, body, **options)
    driver = QueueDriver(stack.queue_url, context_factory=lambda: FakeContext(ticking_budget(40_000, 10_000)))
    driver.drain()
    job = get_job(job_id)["json"]
    assert job["status"] == "completed", job
    return job


def items(stack) -> dict[tuple[str, str], dict[int, tuple[str, bool]]]:
    """Every item's periods (value, estimated), who wrote them left out."""
    found = {}
    for page in boto3.client("dynamodb").get_paginator("scan").paginate(TableName=stack.readings_table):
        for item in page["Items"]:
            stored = decode(item)
            found[item["meter"]["S"], item["sk"]["S"]] = {
                p: (v.value, v.estimated) for p, v in stored.periods.items()
            }
    return found


def test_a_day_written_in_pieces_ends_as_the_item_of_the_whole_day_written_at_once(monkeypatch):
    body = long_file()
    with fresh_stack() as stack:
        at_once = run(stack, body, throttle="small")
        whole = items(stack)
    assert at_once["segments"] == 1
    assert sorted(whole) == [(METER, f"hh#{day}") for day in DAYS]
    assert [len(whole[METER, f"hh#{day}"]) for day in DAYS] == [48, 50, 48]

    services = handler_module("ingest").services
    split = services.settings.model_copy(update={"shard_min_bytes": 1, "max_shards": 2})
    monkeypatch.setattr(services, "settings", split)
    with fresh_stack() as stack:
        # 25 rows a batch: every day is cut across batches, the budget cuts segments, two shards
        pieces = run(stack, body, throttle={"batch_size": 25, "delay_ms": 0})
        in_pieces = items(stack)
    assert len(pieces["shards"]) == 2 and pieces["segments"] > 2
    assert in_pieces == whole
    assert pieces["readings_written"] == at_once["readings_written"] == 146


def coverage(job_id: str, **query: str) -> dict:
    event = http_event(
        "GET",
        f"/imports/{job_id}/coverage",
        route="GET /imports/{job_id}/coverage",
        path_parameters={"job_id": job_id},
        query=query or None,
    )
    return call("status", event)


def test_the_coverage_counts_gaps_estimates_and_the_clock_change_day(stack):
    skip = {(DAYS[0], 3), (DAYS[0], 4), (DAYS[1], 50)} | {(DAYS[2], p) for p in range(1, 49)}
    estimated = {(DAYS[1], 2), (DAYS[1], 26)}
    other = [date(2025, 10, 29)]  # two days after the last: the day between counts as empty
    body = long_file(DAYS + other, skip=skip, estimated=estimated)
    job = run(stack, body, throttle="small")

    answer = coverage(job["job_id"])

    assert answer["statusCode"] == 200, answer["json"]
    found = answer["json"]
    assert found["ready"] is True and found["next_cursor"] is None
    (meter,) = found["meters"]
    assert (meter["meter"], meter["channel"], meter["kind"]) == (METER, "import", "hh")
    assert (meter["first_day"], meter["last_day"]) == ("2025-10-25", "2025-10-29")
    # 25th: 2 left out; 26th (50 periods): the last left out, 2 estimated; 27th, 28th: nothing
    assert meter["written"] == [46, 49, 0, 0, 48]
    assert meter["estimated"] == [0, 2, 0, 0, 0]
    assert meter["missing"] == [2, 1, 48, 48, 0]
    assert found["summary"] == {
        "meters": 1,
        "days": 5,
        "complete_days": 1,
        "partial_days": 2,
        "empty_days": 2,
        "written_periods": 143,
        "estimated_periods": 2,
        "missing_periods": 99,
    }


def test_the_coverage_pages_by_meter_and_waits_for_the_end(stack):
    rows = ["MPAN,ReadDateTime,ReadValue"]
    start = datetime(2025, 11, 3, tzinfo=LONDON)
    for m in range(5):
        rows += [f"19000000000{m:02d},{(start + timedelta(minutes=30 * i)).isoformat()},1" for i in range(48)]
    job = run(stack, ("\n".join(rows) + "\n").encode(), throttle="small")

    first = coverage(job["job_id"], limit="2")["json"]
    assert [m["meter"] for m in first["meters"]] == ["1900000000000", "1900000000001"]
    second = coverage(job["job_id"], limit="2", cursor=first["next_cursor"])["json"]
    third = coverage(job["job_id"], limit="2", cursor=second["next_cursor"])["json"]
    assert [m["meter"] for m in second["meters"] + third["meters"]] == [
        "1900000000002",
        "1900000000003",
        "1900000000004",
    ]
    assert third["next_cursor"] is None and first["summary"]["complete_days"] == 5
    assert coverage(job["job_id"], cursor="x")["statusCode"] == 400


@pytest.mark.parametrize(
    ("options", "says"), [({"dry_run": True}, "dry run"), ({"format": "sites"}, "sites")]
)
def test_a_dry_run_or_a_sites_import_has_no_coverage(stack, options, says):
    body = long_file() if "format" not in options else b"name,company_id\nHQ,1\n"
    job = run(stack, body, **options)
    answer = coverage(job["job_id"])
    assert answer["statusCode"] == 409 and says in answer["json"]["message"]


def test_only_the_owner_sees_a_jobs_coverage(stack):
    job = run(stack, long_file([DAYS[0]]), throttle="small")
    event = http_event(
        "GET",
        f"/imports/{job['job_id']}/coverage",
        route="GET /imports/{job_id}/coverage",
        path_parameters={"job_id": job["job_id"]},
        user="mallory",
    )
    assert call("status", event)["statusCode"] == 404


def test_a_job_too_large_to_build_its_coverage_in_the_time_left_completes_in_a_fresh_invocation(
    stack, monkeypatch
):
    # Given: building the coverage takes 20 ms a row (1,440 rows: 29 s, 10 of them within the safety
    # margin), and every invocation has 25 s left: 5 s past the 20 s margin, not the 19 s more
    monkeypatch.setattr("ingestion.domain.coverage.BUILD_MS_PER_ROW", 20.0)
    job_id = start(stack, long_file([date(2025, 11, d) for d in range(1, 31)]), throttle="small")

    driver = QueueDriver(stack.queue_url, context_factory=lambda: FakeContext(lambda: 25_000))
    driver.drain()

    # Then: the first invocation wrote every batch and ended its shard; the next one completed it
    job = get_job(job_id)["json"]
    assert job["status"] == "completed" and job["readings_written"] == 30 * 48
    assert driver.invocations == 2
    assert coverage(job_id)["json"]["summary"]["complete_days"] == 30


def test_a_job_that_fails_after_writing_some_days_has_their_coverage_built_as_it_fails(stack, monkeypatch):
    # Given: the second batch's write meets a permanent database fault (the job fails at once)
    class FailingSecondWrite(ReadingWriter):
        calls = 0

        def upsert(self, readings, *, job_id, written_at, read=None):
            FailingSecondWrite.calls += 1
            if FailingSecondWrite.calls == 2:
                error = {"Error": {"Code": "ValidationException", "Message": "no"}}
                raise ClientError(error, "BatchWriteItem")
            return super().upsert(readings, job_id=job_id, written_at=written_at, read=read)

    monkeypatch.setattr(handler_module("ingest").services, "readings", FailingSecondWrite())
    body = long_file([date(2025, 11, d) for d in range(1, 31)])
    job_id = start(stack, body, throttle="medium")  # (100-row batches: the first written, the second fails)
    QueueDriver(stack.queue_url).drain()
    job = get_job(job_id)["json"]
    assert job["status"] == "failed" and job["readings_written"] == 100

    # Then: its coverage was built as it failed (the status function only reads it)
    saved = boto3.client("s3").get_object(Bucket=stack.bucket, Key=f"coverage/{job_id}.json")
    assert json.loads(saved["Body"].read())["summary"]["written_periods"] == 100
    assert coverage(job_id)["json"]["summary"]["written_periods"] == 100


def test_a_large_job_that_ended_without_its_coverage_has_it_built_by_the_ingest_function(stack, monkeypatch):
    # Given: an ended import with no coverage saved (its end was cut short), too large for the
    # status function to build on a request (here: any size is)
    job_id = run(stack, long_file())["job_id"]
    s3, queue = boto3.client("s3"), boto3.client("sqs")
    built = json.loads(s3.get_object(Bucket=stack.bucket, Key=f"coverage/{job_id}.json")["Body"].read())
    s3.delete_object(Bucket=stack.bucket, Key=f"coverage/{job_id}.json")
    monkeypatch.setattr(coverage_service, "builds_in_a_request", lambda rows: False)

    # When: its coverage is asked for, twice
    first, second = coverage(job_id)["json"], coverage(job_id)["json"]

    # Then: both say it is being built, and the ingest function was asked once
    assert (
        first
        == second
        == {
            "job_id": job_id,
            "ready": False,
            "building": True,
            "summary": None,
            "meters": [],
            "next_cursor": None,
        }
    )
    messages = queue.receive_message(QueueUrl=stack.queue_url, MaxNumberOfMessages=10).get("Messages", [])
    assert [json.loads(m["Body"]) for m in messages] == [
        {"job_id": job_id, "shard": 0, "segment": 1, "action": "cover"}
    ]
    for m in messages:  # (back on the queue for the driver)
        queue.change_message_visibility(
            QueueUrl=stack.queue_url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0
        )

    # And: once it has run, the coverage is the one the job's end had built, and a repeat does nothing
    driver = QueueDriver(stack.queue_url)
    driver.drain()
    answer = coverage(job_id)["json"]
    assert answer["ready"] and not answer["building"]
    assert {"summary": answer["summary"], "meters": answer["meters"]} == built
    ingest = handler_module("ingest")
    report = ingest.run_cover(IngestMessage(job_id=job_id, action="cover"), lambda: 300_000, ingest.services)
    assert report.outcome.value == "ignored" and "already" in report.reason
