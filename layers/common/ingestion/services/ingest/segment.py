"""The segment loop: one invocation's share of an import, committed batch by batch.

Every batch ends in one conditional update of the job (counters ADDed, cursor moved) that only
succeeds if the cursor is still where the batch started. A redelivered or duplicate message can
therefore never count a batch twice: the loser of the race sees "already done" and stops. Readings
are upserts on their natural key, so writing a batch again changes nothing."""

from __future__ import annotations

import logging
import math
import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import partial
from typing import cast

from ingestion.domain.clock import Clock, iso, system_clock
from ingestion.domain.csvstream import (
    SNIFF_BYTES,
    Framing,
    NotCsvError,
    RawRow,
    RowBatch,
    RowReader,
    first_line,
    open_rows,
    peek,
    sniff,
)
from ingestion.domain.errors import ObjectMissingError, StaleWriteError
from ingestion.domain.formats import FileFormatError, Layout, Reading, detect_delimiter, detect_layout
from ingestion.domain.formats.sites import Site
from ingestion.domain.job import (
    MAX_ERROR_SAMPLES,
    BatchCommit,
    HeaderInfo,
    Job,
    JobStatus,
    Lease,
    MergeCounts,
    Shard,
)
from ingestion.domain.merge import contested, plan_merge
from ingestion.domain.messages import IngestMessage
from ingestion.domain.progress import Sample, add_sample
from ingestion.domain.retry import retry_delay
from ingestion.domain.rowcheck import (
    CheckedBatch,
    SeenKeys,
    check_batch,
    overlap_warning,
    record_key,
    utc_now,
)
from ingestion.domain.sharding import Boundary, plan_shards
from ingestion.domain.throttle import (
    MAX_DELAY_SECONDS,
    UNTHROTTLED_BATCH_SIZE,
    Adaptation,
    adapt,
    plan_pause,
    segment_should_stop,
)
from ingestion.settings import Settings, get_settings
from ingestion.store.events import COMPLETED, FAILED, EventPublisher
from ingestion.store.failures import TRANSIENT_ERRORS, describe, is_throttling
from ingestion.store.jobs import JobRepository
from ingestion.store.lookup import Lookup
from ingestion.store.objects import ObjectStore
from ingestion.store.queue import IngestQueue
from ingestion.store.readings import ReadingCleaner, ReadingWriter, WriteResult
from ingestion.store.reports import ReportStore
from ingestion.store.sites import SITES_JOB_INDEX, SiteWriter

logger = logging.getLogger(__name__)
# Excel writes "sep=;" as a first line to name the delimiter; the header row follows it.
EXCEL_SEPARATOR = re.compile(r"sep=(.)")
# A lease ends this long after its invocation's deadline (clock skew between Lambda and DynamoDB).
LEASE_MARGIN_S = 5.0


class Outcome(StrEnum):
    COMPLETED = "completed"  # the job finished in this segment
    CONTINUED = "continued"  # a continuation message carries on from the cursor
    FAILED = "failed"  # the job ended as failed, with its message
    DELETED = "deleted"  # a deleted job's readings, file and record are gone
    CANCELLED = "cancelled"  # the job was cancelled: the batch in hand was counted, then it stopped
    IGNORED = "ignored"  # nothing to do: stale, duplicate or stray message, or the job is held
    SUPERSEDED = "superseded"  # another invocation committed first
    SHARD_DONE = "shard-done"  # this shard reached its end; others are still running


@dataclass
class SegmentReport:
    outcome: Outcome
    reason: str = ""
    rows: int = 0
    imported: int = 0
    failed: int = 0
    batches: int = 0


@dataclass
class IngestServices:
    jobs: JobRepository = field(default_factory=JobRepository)
    readings: ReadingWriter = field(default_factory=ReadingWriter)
    objects: ObjectStore = field(default_factory=ObjectStore)
    queue: IngestQueue = field(default_factory=IngestQueue)
    events: EventPublisher = field(default_factory=EventPublisher)
    cleaner: ReadingCleaner = field(default_factory=ReadingCleaner)
    site_cleaner: ReadingCleaner = field(
        default_factory=lambda: ReadingCleaner(
            table=get_settings().sites_table, key=("site_key",), index=SITES_JOB_INDEX
        )
    )
    sites: SiteWriter = field(default_factory=SiteWriter)
    lookup: Lookup = field(default_factory=Lookup)
    reports: ReportStore = field(default_factory=ReportStore)
    settings: Settings = field(default_factory=get_settings)
    clock: Clock = system_clock
    sleep: Callable[[float], None] = time.sleep
    new_holder: Callable[[], str] = lambda: uuid.uuid4().hex


