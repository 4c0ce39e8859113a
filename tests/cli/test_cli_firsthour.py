# ruff: noqa: F811  (the fake API's fixtures come from test_cli.py and are named as parameters)
"""What a first-time user meets in the CLI: changing a running job's throttle, a hint when the
throttle makes an upload slow, the success rate as the API rounds it, and no error report offered
for a job without failed rows. Run against the fake API of test_cli.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.formatting import job_summary
from ingestion.domain.progress import compute_progress
from tests.cli.test_cli import FakeApi, api, completed, job, run, small_csv  # noqa: F401 (fixtures)

# ---- throttle -----------------------------------------------------------------------------------


def test_throttle_off_patches_the_job_and_says_it_takes_effect_from_the_next_batch(api: FakeApi) -> None:
    changed = job(throttle={"batch_size": 1000, "delay_ms": 0, "preset": "small"}, eta_seconds=40)
    api.fail("PATCH", "/imports/job-1", 200, changed)

    result = run(api, "throttle", "job-1", "off")

    assert result.code == 0, result.err
    [sent] = api.requests_to("PATCH", "/imports/job-1")
    assert json.loads(sent.body) == {"throttle": "off"}
    assert sent.headers["content-type"] == "application/json"
    assert "from its next batch" in result.out
    assert "1,000 rows per batch, 0 ms pause" in result.out


def test_throttle_takes_a_preset_or_a_batch_size_and_a_pause(api: FakeApi) -> None:
    api.fail("PATCH", "/imports/job-1", 200, job())
    api.fail("PATCH", "/imports/job-1", 200, job())

    assert run(api, "throttle", "job-1", "large").code == 0
    assert run(api, "throttle", "job-1", "250/50").code == 0

    bodies = [json.loads(r.body) for r in api.requests_to("PATCH", "/imports/job-1")]
    assert bodies == [{"throttle": "large"}, {"throttle": {"batch_size": 250, "delay_ms": 50}}]


@pytest.mark.parametrize("value", ["warp", "100", "100/", "/50", "0/50", "100/-1", "a/b"])
def test_a_throttle_that_is_neither_a_preset_nor_batch_slash_delay_is_a_usage_error(
    api: FakeApi, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(api, "throttle", "job-1", value).code == 2
    assert "BATCH/DELAY" in capsys.readouterr().err
    assert api.received == []


def test_throttle_of_an_ended_job_prints_the_api_s_reason(api: FakeApi) -> None:
    message = "the job has already ended: it is completed; its throttle can no longer change"
    api.fail("PATCH", "/imports/job-1", 409, {"error": "Conflict", "message": message})

    result = run(api, "throttle", "job-1", "off")

    assert result.code == 2
    assert message in result.err


def slow(**changes: object) -> dict[str, object]:
    """A job running with very_large at 69 rows/s: 1h 12m to go."""
    very_large = {"batch_size": 25, "delay_ms": 300, "preset": "very_large"}
    return job(job_id="job-direct", throttle=very_large, rows_per_sec=69.0, eta_seconds=4320) | changes


def test_upload_watch_says_once_how_to_speed_up_a_throttle_that_makes_it_take_long(
    api: FakeApi, small_csv: Path
) -> None:
    api.job_states["job-direct"] = [slow(), slow(eta_seconds=4300), completed(job_id="job-direct")]

    result = run(api, "upload", str(small_csv), "--watch", "--interval", "0.5")

    assert result.code == 0, result.err
    hints = [line for line in result.out.splitlines() if "csvimport throttle job-direct off" in line]
    assert len(hints) == 1, result.out
    assert "very_large" in hints[0] and "1h 12m" in hints[0]


def test_upload_watch_gives_no_hint_when_the_job_is_quick_or_not_paused(
    api: FakeApi, small_csv: Path
) -> None:
    off = {"batch_size": 1000, "delay_ms": 0, "preset": "small"}
    api.job_states["job-direct"] = [
        slow(eta_seconds=300),
        slow(throttle=off, eta_seconds=4000),
        completed(job_id="job-direct"),
    ]

    result = run(api, "upload", str(small_csv), "--watch", "--interval", "0.5")

    assert "csvimport throttle" not in result.out


def test_help_of_throttle_names_the_presets_off_and_the_custom_form(
    api: FakeApi, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(api, "throttle", "--help").code == 0
    text = capsys.readouterr().out
    assert all(word in text for word in ("off", "very_large", "BATCH/DELAY", "next batch"))


# ---- the numbers --------------------------------------------------------------------------------


def api_success_rate(imported: int, processed: int) -> float | None:
    """The success_rate the API sends for these counts."""
    progress = compute_progress(
        processed_rows=processed,
        imported_rows=imported,
        bytes_processed=1,
        bytes_total=1,
        finished=True,
        samples=[],
        now=0,
    )
    return progress.success_rate


@pytest.mark.parametrize(
    ("imported", "processed", "shown"),
    [(299_935, 300_000, "99.9%"), (4, 11, "36.3%"), (1, 100_000, "0.1%"), (11, 11, "100.0%")],
)
def test_the_success_rate_is_the_apis_never_100_while_a_row_failed(
    imported: int, processed: int, shown: str
) -> None:
    finished = completed() | {
        "processed_rows": processed,
        "imported_rows": imported,
        "failed_rows": processed - imported,
        "success_rate": api_success_rate(imported, processed),
    }
    assert f"Success rate: {shown}\n" in job_summary(finished)


def test_a_sites_job_speaks_of_sites_and_a_job_under_a_second_has_no_rate() -> None:
    sites = completed() | {
        "layout": "sites",
        "processed_rows": 3,
        "imported_rows": 3,
        "failed_rows": 0,
        "readings_written": 3,
        "rows_per_sec": None,  # the API leaves it out for a job that took under a second
        "started_at": "2024-05-01T10:00:01.000Z",
        "completed_at": "2024-05-01T10:00:01.400Z",
    }
    summary = job_summary(sites)
    assert "Sites:        3" in summary
    assert "Readings" not in summary
    assert "rows/s" not in summary and "Speed" not in summary


def test_a_readings_job_still_counts_readings_and_its_speed() -> None:
    summary = job_summary(completed())
    assert "Readings:     490" in summary and "Speed:        125 rows/s" in summary


# ---- errors on a clean job ----------------------------------------------------------------------


def test_errors_of_a_job_without_failed_rows_says_so_and_saves_nothing(
    api: FakeApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.job_states["job-1"] = [completed(failed_rows=0)]
    monkeypatch.chdir(tmp_path)

    result = run(api, "errors", "job-1")
    with_fix = run(api, "errors", "job-1", "--fix")

    assert (result.code, with_fix.code) == (0, 0)
    assert "no failed rows" in result.out and "no failed rows" in with_fix.out
    assert list(tmp_path.iterdir()) == []
    assert api.requests_to("GET", "/reports/job-1/errors.csv") == []
    assert api.requests_to("GET", "/reports/job-1/fix.csv") == []


def test_help_of_errors_says_a_clean_job_exits_0(api: FakeApi, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(api, "errors", "--help").code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "no failed rows" in text and "exit status 0" in text
