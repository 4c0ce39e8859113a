"""Every AWS failure is one of three kinds, and the job does what its kind says: throttling waits and
goes on (never failing the job), a transient fault is retried after back-offs that really wait (the
last try fails the job once), anything else fails the job at once. pynamodb's exceptions are
classified by the botocore error they wrap. The job's messages say what happened in plain words;
the raw error is in the operator's log line, with the job id."""

from __future__ import annotations

import json
import time

import boto3
import pytest
from botocore.exceptions import ClientError
from pynamodb.exceptions import UpdateError, VerboseClientError

from ingestion.domain.errors import WriteThrottledError
from ingestion.domain.messages import IngestMessage
from ingestion.store.jobs import JobRepository
from ingestion.store.queue import IngestQueue
from ingestion.store.readings import ReadingWriter
from tests.integration.helpers import get_job, post_csv
from tests.support import QueueDriver, call, handler_module, hh_long_csv, readings_of, sqs_event

JOBS_TABLE_ARN = "arn:aws:dynamodb:eu-west-2:123456789012:table/csv-import-jobs"
ROLE_ARN = "arn:aws:sts::123456789012:assumed-role/csv-import-ingest/csv-import-fn"
# What no message a user reads may carry: table names, ARNs, request ids, exception names, codes.
RAW = ("csv-import-jobs", "arn:aws", "REQ0123456789", "UpdateError", "ClientError", "Exception")


def server_error() -> ClientError:
    return ClientError({"Error": {"Code": "InternalServerError", "Message": "try again"}}, "BatchWriteItem")


def jobs_table_error(code: str, message: str, status: int = 400) -> UpdateError:
    """What pynamodb raises when the jobs table refuses an update: the ClientError is its cause."""
    cause = VerboseClientError(
        {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status, "RequestId": "REQ0123456789"},
        },
        "UpdateItem",
        {"table_name": "csv-import-jobs", "request_id": "REQ0123456789"},
    )
    return UpdateError(f"Failed to update item: {cause}", cause)


class FailingCommits(JobRepository):
    """The jobs table refuses `times` commits of a batch in a row, from the `at`-th."""

    def __init__(self, error, *, at: int, times: int) -> None:
        self.error, self.at, self.times, self.calls = error, at, times, 0

    def commit_batch(self, job_id, c):
        self.calls += 1
        if self.at <= self.calls < self.at + self.times:
            raise self.error()
        return super().commit_batch(job_id, c)


def user_facing(job: dict) -> str:
    """The whole API view of the job (error_message, last_error, throttled_reason, stall_reason...)."""
    return json.dumps(job)


def operator_lines(output, job_id: str) -> list[dict]:
    """The JSON log lines about the job that carry an error."""
    lines = [json.loads(line) for line in output.getvalue().splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("job_id") == job_id and "error" in line]


def queue_is_empty(queue_url: str) -> bool:
    """No message waiting, none in flight (a failed delivery would be in flight, to come back)."""
    attributes = boto3.client("sqs", region_name="eu-west-2").get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return set(attributes.values()) == {"0"}


INGEST_QUEUE_ARN = "arn:aws:sqs:eu-west-2:123456789012:csv-import-ingest"


def deliver_failing(job_id: str, receive_count: int) -> None:
    """Deliver the job's first message as its `receive_count`-th delivery; the handler reports it
    failed (for the queue to deliver it again, or to dead-letter it after the last)."""
    record = {
        "MessageId": "m-1",
        "ReceiptHandle": "r",
        "MD5OfBody": "x",
        "Body": IngestMessage(job_id=job_id).model_dump_json(),
        "Attributes": {"ApproximateReceiveCount": str(receive_count)},
    }
    with pytest.raises(Exception, match="All records failed"):
        call("ingest", sqs_event([record], INGEST_QUEUE_ARN))


class ThrottledClaims(JobRepository):
    """The jobs table throttles every claim of a shard."""

    def begin_segment(self, job_id, **kwargs):
        raise jobs_table_error("ThrottlingException", f"Rate exceeded for {JOBS_TABLE_ARN}")


# 3,000 rows in batches of 1,000 (small: no pause, each batch written while the one before is counted)
FILE = hh_long_csv(3000, bad_every=250)
EXACT = {"status": "completed", "processed_rows": 3000, "imported_rows": 2988, "failed_rows": 12}


