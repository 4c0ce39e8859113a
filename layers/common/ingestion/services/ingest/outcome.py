"""What one invocation did: its outcome, as a value, and what it counted."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    COMPLETED = "completed"  # the job finished in this segment
    CONTINUED = "continued"  # a continuation message carries on from the cursor
    FAILED = "failed"  # the job ended as failed, with its message
    DELETED = "deleted"  # a deleted job's readings, file and record are gone
    CANCELLED = "cancelled"  # the job was cancelled: the batch in hand was counted, then it stopped
    IGNORED = "ignored"  # nothing to do: stale, duplicate or stray message, or the job is held
    SUPERSEDED = "superseded"  # another invocation committed first
    SHARD_DONE = "shard-done"  # this shard reached its end; others are still running
    COVERED = "covered"  # an ended job's coverage, which it lacked, is built


@dataclass
class Tally:
    """The rows and batches an invocation counted (committed) so far."""

    rows: int = 0
    imported: int = 0
    failed: int = 0
    batches: int = 0

    def add(self, rows: int, imported: int, failed: int) -> None:
        self.batches += 1
        self.rows += rows
        self.imported += imported
        self.failed += failed


@dataclass(frozen=True)
class SegmentReport:
    outcome: Outcome
    reason: str = ""
    rows: int = 0
    imported: int = 0
    failed: int = 0
    batches: int = 0

    @classmethod
    def of(cls, outcome: Outcome, tally: Tally, reason: str = "") -> SegmentReport:
        return cls(outcome, reason, tally.rows, tally.imported, tally.failed, tally.batches)
