"""csvimport coverage: an ended import's days, a character each, meter by meter, from
GET /imports/{job_id}/coverage (the fake API of test_cli.py pages it as the API does)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest

from cli.formatting import COVERAGE_LEGEND, coverage_report, coverage_summary, day_glyph
from tests.cli.test_cli import FakeApi, completed, job, run


def meter(
    name: str,
    first: str,
    written: list[int],
    *,
    estimated: dict[int, int] | None = None,
    channel: str = "import",
    kind: str = "hh",
) -> dict[str, Any]:
    """A meter of the API's answer: `written` a number a day from `first` (of 48, or 1 for daily)."""
    expected = 1 if kind == "daily" else 48
    last = date.fromisoformat(first) + timedelta(days=len(written) - 1)
    return {
        "meter": name,
        "channel": channel,
        "kind": kind,
        "first_day": first,
        "last_day": last.isoformat(),
        "written": written,
        "estimated": [(estimated or {}).get(i, 0) for i in range(len(written))],
        "missing": [expected - w for w in written],
    }


def summary_of(meters: list[dict[str, Any]]) -> dict[str, int]:
    days = [(w, m) for x in meters for w, m in zip(x["written"], x["missing"], strict=True)]
    return {
        "meters": len(meters),
        "days": len(days),
        "complete_days": sum(1 for _, m in days if m == 0),
        "partial_days": sum(1 for w, m in days if m and w),
        "empty_days": sum(1 for w, m in days if m and not w),
        "written_periods": sum(w for w, _ in days),
        "estimated_periods": sum(sum(x["estimated"]) for x in meters),
        "missing_periods": sum(m for _, m in days),
    }


GAPS = [
    meter("1900000000000", "2025-11-01", [48, 40, 48]),
    meter("1900000000001", "2025-11-02", [48, 0, 48], estimated={0: 2}, channel="export"),
]


def ended(api: FakeApi, meters: list[dict[str, Any]], job_id: str = "job-1") -> None:
    api.job_states[job_id] = [completed(job_id=job_id)]
    api.coverage[job_id] = {"summary": summary_of(meters), "meters": meters}


# ---- formatting ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "estimated", "missing", "glyph"),
    [(48, 0, 0, "#"), (40, 0, 8, "+"), (0, 0, 48, "."), (48, 2, 0, "E"), (40, 2, 8, "e"), (1, 0, 0, "#")],
)
def test_a_day_reads_as_complete_partial_or_empty_and_says_when_some_was_estimated(
    written: int, estimated: int, missing: int, glyph: str
) -> None:
    assert day_glyph(written, estimated, missing) == glyph


def test_the_summary_counts_the_days_by_completeness_and_the_half_hours_missing() -> None:
    assert coverage_summary(summary_of(GAPS)) == (
        "2 meters, 6 meter-days: 4 complete, 1 partial, 1 with nothing written; "
        "232 half hours written (2 estimated), 56 missing."
    )
    complete = summary_of([meter("1", "2025-11-01", [1], kind="daily")])
    assert coverage_summary(complete, ("daily reading", "daily readings")) == (
        "1 meter, 1 meter-day: 1 complete; 1 daily reading written, 0 missing."
    )


def test_a_short_range_is_a_line_a_meter_every_meter_on_one_axis_of_days() -> None:
    daily = meter("1200000000009", "2025-11-01", [1, 1, 0, 1], kind="daily")

    lines = coverage_report([*GAPS, daily], summary_of([*GAPS, daily]), columns=80).splitlines()

    assert lines[1] == COVERAGE_LEGEND
    assert lines[3:] == [
        " " * 48 + "from 2025-11-01",
        "1900000000000           2025-11-01..2025-11-03  #+#",
        "1900000000001 (export)  2025-11-02..2025-11-04   E.#",
        "1200000000009 (daily)   2025-11-01..2025-11-04  ##.#",
    ]


def test_a_year_too_wide_for_the_terminal_is_a_line_a_month_under_a_ruler_of_the_days() -> None:
    year = [48] * 365
    year[33] = 47  # 2025-02-03
    year[364] = 0  # 2025-12-31
    late = meter("1900000000001", "2025-01-15", [48] * 30, estimated={1: 1})

    lines = coverage_report([meter("1900000000000", "2025-01-01", year), late], summary_of([late]), 120)
    body = lines.splitlines()[3:]

    assert body[0] == "           1        10        20        30"
    assert body[1] == "1900000000000  2025-01-01..2025-12-31"
    assert body[2] == "  2025-01  " + "#" * 31
    assert body[3] == "  2025-02  ##+" + "#" * 25
    assert body[13] == "  2025-12  " + "#" * 30 + "."
    assert body[14] == "1900000000001  2025-01-15..2025-02-13"
    assert body[15:] == ["  2025-01  " + " " * 14 + "#E" + "#" * 15, "  2025-02  " + "#" * 13]
    assert all(len(line) <= 120 for line in body)