class FlakyWriter(ReadingWriter):
    """The first `failures` batches fail with a transient error."""

    def __init__(self, failures: int, error=server_error) -> None:
        super().__init__()
        self.failures = failures
        self.error = error

    def upsert(self, readings, *, job_id, written_at, read=None):
        if self.failures > 0:
            self.failures -= 1
            raise self.error()
        return super().upsert(readings, job_id=job_id, written_at=written_at, read=read)


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
    assert waiting["last_error"] == "The database had a passing fault; the import will try again by itself."
    assert waiting["next_retry_at"]
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
    assert job["error_message"] == (
        "The database kept failing (4 tries), so the import was stopped; start it again later. "
        f"The operator's logs have the details under job id {job_id}."
    )
    assert queue.delays == [120, 240, 480]


def test_the_last_delivery_of_a_message_that_keeps_failing_fails_its_job(
    stack, ingest, monkeypatch, function_output
):
    services, clock, _ = ingest

    class Broken(ReadingWriter):
        def upsert(self, readings, *, job_id, written_at, read=None):
            raise RuntimeError("a bug")

    monkeypatch.setattr(services, "readings", Broken())
    job_id = post_csv(hh_long_csv(10))["json"]["job_id"]

    def deliver(receive_count: int) -> dict:
        deliver_failing(job_id, receive_count)
        clock.now += 1800  # the queue's visibility timeout: the dead invocation's lease ran out
        return get_job(job_id)["json"]

    assert [deliver(n)["status"] for n in (1, 2, 3, 4)] == ["processing"] * 4
    failed = deliver(5)
    assert failed["status"] == "failed"
    assert failed["error_message"] == (
        "The import kept failing (5 tries) because of an unexpected error in the service, and was "
        f"stopped. The operator's logs have the details under job id {job_id}."
    )
    assert [shard["running"] for shard in failed["shards"]] == [False]
    (line,) = [line for line in operator_lines(function_output, job_id) if "dead-letter" in line["message"]]
    assert "RuntimeError: a bug" in line["error"]


def test_the_last_delivery_failing_for_throttling_leaves_the_job_to_the_re_drive(stack, ingest, monkeypatch):
    services, _, _ = ingest
    monkeypatch.setattr(services, "jobs", ThrottledClaims())
    job_id = post_csv(hh_long_csv(10))["json"]["job_id"]
    deliver_failing(job_id, 5)  # the last: SQS dead-letters it next

    assert get_job(job_id)["json"]["status"] == "queued"  # not failed: throttling never fails a job


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


def test_throttling_on_the_jobs_table_waits_and_the_import_completes_exactly(
    stack, ingest, monkeypatch, function_output
):
    services, clock, queue = ingest
    busy = lambda: jobs_table_error(  # noqa: E731
        "ProvisionedThroughputExceededException",
        f"The level of configured provisioned throughput for the table was exceeded ({JOBS_TABLE_ARN})",
    )
    monkeypatch.setattr(services, "jobs", FailingCommits(busy, at=2, times=3))
    job_id = post_csv(FILE, throttle="small")["json"]["job_id"]
    driver = QueueDriver(stack.queue_url)

    driver.step(1)  # the second batch's commit is throttled: the job waits, it does not fail
    waiting = get_job(job_id)["json"]
    assert (waiting["status"], waiting["processed_rows"], waiting["retry_count"]) == ("processing", 1000, 0)
    assert waiting["throttled"] is True and waiting["next_retry_at"]
    assert waiting["last_error"] == "The database was busy; the import will go on by itself."
    assert not any(raw in user_facing(waiting) for raw in RAW), user_facing(waiting)
    for _ in range(2):
        clock.now += 121
        driver.step(1)
    clock.now += 121
    driver.drain()

    job = get_job(job_id)["json"]
    assert {k: job[k] for k in EXACT} == EXACT and job["retry_count"] == 0
    assert len(readings_of(stack.readings_table)) == 2988
    assert queue.delays[:3] == [120, 120, 120]  # the same wait each time: throttling never escalates
    (line, *_) = operator_lines(function_output, job_id)
    assert "ProvisionedThroughputExceededException" in line["error"] and "csv-import-jobs" in line["error"]


def test_a_permanent_error_on_the_jobs_table_fails_the_job_at_once_and_releases_its_shard(
    stack, ingest, monkeypatch, function_output
):
    services, _, queue = ingest
    too_big = lambda: jobs_table_error(  # noqa: E731
        "ValidationException", f"Item size to update has exceeded the maximum allowed size ({JOBS_TABLE_ARN})"
    )
    monkeypatch.setattr(services, "jobs", FailingCommits(too_big, at=2, times=100))
    job_id = post_csv(FILE, throttle="small")["json"]["job_id"]

    QueueDriver(stack.queue_url).step(1)  # one delivery: no redelivery needed

    job = get_job(job_id)["json"]
    assert job["status"] == "failed" and job["retry_count"] == 0 and queue.delays == []
    assert job["error_message"] == (
        "The import could not save its progress (a database error); it was stopped. "
        f"The operator's logs have the details under job id {job_id}."
    )
    assert not any(raw in user_facing(job) for raw in RAW), user_facing(job)
    assert [shard["running"] for shard in job["shards"]] == [False] and job["stalled"] is False
    stored = JobRepository().get(job_id)
    assert all(s.holder is None and s.lease_expires is None for s in stored.shards)
    assert queue_is_empty(stack.queue_url)  # acknowledged, not left to come back
    lines = operator_lines(function_output, job_id)
    assert any(JOBS_TABLE_ARN in line["error"] and "csv-import-jobs" in line["error"] for line in lines), (
        lines
    )


