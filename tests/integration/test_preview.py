"""POST /imports/preview: what an import of a file would do (its layout, columns, first readings,
errors, warnings and notes), from the file's first MiB, writing nothing; and the direct upload's
400 for a mapping that names a column the file lacks, before any job exists."""

from __future__ import annotations

import json
from typing import Any

import boto3

from tests.integration.helpers import post_csv
from tests.integration.test_profiles import put_profile
from tests.support import call, http_event

M = "1200023305967"
MIB = 1024 * 1024
SUPPLIER = (
    b"Consumption (kWh),Start,End\n"
    b"0.507,2025-01-15T00:00:00Z,2025-01-15T00:30:00Z\n"
    b"0.48,2025-07-01T00:00:00+01:00,2025-07-01T00:30:00+01:00\n"
)
TIMES = [f"{h:02d}:{m:02d}" for h in range(24) for m in (0, 30)]


def preview(body: bytes, user: str = "alice", content_type: str = "text/csv", **query: str) -> dict[str, Any]:
    event = http_event(
        "POST", "/imports/preview", user=user, body=body, content_type=content_type, query=query or None
    )
    return call("upload", event)


def mapping(**keys: Any) -> str:
    return json.dumps(keys)


def stored_things(stack) -> dict[str, Any]:
    """Every item of every table, and every object in the bucket."""
    dynamodb = boto3.client("dynamodb")
    items = {name: dynamodb.scan(TableName=name)["Items"] for name in dynamodb.list_tables()["TableNames"]}
    objects = boto3.client("s3").list_objects_v2(Bucket=stack.bucket).get("Contents", [])
    return {"items": items, "objects": [o["Key"] for o in objects]}


# ---- a supplier export with no meter column ---------------------------------------------------------


def test_a_file_with_no_meter_column_is_a_422_that_says_how_to_give_the_meter(stack):
    answer = preview(SUPPLIER)

    assert answer["statusCode"] == 422, answer
    message = answer["json"]["message"]
    assert message.startswith("The file has no meter column")
    assert "the mapping's meter, or --meter in the CLI" in message


def test_with_the_meter_in_the_mapping_the_readings_are_shown_value_by_value(stack):
    answer = preview(SUPPLIER, mapping=mapping(meter=M))

    assert answer["statusCode"] == 200, answer
    shown = answer["json"]
    assert shown["layout"] == "hh-long"
    assert (shown["encoding"], shown["delimiter"], shown["header_line"]) == ("UTF-8", ",", 1)
    assert shown["readings"] == [
        {
            "line": 2,
            "meter": M,
            "channel": "import",
            "start": "2025-01-15T00:00:00Z",
            "local_date": "2025-01-15",
            "period": 1,
            "value_kwh": "0.507",
            "estimated": False,
        },
        {
            "line": 3,
            "meter": M,
            "channel": "import",
            "start": "2025-06-30T23:00:00Z",
            "local_date": "2025-07-01",
            "period": 1,
            "value_kwh": "0.48",
            "estimated": False,
        },
    ]
    assert shown["columns"] == [
        {"number": 1, "header": "Consumption (kWh)", "field": "value", "note": "the reading, in kWh"},
        {"number": 2, "header": "Start", "field": "start", "note": "the start of the half hour"},
        {"number": 3, "header": "End", "field": "end", "note": "the end of the half hour (checked)"},
    ]
    assert shown["mapping"]["columns"] == {"start": "Start", "end": "End", "value": "Consumption (kWh)"}
    assert shown["mapping"]["meter"] == M
    assert shown["errors"] == [] and shown["warnings"] == []


def test_half_hours_beside_a_daily_reading_already_imported_are_warned_of_as_the_import_warns(stack):
    # Given: bob imported a daily reading of the meter for 15 January (readings are shared data)
    daily = f"MPAN,Date,Reading\n{M},2025-01-15,12.5\n".encode()
    assert post_csv(daily, user="bob", mode="sync")["json"]["status"] == "completed"

    # When: alice previews a half-hourly file of that day and of 1 July, then imports it
    shown = preview(SUPPLIER, mapping=mapping(meter=M))["json"]
    imported = post_csv(SUPPLIER, mode="sync", mapping=mapping(meter=M))["json"]

    # Then: the preview warns of the one row on the day with a daily reading, as the import does
    expected = f"Line 2: meter {M} already has a daily reading for 2025-01-15"
    assert shown["warnings"] == [expected] and len(shown["readings"]) == 2
    assert imported["warnings"] == [expected] and imported["warning_rows"] == 1


# ---- wide by time -----------------------------------------------------------------------------------


