"""The batch loop of one segment: check a batch, write it, count it (one conditional update), pause
as the throttle says, and stop in time, handing the rest to a continuation message.

With no pause between batches, the next batch is checked, and the batch before it counted, while a
batch's writes are in flight (one batch ahead, never more): every batch is still counted only after
its own writes, in file order."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import partial

from ingestion.domain.clock import iso
from ingestion.domain.coverage import build_ms_beyond_margin
from ingestion.domain.csvstream import RowBatch, RowReader
from ingestion.domain.errors import StaleWriteError
from ingestion.domain.formats import AnyLayout, detect_layout
from ingestion.domain.formats.detect import resolve_layout
from ingestion.domain.formats.summary_rows import MAX_SUMMARY_SAMPLES
from ingestion.domain.framing import NotCsvError
from ingestion.domain.job import (
    MAX_ERROR_SAMPLE_BYTES,
    MAX_WARNING_SAMPLE_BYTES,
    BatchCommit,
    HeaderInfo,
    Job,
    JobStatus,
    Lease,
    samples_that_fit,
)
from ingestion.domain.messages import IngestMessage
from ingestion.domain.progress import Sample, add_sample
from ingestion.domain.records import WriteResult, kind_of_layout
from ingestion.domain.rowcheck import CheckedBatch, check_batch, utc_now
from ingestion.domain.seen_keys import SeenKeys
from ingestion.domain.sharding import Boundary
from ingestion.domain.throttle import Adaptation, adapt, plan_pause, segment_should_stop
from ingestion.services.ingest.files import (
    chunks_from_cursor,
    end_line,
    not_csv,
    read_file_start,
    rows_in_range,
    unreadable_header,
)
from ingestion.services.ingest.lifecycle import announce_completed, assemble_outputs, complete, finish_cancel
from ingestion.services.ingest.outcome import Outcome, SegmentReport, Tally
from ingestion.services.ingest.shards import plan_split, shard_keys, split_shards
from ingestion.services.wiring import Services
from ingestion.store.lookup import BatchRead


class Counted(StrEnum):
    """What counting a batch came to."""

    COUNTED = "counted"
    CANCELLED = "cancelled"  # counted while the job was being cancelled, which then ended it: stop
    SUPERSEDED = "superseded"  # another invocation counted it first: stop


@dataclass
class Prepared:
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

    @property
    def processed(self) -> int:
        """The batch's data rows: its rows but the summary rows (Total, Average), counted apart."""
        return len(self.batch) - len(self.checked.summaries)