def test_a_transient_error_on_the_jobs_table_is_retried_with_back_off_then_completes(
    stack, ingest, monkeypatch
):
    services, clock, queue = ingest
    fault = lambda: jobs_table_error("InternalServerError", "Internal server error", status=500)  # noqa: E731
    monkeypatch.setattr(services, "jobs", FailingCommits(fault, at=2, times=2))
    job_id = post_csv(FILE, throttle="small")["json"]["job_id"]
    driver = QueueDriver(stack.queue_url)

    driver.step(1)
    waiting = get_job(job_id)["json"]
    assert (waiting["status"], waiting["retry_count"], waiting["throttled"]) == ("processing", 1, False)
    assert waiting["last_error"] == "The database had a passing fault; the import will try again by itself."
    clock.now += 121
    driver.step(1)
    clock.now += 241
    driver.drain()

    job = get_job(job_id)["json"]
    assert {k: job[k] for k in EXACT} == EXACT and job["retry_count"] == 2
    assert queue.delays[:2] == [120, 240]
    assert len(readings_of(stack.readings_table)) == 2988


def test_a_permanent_error_writing_records_fails_the_job_at_once_not_after_every_retry(
    stack, ingest, monkeypatch, function_output
):
    services, _, queue = ingest
    denied = lambda: ClientError(  # noqa: E731
        {
            "Error": {
                "Code": "AccessDeniedException",
                "Message": f"User: {ROLE_ARN} is not authorized to perform: dynamodb:BatchWriteItem",
            }
        },
        "BatchWriteItem",
    )
    monkeypatch.setattr(services, "readings", FlakyWriter(failures=100, error=denied))
    job_id = post_csv(hh_long_csv(100))["json"]["job_id"]

    QueueDriver(stack.queue_url).step(1)

    job = get_job(job_id)["json"]
    assert job["status"] == "failed" and job["retry_count"] == 0 and queue.delays == []
    assert job["error_message"].startswith("The import could not save its progress (a database error)")
    assert not any(raw in user_facing(job) for raw in RAW), user_facing(job)
    assert any(ROLE_ARN in line["error"] for line in operator_lines(function_output, job_id))


def test_a_job_failed_on_its_header_shows_no_shard_running(stack, ingest):
    job_id = post_csv(b"colour,shape\r\nred,round\r\n")["json"]["job_id"]

    QueueDriver(stack.queue_url).step(1)

    job = get_job(job_id)["json"]
    assert job["status"] == "failed"
    assert [shard["running"] for shard in job["shards"]] == [False]


def test_a_permanent_error_claiming_the_shard_fails_the_job_at_once(
    stack, ingest, monkeypatch, function_output
):
    services, _, _ = ingest

    class RefusingJobs(JobRepository):
        def begin_segment(self, job_id, **kwargs):
            raise jobs_table_error(
                "AccessDeniedException", f"not authorized to perform UpdateItem on {JOBS_TABLE_ARN}"
            )

    monkeypatch.setattr(services, "jobs", RefusingJobs())
    job_id = post_csv(hh_long_csv(10))["json"]["job_id"]

    QueueDriver(stack.queue_url).step(1)  # the first delivery, not the fifth

    job = get_job(job_id)["json"]
    assert job["status"] == "failed" and job["processed_rows"] == 0
    assert job["error_message"].startswith("The import could not save its progress (a database error)")
    assert not any(raw in user_facing(job) for raw in RAW), user_facing(job)
    assert queue_is_empty(stack.queue_url)
    assert any(JOBS_TABLE_ARN in line["error"] for line in operator_lines(function_output, job_id))


def test_throttling_while_claiming_the_shard_leaves_the_message_to_come_back(stack, ingest, monkeypatch):
    services, _, _ = ingest
    monkeypatch.setattr(services, "jobs", ThrottledClaims())
    job_id = post_csv(hh_long_csv(10))["json"]["job_id"]
    deliver_failing(job_id, 1)  # the queue delivers it again

    assert get_job(job_id)["json"]["status"] == "queued"
