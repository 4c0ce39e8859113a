"""A column mapping through the real handlers: by header name, by column number, with no header row;
given beside detection, recorded on the job (asked for, and resolved: columns by name, unused
columns listed), read the same by every segment and shard, and refused where it names a column the
file lacks. Readings are checked value by value in the table."""

from __future__ import annotations

import json
from decimal import Decimal

import boto3

from tests.integration.helpers import get_job, import_csv, post_json, s3_created
from tests.support import FakeContext, QueueDriver, readings_of, ticking_budget

M = "1200023305967"


def short_lived() -> FakeContext:
    """A 40 s budget, 10 s gone at every look at the clock: a few batches an invocation."""
    return FakeContext(ticking_budget(40_000, 10_000))


def presigned(stack, body: bytes, **request) -> dict:
    """Create the import with a JSON body, put the file as the browser would, run the queue dry
    with invocations that each have time for a few batches."""
    created = post_json(json.dumps({"filename": "a.csv", **request}))
    assert created["statusCode"] == 201, created
    job_id = created["json"]["job_id"]
    boto3.client("s3").put_object(Bucket=stack.bucket, Key=f"uploads/{job_id}.csv", Body=body)
    s3_created(stack, f"uploads/{job_id}.csv")
    QueueDriver(stack.queue_url, context_factory=short_lived).drain()
    return get_job(job_id)["json"]


def mapped(stack, body: bytes, mapping: dict, **query: str):
    return import_csv(stack, body, mapping=json.dumps(mapping), throttle="small", **query)


def test_columns_mapped_by_name_win_over_detection_and_the_job_shows_the_mapping_it_used(stack):
    body = (
        b"Site,Serial,Read on,Amount,Reading,Cost\n"
        b"HQ,E10BG1,15/01/2025,7.5,99,1.20\n"
        b"HQ,E10BG1,16/01/2025,8.25,99,1.30\n"
    )
    job, _ = mapped(stack, body, {"columns": {"meter": "Serial", "date": "Read on", "value": "Amount"}})

    assert (job["status"], job["layout"], job["imported_rows"], job["failed_rows"]) == (
        "completed",
        "daily",
        2,
        0,
    )
    assert readings_of(stack.readings_table) == {
        ("E10BG1", "day#2025-01-15"): ("7.5", False),
        ("E10BG1", "day#2025-01-16"): ("8.25", False),
    }
    assert job["requested_mapping"]["columns"] == {"meter": "Serial", "date": "Read on", "value": "Amount"}
    used = job["mapping"]
    assert used["columns"] == {"meter": "Serial", "date": "Read on", "value": "Amount"}
    assert (used["date_order"], used["timezone"], used["unit"], used["header_row"]) == (
        "dmy",
        "Europe/London",
        "kWh",
        1,
    )
    assert job["unused_columns"] == ["Site", "Reading", "Cost"]


def test_a_file_with_no_header_row_is_read_by_column_number(stack):
    body = f"{M},2025-01-15 00:00,0.5\n{M},2025-01-15 00:30,0.75\n".encode()
    mapping = {"header_row": 0, "columns": {"meter": 1, "datetime": 2, "value": 3}}
    job, _ = mapped(stack, body, mapping)

    assert (job["status"], job["processed_rows"], job["imported_rows"]) == ("completed", 2, 2)
    assert readings_of(stack.readings_table) == {
        (M, "hh#2025-01-15T00:00Z"): ("0.5", False),
        (M, "hh#2025-01-15T00:30Z"): ("0.75", False),
    }
    assert job["mapping"]["columns"] == {"meter": 1, "datetime": 2, "value": 3}
    assert job["mapping"]["header_row"] == 0


def test_a_meter_given_for_a_file_without_one_reads_every_segment_alike(stack):
    # batches of 25 and a few batches an invocation: the first segment resolves the mapping, the
    # later ones read with the one it recorded
    days = ("13", "14", "15")
    rows = [f"2025-01-{d} {h:02d}:{m:02d},{h}.{m}" for d in days for h in range(24) for m in (0, 30)]
    body = ("Timestamp,Consumption (Wh)\n" + "\n".join(rows) + "\n").encode()
    job = presigned(stack, body, mapping={"meter": M}, throttle={"batch_size": 25, "delay_ms": 0})

    assert (job["status"], job["imported_rows"], job["segments"] > 1) == ("completed", 144, True)
    stored = {key: Decimal(value) for key, (value, _) in readings_of(stack.readings_table).items()}
    assert len(stored) == 144
    assert stored[(M, "hh#2025-01-13T00:00Z")] == 0  # 0.0 Wh
    assert stored[(M, "hh#2025-01-14T13:30Z")] == Decimal("0.0133")  # 13.30 Wh
    assert stored[(M, "hh#2025-01-15T23:30Z")] == Decimal("0.0233")
    assert job["mapping"]["meter"] == M and job["mapping"]["unit"] == "Wh"


def test_a_preamble_and_its_meter_line_are_read_below_the_header_search(stack):
    body = (
        "Half-hourly consumption export\n"
        f"MPAN: {M}\n"
        "Generated 16/01/2025\n"
        "\n"
        "Date,Time,kWh\n"
        "15/01/2025,00:00,1.5\n"
        "15/01/2025,00:30,2\n"
    ).encode()
    job, _ = import_csv(stack, body, throttle="small")

    assert (job["status"], job["layout"], job["imported_rows"], job["failed_rows"]) == (
        "completed",
        "hh-long",
        2,
        0,
    )
    assert readings_of(stack.readings_table) == {
        (M, "hh#2025-01-15T00:00Z"): ("1.5", False),
        (M, "hh#2025-01-15T00:30Z"): ("2", False),
    }
    assert job["mapping"]["header_row"] == 5 and job["mapping"]["meter"] == M


def test_a_mapping_naming_a_column_the_file_lacks_fails_the_job_naming_it(stack):
    # (presigned: the service sees the file only once it is stored)
    body = b"MPAN,Date,Reading\n1200023305967,2025-01-15,1\n"
    job = presigned(stack, body, mapping={"columns": {"value": "kWh"}}, throttle="small")

    assert job["status"] == "failed" and job["processed_rows"] == 0
    assert (
        "The mapping reads the value from a column 'kWh', but the file has no such column"
        in job["error_message"]
    )
    assert "Its columns: 'MPAN', 'Date', 'Reading'" in job["error_message"]
    assert readings_of(stack.readings_table) == {}