class SegmentRun:
    """One segment's batches, from the shard's cursor, by the invocation holding `lease`."""

    def __init__(
        self,
        job: Job,
        message: IngestMessage,
        remaining_ms: Callable[[], int],
        svc: Services,
        lease: Lease,
    ) -> None:
        self.job = job
        self.message = message
        self.remaining_ms = remaining_ms
        self.svc = svc
        self.holder = lease.holder
        self.lease = lease  # as last written: renewed at every commit
        self.tally = Tally()
        # What the first commit of a job records, then forgets:
        self.header: HeaderInfo | None = None
        self.note: str | None = None
        self.split: list[Boundary] = []  # where a large file is cut into shards
        self.seen = SeenKeys()
        self._writes = ThreadPoolExecutor(max_workers=1, thread_name_prefix="batch-writes")

    def run(self) -> SegmentReport:
        try:
            return self._run()
        finally:
            self._writes.shutdown(wait=True)  # no write outlives the invocation

    def _run(self) -> SegmentReport:
        reader, layout = self._open()
        expected = self.job.shards[self.message.shard].offset
        first_batch = True  # every segment makes progress, however little time it was given
        pending: Prepared | None = None  # a batch being written, counted after the next is checked
        while True:
            if not first_batch and self._out_of_time():
                if pending is not None and (counted := self._count(pending)) is not Counted.COUNTED:
                    return self._stopped(counted)
                return self._continue_later(0)
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
            expected, first_batch = end[0], False
            if pending is not None:
                counted = self._count(pending, then=prepared)
                if counted is not Counted.COUNTED:
                    return self._stopped(counted)  # (a cancel counted `prepared` with `pending`)
            if ahead:
                pending = prepared
                continue
            pending = None
            if (counted := self._count(prepared)) is not Counted.COUNTED:
                return self._stopped(counted)
            if final:
                return self._shard_ended()
            stop = self._pause()
            if stop is not None:
                return stop

    def _out_of_time(self, pending_sleep_ms: int = 0) -> bool:
        return segment_should_stop(self.remaining_ms(), self.svc.settings.segment_safety_ms, pending_sleep_ms)

    def _time_to_end(self, more_rows: int) -> bool:
        """Whether this invocation has the time to end the job: its reports, and its coverage built
        from the log (domain/coverage.py: some 80 s for 10 million rows, of which the safety margin
        holds 10)."""
        beyond = build_ms_beyond_margin(self.job.processed_rows + more_rows)
        return beyond == 0 or not self._out_of_time(beyond)  # (within the margin: nothing to ask)

    def _stopped(self, counted: Counted) -> SegmentReport:
        if counted is Counted.CANCELLED:
            return SegmentReport.of(Outcome.CANCELLED, self.tally, "the job was cancelled")
        superseded = "another invocation committed this batch first"
        return SegmentReport.of(Outcome.SUPERSEDED, self.tally, superseded)

    def _shard_ended(self) -> SegmentReport:
        """The shard's last batch is counted: the job is complete, or waits for its other shards,
        or (the last shard to finish) is completed here, with its shards merged."""
        if self.job.status is JobStatus.COMPLETED:
            announce_completed(self.job, self.svc)
            return SegmentReport.of(Outcome.COMPLETED, self.tally)
        if not all(s.done for s in self.job.shards):
            return SegmentReport.of(Outcome.SHARD_DONE, self.tally)
        if self._out_of_time(build_ms_beyond_margin(self.job.processed_rows)):
            # The last shard to finish, out of time (for the merge, or the coverage: _time_to_end):
            # its next message merges and completes.
            self.svc.queue.send(self.message.model_copy(update={"segment": self.message.segment + 1}))
            return SegmentReport.of(Outcome.CONTINUED, self.tally)
        ended = Outcome.COMPLETED if complete(self.job, self.svc) else Outcome.SHARD_DONE
        return SegmentReport.of(ended, self.tally)

    def _pause(self) -> SegmentReport | None:
        """The throttle's pause after a batch: slept here, or (long, or out of time) continued later."""
        pause = plan_pause(self.job.running_throttle.delay_ms, self.svc.settings.inline_sleep_max_ms)
        if pause.requeue_delay_s is not None:
            return self._continue_later(pause.requeue_delay_s)
        if pause.sleep_ms:
            if self._out_of_time(pause.sleep_ms):
                # The hop through the queue takes about as long as a short pause: no delay.
                return self._continue_later(pause.sleep_ms // 1000)
            if not self._hold_through(pause.sleep_ms / 1000):
                superseded = "the shard's lease was lost before a pause"
                return SegmentReport.of(Outcome.SUPERSEDED, self.tally, superseded)
            self.svc.sleep(pause.sleep_ms / 1000)
        return None

    def _hold_through(self, seconds: float) -> bool:
        """Renew the lease before a pause it would not last through (the pause, then a lease's
        length). False: it was lost (another invocation took the shard over, or the job ended)."""
        now = self.svc.clock()
        if now + seconds < self.lease.expires:
            return True
        lease = self.lease.renewed(now, seconds + self.svc.settings.lease_seconds)
        try:
            self.svc.jobs.renew_lease(self.job.job_id, self.message.shard, lease)
        except StaleWriteError:
            return False
        self.lease = lease
        return True

    # ---- reading ---------------------------------------------------------------------------------

    def _open(self) -> tuple[RowReader, AnyLayout | None]:
        job, index = self.job, self.message.shard
        shard = job.shards[index]
        chunks = chunks_from_cursor(job, index, self.svc.objects)
        if job.header is not None:
            layout = detect_layout(list(job.header), job.format, job.mapping)
            self.seen = shard_keys(job, index, layout, self.svc)
            last_line = end_line(job, index)
            reader = rows_in_range(
                job, chunks, start=shard.offset, line=shard.line, end=shard.end, end_at_line=last_line
            )
            return reader, layout
        # First segment: how the file is framed, and its header row, decide how every segment reads it.
        try:
            start = read_file_start(chunks, mapping=job.requested_mapping, end_offset=shard.end)
        except NotCsvError as exc:
            raise not_csv(exc) from None
        reader, header_row, framing = start.reader, start.header, start.framing
        if header_row is None:
            self.note = "The file is empty: there was nothing to import."
            self.header = HeaderInfo((), start.delimiter, "none", framing)
            return reader, None
        if (unreadable := unreadable_header(header_row)) is not None:
            raise unreadable
        detected = resolve_layout(header_row.cells, job.format, job.requested_mapping, start.facts)
        layout = detected.layout
        mapping = detected.mapping.model_copy(update={"header_row": header_row.line})
        self.header = HeaderInfo(tuple(header_row.cells), start.delimiter, layout.name, framing, mapping)
        self.split = plan_split(job, framing, header_row, self.svc)
        if self.split:
            reader.stop_at(self.split[0].offset, self.split[0].line)
        return reader, layout

    # ---- checking and writing --------------------------------------------------------------------

    def _prepare(
        self,
        batch: RowBatch,
        layout: AnyLayout | None,
        expected: int,
        end: tuple[int, int],
        final: bool,
        in_flight: Prepared | None,
        ahead: bool,
    ) -> Prepared:
        """Check a batch and start writing it once the batch before it (`in_flight`) is written: in
        the background when `ahead`, so the loop counts the batch before and checks the next one
        meanwhile."""
        svc, job = self.svc, self.job
        now = svc.clock()
        checked = check_batch(batch, layout, self.seen, utc_now(now))
        kind = kind_of_layout(layout.name if layout is not None else None)
        records = checked.records
        read: BatchRead | None = None
        if records and kind.checks_overlaps:
            # One read of the batch's days: what the writer logs, what a dry run counts, and the
            # other kind beside them (the batch still being written cannot hide an overlap: a file
            # holds one kind of reading, and an overlap is between kinds; nor change what this
            # batch replaces, but for the periods it wrote itself, which undo knows: meter_days).
            read = svc.lookup.read_batch(records)  # type: ignore[arg-type]  # (readings)
            checked.warn_overlaps(read.overlaps)
        self.seen.mark_warned(checked.warned_lines())
        would_insert = would_update = 0
        write: Callable[[], WriteResult] | None = None
        if job.dry_run:
            keys = map(kind.key, records)
            existing = (
                (read.existing(keys) if read is not None else svc.lookup.existing(keys, kind=kind.name))
                if records
                else set()
            )
            for row, row_records in checked.row_records():
                if row in checked.repeats or any(kind.key(r) in existing for r in row_records):
                    would_update += 1
                else:
                    would_insert += 1
        elif records:
            write = partial(
                svc.writer(kind).upsert,
                records,
                job_id=job.job_id,
                written_at=iso(now),
                read=read.days if read is not None else None,
            )
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
        return Prepared(batch, checked, expected, end, final, now, would_insert, would_update, writing)

    # ---- counting --------------------------------------------------------------------------------

    def _batch_commit(self, p: Prepared) -> BatchCommit:
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
            self._save_seen(*end)  # every key this shard had, for the merge (domain/merge.py)
        # A split job completes after merging its shards; a job too large to build its coverage in
        # the time left ends its shard here and completes in a fresh invocation (_shard_ended).
        completes = final and not split and self._time_to_end(p.processed)
        if completes:
            header = self.header.cells if self.header is not None else (job.header or ())
            layout = self.header.layout if self.header is not None else job.layout
            assemble_outputs(job, svc, header, layout)
        # The first errors are kept: none once one was left out (more rows failed than it holds).
        errors = () if job.failed_rows > len(job.errors) else (x.describe() for x in checked.errors)
        rows_before = shard.samples[-1].rows if shard.samples else 0
        processed = p.processed
        samples = tuple(
            add_sample(list(shard.samples), Sample(now, rows_before + processed, end[0] - shard.start))
        )
        lease = self.lease.renewed(now)
        return BatchCommit(
            shard=self.message.shard,
            expected_offset=p.expected,
            end_offset=end[0],
            next_line=end[1],
            processed=processed,
            imported=checked.imported,
            failed=len(checked.errors),
            readings=len(checked.records) if job.dry_run else written.written,
            new_errors=samples_that_fit(job.errors, errors, MAX_ERROR_SAMPLE_BYTES),
            final=final,
            now_iso=iso(now),
            samples=samples,
            header=self.header,
            note=self.note,
            lease=lease,
            adaptation=self._adaptation(written.resends),
            complete=completes,
            split=split_shards(shard, self.split, end, final, samples, lease) if self.split else (),
            warned=checked.warning_rows,
            new_warnings=samples_that_fit(
                job.warnings, (x.describe() for x in checked.warnings), MAX_WARNING_SAMPLE_BYTES
            ),
            would_insert=p.would_insert,
            would_update=p.would_update,
            summaries=len(checked.summaries),
            new_summaries=tuple(checked.summaries[: max(0, MAX_SUMMARY_SAMPLES - len(job.summary_samples))]),
        )

    def _count(self, p: Prepared, then: Prepared | None = None) -> Counted:
        """Count a prepared batch exactly once (one conditional update). SUPERSEDED: another
        invocation counted it first. CANCELLED: the job was being cancelled meanwhile; the batch is
        counted, and so is `then` (the next batch, written already), and the job is ended."""
        svc, job = self.svc, self.job
        commit = self._batch_commit(p)
        counted = Counted.COUNTED
        try:
            self.job = svc.jobs.commit_batch(job.job_id, commit)
            self.lease = commit.lease
        except StaleWriteError:
            if then is not None:
                then.writing.exception()  # wait: its writes land whatever happens next
            if not self._commit_into_cancelling(commit, then):
                return Counted.SUPERSEDED
            counted = Counted.CANCELLED
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
        return counted

    def _counted(self, p: Prepared) -> None:
        self.tally.add(p.processed, p.checked.imported, len(p.checked.errors))

    def _adaptation(self, resends: int) -> Adaptation | None:
        """Slow down while DynamoDB throttles writes, speed back up once it stops (None: no change)."""
        job = self.job
        if resends == 0 and job.effective_throttle is None:
            return None
        return adapt(job.throttle, job.running_throttle, resends)

    def _commit_into_cancelling(self, commit: BatchCommit, then: Prepared | None = None) -> bool:
        """The job was cancelled while this batch was being written: count the batch anyway (its
        records are in the table) while the job reads cancelling, and so the next batch, if it was
        written already (`then`); give the shard back and end the job cancelled (the last of its
        shards' workers to stop does). False: the job was not being cancelled (someone else
        counted), or it has ended already: a terminal job never changes."""
        try:
            self.job = self.svc.jobs.commit_batch(
                self.job.job_id, replace(commit, job_status=JobStatus.CANCELLING, final=False)
            )
        except StaleWriteError:
            return False
        self.header = None
        self.note = None
        if then is not None and then.writing.exception() is None:
            later = self._batch_commit(then)
            with suppress(StaleWriteError):
                self.job = self.svc.jobs.commit_batch(
                    self.job.job_id, replace(later, job_status=JobStatus.CANCELLING, final=False)
                )
                self._counted(then)
        self.svc.jobs.release(self.job.job_id, self.message.shard, commit.lease)
        finish_cancel(self.job, self.svc)
        return True

    # ---- handing on ------------------------------------------------------------------------------

    def _save_seen(self, offset: int, line: int) -> None:
        self.svc.reports.save_state(self.job.job_id, self.message.shard, offset, line, self.seen.dump())

    def _continue_later(self, delay_seconds: int) -> SegmentReport:
        shard = self.job.shards[self.message.shard]
        self._save_seen(shard.offset, shard.line)
        # Give the job back first, so the continuation can claim it as soon as it arrives.
        self.svc.jobs.release(self.job.job_id, self.message.shard, Lease(self.holder, self.svc.clock(), 0))
        self.svc.queue.send(
            IngestMessage(job_id=self.job.job_id, shard=self.message.shard, segment=self.message.segment + 1),
            delay_seconds=delay_seconds,
        )
        return SegmentReport.of(Outcome.CONTINUED, self.tally)
