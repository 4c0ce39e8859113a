"""The scheduled run ({"once": true, "limit": N}) re-drives what would otherwise wait forever."""

import json
import time

import boto3
import pytest

from ingestion.domain.clock import iso, parse_iso
from ingestion.domain.errors import StaleWriteError
from ingestion.domain.throttle import Throttle
from ingestion.store.jobs import JobRepository
from tests.integration.helpers import get_job, post_csv, post_json
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


class Clock:
    """An injected clock: the worker's, the status page's and the scheduled run's time, moved by hand."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class WorkerKilled(BaseException):
    """The process died (SIGKILL, out of memory): nothing runs after it, no handler sees it."""


class DyingJobs(JobRepository):
    """The worker dies in its `die_at`th commit, before the update reaches DynamoDB (its batch is
    written but not counted); the commit it was sending is kept, to arrive late."""

    def __init__(self, die_at: int) -> None:
        self.die_at, self.commits, self.lost = die_at, 0, None

    def commit_batch(self, job_id, c):
        self.commits += 1
        if self.commits == self.die_at:
            self.lost = c
            raise WorkerKilled
        return super().commit_batch(job_id, c)


def test_a_worker_killed_mid_import_is_resumed_once_its_lease_runs_out_with_exact_counts(stack, monkeypatch):
    clock = Clock()
    ingest = handler_module("ingest")
    monkeypatch.setattr(ingest.services, "clock", clock)
    monkeypatch.setattr(handler_module("status"), "system_clock", clock)
    monkeypatch.setattr(ingest.services, "sleep", clock.advance)  # the pauses pass on the clock
    dying = DyingJobs(die_at=3)
    monkeypatch.setattr(ingest.services, "jobs", dying)
    job_id = post_csv(hh_long_csv(3000), throttle="medium")["json"]["job_id"]  # 100 rows, 100 ms pauses
    with pytest.raises(WorkerKilled):
        QueueDriver(stack.queue_url).drain()  # its message comes back only after 30 minutes
    monkeypatch.setattr(ingest.services, "jobs", JobRepository())
    died = get_job(job_id)["json"]
    assert (died["processed_rows"], died["stalled"], died["shards"][0]["running"]) == (200, False, True)

    clock.advance(30)
    assert call("ingest", load_event("scheduler_redrive.json"))["resumed"] == []  # its lease is live
    clock.advance(31)  # a minute after its last commit
    waiting = get_job(job_id)["json"]
    assert waiting["stalled"] is True and "lease ran out" in waiting["stall_reason"]
    assert call("ingest", load_event("scheduler_redrive.json"))["resumed"] == [job_id]
    QueueDriver(stack.queue_url).drain()

    done = get_job(job_id)["json"]
    assert (done["status"], done["processed_rows"], done["imported_rows"], done["failed_rows"]) == (
        "completed",
        3000,
        3000,
        0,
    )
    assert done["readings_written"] == len(readings_of(stack.readings_table)) == 3000
    with pytest.raises(StaleWriteError):  # the dead worker's commit, arriving late, counts nothing
        JobRepository().commit_batch(job_id, dying.lost)
    assert get_job(job_id)["json"] == done


def test_a_live_worker_renews_its_lease_before_a_pause_longer_than_the_lease(stack, monkeypatch):
    clock = Clock()
    ingest = handler_module("ingest")
    settings = ingest.services.settings.model_copy(update={"lease_seconds": 2, "inline_sleep_max_ms": 5000})
    monkeypatch.setattr(ingest.services, "settings", settings)
    monkeypatch.setattr(ingest.services, "clock", clock)
    job_id = post_csv(hh_long_csv(300), throttle="medium")["json"]["job_id"]
    JobRepository().change_throttle(job_id, throttle=Throttle(batch_size=100, delay_ms=3000), owner=None)
    covered: list[bool] = []

    def pause(seconds: float) -> None:
        lease = JobRepository().get(job_id).shards[0].lease_expires
        # (long enough for the pause and then a lease's length: no longer, or a death goes unseen)
        covered.append(lease is not None and clock() + seconds < lease <= clock() + seconds + 2)
        clock.advance(seconds)

    monkeypatch.setattr(ingest.services, "sleep", pause)
    driver = QueueDriver(stack.queue_url)
    driver.drain()

    job = get_job(job_id)["json"]
    assert (job["status"], job["processed_rows"], driver.invocations) == ("completed", 300, 1)
    assert covered == [True, True]


def _seen_at(stack, job_id: str) -> int:
    item = boto3.client("dynamodb").get_item(TableName=stack.jobs_table, Key={"job_id": {"S": job_id}})[
        "Item"
    ]
    return int(item["seen_at"]["N"])


class Recording(JobRepository):
    """Every commit's job as stored after it: its updated_at and the status index's seen_at."""

    def __init__(self, stack):
        self.stack, self.seen = stack, []

    def commit_batch(self, job_id, c):
        job = super().commit_batch(job_id, c)
        self.seen.append((job.updated_at, _seen_at(self.stack, job_id)))
        return job


def test_a_running_jobs_entry_in_the_status_index_moves_once_every_15_seconds_not_at_every_commit(
    stack, monkeypatch
):
    # The clock moves on 3 s each time the loop reads it (about once a batch), from a moment 1 s
    # past a multiple of 15 s: ten commits span several windows of 15 s.
    start = (int(time.time()) // 15) * 15 + 1
    ingest = handler_module("ingest")
    reads = iter(range(0, 30_000, 3))

    def clock() -> float:
        return float(start + next(reads))

    recording = Recording(stack)
    monkeypatch.setattr(ingest.services, "jobs", recording)
    monkeypatch.setattr(ingest.services, "clock", clock)
    job_id = post_csv(hh_long_csv(10_000), throttle="small")["json"]["job_id"]
    QueueDriver(stack.queue_url).drain()

    assert get_job(job_id)["json"]["status"] == "completed"
    assert len(recording.seen) == 10
    for updated_at, seen_at in recording.seen:
        assert seen_at <= parse_iso(updated_at)  # (never later: the scheduled run misses no stalled job)
        assert seen_at % 15 == 0 and parse_iso(updated_at) - seen_at < 15, (updated_at, seen_at)
    distinct = sorted({seen for _, seen in recording.seen})
    # It moved as the windows passed, fewer times than the job committed.
    assert 1 < len(distinct) < len(recording.seen), recording.seen


def test_the_scheduled_run_finds_a_job_by_its_last_update_not_by_the_status_index_time(stack):
    job_id = post_csv(hh_long_csv(10))["json"]["job_id"]
    repository = JobRepository()
    job = repository.get(job_id)
    assert job.status.value == "queued"
    seen_at = _seen_at(stack, job_id)

    def found(before: str) -> list[str]:
        return [j.job_id for j in repository.find_by_status(job.status, updated_before=before, limit=10)]

    assert found(iso(parse_iso(job.updated_at) + 0.001)) == [job_id]  # (just after its update)
    if seen_at < parse_iso(job.updated_at):  # the index holds it from seen_at, but it was updated later:
        assert found(job.updated_at) == []
    assert found(iso(seen_at)) == []