def test_a_wide_file_shows_each_half_hour_column_and_its_flag_column_with_no_field(stack):
    header = ["MPAN", "Date"] + [name for time in TIMES for name in (time, f"{time}_Act_Est")]
    row = [M, "15/01/2025"] + [cell for index in range(48) for cell in (f"0.{index + 1:03d}", "A")]
    row[5] = "E"  # 00:30 estimated
    body = (",".join(header) + "\n" + ",".join(row) + "\n").encode()

    answer = preview(body)

    assert answer["statusCode"] == 200, answer
    shown = answer["json"]
    assert shown["layout"] == "hh-wide"
    columns = shown["columns"]
    assert columns[:6] == [
        {"number": 1, "header": "MPAN", "field": "meter", "note": "the meter"},
        {"number": 2, "header": "Date", "field": "date", "note": "the date"},
        {"number": 3, "header": "00:00", "field": None, "note": "half hour 00:00"},
        {"number": 4, "header": "00:00_Act_Est", "field": None, "note": "flag of 00:00"},
        {"number": 5, "header": "00:30", "field": None, "note": "half hour 00:30"},
        {"number": 6, "header": "00:30_Act_Est", "field": None, "note": "flag of 00:30"},
    ]
    assert columns[-1] == {"number": 98, "header": "23:30_Act_Est", "field": None, "note": "flag of 23:30"}
    readings = shown["readings"]
    assert len(readings) == 20  # the first 20 of the row's 48
    assert [(r["line"], r["start"], r["period"], r["value_kwh"], r["estimated"]) for r in readings[:3]] == [
        (2, "2025-01-15T00:00:00Z", 1, "0.001", False),
        (2, "2025-01-15T00:30:00Z", 2, "0.002", True),
        (2, "2025-01-15T01:00:00Z", 3, "0.003", False),
    ]
    assert readings[-1]["start"] == "2025-01-15T09:30:00Z" and readings[-1]["value_kwh"] == "0.020"


# ---- a preamble, unused columns, errors and warnings ---------------------------------------------------


def test_a_file_with_a_preamble_takes_its_meter_and_says_what_was_skipped(stack):
    body = (
        b"Half-hourly consumption export\n"
        b"MPAN: 1200023305967\n"
        b"\n"
        b"Date,Time,Consumption (kWh),Cost (p)\n"
        b"15/01/2025,00:00,0.5,12.1\n"
        b"15/01/2025,00:30,x,12.2\n"
        b"15/01/2025,01:00,-0.2,0\n"
    )

    answer = preview(body)

    assert answer["statusCode"] == 200, answer
    shown = answer["json"]
    assert shown["header_line"] == 4
    assert shown["mapping"]["meter"] == M and shown["mapping"]["header_row"] == 4
    assert [(r["line"], r["meter"], r["start"], r["value_kwh"]) for r in shown["readings"]] == [
        (5, M, "2025-01-15T00:00:00Z", "0.5"),
        (7, M, "2025-01-15T01:00:00Z", "-0.2"),
    ]
    assert shown["columns"][3] == {"number": 4, "header": "Cost (p)", "field": None, "note": "not read"}
    assert shown["errors"] == [
        "Line 6, column 3 (Consumption (kWh)): invalid reading value 'x' (expected a number such as 12.5, "
        "without thousands separators or units)"
    ]
    assert len(shown["warnings"]) == 1 and shown["warnings"][0].startswith("Line 7, column 3")
    assert shown["notes"] == [
        "Lines 1 to 3, above the header row, are skipped.",
        "The meter is 1200023305967, from a line above the header row.",
        "Not read: Cost (p).",
    ]


def test_nothing_is_written_no_job_no_object_no_reading(stack):
    before = stored_things(stack)

    answers = [preview(SUPPLIER, mapping=mapping(meter=M)), preview(SUPPLIER)]

    assert [a["statusCode"] for a in answers] == [200, 422]
    assert stored_things(stack) == before
    assert before["objects"] == [] and all(items == [] for items in before["items"].values())


# ---- the mapping and the profile ----------------------------------------------------------------------


def test_a_mapping_naming_a_missing_column_is_a_422_naming_it_and_listing_the_headers(stack):
    answer = preview(SUPPLIER, mapping=mapping(meter=M, columns={"value": "Usage"}))

    assert answer["statusCode"] == 422, answer
    assert answer["json"]["message"] == (
        "The mapping reads the value from a column 'Usage', but the file has no such column. "
        "Its columns: 'Consumption (kWh)', 'Start', 'End'"
    )


def test_a_bad_mapping_and_an_unknown_profile_are_400s(stack):
    bad = preview(SUPPLIER, mapping=mapping(columns={"colour": "Start"}))
    unknown = preview(SUPPLIER, profile="Octopus")

    assert bad["statusCode"] == 400 and "'colour' is not a field" in bad["json"]["message"]
    assert unknown["statusCode"] == 400
    assert "you have no saved profiles, so none named 'Octopus'" in unknown["json"]["message"]


