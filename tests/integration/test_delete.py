"""DELETE /imports/{job_id}: the job and its file go, and its readings are undone: each period it
wrote last goes back to what it replaced (or away); periods another job wrote since are kept; a
running job is refused."""

import boto3

from ingestion.services.ingest.undo import ReadingUndo
from tests.integration.helpers import call_route, get_job, import_csv, post_csv
from tests.support import SAMPLES, QueueDriver, hh_long_csv, readings_of, stored_items


def delete(job_id, user="alice"):
    return call_route("upload", "DELETE", f"/imports/{job_id}", "/imports/{job_id}", user, job_id=job_id)


def test_deleting_a_finished_job_removes_it_its_file_and_its_readings(stack):
    keep, _ = import_csv(stack, hh_long_csv(300, meters=1), throttle="small")
    gone, _ = import_csv(stack, hh_long_csv(600, meters=2, start_day=20), throttle="small")
    # the first 100 rows of meter 1900000000000 in `gone` overwrite... nothing: different days
    before = readings_of(stack.readings_table)

    answer = delete(gone["job_id"])
    QueueDriver(stack.queue_url).drain()

    assert answer["statusCode"] == 202
    assert get_job(gone["job_id"])["statusCode"] == 404
    after = readings_of(stack.readings_table)
    assert len(after) == len(before) - 600 and len(after) == 300
    keys = [o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket=stack.bucket).get("Contents", [])]
    assert not [key for key in keys if gone["job_id"] in key]  # its file and its error report
    assert f"uploads/{keep['job_id']}.csv" in keys and f"reports/{keep['job_id']}/errors.csv" in keys


def test_readings_that_another_job_overwrote_since_are_kept(stack):
    first, _ = import_csv(stack, hh_long_csv(200, meters=1), throttle="small")
    second, _ = import_csv(stack, hh_long_csv(100, meters=1), throttle="small")  # rewrites 100 of them

    delete(first["job_id"])
    QueueDriver(stack.queue_url).drain()

    remaining = readings_of(stack.readings_table)
    assert len(remaining) == 100  # those the second job wrote last
    assert {reading.job_id for _, _, reading in stored_items(stack.readings_table)} == {second["job_id"]}


def day_csv(value, periods=range(48), flag="A"):
    """Half hours of meter 1900000000001 on 2025-11-03: value(period) each."""
    return days_csv(1, lambda _, p: value(p), periods=periods, flag=flag)


def held(stack):
    """Each stored period: (key, value, estimated, job)."""
    return {key: (r.value_kwh, r.estimated, r.job_id) for _, key, r in stored_items(stack.readings_table)}


def test_deleting_a_reimport_puts_back_the_values_flags_and_writer_it_replaced(stack):
    # Given: alice imports a day; bob imports it again with other values, some estimated.
    alice, _ = import_csv(stack, day_csv(lambda p: f"{p}.5"), throttle="small")
    before = held(stack)
    bob, _ = import_csv(stack, day_csv(lambda p: "9", flag="E"), throttle="small", user="bob")
    assert {v for v, _, _ in held(stack).values()} == {"9"}

    # When: bob deletes his import
    assert delete(bob["job_id"], user="bob")["statusCode"] == 202
    QueueDriver(stack.queue_url).drain()

    # Then: alice's readings are back as she wrote them, value by value, and still hers.
    assert held(stack) == before
    assert {job for _, _, job in before.values()} == {alice["job_id"]}
    assert get_job(alice["job_id"])["json"]["readings_written"] == 48


def test_deleting_the_older_of_two_overlapping_imports_leaves_the_newer_ones_periods(stack):
    older, _ = import_csv(stack, day_csv(lambda p: "1"), throttle="small")
    newer, _ = import_csv(stack, day_csv(lambda p: "2", periods=range(10, 20)), throttle="small", user="bob")

    delete(older["job_id"])
    QueueDriver(stack.queue_url).drain()

    # Only the 10 periods the newer import wrote are left, with its values.
    left = held(stack)
    assert len(left) == 10
    assert set(left.values()) == {("2", False, newer["job_id"])}


