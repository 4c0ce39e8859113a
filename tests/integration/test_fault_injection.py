"""Crash the ingest at every commit point of a multi-segment import; after redelivery the job and
the readings table must equal a clean run's.

A crash is an exception escaping the handler at the chosen moment (the record fails, its message
stays in the queue). The harness then redelivers it at once and moves the clock past the dead
invocation's lease, as the real visibility timeout (1,800 s) would."""

from __future__ import annotations

from dataclasses import dataclass

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingestion.store.events import EventPublisher
from ingestion.store.jobs import JobRepository
from ingestion.store.queue import IngestQueue
from ingestion.store.readings import ReadingWriter
from tests.integration.helpers import call_route, fresh_stack, get_job, post_csv
from tests.support import (
    FakeContext,
    QueueDriver,
    handler_module,
    hh_long_csv,
    readings_of,
    stored_items,
    ticking_budget,
)

# Two rows at the end repeat readings from the first segment (one of them negative): their
# warnings need the keys an earlier segment saw, carried across hand-offs and crashes.
FILE = hh_long_csv(700, bad_every=90) + (
    b"1900000000000,2025-11-01 00:30:00,-1.0,kWh,A\r\n1900000000001,2025-11-01 01:00:00,3.3,kWh,A\r\n"
)
COUNTS = (
    "status",
    "processed_rows",
    "imported_rows",
    "failed_rows",
    "warning_rows",
    "readings_written",
    "total_rows",
    "errors",
    "warnings",
)


VISIBILITY_TIMEOUT_S = 1800  # the ingest queue's: when a failed message comes back


class Crash(Exception):
    """The invocation dies here."""


@dataclass
class CrashPlan:
    point: str
    at_call: int
    calls: int = 0
    fired: bool = False

    def reached(self, point: str) -> bool:
        if point != self.point or self.fired:
            return False
        self.calls += 1
        if self.calls == self.at_call:
            self.fired = True
            return True
        return False


