"""Counts and readings are exact however the work is cut into segments or delivered."""

from functools import cache

import pytest

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


def framed(encoding: str, newline: str, bom: bytes = b"") -> bytes:
    """SMALL with a quoted note (a delimiter, a doubled quote and a line break in it), re-encoded."""
    lines = SMALL.decode().split("\r\n")
    rows = [lines[0] + ",Note"] + [f'{line},"a, ""b""{newline}c"' for line in lines[1:-1]]
    return bom + (newline.join(rows) + newline).encode(encoding)


ENCODED = {
    "utf-8 LF": framed("utf-8", "\n"),
    "utf-8 BOM CRLF": framed("utf-8", "\r\n", b"\xef\xbb\xbf"),
    "utf-16-le BOM CRLF": framed("utf-16-le", "\r\n", b"\xff\xfe"),
    "utf-16-be BOM CR": framed("utf-16-be", "\r", b"\xfe\xff"),
    "cp1252 CR": framed("cp1252", "\r"),
}


@pytest.mark.parametrize("name", ENCODED)
def test_every_framing_cut_into_segments_ends_equal_to_a_plain_single_segment_run(name):
    plain, plain_readings = single_segment_run(ENCODED["utf-8 LF"])
    job, readings, driver = run(ENCODED[name], throttle="medium", context_factory=short_lived)

    assert driver.invocations > 5  # many segment boundaries, each inside a file of multi-line rows
    assert counts(job) == counts(plain) and readings == plain_readings
    # two physical lines a row: data row n starts on line 2n
    assert plain["errors"][0].startswith("Line 202, column 3 (ReadValue)")
