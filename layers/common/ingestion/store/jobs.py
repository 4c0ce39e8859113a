"""The jobs table: every read and write of a job goes through JobRepository."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from contextlib import suppress
from typing import Any, cast

from pynamodb.exceptions import PutError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from ingestion.domain.clock import iso, parse_iso
from ingestion.domain.errors import InvalidRequestError, JobNotFoundError, StaleWriteError
from ingestion.domain.formats.row_errors import shortened
from ingestion.domain.job import (
    ACTIVE,
    CANCELLABLE,
    FINISHED,
    JOB_ID_MAX_LENGTH,
    MAX_ERROR_MESSAGE_CHARS,
    NOT_ENDED,
    WORKING,
    BatchCommit,
    Job,
    JobStatus,
    Lease,
    MergeCounts,
    Shard,
)
from ingestion.domain.throttle import Throttle
from ingestion.store.mapping import from_attributes, to_attributes
from ingestion.store.rights import rights
from ingestion.store.tables import (
    JobModel,
    SampleAttribute,
    ShardCursor,
    SummaryRowAttribute,
    ThrottleAttribute,
)

# The IAM actions JobRepository calls (store/rights.py), by use.
JOB_READS = rights("JobsTable", "dynamodb:GetItem")  # get, get_owned
JOB_CREATION = rights("JobsTable", "dynamodb:PutItem")  # create
JOB_UPDATES = rights("JobsTable", "dynamodb:UpdateItem")  # every transition
JOB_REMOVAL = rights("JobsTable", "dynamodb:DeleteItem")  # remove
JOBS_BY_OWNER = rights(
    "JobsTable/index/owner-created-keys", "dynamodb:Query"
)  # list_for_owner, count_not_ended
JOBS_BY_STATUS = rights("JobsTable/index/status-seen-keys", "dynamodb:Query")  # find_by_status
# The indexes hold keys: list_for_owner and find_by_status read the jobs themselves.
JOBS_IN_BULK = rights("JobsTable", "dynamodb:BatchGetItem")
# How often at most a job's entry in the status index moves (seen_at): the scheduled run's windows
# (a lease, 60 s; the queued grace, 120 s) are longer, and a shard commits ~10 batches a second.
SEEN_EVERY_S = 15


def _is_conditional_failure(exc: Exception) -> bool:
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


def _statuses(statuses: Iterable[JobStatus]) -> Condition:
    return JobModel.status.is_in(*[s.value for s in statuses])


def _and_nobody_holds(condition: Condition, shards: int, now: float) -> Condition:
    """`condition`, and no invocation holds a live lease on any of the job's `shards` shards at `now`."""
    for index in range(shards):
        cursor: Any = JobModel.shards[index]  # a list element's paths are untyped
        condition &= cursor.holder.does_not_exist() | (cursor.lease_expires < now) | (cursor.done == True)  # noqa: E712
    return condition


