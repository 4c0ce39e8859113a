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


def _rows(meter: int, stamps, value: str) -> list[str]:
    """Long rows of one length (so the file's halves are of equal bytes): values are 4 characters."""
    return [f"19000000000{meter:02d},{stamp},{value},kWh,A" for stamp in stamps]


def _half_hours(day: str, count: int, first: int = 0) -> list[str]:
    import datetime as dt

    base = dt.datetime.fromisoformat(day)
    return [
        (base + dt.timedelta(minutes=30 * i)).strftime("%Y-%m-%d %H:%M:%S")
        for i in range(first, first + count)
    ]


def repeats_across_the_middle() -> bytes:
    """500 rows a half, so two or four shards cut exactly between the halves. The first half ends
    with meter 20's readings and the two half hours of 01:00 on the day the clocks go back (meter 30,
    no offsets); the second half starts with 20 of meter 20's again (new values, one negative, one
    of them repeated inside the half too) and the same two wall-clock half hours again (the second
    hour, in GMT). Shard 0 writes its end last, so without the merge its values would win."""
    fall_back = ["2025-10-26 01:00:00", "2025-10-26 01:30:00"]
    originals = _half_hours("2025-11-10", 100)
    first = [
        *_rows(10, _half_hours("2025-11-01", 396), "1.25"),
        *_rows(20, originals, "1.25"),
        *_rows(30, fall_back, "2.00"),
        "1900000000010,2025-11-20 00:00:00,oops,kWh,A",
        "1900000000010,2025-11-20 00:30:00,1.25,kWh,A",
    ]
    second = [
        *_rows(30, fall_back, "3.00"),
        *_rows(20, originals[:1], "-1.5"),
        *_rows(20, originals[1:20], "7.50"),
        *_rows(20, originals[5:6], "8.25"),
        *_rows(11, _half_hours("2025-11-01", 477), "1.25"),
    ]
    assert len(first) == len(second) == 500 and len({len(row) for row in first + second}) == 1
    return ("\r\n".join(["MPAN,ReadDateTime,ReadValue,Unit,ReadingType", *first, *second]) + "\r\n").encode()


MERGED = (*KEYS, "warning_rows", "would_insert_rows", "would_update_rows")


@pytest.mark.parametrize("shards", [2, 4])
@pytest.mark.parametrize("dry_run", [False, True])
def test_repeats_across_shards_end_as_a_single_range_would(monkeypatch, shards, dry_run):
    body = repeats_across_the_middle()
    query = {"dry_run": "true"} if dry_run else {}
    one, one_readings, one_report, _ = run(monkeypatch, body, shards=1, **query)
    many, many_readings, many_report, _ = run(
        monkeypatch,
        body,
        shards=shards,
        context_factory=lambda: FakeContext(ticking_budget(40_000, 10_000)),
        **query,
    )

    assert len(many["shards"]) == shards
    assert {k: many[k] for k in MERGED} == {k: one[k] for k in MERGED}
    assert one["warning_rows"] == 21  # 20 repeats across the halves (one also negative), one within
    assert sorted(many["warnings"]) == sorted(one["warnings"])
    assert many_readings == one_readings  # the later value of every repeated reading; both 01:00 hours
    assert many_report == one_report
    if not dry_run:
        assert one_readings[("1900000000020", "hh#2025-11-10T00:00Z")] == ("-1.5", False)
        assert one_readings[("1900000000020", "hh#2025-11-10T02:30Z")] == ("8.25", False)


def test_a_shard_whose_kept_keys_were_never_saved_is_read_again_for_the_merge(monkeypatch):
    """A crash after a shard's last commit but before (or instead of) saving its keys: the merge
    rebuilds them from the shard's first line, warned lines included."""
    body = repeats_across_the_middle()
    one, one_readings, _, _ = run(monkeypatch, body, shards=1)
    reports = handler_module("ingest").services.reports
    monkeypatch.setattr(reports, "save_state", lambda *args, **kwargs: None)
    many, many_readings, _, _ = run(monkeypatch, body, shards=2)

    assert {k: many[k] for k in MERGED} == {k: one[k] for k in MERGED}
    assert sorted(many["warnings"]) == sorted(one["warnings"])
    assert many_readings == one_readings
