"""One worker per job (a lease), cancelling that keeps counts exact, and the events a job's end sends."""

import json
import time
from dataclasses import replace

import boto3
import pytest

from ingestion.domain.errors import StaleWriteError
from ingestion.domain.job import BatchCommit, JobStatus, Lease
from ingestion.store.jobs import JobRepository
from ingestion.store.readings import ReadingWriter
from tests.integration.helpers import call_route, get_job, post_csv
from tests.integration.test_redrive import scheduled_run
from tests.support import (
    FakeContext,
    QueueDriver,
    handler_module,
    hh_long_csv,
    readings_of,
    ticking_budget,
)


def cancel(job_id, user="alice"):
    return call_route(
        "upload", "POST", f"/imports/{job_id}/cancel", "/imports/{job_id}/cancel", user, job_id=job_id
    )


def one_segment(stack):
    QueueDriver(stack.queue_url, context_factory=lambda: FakeContext(ticking_budget(25_000, 10_000))).step(1)


@pytest.fixture
def events_queue(stack):
    """Everything the service puts on the default event bus, delivered to a queue we can read."""
    sqs, events = boto3.client("sqs"), boto3.client("events")
    url = sqs.create_queue(QueueName="import-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="imports", EventPattern=json.dumps({"source": ["csv-import"]}))
    events.put_targets(Rule="imports", Targets=[{"Id": "q", "Arn": arn}])

    def received():
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(m["Body"]) for m in messages]

    return received


def held_by(job_id: str, holder: str, claimed_at: float) -> None:
    """Another invocation claimed the job (for 120 s) at `claimed_at`."""
    JobRepository().begin_segment(
        job_id, shard=0, segment=1, now_iso="2026-01-01T00:00:00.000Z", lease=Lease(holder, claimed_at, 120)
    )


def test_a_message_for_a_job_held_by_a_live_invocation_is_acknowledged_without_work(stack):
    job_id = post_csv(hh_long_csv(300), throttle="small")["json"]["job_id"]
    held_by(job_id, "someone-else", claimed_at=time.time())

    driver = QueueDriver(stack.queue_url)
    driver.drain()

    job = get_job(job_id)["json"]
    assert driver.invocations == 1 and job["processed_rows"] == 0 and job["status"] == "processing"


def test_a_lease_whose_holder_died_expires_and_the_next_delivery_resumes(stack, monkeypatch):
    job_id = post_csv(hh_long_csv(300), throttle="small")["json"]["job_id"]
    held_by(job_id, "died", claimed_at=time.time() - 3600)

    QueueDriver(stack.queue_url).drain()

    job = get_job(job_id)["json"]
    assert (job["status"], job["processed_rows"]) == ("completed", 300)


def test_cancel_stops_a_running_job_keeps_what_was_imported_and_ends_cancelled(stack):
    job_id = post_csv(hh_long_csv(4000), throttle="small")["json"]["job_id"]
    one_segment(stack)  # 1,000 rows, then a continuation is queued

    cancelled = cancel(job_id)
    QueueDriver(stack.queue_url).drain()

    assert cancelled["statusCode"] == 200 and cancelled["json"]["status"] == "cancelled"
    job = get_job(job_id)["json"]
    assert (job["status"], job["processed_rows"], job["imported_rows"]) == ("cancelled", 1000, 1000)
    assert len(readings_of(stack.readings_table)) == 1000


class CancellingWriter(ReadingWriter):
    """Writes the batch, and while the first is being written the owner cancels the job."""

    cancelled = False

    def upsert(self, readings, *, job_id, written_at, read=None):
        written = super().upsert(readings, job_id=job_id, written_at=written_at, read=read)
        if not self.cancelled:
            self.cancelled = True
            assert cancel(job_id)["json"]["status"] == "cancelling"
        return written


@pytest.mark.parametrize(("throttle", "counted"), [("small", 2000), ("medium", 100)])
def test_a_batch_written_while_the_job_was_cancelled_is_still_counted(stack, monkeypatch, throttle, counted):
    """With no pauses (small) the next batch is checked and written while the first is counted:
    the cancel shows at that count, and both batches written are counted before the job ends cancelled."""
    monkeypatch.setattr(handler_module("ingest").services, "readings", CancellingWriter())
    monkeypatch.setattr(handler_module("ingest").services, "sleep", lambda seconds: None)
    job_id = post_csv(hh_long_csv(2500), throttle=throttle)["json"]["job_id"]

    driver = QueueDriver(stack.queue_url)
    driver.drain()

    job = get_job(job_id)["json"]
    assert (job["status"], job["processed_rows"], job["imported_rows"]) == ("cancelled", counted, counted)
    assert job["readings_written"] == len(readings_of(stack.readings_table)) == counted
    assert driver.invocations == 1  # no continuation after a cancel