def read_file_start(
    chunks: Iterable[bytes], *, end_offset: int | None = None, end_line: int | None = None
) -> tuple[Framing, str, RowReader, RawRow | None]:
    """A file read from its first byte: its framing, its delimiter (Excel's "sep=;" first line
    honoured), its rows, and its header row, already read from them (None: the file is empty).
    NotCsvError when it is not CSV text."""
    head, chunks = peek(chunks)
    framing = sniff(head[:SNIFF_BYTES], complete=len(head) < SNIFF_BYTES)
    text = first_line(head, framing)
    directive = EXCEL_SEPARATOR.fullmatch(text.strip())
    delimiter = directive[1] if directive else detect_delimiter(text)
    reader = open_rows(chunks, framing, delimiter=delimiter, end_offset=end_offset, end_line=end_line)
    rows = iter(reader)
    header = next(rows, None)
    if directive and header is not None:
        header = next(rows, None)  # the header is the line after the directive
    return framing, delimiter, reader, header


def _end_line(job: Job, index: int) -> int | None:
    """The line a shard's range ends on: the next shard's first line (None: the shard runs to the
    end of the file, or its job was split before shards recorded their first lines)."""
    shard = job.shards[index]
    if shard.end is None or index + 1 >= len(job.shards):
        return None
    following = job.shards[index + 1]
    return following.first_line if following.start == shard.end and following.first_line > 1 else None


def missing_file_message(job: Job) -> str:
    return (
        f"The uploaded file for this job ({job.filename}) is not in storage any more, so the import "
        "cannot run. Upload the file again as a new import."
    )


def run_delete(message: IngestMessage, remaining_ms: Callable[[], int], svc: IngestServices) -> SegmentReport:
    """Remove a deleted job: the readings it wrote last, page by page while time lasts (then again
    through the queue), its file, and finally its record. Safe to repeat at any point."""
    job = svc.jobs.get(message.job_id)
    if job is None or not job.deleting:
        return SegmentReport(Outcome.IGNORED, "no job being deleted")
    removed = 0
    cleaner = svc.site_cleaner if job.layout == "sites" else svc.cleaner
    while (looked := cleaner.delete_page(job.job_id)) > 0:
        removed += looked
        if segment_should_stop(remaining_ms(), svc.settings.segment_safety_ms):
            svc.queue.send(message)
            return SegmentReport(Outcome.CONTINUED, "more records to delete", rows=removed)
    svc.objects.delete(job.s3_key)
    svc.reports.delete_all(job.job_id)
    svc.jobs.remove(job.job_id)
    logger.info("job deleted", extra={"job_id": job.job_id})
    return SegmentReport(Outcome.DELETED, rows=removed)