def _encode_token(created_at: str, job_id: str) -> str:
    raw = json.dumps({"c": created_at, "j": job_id}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_token(token: str) -> tuple[str, str]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        created_at, job_id = data["c"], data["j"]
        if isinstance(created_at, str) and isinstance(job_id, str):
            return created_at, job_id
    except (ValueError, KeyError, TypeError, binascii.Error):
        pass
    raise InvalidRequestError("the 'next' token is not one this API returned")


class JobRepository:
    def create(self, job: Job) -> None:
        model = to_attributes(job, JobModel)
        model.seen_at = seen_at(job.updated_at)
        try:
            model.save(condition=JobModel.job_id.does_not_exist())
        except PutError as exc:
            if _is_conditional_failure(exc):
                raise StaleWriteError(job.job_id) from None
            raise

    def get(self, job_id: str) -> Job | None:
        """The job, or None (also for an id that cannot be one: no lookup is made)."""
        if not 0 < len(job_id) <= JOB_ID_MAX_LENGTH:
            return None
        try:
            return from_attributes(Job, JobModel.get(job_id, consistent_read=True))
        except JobModel.DoesNotExist:
            return None

    def get_owned(self, job_id: str, owner: str) -> Job:
        """The owner's job. Someone else's job is reported exactly like a missing one (not found,
        never forbidden), so job ids reveal nothing."""
        job = self.get(job_id)
        if job is None or job.owner != owner:
            raise JobNotFoundError(f"no import job {job_id!r}")
        return job

    def list_for_owner(
        self, owner: str, *, status: JobStatus | None, limit: int, next_token: str | None
    ) -> tuple[list[Job], str | None]:
        """The owner's jobs, newest first, from the owner GSI (its keys; the jobs are read with
        BatchGetItem); a page and the token of the next."""
        start_key = None
        if next_token:
            created_at, job_id = _decode_token(next_token)
            start_key = {
                "owner": {"S": owner},
                "created_at": {"S": created_at},
                "job_id": {"S": job_id},
            }
        results = JobModel.owner_index.query(
            owner,
            scan_index_forward=False,
            filter_condition=(JobModel.status == status.value) if status else None,
            last_evaluated_key=start_key,
            limit=limit + 1,
            page_size=max(limit + 1, 25),
        )
        found = list(results)  # keys and status only: the jobs themselves are read below
        page = found[:limit]
        # (the index lags its table a little: a job whose status changed just now is left out)
        jobs = [j for j in self._read_many([m.job_id for m in page]) if status is None or j.status is status]
        token = _encode_token(page[-1].created_at, page[-1].job_id) if len(found) > limit else None
        return jobs, token

    def count_not_ended(self, owner: str, *, stop_at: int) -> int:
        """How many of the owner's jobs have not ended (awaiting their file, queued or running),
        counting no further than stop_at. Reads the owner index's keys and `status` only, so it
        works whatever else the index projects; not transactional (see docs/design.md, Quotas)."""
        results = JobModel.owner_index.query(
            owner,
            filter_condition=_statuses(NOT_ENDED),
            attributes_to_get=["job_id", "owner", "created_at", "status"],
            limit=stop_at,
        )
        return sum(1 for _ in results)

    def find_by_status(self, status: JobStatus, *, updated_before: str, limit: int) -> list[Job]:
        """Jobs in a status whose last update is older than a moment, oldest first (to within
        SEEN_EVERY_S: the status index orders them by seen_at). Of the `limit` the index finds,
        those updated since their seen_at passed the moment are left out (read, not stalled)."""
        results = JobModel.status_index.query(
            status.value,
            range_key_condition=JobModel.seen_at < parse_iso(updated_before),
            scan_index_forward=True,
            limit=limit,
        )
        jobs = self._read_many([m.job_id for m in results])  # (the index holds keys only)
        return [job for job in jobs if job.status is status and job.updated_at < updated_before]

    def _read_many(self, job_ids: list[str]) -> list[Job]:
        """These jobs as stored now, in this order (one BatchGetItem per 100; a job deleted since
        the index was read is left out)."""
        if not job_ids:
            return []
        by_id = {m.job_id: m for m in JobModel.batch_get(job_ids, consistent_read=True)}
        return [from_attributes(Job, by_id[job_id]) for job_id in job_ids if job_id in by_id]

    # ---- transitions ------------------------------------------------------------------------

    def _update(self, job_id: str, actions: list, condition: Condition) -> Job:
        model = JobModel(job_id=job_id)
        try:
            model.update(actions=actions, condition=condition)
        except UpdateError as exc:
            if _is_conditional_failure(exc):
                raise StaleWriteError(job_id) from None
            raise
        return from_attributes(Job, model)

    def mark_queued(self, job_id: str, *, bytes_total: int, etag: str, now_iso: str) -> Job:
        """The file arrived: the job can start, on that object (its ETag). Only once, and only from
        awaiting_upload: a later upload under the key changes nothing."""
        return self._update(
            job_id,
            [
                JobModel.status.set(JobStatus.QUEUED.value),
                JobModel.bytes_total.set(bytes_total),
                JobModel.file_etag.set(etag),
                JobModel.shards.set([to_attributes(Shard(start=0, end=None, offset=0, line=1), ShardCursor)]),
                *_touched(now_iso),
            ],
            JobModel.status == JobStatus.AWAITING_UPLOAD.value,
        )

    def begin_segment(self, job_id: str, *, shard: int, segment: int, now_iso: str, lease: Lease) -> Job:
        """Claim a shard of the job for one invocation (the shard's lease) and mark segment N of it
        as started.

        Fails when another live invocation holds the shard's lease, a later segment of it already
        started, the shard is done or the job is no longer active. The same segment may start
        again: that is a redelivery after a crash, and the cursor says where to resume."""
        cursor = JobModel.shards[shard]
        return self._update(
            job_id,
            [
                JobModel.status.set(JobStatus.PROCESSING.value),
                JobModel.started_at.set(JobModel.started_at | now_iso),
                *_touched(now_iso),
                cursor.segment.set(segment),  # type: ignore[attr-defined]
                JobModel.segments.set(JobModel.segments + 1),
                cursor.holder.set(lease.holder),  # type: ignore[attr-defined]
                cursor.lease_expires.set(lease.expires),  # type: ignore[attr-defined]
                JobModel.next_retry_at.remove(),
            ],
            _statuses(ACTIVE)
            & (cursor.segment <= segment)  # type: ignore[attr-defined]
            & (cursor.done == False)  # type: ignore[attr-defined]  # noqa: E712
            & (
                cursor.holder.does_not_exist()  # type: ignore[attr-defined]
                | (cursor.lease_expires < lease.now)  # type: ignore[attr-defined]
                | (cursor.holder == lease.holder)  # type: ignore[attr-defined]
            ),
        )

    def record_retry(
        self,
        job_id: str,
        *,
        shard: int,
        lease: Lease,
        error: str,
        retry_at: float,
        now_iso: str,
        counts: bool = True,
    ) -> Job:
        """A segment failed for a transient reason: count it (unless it was throttling, which never
        uses up a job's retries), say why and when the next try is, and give the shard back."""
        actions: list[Action] = [
            JobModel.last_error.set(error[:1000]),
            JobModel.next_retry_at.set(retry_at),
            *_touched(now_iso),
            JobModel.shards[shard].holder.remove(),  # type: ignore[attr-defined]
            JobModel.shards[shard].lease_expires.remove(),  # type: ignore[attr-defined]
        ]
        if counts:
            actions.append(JobModel.retry_count.add(1))
        else:
            actions += [JobModel.throttled.set(True), JobModel.throttled_reason.set(error[:1000])]
        return self._update(
            job_id,
            actions,
            (JobModel.shards[shard].holder == lease.holder)  # type: ignore[attr-defined]
            & (JobModel.status == JobStatus.PROCESSING.value),
        )

    def release(self, job_id: str, shard: int, lease: Lease) -> None:
        """Give the shard back (the segment ended) so that its continuation can claim it at once."""
        cursor = JobModel.shards[shard]
        # StaleWriteError: the lease had run out and someone else holds it, or the job has ended;
        # nothing of ours to give back.
        with suppress(StaleWriteError):
            self._update(
                job_id,
                [cursor.holder.remove(), cursor.lease_expires.remove()],  # type: ignore[attr-defined]
                (cursor.holder == lease.holder) & _statuses(NOT_ENDED),  # type: ignore[attr-defined]
            )

    def renew_lease(self, job_id: str, shard: int, lease: Lease) -> None:
        """Extend the holder's lease on a shard (before a pause longer than it would last); a
        commit renews it too. StaleWriteError: someone else holds the shard, or the job ended."""
        cursor: Any = JobModel.shards[shard]  # a list element's paths are untyped
        self._update(
            job_id,
            [cursor.lease_expires.set(lease.expires)],
            (cursor.holder == lease.holder) & _statuses(WORKING),
        )

    def commit_batch(self, job_id: str, c: BatchCommit) -> Job:
        """Count one batch exactly once: the cursor moves only from where the batch started.

        The holder's lease is renewed from the commit's time (`c.lease`). The last batch of a
        shard marks it done; in a job of one shard, `c.complete` also completes
        the job in the same update (a split job completes after merging its shards). The first
        batch of a large file may split it (`c.split`): the whole list of shards is then written,
        this one's cursor in it."""
        cursor = JobModel.shards[c.shard]
        final = c.final and c.job_status is JobStatus.PROCESSING
        actions = [*_counter_actions(c), *_first_commit_actions(c), *_cursor_actions(c, final)]
        if c.adaptation is not None:
            actions += [
                JobModel.effective_throttle.set(to_attributes(c.adaptation.throttle, ThrottleAttribute)),
                JobModel.throttled.set(c.adaptation.throttled),
                JobModel.throttled_reason.set(c.adaptation.reason)
                if c.adaptation.reason is not None
                else JobModel.throttled_reason.remove(),
            ]
        if final and c.complete:
            actions += [
                JobModel.status.set(JobStatus.COMPLETED.value),
                JobModel.completed_at.set(c.now_iso),
                JobModel.total_rows.set(JobModel.processed_rows + c.processed),
                JobModel.total_rows_exact.set(True),
            ]
        # A terminal job never changes: the status asked for is never completed, failed or cancelled.
        condition = (
            (cursor.offset == c.expected_offset)  # type: ignore[attr-defined]
            & (JobModel.status == c.job_status.value)
            & ~_statuses(FINISHED)
            & (cursor.holder == c.lease.holder)  # type: ignore[attr-defined]
        )
        return self._update(job_id, actions, condition)

    def complete(self, job_id: str, *, shards: int, now_iso: str, merged: MergeCounts | None = None) -> Job:
        """Complete a job whose shards are all done (the last shard to finish, or a redelivery of
        its final message, does this), with what merging its shards found. StaleWriteError: not
        all done, or already completed."""
        condition = JobModel.status == JobStatus.PROCESSING.value
        for index in range(shards):
            condition &= JobModel.shards[index].done == True  # type: ignore[attr-defined]  # noqa: E712
        actions: list[Action] = [
            JobModel.status.set(JobStatus.COMPLETED.value),
            JobModel.completed_at.set(now_iso),
            *_touched(now_iso),
            JobModel.total_rows.set(JobModel.processed_rows),
            JobModel.total_rows_exact.set(True),
        ]
        merged = merged or MergeCounts()
        if merged.warned:
            actions.append(JobModel.warning_rows.add(merged.warned))
        if merged.new_warnings:
            actions.append(JobModel.warnings.set((JobModel.warnings | []).append(list(merged.new_warnings))))
        if merged.inserts_to_updates:
            actions += [
                JobModel.would_insert_rows.add(-merged.inserts_to_updates),
                JobModel.would_update_rows.add(merged.inserts_to_updates),
            ]
        return self._update(job_id, actions, condition)

    def mark_deleting(self, job_id: str, *, owner: str, now_iso: str) -> Job:
        """The owner deletes a job that is not running: from now on it is being removed."""
        return self._update(
            job_id,
            [JobModel.deleting.set(True), *_touched(now_iso)],
            (JobModel.owner == owner) & ~_statuses(WORKING),
        )

    def remove(self, job_id: str) -> None:
        """The last step of a delete: the job's record itself."""
        JobModel(job_id=job_id).delete(condition=JobModel.deleting == True)  # noqa: E712

    def cancel(self, job_id: str, *, owner: str, now: float, shards: int) -> Job:
        """End a job that no invocation is working on (no live lease on any of its `shards`
        shards) as cancelled; what was imported stays imported. StaleWriteError: a worker holds it
        (mark_cancelling), or the job has ended."""
        return self._update(
            job_id,
            _cancelled_actions(iso(now)),
            _and_nobody_holds(
                (JobModel.owner == owner) & (JobModel.deleting == False) & _statuses(CANCELLABLE),  # noqa: E712
                shards,
                now,
            ),
        )

    def mark_cancelling(self, job_id: str, *, owner: str, now_iso: str) -> Job:
        """Cancel a job a worker holds: it counts its batch in hand, then ends the job cancelled
        (finish_cancel). StaleWriteError: the job has ended, or is being cancelled already."""
        return self._update(
            job_id,
            [
                JobModel.status.set(JobStatus.CANCELLING.value),
                *_touched(now_iso),
                JobModel.note.set(
                    "Being cancelled by its owner: the batch in hand is counted, then the import stops; "
                    "rows imported are kept."
                ),
            ],
            (JobModel.owner == owner) & (JobModel.deleting == False) & _statuses(ACTIVE),  # noqa: E712
        )

    def finish_cancel(self, job_id: str, *, now: float, shards: int) -> Job:
        """A cancelling job whose workers have all given their shards back (or whose leases ran
        out) ends cancelled. StaleWriteError: a worker still holds a shard, or it ended already."""
        return self._update(
            job_id,
            _cancelled_actions(iso(now)),
            _and_nobody_holds(JobModel.status == JobStatus.CANCELLING.value, shards, now),
        )

    def change_throttle(self, job_id: str, *, throttle: Throttle, owner: str | None) -> Job:
        """A new throttle for a job that has not ended (owner None: anyone's job, for an admin).

        A running segment takes it from its next batch: every commit returns the job as stored.
        The service's own slow-down under write throttling starts again from the new throttle.
        updated_at is left alone: it tells progress (stall detection), and this is none."""
        condition = _statuses(CANCELLABLE) & (JobModel.deleting == False)  # noqa: E712
        if owner is not None:
            condition &= JobModel.owner == owner
        return self._update(
            job_id,
            [
                JobModel.throttle.set(to_attributes(throttle, ThrottleAttribute)),
                JobModel.effective_throttle.remove(),
                JobModel.throttled.set(False),
                JobModel.throttled_reason.remove(),
            ],
            condition,
        )

    def drop_slow_down(self, job_id: str, *, throttle: Throttle) -> Job:
        """Undo a batch's slow-down that landed after a change of throttle (change_throttle),
        unless the throttle has changed again since. StaleWriteError: it has."""
        stored = cast(Any, JobModel.throttle)  # a map attribute's paths are untyped
        return self._update(
            job_id,
            [
                JobModel.effective_throttle.remove(),
                JobModel.throttled.set(False),
                JobModel.throttled_reason.remove(),
            ],
            (stored.batch_size == throttle.batch_size)
            & (stored.delay_ms == throttle.delay_ms)
            & _statuses(NOT_ENDED),
        )

    def fail(
        self, job_id: str, *, message: str, now_iso: str, from_statuses: Iterable[JobStatus], shards: int = 0
    ) -> Job:
        """End the job as failed with a message a person can act on, giving back the leases of its
        `shards` (the number it has) in the same update: a failed job never shows a shard running."""
        actions: list[Action] = [
            JobModel.status.set(JobStatus.FAILED.value),
            JobModel.error_message.set(shortened(message, MAX_ERROR_MESSAGE_CHARS)),
            JobModel.completed_at.set(now_iso),
            *_touched(now_iso),
        ]
        for index in range(shards):
            cursor: Any = JobModel.shards[index]  # a list element's paths are untyped
            actions += [cursor.holder.remove(), cursor.lease_expires.remove()]
        return self._update(job_id, actions, _statuses(from_statuses))

    def note_redrive(self, job_id: str, *, expected_updated_at: str, now_iso: str) -> Job:
        """Record that the scheduled run re-sent this job's message (once per stall)."""
        return self._update(
            job_id,
            [JobModel.redrives.add(1), *_touched(now_iso)],
            (JobModel.updated_at == expected_updated_at) & _statuses(ACTIVE),
        )


def seen_at(updated_at: str) -> int:
    """The status index's time for a job updated at `updated_at`, in epoch seconds: that moment cut
    down to a multiple of SEEN_EVERY_S, so never later than it (a job last updated before a moment
    always has a seen_at before it: find_by_status misses none)."""
    whole = int(parse_iso(updated_at))  # (whole seconds: no float can round it up past the moment)
    return whole - whole % SEEN_EVERY_S


def _touched(now_iso: str) -> list[Action]:
    """An update's time: updated_at, and seen_at, which changes (and so moves the job's entry in
    the status index, a delete and a put there) only once every SEEN_EVERY_S however often a job
    is updated: once every 15 s, not at every one of its ~10 commits a second."""
    return [JobModel.updated_at.set(now_iso), JobModel.seen_at.set(seen_at(now_iso))]


def _cancelled_actions(now_iso: str) -> list[Action]:
    return [
        JobModel.status.set(JobStatus.CANCELLED.value),
        JobModel.completed_at.set(now_iso),
        *_touched(now_iso),
        JobModel.note.set("Cancelled by its owner; rows imported before that are kept."),
    ]


def _counter_actions(c: BatchCommit) -> list[Action]:
    """The batch's counts ADDed, and its first error and warning messages (and summary rows) appended."""
    actions: list[Action] = [
        JobModel.processed_rows.add(c.processed),
        JobModel.imported_rows.add(c.imported),
        JobModel.failed_rows.add(c.failed),
        JobModel.readings_written.add(c.readings),
        *_touched(c.now_iso),
    ]
    if c.new_errors:
        actions.append(JobModel.errors.set(JobModel.errors.append(list(c.new_errors))))
    if c.warned:
        actions.append(JobModel.warning_rows.add(c.warned))
    if c.new_warnings:
        actions.append(JobModel.warnings.set((JobModel.warnings | []).append(list(c.new_warnings))))
    if c.summaries:
        actions.append(JobModel.summary_rows.add(c.summaries))
    if c.new_summaries:
        kept = [to_attributes(row, SummaryRowAttribute) for row in c.new_summaries]
        actions.append(JobModel.summary_samples.set((JobModel.summary_samples | []).append(kept)))
    if c.would_insert:
        actions.append(JobModel.would_insert_rows.add(c.would_insert))
    if c.would_update:
        actions.append(JobModel.would_update_rows.add(c.would_update))
    return actions


def _first_commit_actions(c: BatchCommit) -> list[Action]:
    """What the first commit of a job records: how its file is read, and a note."""
    actions: list[Action] = []
    if c.header is not None:
        actions += [
            JobModel.header.set(cast(Any, list(c.header.cells))),
            JobModel.delimiter.set(c.header.delimiter),
            JobModel.layout.set(c.header.layout),
            JobModel.encoding.set(c.header.framing.encoding),
            JobModel.line_ending.set(c.header.framing.line_ending),
            *([JobModel.mapping.set(c.header.mapping)] if c.header.mapping is not None else []),
        ]
    if c.note is not None:
        actions.append(JobModel.note.set(c.note))
    return actions


def _cursor_actions(c: BatchCommit, final: bool) -> list[Action]:
    """The shard's cursor moved past the batch (done, and its lease given back, when `final`), or
    every shard written whole when the batch splits the file."""
    if c.split:
        # Overlapping document paths cannot be set in one update: write the list whole.
        return [JobModel.shards.set([to_attributes(s, ShardCursor) for s in c.split])]
    cursor: Any = JobModel.shards[c.shard]  # a list element's paths are untyped
    actions: list[Action] = [
        cursor.offset.set(c.end_offset),
        cursor.line.set(c.next_line),
        cursor.samples.set([to_attributes(s, SampleAttribute) for s in c.samples]),
    ]
    if final:
        return [*actions, cursor.done.set(True), cursor.holder.remove(), cursor.lease_expires.remove()]
    return [*actions, cursor.lease_expires.set(c.lease.expires)]