def test_a_cancel_found_while_counting_the_last_batch_of_a_segment_ends_it_without_a_continuation(
    stack, monkeypatch
):
    """Out of time after writing ahead: the batch in hand is counted while the job reads
    cancelling, and the segment ends it there (no continuation for a cancelled job)."""
    monkeypatch.setattr(handler_module("ingest").services, "readings", CancellingWriter())
    job_id = post_csv(hh_long_csv(2500), throttle="small")["json"]["job_id"]
    # (the lease takes 35 s of the budget; before the second batch, 15 s is under the 20 s margin)
    driver = QueueDriver(stack.queue_url, context_factory=lambda: FakeContext(ticking_budget(55_000, 20_000)))
    driver.drain()

    job = get_job(job_id)["json"]
    assert (job["status"], job["processed_rows"], job["readings_written"]) == ("cancelled", 1000, 1000)
    assert driver.invocations == 1


def test_cancel_is_refused_for_an_ended_job_and_hidden_from_others(stack):
    job_id = post_csv(hh_long_csv(10))["json"]["job_id"]
    QueueDriver(stack.queue_url).drain()

    assert cancel(job_id, user="mallory")["statusCode"] == 404
    refused = cancel(job_id)
    assert refused["statusCode"] == 409 and "completed" in refused["json"]["message"]


def test_a_completed_and_a_failed_import_each_send_one_event(stack, events_queue):
    good_file = hh_long_csv(50) + b"Total,,61.2,kWh,\r\n"  # (a summary row: counted apart)
    good = post_csv(good_file, throttle="medium")["json"]["job_id"]
    bad = post_csv(b"Nothing,Useful\n1,2\n")["json"]["job_id"]
    driver = QueueDriver(stack.queue_url, duplicate_every_delivery=True)
    driver.drain()

    events = events_queue()
    kinds = sorted((e["detail-type"], e["detail"]["job_id"]) for e in events)
    assert kinds == sorted([("Import Completed", good), ("Import Failed", bad)])
    completed = next(e for e in events if e["detail-type"] == "Import Completed")["detail"]
    assert (completed["processed_rows"], completed["imported_rows"], completed["owner"]) == (50, 50, "alice")
    counts = ("failed_rows", "warning_rows", "summary_rows", "readings_written", "would_insert_rows")
    assert tuple(completed[k] for k in counts) == (0, 0, 1, 50, 0)
    failed = next(e for e in events if e["detail-type"] == "Import Failed")["detail"]
    assert failed["status"] == "failed" and failed["error_message"] and failed["readings_written"] == 0


class CancelThroughTheApi(ReadingWriter):
    """Writes each batch; while the first is written the owner cancels through the API, and every
    batch after that reads the job as the API shows it (before the worker counts the batch)."""

    def __init__(self) -> None:
        super().__init__()
        self.readings: list[dict] = []
        self.answer: dict | None = None

    def upsert(self, readings, *, job_id, written_at, read=None):
        written = super().upsert(readings, job_id=job_id, written_at=written_at, read=read)
        if self.answer is None:
            self.answer = cancel(job_id)
        self.readings.append(get_job(job_id)["json"])
        return written


def test_a_cancel_while_a_worker_holds_the_job_reads_cancelling_until_its_batch_in_hand_is_counted(
    stack, monkeypatch
):
    writer = CancelThroughTheApi()
    monkeypatch.setattr(handler_module("ingest").services, "readings", writer)
    job_id = post_csv(hh_long_csv(2500), throttle="medium")["json"]["job_id"]  # 100 rows, 500 ms pauses
    monkeypatch.setattr(handler_module("ingest").services, "sleep", lambda seconds: None)

    QueueDriver(stack.queue_url).drain()

    assert writer.answer is not None and writer.answer["statusCode"] == 200
    assert writer.answer["json"]["status"] == "cancelling"
    assert writer.readings[0]["status"] == "cancelling" and writer.readings[0]["processed_rows"] == 0
    ended = get_job(job_id)["json"]
    assert (ended["status"], ended["processed_rows"], ended["imported_rows"]) == ("cancelled", 100, 100)
    assert ended["readings_written"] == len(readings_of(stack.readings_table)) == 100
    assert not any(shard["running"] for shard in ended["shards"])
    assert cancel(job_id)["statusCode"] == 409  # it has ended


