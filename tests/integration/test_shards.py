"""A large file split into byte ranges that import in parallel ends exactly as one range would."""

from __future__ import annotations

import boto3
import pytest

from tests.integration.helpers import fresh_stack, import_csv
from tests.support import FakeContext, handler_module, hh_long_csv, readings_of, ticking_budget

FILE = hh_long_csv(3000, meters=3, bad_every=101)
KEYS = ("status", "processed_rows", "imported_rows", "failed_rows", "readings_written", "total_rows")


def run(monkeypatch, body: bytes, *, shards: int, **kwargs):
    services = handler_module("ingest").services
    split = services.settings.model_copy(
        update={"shard_min_bytes": 1 if shards > 1 else 0, "max_shards": shards}
    )
    monkeypatch.setattr(services, "settings", split)
    with fresh_stack() as stack:
        job, driver = import_csv(stack, body, throttle="medium", **kwargs)
        report = boto3.client("s3").get_object(Bucket=stack.bucket, Key=f"reports/{job['job_id']}/errors.csv")
        return job, readings_of(stack.readings_table), report["Body"].read(), driver


@pytest.mark.parametrize("shards", [2, 4])
def test_a_split_import_equals_a_single_range_one(monkeypatch, shards):
    one, one_readings, one_report, _ = run(monkeypatch, FILE, shards=1)
    many, many_readings, many_report, driver = run(
        monkeypatch, FILE, shards=shards, context_factory=lambda: FakeContext(ticking_budget(40_000, 10_000))
    )

    assert {k: many[k] for k in KEYS} == {k: one[k] for k in KEYS}
    assert many_readings == one_readings
    assert many_report == one_report  # the error report is in file order whatever order shards ran
    assert sorted(many["errors"]) == sorted(one["errors"])  # the first 50, whoever committed first
    assert many["total_rows_exact"] and many["percent"] == 100.0
    assert driver.invocations > shards  # every shard ran, several segments each


def test_a_file_with_quotes_is_not_split(monkeypatch):
    quoted = FILE.replace(b",kWh,", b',"kWh",', 1)
    job, readings, _, _ = run(monkeypatch, quoted, shards=4)
    assert (job["status"], job["processed_rows"]) == ("completed", 3000)
    assert len(readings) == 3000 - 29


def test_every_shard_done_but_the_completer_died_is_completed_by_a_redelivery(monkeypatch):
    from dataclasses import replace

    from ingestion.store.jobs import JobRepository

    class RaceThenDeath(JobRepository):
        """The last shard's view is stale (another shard seemed to be running), so it marks itself
        done without completing; then it dies before the separate completing update."""

        died = False

        def commit_batch(self, job_id, c):
            return super().commit_batch(job_id, replace(c, complete=False))

        def complete(self, job_id, **kwargs):
            if not RaceThenDeath.died:
                RaceThenDeath.died = True
                raise RuntimeError("died before completing the job")
            return super().complete(job_id, **kwargs)

    services = handler_module("ingest").services
    monkeypatch.setattr(services, "jobs", RaceThenDeath())
    job, readings, _, _ = run(monkeypatch, FILE, shards=3)

    assert RaceThenDeath.died and job["status"] == "completed" and job["total_rows"] == 3000
    assert (job["processed_rows"], job["failed_rows"], len(readings)) == (3000, 29, 2971)


def test_the_status_shows_a_split_jobs_shards(monkeypatch):
    job, _, _, _ = run(monkeypatch, FILE, shards=3)
    assert [s["done"] for s in job["shards"]] == [True, True, True]
    assert job["shards"][0]["start"] == 0 and job["shards"][-1]["end"] is None