def run_segment(
    message: IngestMessage, remaining_ms: Callable[[], int], svc: IngestServices
) -> SegmentReport:
    """Process one segment of a job's shard, from its cursor, until the file ends, the time budget
    runs low, or a throttle pause is long enough to continue through the queue instead."""
    job = svc.jobs.get(message.job_id)
    if job is None:
        return SegmentReport(Outcome.IGNORED, "no such job")
    if job.status not in (JobStatus.QUEUED, JobStatus.PROCESSING):
        return SegmentReport(Outcome.IGNORED, f"job is {job.status.value}")
    if message.shard >= len(job.shards):
        return SegmentReport(Outcome.IGNORED, f"job has no shard {message.shard}")
    shard = job.shards[message.shard]
    if shard.done:
        # A redelivery of a shard's last message: the job may still wait for its completion.
        if job.status is JobStatus.PROCESSING and all(s.done for s in job.shards) and _complete(job, svc):
            return SegmentReport(Outcome.COMPLETED, "every shard was done: the job is complete")
        return SegmentReport(Outcome.IGNORED, "stale message: the shard is done")
    if message.segment < shard.segment:
        return SegmentReport(Outcome.IGNORED, "stale message: a later segment already ran")
    now = svc.clock()
    if job.next_retry_at is not None and now < job.next_retry_at:
        # Early (SQS delays stop at 15 minutes): wait out the rest of the back-off.
        svc.queue.send(message, delay_seconds=math.ceil(job.next_retry_at - now))
        return SegmentReport(Outcome.IGNORED, "waiting for the next retry")
    if message.segment > svc.settings.max_segments:
        return _fail(
            job,
            f"The import was stopped after {svc.settings.max_segments} segments without reaching the end "
            "of the file (the configured maximum). Split the file or raise MaxSegments.",
            svc,
        )
    # The claim lasts as long as this invocation can: Lambda ends it at its deadline, so a lease
    # never outlives its holder (and the queue's visibility timeout, 6x the function's, is longer).
    lease_seconds = remaining_ms() / 1000 + LEASE_MARGIN_S
    lease = Lease(svc.new_holder(), now, lease_seconds)
    try:
        job = svc.jobs.begin_segment(
            job.job_id, shard=message.shard, segment=message.segment, now_iso=iso(now), lease=lease
        )
    except StaleWriteError:
        return SegmentReport(Outcome.IGNORED, "another live invocation holds the shard, or it moved on")
    start_waiting_shards(job, message.shard, svc)
    try:
        return _Segment(job, message, remaining_ms, svc, lease.holder, now + lease_seconds).run()
    except ObjectMissingError:
        return _fail(job, missing_file_message(job), svc)
    except FileFormatError as exc:
        return _fail(job, str(exc), svc)
    except TRANSIENT_ERRORS as exc:
        return _retry_later(job, message, lease, exc, svc)


def start_waiting_shards(job: Job, current: int, svc: IngestServices) -> None:
    """Send the first message of any shard that has never started. The split sends them at once;
    this covers a crash between the split and those sends (a duplicate is ignored)."""
    for index, shard in enumerate(job.shards):
        if index != current and shard.segment == 0 and not shard.done:
            svc.queue.send(IngestMessage(job_id=job.job_id, shard=index, segment=1))


def _complete(job: Job, svc: IngestServices) -> bool:
    """Complete a job whose shards are all done: repeats across its shards merged, its error
    report, then the one conditional update that ends it, then the event (only the invocation
    whose update won sends it). Every step before that update is safe to repeat."""
    merged = merge_shards(job, svc) if len(job.shards) > 1 else MergeCounts()
    svc.reports.assemble(job.job_id, job.header or ())
    try:
        done = svc.jobs.complete(job.job_id, shards=len(job.shards), now_iso=iso(svc.clock()), merged=merged)
    except StaleWriteError:
        return False  # not all done after all, or another invocation completed it first
    svc.events.publish(COMPLETED, ending_detail(done))
    return True


def merge_shards(job: Job, svc: IngestServices) -> MergeCounts:
    """Find the keys repeated across a split job's shards and make the job end as a single range
    would have (merge.py): the later rows warned, their records written again with the final values
    (idempotent), and the counts for the completing update (none when no key is in two shards)."""
    if job.header is None:
        return MergeCounts()
    layout = detect_layout(list(job.header), job.format)
    keys = [shard_keys(job, index, layout, svc) for index in range(len(job.shards))]
    shared = contested(keys)
    if not shared:
        return MergeCounts()
    _, _, reader, _ = read_file_start(svc.objects.read_from(job.s3_key, 0))
    merge = plan_merge(iter(reader), layout, [s.start for s in job.shards], keys, shared)
    logger.info(
        "repeats across shards merged",
        extra={"job_id": job.job_id, "warnings": len(merge.warnings), "rewrites": len(merge.rewrites)},
    )
    inserts_to_updates = 0
    sites = layout.name == "sites"
    if job.dry_run:
        if merge.new_repeats:
            existing = svc.lookup.existing({k for row in merge.new_repeats for k in row}, sites=sites)
            inserts_to_updates = sum(1 for row in merge.new_repeats if existing.isdisjoint(row))
    elif merge.rewrites:
        records, written_at = list(merge.rewrites.values()), iso(svc.clock())
        if sites:
            svc.sites.upsert(cast(list[Site], records), job_id=job.job_id, written_at=written_at)
        else:
            svc.readings.upsert(cast(list[Reading], records), job_id=job.job_id, written_at=written_at)
    room = max(0, MAX_ERROR_SAMPLES - len(job.warnings))
    return MergeCounts(
        warned=merge.warned_rows,
        new_warnings=tuple(p.describe() for p in merge.warnings[:room]),
        inserts_to_updates=inserts_to_updates,
    )


