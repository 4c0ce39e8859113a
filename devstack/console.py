"""What a person watching `make run` reads: one short line per job event (started, a segment done
with its rows and rate, ended), made from the functions' JSON log lines in their worker processes.
Warnings and errors are kept (shortened, tracebacks whole); other INFO lines and the metrics are
left out. `--verbose` shows the JSON lines themselves instead."""

from __future__ import annotations

import io
import json
from typing import Any, TextIO

from cli.formatting import format_bytes, format_rate

# The job's id, as far as a line shows it: enough to tell jobs apart and to match the CLI's.
SHORT_ID = 8
# Outcomes of a segment that leave nothing to report (a stale or duplicate message).
QUIET_OUTCOMES = ("ignored", "superseded")
# Lines that end a job: printed after the segment's own line (the job ends inside the segment).
ENDINGS = ("job completed", "job failed", "job cancelled")


def _job(record: dict[str, Any]) -> str:
    job_id = record.get("job_id")
    return f"job {str(job_id)[:SHORT_ID]} " if job_id else ""


def _when(record: dict[str, Any]) -> str:
    """The log line's time of day, HH:MM:SS (Powertools: "2026-12-03 14:53:01,069+0000")."""
    stamp = str(record.get("timestamp") or "")
    return stamp[11:19] if len(stamp) >= 19 else ""


def _size(size: Any) -> str:
    return format_bytes(size) if isinstance(size, int) else "size unknown"


def _rate(rows: int, seconds: Any) -> str:
    if not isinstance(seconds, int | float) or seconds <= 0:
        return ""
    return f" ({format_rate(rows / seconds)})"


def _throttle(record: dict[str, Any]) -> str:
    throttle = record.get("throttle")
    if not isinstance(throttle, dict):
        return "throttle unknown"
    delay = throttle.get("delay_ms") or 0
    pause = f"{delay} ms pause" if delay else "no pause"
    name = throttle.get("preset") or "custom"
    return f"throttle {name} ({throttle.get('batch_size')} rows a batch, {pause})"


def _event(record: dict[str, Any]) -> str | None:
    """What happened, in a few words; None: nothing a person watching wants."""
    message = record.get("message")
    if message == "job started":
        return f"started: {record.get('file')} ({_size(record.get('bytes'))}), {_throttle(record)}"
    if message == "segment done":
        outcome, rows = record.get("outcome"), int(record.get("rows") or 0)
        if outcome in QUIET_OUTCOMES or (rows == 0 and outcome != "continued"):
            return None
        seconds = record.get("seconds")
        took = f" in {seconds:.1f} s" if isinstance(seconds, int | float) else ""
        line = f"segment {record.get('segment')}: {rows:,} rows{took}{_rate(rows, seconds)}"
        return line + (f", {outcome}" if outcome in ("continued", "shard-done") else "")
    if message == "job completed":
        imported, failed = record.get("imported", 0), record.get("failed", 0)
        return f"completed: {imported:,} rows imported, {failed:,} failed"
    if message == "job failed":
        return f"failed: {record.get('reason')}"
    if message == "job cancelled":
        return "cancelled"
    if message == "job deleted":
        return "deleted"
    if message == "re-drove job":
        return f"re-driven ({record.get('status')})"
    if message == "object events":  # an upload's S3 event: only what did not just start its job
        results = [r for r in record.get("results") or [] if r != "queued" and not r.startswith("ignored")]
        return f"uploaded file: {', '.join(results)}" if results else None
    level = str(record.get("level", "")).upper()
    if level in ("WARNING", "ERROR", "CRITICAL"):
        details = [f"{key}: {record[key]}" for key in ("reason", "fault", "error") if record.get(key)]
        line = f"{level.lower()}: {message}" + (f" ({'; '.join(details)})" if details else "")
        exception = record.get("exception")
        return f"{line}\n{exception}" if exception else line
    return None


def short_line(record: dict[str, Any]) -> str | None:
    """One line for a person watching (None: leave this record out)."""
    if not isinstance(record.get("message"), str):  # the metrics (EMF), anything else not a log line
        return None
    event = _event(record)
    if event is None:
        return None
    return f"{_when(record)}  {_job(record)}{event}".lstrip()


class EventLines(io.TextIOBase):
    """A worker's stdout: each JSON log line it is given becomes a short line (or nothing) on
    ``out``; any other text passes as it is. A job's ending is held to the end of the invocation,
    so that it comes after the line of the segment it ended in."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._partial = ""
        self._held: list[str] = []

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        lines = (self._partial + text).split("\n")
        self._partial = lines.pop()
        for line in lines:
            self._line(line)
        return len(text)

    def _line(self, line: str) -> None:
        try:
            record = json.loads(line) if line.startswith("{") else None
        except ValueError:
            record = None
        if not isinstance(record, dict):
            self._out.write(line + "\n")
            return
        short = short_line(record)
        if short is None:
            return
        if record.get("message") in ENDINGS:
            self._held.append(short)
        else:
            self._out.write(short + "\n")
        self._out.flush()

    def end_invocation(self) -> None:
        """The invocation is over: the job endings it logged, then everything written out."""
        for line in self._held:
            self._out.write(line + "\n")
        self._held.clear()
        self.flush()

    def flush(self) -> None:
        self._out.flush()
