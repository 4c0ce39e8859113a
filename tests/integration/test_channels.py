"""The channel is part of a reading's natural key: the same meter and half hour on import and on
reactive import are two readings (two items, both counted), never a repeat, never an update of
each other; deleting the job removes both. The files name each row's channel in a "Channel"
(measurement type) column."""

from __future__ import annotations

from tests.integration.helpers import call_route, import_csv
from tests.support import QueueDriver, handler_module, readings_of, stored_items

HEADER = "MPAN,ReadDateTime,ReadValue,Channel"
SK = "hh#2025-11-01T00:00Z"


def csv(*rows: str) -> bytes:
    return "\n".join([HEADER, *rows, ""]).encode()


def test_kwh_and_kvarh_for_the_same_half_hour_are_two_readings_both_kept_and_counted(stack):
    both = csv(
        "1900000000001,2025-11-01 00:00,1.5,import", "1900000000001,2025-11-01 00:00,0.4,reactive_import"
    )
    job, _ = import_csv(stack, both)

    assert (job["status"], job["imported_rows"], job["readings_written"]) == ("completed", 2, 2)
    assert (job["warning_rows"], job["warnings"]) == (0, [])
    assert readings_of(stack.readings_table) == {
        ("1900000000001", SK): ("1.5", False),  # active import: the meter id is the key, as before
        ("1900000000001#reactive_import", SK): ("0.4", False),
    }


def test_the_same_meter_channel_and_half_hour_twice_is_still_a_repeat(stack):
    job, _ = import_csv(
        stack,
        csv(
            "1900000000001,2025-11-01 00:00,0.4,reactive_import",
            "1900000000001,2025-11-01 00:00,1.5,import",
            "1900000000001,2025-11-01 00:00,0.6,reactive_import",
        ),
    )

    assert job["warnings"] == [
        "Line 4: meter 1900000000001 (channel reactive_import) at 2025-11-01 half hour 1 "
        "(2025-11-01 00:00 UTC) appears earlier in the file too; this row's is kept"
    ]
    assert readings_of(stack.readings_table) == {
        ("1900000000001", SK): ("1.5", False),
        ("1900000000001#reactive_import", SK): ("0.6", False),  # the last occurrence's
    }


def test_a_dry_run_counts_readings_of_another_channel_than_the_stored_ones_as_inserts(stack):
    import_csv(
        stack, csv("1900000000001,2025-11-01 00:00,1.5,import", "1900000000001,2025-11-01 00:30,1,export")
    )
    before = readings_of(stack.readings_table)

    job, _ = import_csv(
        stack,
        csv(
            "1900000000001,2025-11-01 00:00,0.4,reactive_import",  # import is stored, not this: insert
            "1900000000001,2025-11-01 00:00,2,import",  # stored: update
            "1900000000001,2025-11-01 00:30,3,import",  # export is stored, not import: insert
            "1900000000001,2025-11-01 00:30,3,export",  # stored: update
        ),
        dry_run="true",
    )

    assert (job["would_insert_rows"], job["would_update_rows"]) == (2, 2)
    assert readings_of(stack.readings_table) == before


def test_a_daily_reading_beside_half_hourly_ones_of_another_channel_is_no_overlap(stack):
    import_csv(stack, b"MPAN,Date,Reading\n1900000000001,2025-11-01,30\n")

    other, _ = import_csv(stack, csv("1900000000001,2025-11-01 10:00,1,reactive_import"))
    same, _ = import_csv(stack, csv("1900000000001,2025-11-01 10:30,1,import"))

    assert other["warnings"] == []
    assert same["warnings"] == ["Line 2: meter 1900000000001 already has a daily reading for 2025-11-01"]


def test_deleting_the_job_removes_its_readings_on_every_channel(stack):
    keep, _ = import_csv(stack, csv("1900000000002,2025-11-01 00:00,7,import"))
    rows = [
        f"1900000000001,2025-11-01 {hour:02d}:{minute:02d},1,{channel}"
        for hour in range(3)
        for minute in (0, 30)
        for channel in ("import", "export", "reactive_import", "reactive_export")
    ]
    gone, _ = import_csv(stack, csv(*rows))
    assert len(readings_of(stack.readings_table)) == 1 + 24

    call_route("upload", "DELETE", f"/imports/{gone['job_id']}", "/imports/{job_id}", job_id=gone["job_id"])
    QueueDriver(stack.queue_url).drain()

    assert readings_of(stack.readings_table) == {("1900000000002", SK): ("7", False)}
    assert {reading.job_id for _, _, reading in stored_items(stack.readings_table)} == {keep["job_id"]}


def test_a_split_file_tells_a_repeat_across_shards_from_another_channel(monkeypatch, stack):
    services = handler_module("ingest").services
    split = services.settings.model_copy(update={"shard_min_bytes": 1, "max_shards": 2})
    monkeypatch.setattr(services, "settings", split)
    first = [f"1900000000001,2025-11-01 {h:02d}:00,1,import" for h in range(10)]
    second = [f"1900000000001,2025-11-01 {h:02d}:00,2,reactive_import" for h in range(10)]
    again = "1900000000001,2025-11-01 00:00,3,import"  # a repeat of the first row, in the second shard

    job, _ = import_csv(stack, csv(*first, *second, again), throttle="medium")

    assert (job["status"], len(job["shards"])) == ("completed", 2)
    assert job["warnings"] == [
        "Line 22: meter 1900000000001 at 2025-11-01 half hour 1 (2025-11-01 00:00 UTC) appears earlier in "
        "the file too; this row's is kept"
    ]
    stored = readings_of(stack.readings_table)
    assert len(stored) == 20 and stored[("1900000000001", SK)] == ("3", False)
    assert stored[("1900000000001#reactive_import", SK)] == ("2", False)
