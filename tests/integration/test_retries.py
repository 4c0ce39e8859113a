"""Transient failures are retried after back-offs that really wait; the last try fails the job once."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError

from ingestion.domain.errors import WriteThrottledError
from ingestion.domain.messages import IngestMessage
from ingestion.store.queue import IngestQueue
from ingestion.store.readings import ReadingWriter
from tests.integration.helpers import get_job, post_csv
from tests.support import QueueDriver, call, handler_module, hh_long_csv, sqs_event


def server_error() -> ClientError:
    return ClientError({"Error": {"Code": "InternalServerError", "Message": "try again"}}, "BatchWriteItem")


class FlakyWriter(ReadingWriter):
    """The first `failures` batches fail with a transient error."""

    def __init__(self, failures: int, error=server_error) -> None:
        super().__init__()
        self.failures = failures
        self.error = error

    def upsert(self, readings, *, job_id, written_at):
        if self.failures > 0:
            self.failures -= 1
            raise self.error()
        return super().upsert(readings, job_id=job_id, written_at=written_at)


class RecordingQueue(IngestQueue):
    """Sends at once (moto would really wait) but remembers the delay each message asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.delays: list[int] = []

    def send(self, message, *, delay_seconds=0):
        self.delays.append(delay_seconds)
        super().send(message, delay_seconds=0)


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ingest(monkeypatch):
    services = handler_module("ingest").services
    clock, queue = Clock(), RecordingQueue()
    monkeypatch.setattr(services, "clock", clock)
    monkeypatch.setattr(services, "queue", queue)
    monkeypatch.setattr(services, "sleep", lambda seconds: None)
    return services, clock, queue


def test_a_transient_failure_waits_its_back_off_then_the_import_completes_exactly(stack, ingest, monkeypatch):
    services, clock, queue = ingest
    monkeypatch.setattr(services, "readings", FlakyWriter(failures=2))
    job_id = post_csv(hh_long_csv(1500), throttle="small")["json"]["job_id"]
    driver = QueueDriver(stack.queue_url)

    driver.step(1)
    waiting = get_job(job_id)["json"]
    assert (waiting["status"], waiting["retry_count"], waiting["processed_rows"]) == ("processing", 1, 0)
    assert "InternalServerError" in waiting["last_error"] and waiting["next_retry_at"]
    assert queue.delays == [120]

    driver.step(1)  # the message came early (the recording queue did not wait): sent back to wait
    assert queue.delays[-1] == 120 and get_job(job_id)["json"]["retry_count"] == 1

    clock.now += 121
    driver.step(1)  # second failure: 4 minutes
    assert queue.delays[-1] == 240
    clock.now += 241
    driver.drain()

    job = get_job(job_id)["json"]
    assert (job["status"], job["processed_rows"], job["imported_rows"], job["retry_count"]) == (
        "completed",
        1500,
        1500,
        2,
    )
    assert job["next_retry_at"] is None


def test_after_the_last_retry_the_job_fails_once_with_the_reason(stack, ingest, monkeypatch):
    services, clock, queue = ingest
    monkeypatch.setattr(services, "readings", FlakyWriter(failures=100))
    job_id = post_csv(hh_long_csv(100))["json"]["job_id"]
    driver = QueueDriver(stack.queue_url)

    for _ in range(10):
        driver.step(1)
        clock.now += 3600
    job = get_job(job_id)["json"]

    assert job["status"] == "failed" and job["retry_count"] == 3
    assert "given up" in job["error_message"] and "InternalServerError" in job["error_message"]
    assert queue.delays == [120, 240, 480]


def test_the_last_delivery_of_a_message_that_keeps_failing_fails_its_job(stack, ingest, monkeypatch):
    services, clock, _ = ingest

    class Broken(ReadingWriter):
        def upsert(self, readings, *, job_id, written_at):
            raise RuntimeError("a bug")

    monkeypatch.setattr(services, "readings", Broken())
    job_id = post_csv(hh_long_csv(10))["json"]["job_id"]
    body = IngestMessage(job_id=job_id).model_dump_json()
    arn = "arn:aws:sqs:eu-west-2:123456789012:csv-import-ingest"

    def deliver(receive_count: int) -> dict:
        record = {
            "MessageId": "m-1",
            "ReceiptHandle": "r",
            "MD5OfBody": "x",
            "Body": body,
            "Attributes": {"ApproximateReceiveCount": str(receive_count)},
        }
        with pytest.raises(Exception, match="All records failed"):
            call("ingest", sqs_event([record], arn))
        clock.now += 1800  # the queue's visibility timeout: the dead invocation's lease ran out
        return get_job(job_id)["json"]

    assert [deliver(n)["status"] for n in (1, 2, 3, 4)] == ["processing"] * 4
    failed = deliver(5)
    assert failed["status"] == "failed"
    assert "dead-letter queue" in failed["error_message"] and "a bug" in failed["error_message"]


def test_throttling_alone_never_fails_a_job_it_waits_and_goes_on(stack, ingest, monkeypatch):
    services, clock, queue = ingest
    throttled = lambda: WriteThrottledError("3 readings still unprocessed after 10 tries")  # noqa: E731
    monkeypatch.setattr(services, "readings", FlakyWriter(failures=8, error=throttled))
    job_id = post_csv(hh_long_csv(300))["json"]["job_id"]
    driver = QueueDriver(stack.queue_url)

    for _ in range(8):
        driver.step(1)
        waiting = get_job(job_id)["json"]
        assert waiting["status"] == "processing" and waiting["throttled"] is True
        clock.now += 121
    driver.drain()

    job = get_job(job_id)["json"]
    assert (job["status"], job["processed_rows"], job["retry_count"]) == ("completed", 300, 0)
    assert queue.delays == [120] * 8  # the same 2-minute wait each time, never a failure