class CrashingWriter(ReadingWriter):
    def __init__(self, plan: CrashPlan) -> None:
        super().__init__()
        self.plan = plan

    def upsert(self, readings, *, job_id, written_at, read=None):
        readings = list(readings)
        if self.plan.reached("mid-batch"):
            super().upsert(readings[: len(readings) // 2], job_id=job_id, written_at=written_at, read=read)
            raise Crash("in the middle of writing a batch")
        written = super().upsert(readings, job_id=job_id, written_at=written_at, read=read)
        if self.plan.reached("rows-written-not-counted"):
            raise Crash("rows written, counters not committed")
        return written

    # Inside one write (store/readings.py): the log is put, then the whole days, then the partial ones.
    def put_items(self, unique):
        if self.plan.reached("logged-not-written"):
            raise Crash("the write's log put, no item written")
        written = super().put_items(unique)
        if unique and self.plan.reached("whole-days-not-partial"):
            raise Crash("whole days written, partial days not")
        return written


class CrashingJobs(JobRepository):
    def __init__(self, plan: CrashPlan) -> None:
        self.plan = plan

    def commit_batch(self, job_id, c):
        job = super().commit_batch(job_id, c)
        if self.plan.reached("counted-not-continued"):
            raise Crash("counters committed, nothing after")
        return job


class CrashingQueue(IngestQueue):
    def __init__(self, plan: CrashPlan) -> None:
        super().__init__()
        self.plan = plan

    def send(self, message, *, delay_seconds=0):
        if self.plan.reached("before-continuation"):
            raise Crash("continuation not sent")
        super().send(message, delay_seconds=delay_seconds)


class CrashingEvents(EventPublisher):
    def __init__(self, plan: CrashPlan) -> None:
        super().__init__()
        self.plan = plan

    def publish(self, detail_type, detail):
        if self.plan.reached("after-final-commit"):
            raise Crash("final commit done, event not sent")
        super().publish(detail_type, detail)


class Clock:
    def __init__(self) -> None:
        import time

        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def run_import(
    monkeypatch,
    plan: CrashPlan | None,
    *,
    budget_ms: int = 50_000,
    duplicate: bool = False,
    over: bytes | None = None,
):
    """Import FILE in several segments, crashing as planned; the job and readings after it. `over`:
    another user imports this first (synchronously, by the upload function, which crashes
    nowhere), and the crashed import is deleted at the end: the readings are then what undo left."""
    services = handler_module("ingest").services
    clock = Clock()
    monkeypatch.setattr(services, "clock", clock)
    monkeypatch.setattr(services, "sleep", lambda seconds: None)
    if plan is not None:
        monkeypatch.setattr(services, "readings", CrashingWriter(plan))
        monkeypatch.setattr(services, "jobs", CrashingJobs(plan))
        monkeypatch.setattr(services, "queue", CrashingQueue(plan))
        monkeypatch.setattr(services, "events", CrashingEvents(plan))
    with fresh_stack() as stack:
        if over is not None:
            assert post_csv(over, mode="sync", user="carol")["statusCode"] == 200
        job_id = post_csv(FILE, throttle="medium")["json"]["job_id"]
        sqs = boto3.client("sqs")

        def redeliver_after_the_lease_ran_out(message):
            clock.now += VISIBILITY_TIMEOUT_S  # the dead invocation's lease ran out long before
            sqs.change_message_visibility(
                QueueUrl=stack.queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )

        driver = QueueDriver(
            stack.queue_url,
            context_factory=lambda: FakeContext(ticking_budget(budget_ms, 10_000)),
            duplicate_every_delivery=duplicate,
            on_failure=redeliver_after_the_lease_ran_out,
        )
        driver.drain(max_invocations=200)
        job = get_job(job_id)["json"]
        monkeypatch.undo()
        if over is not None:
            path = f"/imports/{job_id}"
            assert (
                call_route("upload", "DELETE", path, "/imports/{job_id}", job_id=job_id)["statusCode"] == 202
            )
            QueueDriver(stack.queue_url).drain()
            return job, stored_items(stack.readings_table), driver.invocations
        report = boto3.client("s3").get_object(Bucket=stack.bucket, Key=f"reports/{job_id}/errors.csv")
        result = {k: job[k] for k in COUNTS} | {"report": report["Body"].read()}
        return result, readings_of(stack.readings_table), driver.invocations


@pytest.fixture(scope="module")
def clean_run():
    with pytest.MonkeyPatch.context() as monkeypatch:
        counts, readings, invocations = run_import(monkeypatch, None)
    assert counts["status"] == "completed" and invocations > 1  # really several segments
    # the two repeats are found although their first rows were read by an earlier segment
    assert counts["warning_rows"] == 2 and len(counts["warnings"]) == 3
    assert counts["warnings"][0].startswith("Line 702: meter 1900000000000 at 2025-11-01 half hour 2")
    assert counts["warnings"][1].startswith("Line 702, column 3 (ReadValue): negative reading -1.0 kWh")
    assert readings[("1900000000000", "hh#2025-11-01T00:30Z")] == ("-1.0", False)
    assert counts["report"].count(b"\r\n") == 1 + counts["failed_rows"]
    return counts, readings


# 7 batches of 100 rows, a few a segment: several segments, continuations and one final commit.
PLANS = (
    [CrashPlan("rows-written-not-counted", n) for n in range(1, 8)]
    + [CrashPlan("mid-batch", n) for n in (1, 4, 7)]
    + [CrashPlan("logged-not-written", n) for n in (1, 4, 7)]
    + [CrashPlan("whole-days-not-partial", 1)]  # (the file has one batch holding whole days)
    + [CrashPlan("counted-not-continued", n) for n in range(1, 8)]
    + [CrashPlan("before-continuation", n) for n in (1, 2)]
    + [CrashPlan("after-final-commit", 1)]
)


@pytest.mark.parametrize("plan", PLANS, ids=lambda p: f"{p.point}-{p.at_call}")
def test_a_crash_at_any_commit_point_ends_equal_to_a_clean_run(monkeypatch, clean_run, plan):
    counts, readings, _ = run_import(monkeypatch, plan)

    assert plan.fired, "the crash point was never reached: the plan tests nothing"
    assert counts == clean_run[0]
    assert readings == clean_run[1]


# Another import of the same readings, with other values: what undo must put back.
EARLIER = FILE.replace(b",kWh,", b"7,kWh,")
UNDO_PLANS = (
    [CrashPlan("logged-not-written", n) for n in (1, 4)]
    + [CrashPlan("whole-days-not-partial", 1)]
    + [CrashPlan("mid-batch", n) for n in (1, 4)]
    + [CrashPlan("rows-written-not-counted", n) for n in (1, 7)]
)


@pytest.fixture(scope="module")
def earlier_import():
    """The readings of EARLIER alone, who wrote each left out."""
    with fresh_stack() as stack:
        assert post_csv(EARLIER, mode="sync", user="carol")["statusCode"] == 200
        return {(p, k): (r.value_kwh, r.estimated) for p, k, r in stored_items(stack.readings_table)}


@pytest.mark.parametrize("plan", UNDO_PLANS, ids=lambda p: f"{p.point}-{p.at_call}")
def test_deleting_an_import_that_crashed_on_the_way_puts_back_exactly_what_it_replaced(
    monkeypatch, earlier_import, plan
):
    job, items, _ = run_import(monkeypatch, plan, over=EARLIER)

    assert plan.fired and job["status"] == "completed"
    assert {(p, k): (r.value_kwh, r.estimated) for p, k, r in items} == earlier_import
    assert {r.job_id for _, _, r in items} == {items[0][2].job_id} and items[0][2].job_id != job["job_id"]


class InterleavingWriter(ReadingWriter):
    """While the first worker writes its first batch, it stalls past its lease and a second
    delivery of the same message runs to the end: two workers on one batch."""

    def __init__(self, clock: Clock, rival) -> None:
        super().__init__()
        self.clock, self.rival, self.done = clock, rival, False

    def upsert(self, readings, *, job_id, written_at, read=None):
        written = super().upsert(readings, job_id=job_id, written_at=written_at, read=read)
        if not self.done:
            self.done = True
            self.clock.now += VISIBILITY_TIMEOUT_S
            self.rival()
        return written


def test_a_worker_that_outlived_its_lease_cannot_count_its_batch_again(monkeypatch, clean_run):
    services = handler_module("ingest").services
    clock = Clock()
    monkeypatch.setattr(services, "clock", clock)
    monkeypatch.setattr(services, "sleep", lambda seconds: None)
    with fresh_stack() as stack:
        job_id = post_csv(FILE, throttle="medium")["json"]["job_id"]
        sqs = boto3.client("sqs")
        (message,) = sqs.receive_message(QueueUrl=stack.queue_url, MaxNumberOfMessages=1)["Messages"]
        arn = sqs.get_queue_attributes(QueueUrl=stack.queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        from tests.support import call, sqs_event

        def deliver(context: FakeContext) -> None:
            call("ingest", sqs_event([message], arn), context)

        # The rival does one batch and hands over, leaving the job processing.
        rival = lambda: deliver(FakeContext(ticking_budget(25_000, 10_000)))  # noqa: E731
        monkeypatch.setattr(services, "readings", InterleavingWriter(clock, rival))
        deliver(FakeContext())  # the slow first worker; the rival runs inside its first batch
        sqs.delete_message(QueueUrl=stack.queue_url, ReceiptHandle=message["ReceiptHandle"])
        QueueDriver(stack.queue_url).drain()

        job = get_job(job_id)["json"]
        assert {k: job[k] for k in COUNTS} == {k: v for k, v in clean_run[0].items() if k != "report"}
        assert readings_of(stack.readings_table) == clean_run[1]


class ManyCrashes(CrashPlan):
    """Several crash points at once: each (point, nth call) fires once."""

    def __init__(self, points: set[tuple[str, int]]) -> None:
        super().__init__(point="", at_call=0)
        self.points = points
        self.counts: dict[str, int] = {}

    def reached(self, point: str) -> bool:
        self.counts[point] = self.counts.get(point, 0) + 1
        if (point, self.counts[point]) in self.points:
            self.fired = True
            return True
        return False


POINTS = [
    "rows-written-not-counted",
    "mid-batch",
    "logged-not-written",
    "whole-days-not-partial",
    "counted-not-continued",
    "before-continuation",
    "after-final-commit",
]


@given(
    crashes=st.sets(st.tuples(st.sampled_from(POINTS), st.integers(1, 8)), max_size=4),
    duplicate=st.booleans(),
    ticks=st.integers(2, 7),
)
@settings(max_examples=10, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_any_mix_of_crashes_duplicate_deliveries_and_short_time_limits_ends_equal_to_a_clean_run(
    clean_run, crashes, duplicate, ticks
):
    with pytest.MonkeyPatch.context() as monkeypatch:
        counts, readings, _ = run_import(
            monkeypatch, ManyCrashes(crashes), budget_ms=20_000 + 10_000 * ticks, duplicate=duplicate
        )
    assert counts == clean_run[0]
    assert readings == clean_run[1]
