"""Counts and readings are exact however the work is cut into segments or delivered."""

from tests.integration.helpers import fresh_stack, import_csv
from tests.support import FakeContext, hh_long_csv, readings_of, ticking_budget

FILE = hh_long_csv(20_000, meters=4, bad_every=997)
BAD_ROWS = 20_000 // 997


def run(body, **kwargs):
    with fresh_stack() as stack:
        job, driver = import_csv(stack, body, throttle="small", **kwargs)
        return job, readings_of(stack.readings_table), driver


def counts(job):
    keys = ("status", "processed_rows", "imported_rows", "failed_rows", "readings_written", "total_rows")
    return {k: job[k] for k in keys} | {"errors": job["errors"]}


def test_a_20000_row_file_cut_into_many_segments_ends_equal_to_a_single_segment_run():
    single, single_readings, single_driver = run(FILE)
    # 60 s budget, 10 s consumed per look at the clock, 20 s safety margin: a few batches a segment.
    many, many_readings, many_driver = run(
        FILE, context_factory=lambda: FakeContext(ticking_budget(60_000, 10_000))
    )

    assert single_driver.invocations == 1 and single["segments"] == 1
    assert many_driver.invocations > 4 and many["segments"] == many_driver.invocations
    assert counts(many) == counts(single)
    assert single["processed_rows"] == 20_000 and single["failed_rows"] == BAD_ROWS
    assert many_readings == single_readings
    assert len(single_readings) == 20_000 - BAD_ROWS


def test_every_message_delivered_twice_gives_the_same_counts_and_readings():
    once, once_readings, _ = run(FILE, context_factory=lambda: FakeContext(ticking_budget(60_000, 10_000)))
    twice, twice_readings, driver = run(
        FILE, context_factory=lambda: FakeContext(ticking_budget(60_000, 10_000)), duplicate=True
    )
    assert driver.invocations >= 2 * 5
    assert counts(twice) == counts(once)
    assert twice_readings == once_readings


def test_importing_the_same_file_twice_leaves_the_same_readings(stack):
    first, _ = import_csv(stack, FILE, throttle="small")
    after_first = readings_of(stack.readings_table)
    second, _ = import_csv(stack, FILE, throttle="small")
    assert readings_of(stack.readings_table) == after_first
    assert counts(second) == counts(first)