def test_a_profile_is_used_with_the_request_s_mapping_over_it(stack):
    put_profile("Octopus", {"mapping": {"meter": "1900000000001", "unit": "Wh"}, "format": "hh"})

    answer = preview(SUPPLIER.replace(b"(kWh)", b""), profile="Octopus", mapping=mapping(meter=M))

    assert answer["statusCode"] == 200, answer
    shown = answer["json"]
    assert shown["mapping"]["meter"] == M and shown["mapping"]["unit"] == "Wh"
    assert [r["value_kwh"] for r in shown["readings"]] == ["0.000507", "0.00048"]
    assert {r["meter"] for r in shown["readings"]} == {M}
    assert preview(SUPPLIER, profile="Octopus", user="bob")["statusCode"] == 400  # hers, not his


# ---- the body: 1 MiB, a cut-off last line ---------------------------------------------------------------


def supplier_rows(size: int) -> bytes:
    """The supplier file with the meter column, as many rows as make at least `size` bytes."""
    head = b"MPAN,Start,Consumption (kWh)\n"
    row = f"{M},2025-01-15T00:00:00Z,0.5\n".encode()
    return head + row * ((size - len(head)) // len(row) + 1)


def test_a_cut_off_last_line_of_a_full_mib_is_ignored_and_said(stack):
    body = supplier_rows(MIB)[:MIB]
    assert not body.endswith(b"\n")

    answer = preview(body)

    assert answer["statusCode"] == 200, answer
    shown = answer["json"]
    assert shown["errors"] == []  # (the cut-off row would be one: too few cells)
    assert "The last line was cut off and is not shown." in shown["notes"]


def test_a_body_over_a_mib_is_a_413(stack):
    answer = preview(supplier_rows(MIB + 1)[: MIB + 1])

    assert answer["statusCode"] == 413
    assert "at most 1,048,576 bytes" in answer["json"]["message"]


def test_a_short_body_s_last_line_without_a_line_ending_is_a_row(stack):
    answer = preview(SUPPLIER.rstrip(b"\n"), mapping=mapping(meter=M))

    assert answer["statusCode"] == 200
    assert [r["line"] for r in answer["json"]["readings"]] == [2, 3]


def test_a_body_that_is_not_csv_is_a_422_as_the_import_would_fail(stack):
    answer = preview(b"PK\x03\x04" + b"\x00" * 100)

    assert answer["statusCode"] == 422
    assert answer["json"]["message"].startswith("This is not a CSV file: it looks like a ZIP archive")


def test_a_json_body_is_a_400_asking_for_the_csv(stack):
    answer = preview(b"{}", content_type="application/json")

    assert answer["statusCode"] == 400 and "text/csv" in answer["json"]["message"]


# ---- the direct upload ----------------------------------------------------------------------------------


def test_a_direct_upload_whose_mapping_names_a_missing_column_is_a_400_before_any_job(stack):
    before = stored_things(stack)

    answer = post_csv(SUPPLIER, mapping=mapping(meter=M, columns={"start": "From"}))

    assert answer["statusCode"] == 400, answer
    assert answer["json"]["message"] == (
        "The mapping reads the start from a column 'From', but the file has no such column. "
        "Its columns: 'Consumption (kWh)', 'Start', 'End'"
    )
    assert stored_things(stack) == before


def test_month_first_dates_are_a_422_naming_the_option(stack):
    answer = preview(b"MPAN,Date,kWh\n" + f"{M},12/31/2024,5.5\n".encode())

    assert answer["statusCode"] == 422
    assert answer["json"]["message"].startswith("The dates read month first ('12/31/2024'")
    assert "--date-order mdy" in answer["json"]["message"]


def test_a_sites_file_shows_its_columns_and_no_readings(stack):
    answer = preview(b"name,postcode,colour\nHead office,SW1A 1AA,blue\n")

    assert answer["statusCode"] == 200, answer
    shown = answer["json"]
    assert shown["layout"] == "sites" and shown["readings"] == [] and shown["errors"] == []
    assert [(c["field"], c["note"]) for c in shown["columns"]] == [
        (None, "the site name"),
        (None, "the postcode"),
        (None, "not read"),
    ]
    assert (
        "This is a sites file: its rows are sites, not readings, so no readings are shown." in shown["notes"]
    )


def test_more_errors_than_are_shown_are_counted_in_a_note(stack):
    body = b"MPAN,Date,kWh\n" + f"{M},2025-01-15,x\n".encode() * 60

    shown = preview(body)["json"]

    assert len(shown["errors"]) == 50 and shown["errors"][0].startswith("Line 2, column 3 (kWh)")
    assert "60 rows have errors; the first 50 are shown." in shown["notes"]


def test_summary_rows_at_the_end_are_skipped_with_a_note_not_shown_as_errors(stack):
    body = f"MPAN,Date,kWh\n{M},2025-01-15,1.5\n{M},2025-01-16,2\nTotal,,3.5\nAverage,,1.75\n".encode()

    shown = preview(body)["json"]

    assert shown["errors"] == [] and len(shown["readings"]) == 2
    assert "Skipped 2 summary rows (Total, Average) at lines 4-5." in shown["notes"]
