"""What `make run` prints of the functions' log lines (devstack/console.py): one short line per
job event a person watching wants, the rest left out, warnings and errors kept."""

from __future__ import annotations

import io
import json
from typing import Any

from devstack.console import EventLines, short_line

JOB = "71a940d5-08af-48e8-ae51-375300654628"


def record(message: str, level: str = "INFO", **keys: Any) -> dict[str, Any]:
    """A Powertools log line's fields, as a function in a worker writes them."""
    return {
        "level": level,
        "message": message,
        "timestamp": "2026-12-03 14:53:01,069+0000",
        "service": "csv-import",
        "function_name": "IngestFunction",
        "job_id": JOB,
        **keys,
    }


def test_a_job_s_start_names_its_file_size_and_throttle():
    throttle = {"batch_size": 25, "delay_ms": 300, "preset": "very_large"}
    line = short_line(record("job started", file="big.csv", bytes=10_600_000, throttle=throttle))
    assert line == (
        "14:53:01  job 71a940d5 started: big.csv (10.1 MB), "
        "throttle very_large (25 rows a batch, 300 ms pause)"
    )


def test_a_segment_says_its_rows_time_and_rate():
    done = record("segment done", segment=3, outcome="continued", rows=2000, batches=2, seconds=2.0)
    assert (
        short_line(done) == "14:53:01  job 71a940d5 segment 3: 2,000 rows in 2.0 s (1,000 rows/s), continued"
    )


def test_the_job_s_ending_says_how_it_ended():
    assert short_line(record("job completed", imported=8, failed=4)).endswith(
        "job 71a940d5 completed: 8 rows imported, 4 failed"
    )
    assert short_line(record("job failed", "WARNING", reason="The file has no header.")).endswith(
        "job 71a940d5 failed: The file has no header."
    )
    assert short_line(record("job cancelled")).endswith("job 71a940d5 cancelled")


def test_what_a_person_watching_does_not_want_is_left_out():
    assert short_line(record("segment done", outcome="ignored", rows=0, reason="stale message")) is None
    assert short_line(record("layout detected", layout="hh-wide", columns=50)) is None
    assert short_line(record("object events", results=["ignored: no job is awaiting this upload"])) is None
    assert short_line(record("object events", results=["queued"])) is None
    metrics = {"_aws": {"CloudWatchMetrics": []}, "RowsProcessed": [2.0], "service": "csv-import"}
    assert short_line(metrics) is None


def test_warnings_and_errors_are_kept_with_their_details_and_traceback():
    warning = record("segment failed", "WARNING", fault="transient", error="ServiceUnavailable")
    assert short_line(warning) == (
        "14:53:01  job 71a940d5 warning: segment failed (fault: transient; error: ServiceUnavailable)"
    )
    error = record("unhandled error", "ERROR", exception="Traceback (most recent call last):\n  ...")
    assert (
        short_line(error)
        == "14:53:01  job 71a940d5 error: unhandled error\nTraceback (most recent call last):\n  ..."
    )


def test_a_refused_upload_is_said():
    line = short_line(record("object events", results=["failed: too large"], job_id=None))
    assert line == "14:53:01  uploaded file: failed: too large"


def test_the_stream_turns_json_lines_into_short_ones_and_passes_other_text():
    out = io.StringIO()
    stream = EventLines(out)
    segment = json.dumps(record("segment done", segment=1, outcome="continued", rows=10, seconds=1.0))
    stream.write(segment[:20])  # a line may arrive in pieces
    stream.write(segment[20:] + "\n" + "a print() from the handler\n")
    stream.write(json.dumps({"_aws": {}, "RowsProcessed": [1.0]}) + "\n")

    assert out.getvalue().splitlines() == [
        "14:53:01  job 71a940d5 segment 1: 10 rows in 1.0 s (10 rows/s), continued",
        "a print() from the handler",
    ]


def test_a_job_s_ending_comes_after_the_line_of_the_segment_it_ended_in():
    # The job completes inside its last segment, which logs "segment done" afterwards.
    out = io.StringIO()
    stream = EventLines(out)
    stream.write(json.dumps(record("job completed", imported=2, failed=0)) + "\n")
    stream.write(
        json.dumps(record("segment done", segment=1, outcome="completed", rows=2, seconds=0.5)) + "\n"
    )
    stream.end_invocation()

    assert [line.split(" ", 4)[-1] for line in out.getvalue().splitlines()] == [
        "segment 1: 2 rows in 0.5 s (4.0 rows/s)",
        "completed: 2 rows imported, 0 failed",
    ]
