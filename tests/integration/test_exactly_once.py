"""Counts and readings are exact however the work is cut into segments or delivered."""

from functools import cache

from tests.integration.helpers import fresh_stack, import_csv
from tests.support import FakeContext, hh_long_csv, readings_of, ticking_budget

BIG = hh_long_csv(20_000, meters=4, bad_every=997)
SMALL = hh_long_csv(3_000, meters=3, bad_every=101)


def run(body, **kwargs):
    with fresh_stack() as stack:
        job, driver = import_csv(stack, body, **kwargs)
        return job, readings_of(stack.readings_table), driver


@cache
def single_segment_run(body):
    job, readings, driver = run(body, throttle="small")
    assert driver.invocations == 1 and job["segments"] == 1
    return job, readings


def short_lived():
    """A 40 s budget, 10 s gone at every look at the clock, 20 s safety margin: three batches each."""
    return FakeContext(ticking_budget(40_000, 10_000))


def counts(job):
    keys = ("status", "processed_rows", "imported_rows", "failed_rows", "readings_written", "total_rows")
    return {k: job[k] for k in keys} | {"errors": job["errors"]}


def test_a_20000_row_file_cut_into_many_segments_ends_equal_to_a_single_segment_run():
    single, single_readings = single_segment_run(BIG)
    many, many_readings, driver = run(BIG, throttle="small", context_factory=short_lived)

    assert driver.invocations > 4 and many["segments"] == driver.invocations
    assert counts(many) == counts(single)
    assert single["processed_rows"] == 20_000 and single["failed_rows"] == 20_000 // 997
    assert many_readings == single_readings
    assert len(single_readings) == 20_000 - 20_000 // 997


def test_every_message_delivered_twice_gives_the_same_counts_and_readings(no_sleep):
    single, single_readings = single_segment_run(SMALL)
    twice, twice_readings, driver = run(SMALL, throttle="medium", context_factory=short_lived, duplicate=True)

    assert driver.invocations >= 2 * 5  # many segments, each delivered twice
    assert counts(twice) == counts(single)
    assert twice_readings == single_readings


def test_importing_the_same_file_twice_leaves_the_same_readings(stack):
    first, _ = import_csv(stack, SMALL, throttle="small")
    after_first = readings_of(stack.readings_table)
    second, _ = import_csv(stack, SMALL, throttle="small")

    assert readings_of(stack.readings_table) == after_first
    assert counts(second) == counts(first)
