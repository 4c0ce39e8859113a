"""GET /readings: files imported through the real handlers, read back through the route (JSON pages,
the CSV download), across the clock changes, by anyone signed in."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

import botocore.client
import pytest

from ingestion.domain.formats.reading import new_reading
from ingestion.store.readings import ReadingWriter
from tests.integration.helpers import import_csv
from tests.support import call, http_event

METER = "1900000000001"
HALF_HOUR = timedelta(minutes=30)
CSV_HEADER = ["start", "end", "local_date", "period", "kind", "value_kwh", "estimated", "job_id"]


def readings(user: str = "alice", accept: str | None = None, **query: str) -> dict:
    event = http_event("GET", "/readings", user=user, query=query, route="GET /readings")
    if accept:
        event["headers"]["accept"] = accept
    return call("status", event)


def all_pages(**query: str) -> list[list[dict]]:
    pages, token = [], None
    while True:
        answer = readings(**query, **({"next": token} if token else {}))
        assert answer["statusCode"] == 200, answer["json"]
        pages.append(answer["json"]["items"])
        token = answer["json"]["next"]
        if token is None:
            return pages


def z(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


def hh_file(meter: str, days: list[date]) -> tuple[bytes, list[dict]]:
    """A half-hourly long file (UK local times, as a meter exports them) of every half hour of `days`,
    and the readings it holds: (UTC start, local date, period, value, estimated)."""
    from ingestion.domain.formats.uk_time import LONDON, period_starts

    lines, expected = ["MPAN,ReadDateTime,ReadValue,Unit,ReadingType"], []
    for day in days:
        for index, start in enumerate(period_starts(day)):
            n = len(expected)
            value = f"{n % 13}.{n % 1000:03d}" if n % 4 else str(n % 9)  # "0.507"-like, and whole numbers
            flag = "E" if n % 5 == 0 else "A"
            wall = start.astimezone(LONDON).strftime("%Y-%m-%d %H:%M:%S")  # the repeated hour twice
            lines.append(f"{meter},{wall},{value},kWh,{flag}")
            expected.append(
                {
                    "start": z(start),
                    "end": z(start + HALF_HOUR),
                    "local_date": day.isoformat(),
                    "period": index + 1,
                    "kind": "hh",
                    "value_kwh": value,
                    "estimated": flag == "E",
                }
            )
    return ("\n".join(lines) + "\n").encode(), expected


def with_job(expected: list[dict], job_id: str) -> list[dict]:
    return [{**item, "job_id": job_id} for item in expected]


@pytest.fixture
def one_day(stack) -> list[dict]:
    """48 half-hourly readings of METER on 2025-11-03, imported; what the route should give back."""
    body, expected = hh_file(METER, [date(2025, 11, 3)])
    job, _ = import_csv(stack, body, format="hh")
    assert job["status"] == "completed" and job["failed_rows"] == 0, job
    return with_job(expected, job["job_id"])


# ---- the readings, value by value ------------------------------------------------------------------


def test_imported_half_hours_come_back_value_by_value_in_time_order(one_day):
    answer = readings(meter=METER, **{"from": "2025-11-03", "to": "2025-11-03"})

    assert answer["statusCode"] == 200
    assert answer["json"] == {"meter": METER, "channel": "import", "items": one_day, "next": None}


def test_the_day_after_to_is_not_included_and_a_day_without_readings_is_empty(one_day):
    assert readings(meter=METER, **{"from": "2025-11-04", "to": "2025-11-30"})["json"]["items"] == []
    assert readings(meter=METER, **{"from": "2025-11-01", "to": "2025-11-02"})["json"]["items"] == []
    assert len(readings(meter=METER, **{"from": "2025-11-01", "to": "2025-11-03"})["json"]["items"]) == 48


def test_pages_of_seven_join_to_exactly_the_whole_with_no_repeats(one_day):
    pages = all_pages(meter=METER, **{"from": "2025-11-03", "to": "2025-11-03"}, limit="7")

    assert [len(page) for page in pages] == [7, 7, 7, 7, 7, 7, 6]
    assert [item for page in pages for item in page] == one_day


def test_a_page_takes_at_most_two_queries(one_day, monkeypatch):
    queries: list[str] = []
    make_api_call = botocore.client.BaseClient._make_api_call

    def counted(client, operation, params):
        if operation == "Query":
            queries.append(params["TableName"])
        return make_api_call(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counted)
    token = None
    for _ in range(3):
        queries.clear()
        answer = readings(
            meter=METER,
            **{"from": "2025-11-01", "to": "2025-11-30"},
            limit="20",
            **({"next": token} if token else {}),
        )
        assert answer["statusCode"] == 200 and len(answer["json"]["items"]) <= 20
        assert len(queries) <= 2
        token = answer["json"]["next"]


def test_half_hourly_and_daily_readings_of_one_meter_interleave_in_time_order(stack):
    days = [date(2025, 11, 3), date(2025, 11, 4)]
    hh_body, hh_expected = hh_file(METER, days)
    hh_job, _ = import_csv(stack, hh_body, format="hh")
    daily_job, _ = import_csv(
        stack,
        f"MPAN,Date,Reading\n{METER},2025-11-03,30.5\n{METER},2025-11-04,31.25\n".encode(),
        format="daily",
    )

    pages = all_pages(meter=METER, **{"from": "2025-11-03", "to": "2025-11-04"}, limit="10")
    items = [item for page in pages for item in page]

    daily = [
        {
            "start": f"{day.isoformat()}T00:00:00Z",  # GMT in November: local midnight is UTC midnight
            "end": f"{(day + timedelta(days=1)).isoformat()}T00:00:00Z",
            "local_date": day.isoformat(),
            "period": None,
            "kind": "daily",
            "value_kwh": value,
            "estimated": False,
            "job_id": daily_job["job_id"],
        }
        for day, value in zip(days, ("30.5", "31.25"), strict=True)
    ]
    half_hours = with_job(hh_expected, hh_job["job_id"])
    # each day's reading where its day starts, before the day's first half hour
    assert items == [daily[0], *half_hours[:48], daily[1], *half_hours[48:]]
    assert [i["start"] for i in items] == sorted(i["start"] for i in items)


def test_a_daily_reading_in_summer_starts_and_ends_at_local_midnight(stack):
    import_csv(
        stack, f"MPAN,Date,Reading\n{METER},2025-06-30,12\n{METER},2025-07-01,13\n".encode(), format="daily"
    )

    items = readings(meter=METER, **{"from": "2025-07-01", "to": "2025-07-01"})["json"]["items"]

    assert [(i["start"], i["end"], i["local_date"], i["value_kwh"]) for i in items] == [
        ("2025-06-30T23:00:00Z", "2025-07-01T23:00:00Z", "2025-07-01", "13")
    ]


# ---- across the clock changes ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change_day", "periods", "midnight"),
    [
        (date(2024, 10, 27), 50, datetime(2024, 10, 26, 23, 0, tzinfo=UTC)),  # the clocks go back
        (date(2024, 3, 31), 46, datetime(2024, 3, 31, 0, 0, tzinfo=UTC)),  # the clocks go forward
    ],
)
def test_a_range_across_a_clock_change_has_every_half_hour_of_the_day_once(
    stack, change_day, periods, midnight
):
    days = [change_day - timedelta(days=1), change_day, change_day + timedelta(days=1)]
    body, expected = hh_file(METER, days)
    job, _ = import_csv(stack, body, format="hh")
    assert job["failed_rows"] == 0, job

    pages = all_pages(meter=METER, **{"from": days[0].isoformat(), "to": days[-1].isoformat()}, limit="17")
    items = [item for page in pages for item in page]

    assert items == with_job(expected, job["job_id"])
    that_day = [i for i in items if i["local_date"] == change_day.isoformat()]
    assert len(that_day) == periods
    assert [i["period"] for i in that_day] == list(range(1, periods + 1))
    assert [i["start"] for i in that_day] == [z(midnight + n * HALF_HOUR) for n in range(periods)]
    starts = [datetime.fromisoformat(i["start"]) for i in items]
    assert all(b - a == HALF_HOUR for a, b in pairwise(starts))


# ---- the CSV download ------------------------------------------------------------------------------


def test_the_csv_download_is_every_row_of_the_range_with_a_header_and_a_filename(one_day):
    answer = readings(accept="text/csv", meter=METER, **{"from": "2025-11-01", "to": "2025-11-03"}, limit="7")

    assert answer["statusCode"] == 200
    assert answer["headers"]["Content-Type"].startswith("text/csv")
    disposition = answer["headers"]["Content-Disposition"]
    assert disposition == f'attachment; filename="readings-{METER}-import-2025-11-01-2025-11-03.csv"'
    rows = list(csv.reader(io.StringIO(answer["body"])))
    assert rows[0] == CSV_HEADER
    assert rows[1:] == [
        [
            item["start"],
            item["end"],
            item["local_date"],
            str(item["period"]),
            item["kind"],
            item["value_kwh"],
            "true" if item["estimated"] else "false",
            item["job_id"],
        ]
        for item in one_day
    ]


def test_the_csv_of_a_range_without_readings_is_its_header_row(stack):
    answer = readings(accept="text/csv", meter=METER, **{"from": "2025-11-01", "to": "2025-11-03"})

    assert answer["statusCode"] == 200
    assert list(csv.reader(io.StringIO(answer["body"]))) == [CSV_HEADER]


# ---- channels, and who may read ---------------------------------------------------------------------


def test_another_signed_in_user_reads_the_same_readings(one_day):
    answer = readings(user="bob", meter=METER, **{"from": "2025-11-03", "to": "2025-11-03"})

    assert answer["statusCode"] == 200
    assert answer["json"]["items"] == one_day


def test_no_one_signed_out_reads_them(one_day):
    assert readings(user=None, meter=METER, **{"from": "2025-11-03", "to": "2025-11-03"})["statusCode"] == 401


def test_a_channel_is_read_from_its_own_partition_and_defaults_to_import(stack, one_day):
    # (Exported energy is imported from files by issue 15's first point; here the store writes it.)
    start = datetime(2025, 11, 3, 12, tzinfo=UTC)
    exported = new_reading(
        METER, "hh", start, date(2025, 11, 3), 25, Decimal("1.125"), False, channel="export"
    )
    ReadingWriter().upsert([exported], job_id="job-export", written_at="2025-11-04T00:00:00Z")
    dates = {"from": "2025-11-03", "to": "2025-11-03"}

    exported = readings(meter=METER, channel="export", **dates)["json"]
    assert (exported["channel"], [(i["start"], i["value_kwh"]) for i in exported["items"]]) == (
        "export",
        [("2025-11-03T12:00:00Z", "1.125")],
    )
    assert readings(meter=METER, channel="import", **dates)["json"]["items"] == one_day
    assert readings(meter=METER, channel="reactive_import", **dates)["json"]["items"] == []


# ---- what is refused ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ({"from": "2025-13-01", "to": "2025-12-31"}, "from is not a date"),
        ({"from": "yesterday", "to": "2025-12-31"}, "from is not a date"),
        ({"from": "2025-11-01", "to": "03/11/2025"}, "to is not a date"),
        ({"from": "2025-11-03", "to": "2025-11-01"}, "to is before from"),
        ({"from": "2024-01-01", "to": "2025-01-01"}, "at most 366 days"),
        ({"from": "2025-11-01", "to": "2025-11-03", "channel": "solar"}, "channel"),
        ({"from": "2025-11-01", "to": "2025-11-03", "next": "not-a-token"}, "next"),
        ({"from": "2025-11-01", "to": "2025-11-03", "limit": "1001"}, "limit"),
        ({"to": "2025-11-03"}, "from"),
    ],
)
def test_a_bad_query_is_a_400_that_says_why(stack, query, says):
    answer = readings(meter=METER, **query)

    assert answer["statusCode"] == 400
    assert says in answer["json"]["message"]


def test_a_whole_leap_year_is_not_too_long(stack):
    assert readings(meter=METER, **{"from": "2024-01-01", "to": "2024-12-31"})["statusCode"] == 200


def test_a_missing_meter_is_a_400_that_says_which_parameter(stack):
    answer = readings(**{"from": "2025-11-01", "to": "2025-11-03"})

    assert answer["statusCode"] == 400
    assert "meter" in answer["json"]["message"]


def test_a_next_token_of_another_query_is_refused(one_day):
    first = readings(meter=METER, **{"from": "2025-11-03", "to": "2025-11-03"}, limit="7")["json"]

    answer = readings(meter="1900000000002", **{"from": "2025-11-03", "to": "2025-11-03"}, next=first["next"])

    assert answer["statusCode"] == 400
    assert "next" in answer["json"]["message"]