def test_a_job_that_reads_cancelled_never_changes_again_when_the_late_worker_commits(stack, monkeypatch):
    """The worker's lease ran out (it looked dead), so the cancel ended the job at once; then the
    worker's batch in hand arrives: it is refused, and the job reads the same before and after."""
    upload = handler_module("upload")
    job_id = post_csv(hh_long_csv(2500), throttle="medium")["json"]["job_id"]
    seen: dict[str, dict] = {}

    class LateWriter(ReadingWriter):
        def upsert(self, readings, *, job_id, written_at, read=None):
            written = super().upsert(readings, job_id=job_id, written_at=written_at, read=read)
            if "before" not in seen:
                later = time.time() + 3600  # long after the worker's lease ran out
                monkeypatch.setattr(upload.services, "clock", lambda: later)
                assert cancel(job_id)["json"]["status"] == "cancelled"
                seen["before"] = get_job(job_id)["json"]
            return written

    monkeypatch.setattr(handler_module("ingest").services, "readings", LateWriter())
    QueueDriver(stack.queue_url).drain()

    after = get_job(job_id)["json"]
    assert seen["before"]["status"] == after["status"] == "cancelled"
    assert seen["before"] == after


def test_a_commit_after_the_job_was_cancelled_is_refused(stack):
    job_id = post_csv(hh_long_csv(300), throttle="medium")["json"]["job_id"]
    repository = JobRepository()
    lease = Lease("worker", time.time(), 60)
    repository.begin_segment(job_id, shard=0, segment=1, now_iso="2026-01-01T00:00:00.000Z", lease=lease)
    cancelled = repository.cancel(job_id, owner="alice", now=time.time() + 3600, shards=1)
    batch = BatchCommit(
        shard=0, expected_offset=0, end_offset=10, next_line=2, processed=1, imported=1, failed=0,
        readings=1, new_errors=(), final=False, now_iso="2026-01-01T00:00:01.000Z", samples=(), lease=lease,
    )  # fmt: skip

    for status in (JobStatus.PROCESSING, JobStatus.CANCELLING, JobStatus.CANCELLED):
        with pytest.raises(StaleWriteError):
            repository.commit_batch(job_id, replace(batch, job_status=status))
    assert repository.get(job_id) == cancelled


def test_a_cancelling_job_whose_worker_died_is_ended_cancelled_by_the_scheduled_run(stack, monkeypatch):
    job_id = post_csv(hh_long_csv(300), throttle="small")["json"]["job_id"]
    held_by(job_id, "died-later", claimed_at=time.time())
    assert cancel(job_id)["json"]["status"] == "cancelling"

    assert scheduled_run(monkeypatch, seconds_later=10)["cancelled"] == []  # its lease is live
    assert get_job(job_id)["json"]["status"] == "cancelling"
    report = scheduled_run(monkeypatch, seconds_later=600)

    assert report["cancelled"] == [job_id]
    job = get_job(job_id)["json"]
    assert (job["status"], job["processed_rows"]) == ("cancelled", 0)
    assert QueueDriver(stack.queue_url).drain() >= 1  # the first message finds nothing to do
    assert get_job(job_id)["json"]["status"] == "cancelled"


def test_a_job_being_cancelled_cannot_be_deleted_yet_and_says_when_it_can(stack):
    job_id = post_csv(hh_long_csv(300), throttle="small")["json"]["job_id"]
    held_by(job_id, "still-counting", claimed_at=time.time())
    assert cancel(job_id)["json"]["status"] == "cancelling"

    refused = call_route("upload", "DELETE", f"/imports/{job_id}", "/imports/{job_id}", job_id=job_id)

    assert refused["statusCode"] == 409
    assert "being cancelled" in refused["json"]["message"] and "cancelled" in refused["json"]["message"]
    assert get_job(job_id)["json"]["deleting"] is False
