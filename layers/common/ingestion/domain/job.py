"""The import job: its states, its shards' cursors, and what a batch's commit changes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from ingestion.domain.formats import ImportFormat
from ingestion.domain.formats.mapping import Mapping
from ingestion.domain.formats.summary_rows import SummaryRow
from ingestion.domain.framing import Framing
from ingestion.domain.progress import Sample
from ingestion.domain.throttle import Adaptation, Throttle

# A job id is a UUID the service chooses; the routes and the queue message accept up to this many
# characters, and anything longer is no job of ours.
JOB_ID_MAX_LENGTH = 64


class JobStatus(StrEnum):
    AWAITING_UPLOAD = "awaiting_upload"
    QUEUED = "queued"
    PROCESSING = "processing"
    # Cancelled while a worker held a shard: its batch in hand is still being counted. The worker
    # (or, if it died, the scheduled run once its lease has run out) then ends the job cancelled.
    CANCELLING = "cancelling"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        """A terminal state: nothing about the job changes any more (but its deletion)."""
        return self in FINISHED


FINISHED = (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED)
ACTIVE = (JobStatus.QUEUED, JobStatus.PROCESSING)  # segments may start
CANCELLABLE = (JobStatus.AWAITING_UPLOAD, *ACTIVE)  # a cancel, or a new throttle, is taken
NOT_ENDED = (*CANCELLABLE, JobStatus.CANCELLING)  # every status a job's record may still change in
WORKING = (*ACTIVE, JobStatus.CANCELLING)  # a worker may be running on it (it cannot be deleted)
# The job keeps the first messages of its errors and of its warnings (every error is in its error
# report): at most this many of each, and at most so many bytes of each (UTF-8, as DynamoDB sizes
# them), so that the item stays small and a commit cheap whatever the file (docs/design.md).
MAX_ERROR_SAMPLES = 50
MAX_ERROR_SAMPLE_BYTES = 8 * 1024
MAX_WARNING_SAMPLE_BYTES = 4 * 1024
# A job's error_message is cut to this many characters (it names, never quotes, what is wrong).
MAX_ERROR_MESSAGE_CHARS = 1000
# A display name only (never a storage key): printable, not blank, at most 255 characters.
Filename = Annotated[
    str,
    Field(
        min_length=1,
        max_length=255,
        pattern=r"^[^\x00-\x1f\x7f]*[^\x00-\x1f\x7f\s][^\x00-\x1f\x7f]*$",
        description="the file's name, for people (the storage key is chosen by the service)",
    ),
]


def samples_that_fit(kept: Sequence[str], new: Iterable[str], budget_bytes: int) -> tuple[str, ...]:
    """The new messages, in order, that still fit beside those kept: MAX_ERROR_SAMPLES in all and
    `budget_bytes` of text. The first that does not fit ends the list (later ones are not kept)."""
    room = MAX_ERROR_SAMPLES - len(kept)
    left = budget_bytes - sum(_bytes(m) for m in kept)
    fitting: list[str] = []
    for message in new:
        size = _bytes(message)
        if room <= 0 or size > left:
            break
        fitting.append(message)
        room, left = room - 1, left - size
    return tuple(fitting)


def _bytes(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


@dataclass(frozen=True)
class ImportOptions:
    """What a client asks of a new import: the file's name, how to read it, and how fast."""

    filename: str
    format: ImportFormat | None = None  # None: the profile's, else auto
    dry_run: bool = False
    throttle: str | Throttle | None = None  # a preset's name, its own, or None: the default
    size: int | None = None  # bytes, if known
    mapping: Mapping | None = None  # what the client says of the file's columns (a profile's, then its own)
    profile: str | None = None  # the saved profile the mapping started from


@dataclass(frozen=True)
class Shard:
    start: int
    end: int | None
    offset: int
    line: int
    first_line: int = 1  # the file line number at `start`
    segment: int = 0
    done: bool = False
    holder: str | None = None  # the invocation working on this shard (its lease)
    lease_expires: float | None = None
    samples: tuple[Sample, ...] = ()  # this shard's recent (time, rows, bytes), for rate and ETA


