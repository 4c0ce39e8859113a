"""A large file in parallel byte ranges: where to split it, starting the other shards, the keys each
shard has had, and merging what the shards found when the job completes (domain/merge.py)."""

from __future__ import annotations

import logging
from dataclasses import replace

from ingestion.domain.clock import iso
from ingestion.domain.csvstream import RawRow
from ingestion.domain.formats import AnyLayout, detect_layout
from ingestion.domain.framing import Framing
from ingestion.domain.job import MAX_WARNING_SAMPLE_BYTES, Job, Lease, MergeCounts, Shard, samples_that_fit
from ingestion.domain.merge import contested, plan_merge
from ingestion.domain.messages import IngestMessage
from ingestion.domain.progress import Sample
from ingestion.domain.records import kind_of_layout
from ingestion.domain.rowcheck import check_batch, utc_now
from ingestion.domain.seen_keys import SeenKeys
from ingestion.domain.sharding import Boundary, plan_shards
from ingestion.domain.throttle import UNTHROTTLED_BATCH_SIZE
from ingestion.services.ingest.files import read_file_start, read_job_file, rows_in_range
from ingestion.services.wiring import Services

logger = logging.getLogger(__name__)


def plan_split(job: Job, framing: Framing, header: RawRow, svc: Services) -> list[Boundary]:
    """Where to cut a file of at least SHARD_MIN_BYTES into MAX_SHARDS byte ranges that run in
    parallel; none for smaller files, UTF-16 and files holding a quote (see domain/sharding.py)."""
    settings = svc.settings
    if (
        settings.shard_min_bytes <= 0
        or settings.max_shards < 2
        or job.bytes_total is None
        or job.bytes_total < settings.shard_min_bytes
        or framing.unit != 1
    ):
        return []
    bounds = plan_shards(
        read_job_file(job, svc.objects, header.end_offset),
        start=header.end_offset,
        start_line=header.next_line,
        total=job.bytes_total,
        count=settings.max_shards,
        terminator=framing.terminator,
    )
    if not bounds:
        logger.info("not split: the file holds quotes or too few lines", extra={"job_id": job.job_id})
    return bounds or []


def split_shards(
    shard: Shard,
    bounds: list[Boundary],
    end: tuple[int, int],
    final: bool,
    samples: tuple[Sample, ...],
    lease: Lease,
) -> tuple[Shard, ...]:
    """Every shard after the split: this one ending at the first boundary, moved past its first
    batch; the others waiting to start."""
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


def start_waiting_shards(job: Job, current: int, svc: Services) -> None:
    """Send the first message of any shard that has never started. The split sends them at once;
    this covers a crash between the split and those sends (a duplicate is ignored)."""
    for index, shard in enumerate(job.shards):
        if index != current and shard.segment == 0 and not shard.done:
            svc.queue.send(IngestMessage(job_id=job.job_id, shard=index, segment=1))


def shard_keys(job: Job, index: int, layout: AnyLayout, svc: Services) -> SeenKeys:
    """The keys a shard has had before its cursor, and the lines it warned about: as its last save
    left them, brought up to the cursor by reading again (parsing only) the rows after that save."""
    shard = job.shards[index]
    saved = svc.reports.load_state(job.job_id, index)
    seen, start, line = SeenKeys(), shard.start, shard.first_line
    if saved is not None and saved[0] <= shard.offset:
        start, line, seen = saved[0], saved[1], SeenKeys.load(saved[2])
    if start == shard.offset:
        return seen
    chunks = read_job_file(job, svc.objects, start)
    if start == 0:
        # (past the header row)
        reader = read_file_start(
            chunks, mapping=job.mapping, end_offset=shard.offset, end_line=shard.line
        ).reader
    else:
        reader = rows_in_range(job, chunks, start=start, line=line, end=shard.offset, end_at_line=shard.line)
    now = utc_now(svc.clock())
    while not reader.exhausted:  # (a batch at a time, as the segments read them)
        seen.mark_warned(check_batch(reader.take(UNTHROTTLED_BATCH_SIZE), layout, seen, now).warned_lines())
    return seen


def merge_shards(job: Job, svc: Services) -> MergeCounts:
    """Find the keys repeated across a split job's shards and make the job end as a single range
    would have (domain/merge.py): the later rows warned, their records written again with the final
    values (idempotent), and the counts for the completing update (none when no key is in two)."""
    if job.header is None:
        return MergeCounts()
    layout = detect_layout(list(job.header), job.format, job.mapping)
    keys = [shard_keys(job, index, layout, svc) for index in range(len(job.shards))]
    shared = contested(keys)
    if not shared:
        return MergeCounts()
    reader = read_file_start(read_job_file(job, svc.objects, 0), mapping=job.mapping).reader
    merge = plan_merge(iter(reader), layout, [s.start for s in job.shards], keys, shared)
    logger.info(
        "repeats across shards merged",
        extra={"job_id": job.job_id, "warnings": len(merge.warnings), "rewrites": len(merge.rewrites)},
    )
    inserts_to_updates = 0
    kind = kind_of_layout(layout.name)
    if job.dry_run:
        if merge.new_repeats:
            wanted = {key for row in merge.new_repeats for key in row}
            existing = svc.lookup.existing(wanted, kind=kind.name)
            inserts_to_updates = sum(1 for row in merge.new_repeats if existing.isdisjoint(row))
    elif merge.rewrites:
        records = list(merge.rewrites.values())
        svc.writer(kind).upsert(records, job_id=job.job_id, written_at=iso(svc.clock()))
    return MergeCounts(
        warned=merge.warned_rows,
        new_warnings=samples_that_fit(
            job.warnings, (p.describe() for p in merge.warnings), MAX_WARNING_SAMPLE_BYTES
        ),
        inserts_to_updates=inserts_to_updates,
    )