# ---- the command --------------------------------------------------------------------------------


def test_coverage_prints_the_summary_and_a_line_a_meter(api: FakeApi) -> None:
    ended(api, GAPS)

    result = run(api, "coverage", "job-1")

    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == f"Job job-1: {coverage_summary(summary_of(GAPS))}"
    assert lines[-2:] == [
        "1900000000000           2025-11-01..2025-11-03  #+#",
        "1900000000001 (export)  2025-11-02..2025-11-04   E.#",
    ]
    [asked] = api.requests_to("GET", "/imports/job-1/coverage")
    assert asked.query == {"limit": "100"}


def test_coverage_shows_the_first_100_meters_and_how_to_see_every_one(api: FakeApi) -> None:
    ended(api, [meter(f"19{n:011d}", "2025-11-01", [48, 48]) for n in range(150)])

    result = run(api, "coverage", "job-1")

    assert result.code == 0, result.err
    assert sum(line.startswith("19") for line in result.out.splitlines()) == 100
    assert result.out.splitlines()[-2:] == [
        "Shown: 100 of 150 meters. Every one: csvimport coverage job-1 --all",
        "  (run it where CSVIMPORT_API is set as it is here)",
    ]


def test_coverage_with_all_follows_every_page_of_500(api: FakeApi) -> None:
    ended(api, [meter(f"19{n:011d}", "2025-11-01", [48]) for n in range(1200)])

    result = run(api, "coverage", "job-1", "--all")

    assert result.code == 0, result.err
    assert sum(line.startswith("19") for line in result.out.splitlines()) == 1200
    assert "--all" not in result.out
    asked = api.requests_to("GET", "/imports/job-1/coverage")
    assert [r.query for r in asked] == [
        {"limit": "500"},
        {"limit": "500", "cursor": "500"},
        {"limit": "500", "cursor": "1000"},
    ]


def test_coverage_as_json_is_the_api_s_answer_and_with_all_every_meter_in_one(api: FakeApi) -> None:
    meters = [meter(f"19{n:011d}", "2025-11-01", [48]) for n in range(700)]
    ended(api, meters)

    page = run(api, "coverage", "job-1", "--json")
    every = run(api, "coverage", "job-1", "--json", "--all")

    assert page.code == every.code == 0
    first = json.loads(page.out)
    assert (len(first["meters"]), first["next_cursor"]) == (100, "100")
    assert json.loads(every.out) == {
        "job_id": "job-1",
        "ready": True,
        "building": False,
        "summary": summary_of(meters),
        "meters": meters,
        "next_cursor": None,
    }


def test_coverage_of_a_job_still_running_says_it_is_not_ready_and_exits_1(api: FakeApi) -> None:
    api.job_states["job-1"] = [job(status="processing")]

    result = run(api, "coverage", "job-1")

    assert result.code == 1
    assert result.out == ""
    assert result.err.splitlines()[0] == (
        "Job job-1 has not ended yet: its coverage is ready once the import has ended."
    )
    assert "csvimport status job-1 --watch" in result.err


def test_coverage_of_an_ended_job_being_built_says_so_and_exits_1(api: FakeApi) -> None:
    api.job_states["job-1"] = [job(status="failed")]  # (its coverage not built yet)

    result = run(api, "coverage", "job-1")

    assert (result.code, result.out) == (1, "")
    assert result.err == "Job job-1 has ended and its coverage is being built: ask again in a minute.\n"


def test_coverage_of_an_import_that_wrote_nothing_says_so(api: FakeApi) -> None:
    ended(api, [])

    result = run(api, "coverage", "job-1")

    assert (result.code, result.out) == (0, "Job job-1 wrote no readings.\n")


def test_coverage_of_a_dry_run_prints_the_api_s_refusal(api: FakeApi) -> None:
    api.fail(
        "GET",
        "/imports/job-1/coverage",
        409,
        {"error": "Conflict", "message": "a dry run writes no readings, so it has no coverage"},
    )

    result = run(api, "coverage", "job-1")

    assert result.code == 2
    assert result.err.strip() == (
        "csvimport: error: a dry run writes no readings, so it has no coverage (HTTP 409)"
    )


def test_coverage_of_an_unknown_job_prints_the_api_s_message(api: FakeApi) -> None:
    result = run(api, "coverage", "nope")

    assert result.code == 2
    assert "no import job 'nope'" in result.err