def test_a_reimport_of_some_periods_leaves_the_others_and_their_writers_alone(stack):
    first, _ = import_csv(stack, day_csv(lambda p: "1"), throttle="small")
    second, _ = import_csv(
        stack, day_csv(lambda p: "2", periods=range(0, 48, 3)), throttle="small", user="bob"
    )

    stored = held(stack)
    by_writer = {
        job: sorted(k for k, (_, _, j) in stored.items() if j == job)
        for job in (first["job_id"], second["job_id"])
    }
    assert len(by_writer[second["job_id"]]) == 16 and len(by_writer[first["job_id"]]) == 32
    assert {stored[k][0] for k in by_writer[first["job_id"]]} == {"1"}
    assert {stored[k][0] for k in by_writer[second["job_id"]]} == {"2"}


def test_the_undo_goes_a_log_part_at_a_time_and_says_0_only_when_none_is_left(stack):
    job, _ = import_csv(stack, hh_long_csv(2500, meters=3), throttle="small")
    undo = ReadingUndo()
    parts = len(undo.log.parts(job["job_id"]))
    assert parts == 3  # (batches of 1,000 rows: one part each)

    pages = []
    while looked := undo.delete_page(job["job_id"]):
        pages.append(looked)

    assert len(pages) == parts and all(n > 0 for n in pages)
    assert readings_of(stack.readings_table) == {}
    assert undo.delete_page(job["job_id"]) == 0


def test_deleting_a_sites_job_removes_the_sites_it_wrote(stack):
    job, _ = import_csv(stack, (SAMPLES / "sites.csv").read_bytes(), format="sites")
    sites = boto3.client("dynamodb").scan(TableName=stack.sites_table)["Items"]
    assert len(sites) == 5

    delete(job["job_id"])
    QueueDriver(stack.queue_url).drain()

    assert get_job(job["job_id"])["statusCode"] == 404
    assert boto3.client("dynamodb").scan(TableName=stack.sites_table)["Items"] == []


def test_a_running_job_must_be_cancelled_before_it_is_deleted(stack):
    job_id = post_csv(hh_long_csv(100))["json"]["job_id"]

    refused = delete(job_id)

    assert refused["statusCode"] == 409 and "cancel" in refused["json"]["message"]
    assert delete(job_id, user="mallory")["statusCode"] == 404


def days_csv(days: int, value, repeat_at: int | None = None, periods=range(48), flag="A") -> bytes:
    """Meter 1900000000001's half hours over `days` days from 2025-11-03, value(day, period) each;
    `repeat_at`: that data row again right after it, with another value (a repeat the next batch
    writes)."""
    rows = []
    for d in range(days):
        for p in periods:
            stamp = f"2025-11-{3 + d:02d} {p // 2:02d}:{30 * (p % 2):02d}"
            rows.append(f"1900000000001,{stamp},{value(d, p)},kWh,{flag}")
            if repeat_at is not None and len(rows) == repeat_at:
                rows.append(f"1900000000001,{stamp},99,kWh,A")
    return ("MPAN,ReadDateTime,ReadValue,Unit,Flag\n" + "\n".join(rows) + "\n").encode()


def test_undo_is_exact_when_the_next_batch_is_read_while_the_last_one_is_written(stack):
    # Given: carol's readings; bob's file over them in two 1,000-row batches with no pause (the
    # second batch's days are read while the first is still being written), the first batch's
    # last reading repeated as the second batch's first
    assert post_csv(days_csv(21, lambda d, p: f"{d}.{p}"), mode="sync", user="carol")["statusCode"] == 200
    carols = held(stack)
    bob, _ = import_csv(stack, days_csv(21, lambda d, p: "5", repeat_at=1000), throttle="small", user="bob")
    assert bob["processed_rows"] == 1009 and bob["warning_rows"] == 1  # (the repeat)
    assert held(stack)[next(iter(sorted(carols)))][0] == "5"

    # When: bob deletes his import
    delete(bob["job_id"], user="bob")
    QueueDriver(stack.queue_url).drain()

    # Then: every one of carol's readings is back as she wrote it
    assert held(stack) == carols
