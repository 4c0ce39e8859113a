from dataclasses import replace

from ingestion.domain.clock import iso
from ingestion.domain.health import Patience, diagnose
from ingestion.domain.job import Job, JobStatus, Shard
from ingestion.domain.throttle import PRESETS

NOW = 1_800_000_000.0
PATIENCE = Patience(stall_after_s=900, queued_s=120)


def job(status=JobStatus.PROCESSING, idle=0.0, **changes) -> Job:
    base = Job(
        job_id="j",
        owner="o",
        filename="f.csv",
        format="auto",
        dry_run=False,
        status=status,
        s3_key="k",
        throttle=PRESETS["large"],
        created_at=iso(NOW - 5000),
        updated_at=iso(NOW - idle),
    )
    lease = changes.pop("lease_expires", None)
    if lease is not None:  # a lease is held on a shard
        changes["shards"] = (Shard(start=0, end=None, offset=0, line=1, holder="w", lease_expires=lease),)
    return replace(base, **changes)


def test_a_job_that_commits_regularly_is_not_stalled():
    assert diagnose(job(idle=30, lease_expires=NOW + 60), NOW, PATIENCE).stalled is False


def test_a_job_whose_worker_died_is_stalled_and_says_so():
    health = diagnose(job(idle=1000, lease_expires=NOW - 700), NOW, PATIENCE)
    assert health.stalled and "lease ran out" in health.reason and "scheduled run" in health.reason


def test_a_job_with_no_worker_and_no_continuation_is_stalled():
    health = diagnose(job(idle=1000), NOW, PATIENCE)
    assert health.stalled and "no worker holds it" in health.reason


def test_a_queued_job_nobody_picked_up_is_stalled_after_a_couple_of_minutes():
    assert diagnose(job(JobStatus.QUEUED, idle=60), NOW, PATIENCE).stalled is False
    health = diagnose(job(JobStatus.QUEUED, idle=300), NOW, PATIENCE)
    assert health.stalled and "re-queue" in health.reason


def test_a_job_waiting_for_its_retry_is_not_stalled_but_says_what_it_waits_for():
    health = diagnose(job(idle=5000, next_retry_at=NOW + 60, last_error="Throttled"), NOW, PATIENCE)
    assert health.stalled is False and "waiting to retry" in health.reason and "Throttled" in health.reason


def test_a_long_throttle_pause_is_allowed_for():
    slow = job(idle=1500, throttle=PRESETS["large"].model_copy(update={"delay_ms": 900_000}))
    assert diagnose(slow, NOW, PATIENCE).stalled is False


def test_finished_jobs_are_never_stalled():
    assert diagnose(job(JobStatus.COMPLETED, idle=10**6), NOW, PATIENCE).stalled is False


def test_a_shard_runs_while_its_lease_lasts_and_not_after_its_worker_died():
    from ingestion.http.responses import JobView

    def running(lease_expires: float) -> bool:
        cancelled = job(status=JobStatus.CANCELLED, lease_expires=lease_expires)
        return JobView.of(cancelled, NOW, PATIENCE).shards[0].running

    assert running(NOW + 60)  # the batch in hand when it was cancelled is still to be counted
    assert not running(NOW - 1)


def test_a_job_being_cancelled_by_a_live_worker_is_not_stalled_and_says_so():
    health = diagnose(job(JobStatus.CANCELLING, idle=5, lease_expires=NOW + 30), NOW, PATIENCE)
    assert health.stalled is False and "being cancelled" in health.reason


def test_a_job_being_cancelled_whose_worker_died_is_stalled_until_the_scheduled_run_ends_it():
    health = diagnose(job(JobStatus.CANCELLING, idle=100, lease_expires=NOW - 1), NOW, PATIENCE)
    assert health.stalled and "ends it as cancelled" in health.reason


def test_a_job_whose_worker_died_is_stalled_as_soon_as_its_lease_runs_out():
    assert diagnose(job(idle=50, lease_expires=NOW + 10), NOW, PATIENCE).stalled is False
    health = diagnose(job(idle=61, lease_expires=NOW - 1), NOW, PATIENCE)
    assert health.stalled and "lease ran out" in health.reason and "scheduled run" in health.reason
