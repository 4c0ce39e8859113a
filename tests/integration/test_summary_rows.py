"""Summary rows (Total, Average) through the real handlers: skipped with a note, counted apart from
the rows processed, never errors, and counted exactly however the work is cut, redelivered or split."""

from __future__ import annotations

import pytest

from tests.integration.helpers import fresh_stack, import_csv
from tests.support import FakeContext, handler_module, hh_long_csv, readings_of, ticking_budget

ROWS = 1000


def with_summaries() -> bytes:
    """1,000 half-hourly rows; a Total row after the 500th (line 502: data rows follow it) and a
    Total and an Average row at the end (lines 1003 and 1004)."""
    lines = hh_long_csv(ROWS, meters=3).decode().split("\r\n")[:-1]
    lines.insert(501, "Total,,4211.5,kWh,")
    lines += ["TOTAL,,8423,kWh,", "Average:,,2.8,kWh,"]
    return ("\r\n".join(lines) + "\r\n").encode()


BODY = with_summaries()
NOTE = "Skipped 3 summary rows (Total, Average) at lines 502 and 1003-1004."
KEYS = ("status", "processed_rows", "imported_rows", "failed_rows", "summary_rows", "total_rows", "note")
EXPECTED = {
    "status": "completed",
    "processed_rows": ROWS,
    "imported_rows": ROWS,
    "failed_rows": 0,
    "summary_rows": 3,
    "total_rows": ROWS,
    "note": NOTE,
}


def run(monkeypatch, *, shards: int = 1, **kwargs):
    services = handler_module("ingest").services
    split = services.settings.model_copy(
        update={"shard_min_bytes": 1 if shards > 1 else 0, "max_shards": shards}
    )
    monkeypatch.setattr(services, "settings", split)
    with fresh_stack() as stack:
        job, driver = import_csv(stack, BODY, **kwargs)
        return job, readings_of(stack.readings_table), driver


def short_lived():
    return FakeContext(ticking_budget(40_000, 10_000))


def test_summary_rows_are_skipped_with_a_note_and_not_counted_as_errors_or_processed(monkeypatch):
    job, readings, driver = run(monkeypatch, throttle="small")

    assert driver.invocations == 1
    assert {k: job[k] for k in KEYS} == EXPECTED
    assert job["errors"] == [] and job["warnings"] == []
    assert len(readings) == ROWS == job["readings_written"]
    assert not any(meter.startswith(("Total", "TOTAL", "Average")) for meter, _ in readings)


def test_summary_rows_count_once_when_every_message_is_delivered_twice_across_segments(monkeypatch, no_sleep):
    job, readings, driver = run(monkeypatch, throttle="medium", context_factory=short_lived, duplicate=True)

    assert driver.invocations > 2
    assert {k: job[k] for k in KEYS} == EXPECTED
    assert len(readings) == ROWS


@pytest.mark.parametrize("shards", [2, 3])
def test_summary_rows_count_once_in_a_split_file(monkeypatch, shards):
    job, readings, _ = run(monkeypatch, shards=shards, throttle="medium", context_factory=short_lived)

    assert len(job["shards"]) == shards
    assert {k: job[k] for k in KEYS} == EXPECTED
    assert len(readings) == ROWS


def test_a_dry_run_counts_summary_rows_apart_and_would_insert_only_the_data_rows(monkeypatch):
    job, readings, _ = run(monkeypatch, throttle="medium", dry_run="true")

    assert {k: job[k] for k in KEYS} == EXPECTED
    assert (job["would_insert_rows"], job["would_update_rows"], readings) == (ROWS, 0, {})