def shard_keys(job: Job, index: int, layout: Layout, svc: IngestServices) -> SeenKeys:
    """The keys a shard has had before its cursor, and the lines it warned about: as its last save
    left them, brought up to the cursor by reading again (parsing only) the rows after that save."""
    shard = job.shards[index]
    saved = svc.reports.load_state(job.job_id, index)
    seen, start, line = SeenKeys(), shard.start, shard.first_line
    if saved is not None and saved[0] <= shard.offset:
        start, line, seen = saved[0], saved[1], SeenKeys.load(saved[2])
    if start == shard.offset:
        return seen
    chunks = svc.objects.read_from(job.s3_key, start)
    if start == 0:
        # (past the header row)
        _, _, reader, _ = read_file_start(chunks, end_offset=shard.offset, end_line=shard.line)
    else:
        assert job.delimiter is not None
        reader = open_rows(
            chunks,
            job.framing,
            delimiter=job.delimiter,
            start_offset=start,
            start_line=line,
            end_offset=shard.offset,
            end_line=shard.line,
        )
    now = utc_now(svc.clock())
    while not reader.exhausted:  # (a batch at a time, as the segments read them)
        seen.mark_warned(check_batch(reader.take(UNTHROTTLED_BATCH_SIZE), layout, seen, now))
    return seen


def _retry_later(
    job: Job, message: IngestMessage, lease: Lease, error: Exception, svc: IngestServices
) -> SegmentReport:
    """A transient failure: try again after a back-off that really waits (a delayed message, not a
    sleep). Throttling waits and tries again however long it lasts (a job never fails for
    throttling alone); anything else is given up after max_retries with one clear failure."""
    settings, now = svc.settings, svc.clock()
    reason = describe(error)
    throttling = is_throttling(error)
    attempt = job.retry_count + 1
    if not throttling and attempt > settings.max_retries:
        return _fail(
            job,
            f"The import failed {attempt} times for a transient reason and was given up. "
            f"Last error: {reason}",
            svc,
        )
    delay = retry_delay(
        1 if throttling else attempt,
        base_seconds=settings.retry_base_seconds,
        cap_seconds=settings.retry_cap_seconds,
    )
    try:
        svc.jobs.record_retry(
            job.job_id,
            shard=message.shard,
            lease=lease,
            error=reason,
            retry_at=now + delay,
            now_iso=iso(now),
            counts=not throttling,
        )
    except StaleWriteError:
        return SegmentReport(Outcome.SUPERSEDED, "the job moved on while this segment failed")
    svc.queue.send(
        IngestMessage(job_id=job.job_id, shard=message.shard, segment=message.segment + 1),
        delay_seconds=min(MAX_DELAY_SECONDS, delay),
    )
    logger.warning(
        "segment will be retried", extra={"job_id": job.job_id, "throttling": throttling, "error": reason}
    )
    return SegmentReport(Outcome.CONTINUED, f"trying again in {delay} s: {reason}")


def give_up(message: IngestMessage, error: Exception, svc: IngestServices) -> None:
    """The last delivery of a message failed too (it goes to the DLQ next): end its job as failed,
    with the reason, so the job does not sit in processing forever."""
    job = svc.jobs.get(message.job_id)
    if job is not None and job.status in (JobStatus.QUEUED, JobStatus.PROCESSING):
        _fail(
            job,
            f"The import kept failing ({svc.settings.max_receive_count} deliveries) and its message was "
            f"moved to the dead-letter queue. Last error: {describe(error)}",
            svc,
        )


def _fail(job: Job, message: str, svc: IngestServices) -> SegmentReport:
    try:
        failed = svc.jobs.fail(
            job.job_id,
            message=message,
            now_iso=iso(svc.clock()),
            from_statuses=(JobStatus.QUEUED, JobStatus.PROCESSING),
        )
    except StaleWriteError:
        return SegmentReport(Outcome.IGNORED, "job ended before it could be failed")
    logger.warning("job failed", extra={"job_id": job.job_id, "reason": message})
    svc.events.publish(FAILED, ending_detail(failed))
    return SegmentReport(Outcome.FAILED, message)