@dataclass(frozen=True)
class Job:
    job_id: str
    owner: str
    filename: str
    format: str
    dry_run: bool
    status: JobStatus
    s3_key: str
    throttle: Throttle
    created_at: str
    updated_at: str
    bytes_total: int | None = None
    # The ETag of the object the job started on (known once the file is stored): every read of the
    # file asks for exactly it, so a file uploaded again under the key is never read by this job.
    file_etag: str | None = None
    shards: tuple[Shard, ...] = ()
    header: tuple[str, ...] | None = None
    delimiter: str | None = None
    layout: str | None = None
    encoding: str | None = None
    line_ending: str | None = None
    # The mapping the client asked for (a profile's, with the request's keys over it), and the one
    # the first segment resolved from it and the file (every key known): later segments read with it.
    requested_mapping: Mapping | None = None
    profile: str | None = None
    mapping: Mapping | None = None
    processed_rows: int = 0
    imported_rows: int = 0
    failed_rows: int = 0
    warning_rows: int = 0  # rows kept, with a warning (counted apart from failed rows)
    # Rows skipped as summary rows (Total, Average): counted apart, neither processed nor failed;
    # the first MAX_SUMMARY_SAMPLES of them kept (their lines and words, for the note).
    summary_rows: int = 0
    summary_samples: tuple[SummaryRow, ...] = ()
    would_insert_rows: int = 0  # dry run: rows whose records are all new
    would_update_rows: int = 0  # dry run: rows that would overwrite a stored record (or an earlier row)
    readings_written: int = 0
    total_rows: int | None = None
    total_rows_exact: bool = False
    segments: int = 0
    redrives: int = 0
    retry_count: int = 0
    last_error: str | None = None
    next_retry_at: float | None = None
    deleting: bool = False  # DELETE was asked: its readings, file and record are being removed
    effective_throttle: Throttle | None = None  # slower than `throttle` while writes are throttled
    throttled: bool = False
    throttled_reason: str | None = None

    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    started_at: str | None = None
    completed_at: str | None = None
    upload_expires_at: str | None = None
    error_message: str | None = None
    note: str | None = None

    @property
    def running_throttle(self) -> Throttle:
        """What the batches run with now: the job's throttle, or slower while writes are throttled."""
        return self.effective_throttle or self.throttle

    @property
    def framing(self) -> Framing:
        """How the file's bytes are split into lines and decoded (known once its first segment ran)."""
        return Framing(self.encoding or "UTF-8", self.line_ending or "LF")

    def abandoned(self, now: float) -> tuple[int, ...]:
        """The shards whose holder's lease ran out before it gave them back: their worker died."""
        return tuple(
            index
            for index, s in enumerate(self.shards)
            if s.holder is not None and not s.done and (s.lease_expires or 0) < now
        )

    def held_at(self, now: float) -> bool:
        """Whether an invocation holds a live lease on one of the job's shards at `now`."""
        return any(s.holder is not None and (s.lease_expires or 0) > now for s in self.shards if not s.done)

    @property
    def lease_expires(self) -> float | None:
        """The earliest end of a lease held on one of the job's shards (None: nobody works on it)."""
        held = [
            s.lease_expires for s in self.shards if s.holder and s.lease_expires is not None and not s.done
        ]
        return min(held) if held else None

    @property
    def bytes_processed(self) -> int:
        return sum(s.offset - s.start for s in self.shards)


@dataclass(frozen=True)
class Lease:
    """Who works on a shard of a job now, and until when (epoch seconds) unless renewed."""

    holder: str
    now: float
    seconds: float
    # The latest it may last, renewed or not: its invocation's deadline (and a margin); None: no bound.
    bound: float | None = None

    @property
    def expires(self) -> float:
        end = self.now + self.seconds
        return end if self.bound is None else min(end, self.bound)

    def renewed(self, now: float, seconds: float | None = None) -> Lease:
        """The same lease from `now`, for its own length or for `seconds`."""
        return replace(self, now=now, seconds=self.seconds if seconds is None else seconds)


@dataclass(frozen=True)
class BatchCommit:
    """The effect of one processed batch on one shard's cursor and the job's counters."""

    shard: int
    expected_offset: int
    end_offset: int
    next_line: int
    processed: int  # data rows read: imported and failed (summary rows are counted apart)
    imported: int
    failed: int
    readings: int
    new_errors: tuple[str, ...]
    final: bool
    now_iso: str
    samples: tuple[Sample, ...]
    lease: Lease
    header: HeaderInfo | None = None  # set by the first commit of a job
    note: str | None = None
    # The status the job must have: a batch written while the job was being cancelled is still
    # counted, while it reads cancelling (never once it reads cancelled).
    job_status: JobStatus = JobStatus.PROCESSING
    adaptation: Adaptation | None = None  # the throttle the next batch runs with, and why
    # With final, in a job of one shard: this commit completes the job as well.
    complete: bool = False
    split: tuple[Shard, ...] = ()  # the first batch of a large file: every shard, this one moved on
    warned: int = 0  # rows kept with a warning
    new_warnings: tuple[str, ...] = ()
    would_insert: int = 0
    would_update: int = 0
    summaries: int = 0  # rows skipped as summary rows
    new_summaries: tuple[SummaryRow, ...] = ()  # the first of them, while the job keeps fewer than it may


@dataclass(frozen=True)
class MergeCounts:
    """What merging a split job's shards adds to its counters when it completes (merge.py)."""

    warned: int = 0
    new_warnings: tuple[str, ...] = ()
    inserts_to_updates: int = 0  # dry run: rows that move from would-insert to would-update


@dataclass(frozen=True)
class HeaderInfo:
    """What the first segment learnt from the header row; later segments parse with it."""

    cells: tuple[str, ...]
    delimiter: str
    layout: str
    framing: Framing = field(default_factory=Framing)
    mapping: Mapping | None = None  # resolved: how every segment reads the rows