def ending_detail(job: Job) -> dict[str, object]:
    """What an Import Completed / Import Failed event says about the job."""
    return {
        "job_id": job.job_id,
        "owner": job.owner,
        "filename": job.filename,
        "status": job.status.value,
        "dry_run": job.dry_run,
        "processed_rows": job.processed_rows,
        "imported_rows": job.imported_rows,
        "failed_rows": job.failed_rows,
        "error_message": job.error_message,
        "completed_at": job.completed_at,
    }


@dataclass
class _Prepared:
    """A batch checked and written (or being written), not yet counted."""

    batch: RowBatch
    checked: CheckedBatch
    expected: int  # the cursor offset the batch starts at
    end: tuple[int, int]  # the cursor after it: offset, line
    final: bool
    now: float
    would_insert: int
    would_update: int
    writing: Future[WriteResult]


class _Segment:
    def __init__(
        self,
        job: Job,
        message: IngestMessage,
        remaining_ms: Callable[[], int],
        svc: IngestServices,
        holder: str,
        lease_until: float,
    ) -> None:
        self.holder = holder
        self.lease_until = lease_until
        self.job = job
        self.message = message
        self.remaining_ms = remaining_ms
        self.svc = svc
        self.report = SegmentReport(Outcome.CONTINUED)
        self.header: HeaderInfo | None = None
        self.note: str | None = None
        self.seen = SeenKeys()
        self.split: list[Boundary] = []  # where a large file is cut into shards, until that is committed
        self._writes = ThreadPoolExecutor(max_workers=1, thread_name_prefix="batch-writes")

    def _open(self) -> tuple[RowReader, Layout | None]:
        job, shard = self.job, self.job.shards[self.message.shard]
        chunks: Iterator[bytes]
        if job.bytes_total is not None and shard.offset >= job.bytes_total:
            chunks = iter(())  # nothing left: a Range GET past the end would be refused
        else:
            chunks = self.svc.objects.read_from(job.s3_key, shard.offset)
        if job.header is not None:
            assert job.delimiter is not None
            layout = detect_layout(list(job.header), job.format)
            self.seen = shard_keys(job, self.message.shard, layout, self.svc)
            reader = open_rows(
                chunks,
                job.framing,
                delimiter=job.delimiter,
                start_offset=shard.offset,
                start_line=shard.line,
                end_offset=shard.end,
                end_line=_end_line(job, self.message.shard),
            )
            return reader, layout
        # First segment: how the file is framed, and its header row, decide how every segment reads it.
        try:
            framing, delimiter, reader, header_row = read_file_start(chunks, end_offset=shard.end)
        except NotCsvError as exc:
            raise FileFormatError(
                f"This is not a CSV file: {exc}. Save it as CSV (comma-separated values) and upload that."
            ) from None
        if header_row is None:
            self.note = "The file is empty: there was nothing to import."
            self.header = HeaderInfo((), delimiter, "none", framing)
            return reader, None
        if header_row.problem is not None:
            raise FileFormatError(
                f"The header row (line {header_row.line}) cannot be read: {header_row.problem}"
            )
        layout = detect_layout(header_row.cells, job.format)
        self.header = HeaderInfo(tuple(header_row.cells), delimiter, layout.name, framing)
        self.split = self._plan_split(framing, header_row)
        if self.split:
            reader.stop_at(self.split[0].offset, self.split[0].line)
        return reader, layout

    def _plan_split(self, framing: Framing, header: RawRow) -> list[Boundary]:
        """Where to cut a file of at least SHARD_MIN_BYTES into MAX_SHARDS byte ranges that run in
        parallel; none for smaller files, UTF-16 and files holding a quote (see sharding.py)."""
        job, settings = self.job, self.svc.settings
        if (
            settings.shard_min_bytes <= 0
            or settings.max_shards < 2
            or job.bytes_total is None
            or job.bytes_total < settings.shard_min_bytes
            or framing.unit != 1
        ):
            return []
        bounds = plan_shards(
            self.svc.objects.read_from(job.s3_key, header.end_offset),
            start=header.end_offset,
            start_line=header.next_line,
            total=job.bytes_total,
            count=settings.max_shards,
            terminator=framing.terminator,
        )
        if not bounds:
            logger.info("not split: the file holds quotes or too few lines", extra={"job_id": job.job_id})
        return bounds or []

    def _split_shards(
        self, shard: Shard, end: tuple[int, int], final: bool, samples: tuple[Sample, ...], lease: Lease
    ) -> tuple[Shard, ...]:
        """Every shard after the split: this one ending at the first boundary, moved past its first
        batch; the others waiting to start."""
        bounds = self.split
        first = replace(
            shard,
            end=bounds[0].offset,
            offset=end[0],
            line=end[1],
            samples=samples,
            done=final,
            holder=None if final else lease.holder,
            lease_expires=None if final else lease.expires,
        )
        ends = [b.offset for b in bounds[1:]] + [None]
        rest = [
            Shard(start=b.offset, end=e, offset=b.offset, line=b.line, first_line=b.line)
            for b, e in zip(bounds, ends, strict=True)
        ]
        return (first, *rest)

    def run(self) -> SegmentReport:
        """Batch after batch: check, write, count. With no pause between batches, the next batch is
        checked, and the batch before it counted, while this one's writes are in flight (one batch
        ahead, never more): every batch is still counted only after its own writes, in file order."""
        try:
            return self._run()
        finally:
            self._writes.shutdown(wait=True)  # no write outlives the invocation

    def _run(self) -> SegmentReport:
        svc, settings = self.svc, self.svc.settings
        reader, layout = self._open()
        expected = self.job.shards[self.message.shard].offset
        first_batch = True  # every segment makes progress, however little time it was given
        pending: _Prepared | None = None  # a batch being written, counted after the next is checked
        while True:
            if not first_batch and segment_should_stop(self.remaining_ms(), settings.segment_safety_ms):
                if pending is not None and not self._count(pending):
                    return self.report
                if self.report.outcome is Outcome.CANCELLED:
                    return self.report  # (`pending` was counted against the cancelled job)
                self._continue_later(0)
                return self.report
            batch = reader.take(self.job.running_throttle.batch_size)  # (it reads one row ahead:)
            final = reader.exhausted
            if final and not batch and self.job.processed_rows == 0 and self.note is None and layout:
                # (only the first shard can end empty with nothing processed: a split needs rows)
                self.note = "The file has a header row but no data rows."
            # The cursor goes to the end of the batch's last row; at the end of the range, to where
            # reading stopped (past any trailing blank lines).
            end = (batch.end_offset, batch.next_line)
            ahead = not final and self.job.running_throttle.delay_ms == 0
            prepared = self._prepare(batch, layout, expected, end, final, pending, ahead)
            expected = end[0]
            first_batch = False
            if pending is not None and not self._count(pending, then=prepared):
                return self.report
            if self.report.outcome is Outcome.CANCELLED:
                return self.report  # (`prepared` was counted with `pending`, against the cancelled job)
            if ahead:
                pending = prepared
                continue
            pending = None
            if not self._count(prepared) or self.report.outcome is Outcome.CANCELLED:
                return self.report
            if final:
                if self.job.status is JobStatus.COMPLETED:
                    self.report.outcome = Outcome.COMPLETED
                    self.svc.events.publish(COMPLETED, ending_detail(self.job))
                elif not all(s.done for s in self.job.shards):
                    self.report.outcome = Outcome.SHARD_DONE
                elif segment_should_stop(self.remaining_ms(), settings.segment_safety_ms):
                    # The last shard to finish, out of time: its next message merges and completes.
                    svc.queue.send(self.message.model_copy(update={"segment": self.message.segment + 1}))
                    self.report.outcome = Outcome.CONTINUED
                elif _complete(self.job, self.svc):
                    self.report.outcome = Outcome.COMPLETED
                else:
                    self.report.outcome = Outcome.SHARD_DONE
                return self.report
            pause = plan_pause(self.job.running_throttle.delay_ms, settings.inline_sleep_max_ms)
            if pause.requeue_delay_s is not None:
                self._continue_later(pause.requeue_delay_s)
                return self.report
            if pause.sleep_ms:
                if segment_should_stop(self.remaining_ms(), settings.segment_safety_ms, pause.sleep_ms):
                    # The hop through the queue takes about as long as a short pause: no delay.
                    self._continue_later(pause.sleep_ms // 1000)
                    return self.report
                svc.sleep(pause.sleep_ms / 1000)

    def _save_seen(self, offset: int, line: int) -> None:
        self.svc.reports.save_state(self.job.job_id, self.message.shard, offset, line, self.seen.dump())

    def _prepare(
        self,
        batch: RowBatch,
        layout: Layout | None,
        expected: int,
        end: tuple[int, int],
        final: bool,
        in_flight: _Prepared | None,
        ahead: bool,
    ) -> _Prepared:
        """Check a batch and start writing it once the batch before it (`in_flight`) is written: in
        the background when `ahead`, so the loop counts the batch before and checks the next one
        meanwhile."""
        svc, job = self.svc, self.job
        now = svc.clock()
        checked = check_batch(batch, layout, self.seen, utc_now(now))
        records = checked.records
        sites = layout is not None and layout.name == "sites"
        if records and not sites:
            # (the batch still being written cannot hide an overlap from the lookup: a file holds
            # one kind of reading, and an overlap is between kinds)
            self._warn_overlaps(checked)
        self.seen.mark_warned(checked)
        would_insert = would_update = 0
        write: Callable[[], WriteResult] | None = None
        if job.dry_run:
            existing = svc.lookup.existing(map(record_key, records), sites=sites) if records else set()
            for row, row_records in checked.row_records():
                if row in checked.repeats or any(record_key(r) in existing for r in row_records):
                    would_update += 1
                else:
                    would_insert += 1
        elif sites:
            sites_of = cast(list[Site], records)
            write = partial(svc.sites.upsert, sites_of, job_id=job.job_id, written_at=iso(now))
        elif records:
            readings = cast(list[Reading], records)
            write = partial(svc.readings.upsert, readings, job_id=job.job_id, written_at=iso(now))
        if in_flight is not None:
            # One batch's writes at a time: a failure stops the loop before the next batch's start.
            in_flight.writing.result()
        writing: Future[WriteResult] = Future()
        if write is None:
            writing.set_result(WriteResult(0, 0))
        elif ahead:
            writing = self._writes.submit(write)
        else:
            writing.set_result(write())
        return _Prepared(batch, checked, expected, end, final, now, would_insert, would_update, writing)

    def _batch_commit(self, p: _Prepared) -> BatchCommit:
        """The update that counts a prepared batch, once its writes are done (from the job as the
        previous commit left it)."""
        svc, job = self.svc, self.job
        written = p.writing.result()
        checked, end, final, now = p.checked, p.end, p.final, p.now
        if checked.errors:
            svc.reports.write_part(job.job_id, self.message.shard, p.expected, checked.errors)
        shard = job.shards[self.message.shard]
        split = len(job.shards) > 1 or bool(self.split)
        if final and split:
            self._save_seen(*end)  # every key this shard had, for the merge (merge.py)
        completes = final and not split  # a split job completes after merging its shards
        if completes:
            header = self.header.cells if self.header is not None else (job.header or ())
            svc.reports.assemble(job.job_id, header)
        room = max(0, MAX_ERROR_SAMPLES - job.failed_rows)
        warning_room = max(0, MAX_ERROR_SAMPLES - len(job.warnings))
        rows_before = shard.samples[-1].rows if shard.samples else 0
        samples = add_sample(
            list(shard.samples), Sample(now, rows_before + len(p.batch), end[0] - shard.start)
        )
        lease = Lease(self.holder, now, self.lease_until - now)
        return BatchCommit(
            shard=self.message.shard,
            expected_offset=p.expected,
            end_offset=end[0],
            next_line=end[1],
            processed=len(p.batch),
            imported=checked.imported,
            failed=len(checked.errors),
            readings=len(checked.records) if job.dry_run else written.written,
            new_errors=tuple(x.describe() for x in checked.errors[:room]),
            final=final,
            now_iso=iso(now),
            samples=tuple(samples),
            header=self.header,
            note=self.note,
            lease=lease,
            adaptation=self._adaptation(written.resends),
            complete=completes,
            split=self._split_shards(shard, end, final, tuple(samples), lease) if self.split else (),
            warned=checked.warning_rows,
            new_warnings=tuple(x.describe() for x in checked.warnings[:warning_room]),
            would_insert=p.would_insert,
            would_update=p.would_update,
        )

    def _count(self, p: _Prepared, then: _Prepared | None = None) -> bool:
        """Count a prepared batch exactly once (one conditional update). False: another invocation
        counted it first, and this one stops. If the job was cancelled meanwhile, the batch is
        counted against the cancelled job, and so is `then` (the next batch, written already)."""
        svc, job = self.svc, self.job
        commit = self._batch_commit(p)
        try:
            self.job = svc.jobs.commit_batch(job.job_id, commit)
        except StaleWriteError:
            if then is not None:
                then.writing.exception()  # wait: its writes land whatever happens next
            if not self._commit_into_cancelled(commit, then):
                self.report.outcome = Outcome.SUPERSEDED
                self.report.reason = "another invocation committed this batch first"
                return False
        if commit.adaptation is not None and self.job.throttle != job.throttle:
            # The throttle was changed while this batch was in flight: the change wins, and the
            # service's own slow-down starts again from it (as change_throttle says).
            with suppress(StaleWriteError):  # changed yet again: that change dropped it already
                self.job = svc.jobs.drop_slow_down(job.job_id, throttle=self.job.throttle)
        self._counted(p)
        self.header = None
        self.note = None
        if self.split:
            self.split = []
            if self.job.status is JobStatus.PROCESSING:
                for index in range(1, len(self.job.shards)):
                    svc.queue.send(IngestMessage(job_id=job.job_id, shard=index, segment=1))
        return True

    def _counted(self, p: _Prepared) -> None:
        self.report.batches += 1
        self.report.rows += len(p.batch)
        self.report.imported += p.checked.imported
        self.report.failed += len(p.checked.errors)

    def _warn_overlaps(self, checked: CheckedBatch) -> None:
        """A daily reading beside half-hourly ones for the same meter and day (in the table already)."""
        readings = cast(list[Reading], checked.records)
        overlaps = self.svc.lookup.overlaps(readings)
        if not overlaps:
            return
        for row, row_records in checked.row_records():
            warned = set()
            for reading in cast(list[Reading], row_records):
                pair = (reading.meter, reading.local_date)
                if pair in overlaps and pair not in warned:
                    warned.add(pair)
                    checked.warn(row, None, overlap_warning(reading))

    def _adaptation(self, resends: int) -> Adaptation | None:
        """Slow down while DynamoDB throttles writes, speed back up once it stops (None: no change)."""
        job = self.job
        if resends == 0 and job.effective_throttle is None:
            return None
        return adapt(job.throttle, job.running_throttle, resends)

    def _commit_into_cancelled(self, commit: BatchCommit, then: _Prepared | None = None) -> bool:
        """The job was cancelled while this batch was being written: count the batch anyway (its
        readings are in the table), against the cancelled job, and stop. So too the next batch, if
        it was written already (`then`)."""
        try:
            self.job = self.svc.jobs.commit_batch(
                self.job.job_id, replace(commit, job_status=JobStatus.CANCELLED, final=False)
            )
        except StaleWriteError:
            return False
        self.header = None
        self.note = None
        if then is not None and then.writing.exception() is None:
            later = self._batch_commit(then)
            with suppress(StaleWriteError):
                self.job = self.svc.jobs.commit_batch(
                    self.job.job_id, replace(later, job_status=JobStatus.CANCELLED, final=False)
                )
                self._counted(then)
        self.svc.jobs.release(self.job.job_id, self.message.shard, commit.lease)
        self.svc.reports.assemble(self.job.job_id, self.job.header or ())
        self.report.outcome = Outcome.CANCELLED
        self.report.reason = "the job was cancelled"
        return True

    def _continue_later(self, delay_seconds: int) -> None:
        shard = self.job.shards[self.message.shard]
        self._save_seen(shard.offset, shard.line)
        # Give the job back first, so the continuation can claim it as soon as it arrives.
        self.svc.jobs.release(self.job.job_id, self.message.shard, Lease(self.holder, self.svc.clock(), 0))
        self.svc.queue.send(
            IngestMessage(job_id=self.job.job_id, shard=self.message.shard, segment=self.message.segment + 1),
            delay_seconds=delay_seconds,
        )
        self.report.outcome = Outcome.CONTINUED
