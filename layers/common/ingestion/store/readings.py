"""Bulk upserts of readings with BatchWriteItem.

pynamodb's batch_write re-sends UnprocessedItems with no backoff, so the writes go through the
low-level client here: at most 25 items a call, duplicate keys collapsed (last wins), unprocessed
items re-sent with capped exponential backoff and full jitter."""

from __future__ import annotations

import random
import time
import zlib
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from functools import cache
from typing import Any

from ingestion.domain.errors import WriteThrottledError
from ingestion.domain.formats import Reading

# The partition key of a meter's readings on a channel, for the store's readers and writers. It is
# defined in the domain, beside the sort key (Reading.key): the checks for repeats, overlaps and
# the dry run key readings by both.
from ingestion.domain.formats.reading import reading_partition as reading_partition
from ingestion.domain.records import WriteResult
from ingestion.settings import get_settings
from ingestion.store.clients import client
from ingestion.store.rights import rights

MAX_ITEMS_PER_CALL = 25
BACKOFF_BASE_S = 0.05
BACKOFF_CAP_S = 5.0
MAX_ATTEMPTS = 10


CONCURRENT_CALLS = 4


@cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=CONCURRENT_CALLS, thread_name_prefix="batch-write")


# The readings table's job-part-index finds the readings a job wrote, to delete them with the job.
# Its key is the job id and a part number, not the job id alone: one partition key takes at most
# 1,000 write units a second, and a GSI that cannot keep up throttles the table's own writes, so
# one key per job would hold every import to ~1,000 rows/s however many shards write it. The part
# is a stable hash of the reading's whole key (crc32 is the same in every process; hash() is
# salted per process). Not of the meter alone: a half-hourly file lists meter after meter, so each
# shard would write one part at a time, and two shards on one part would share its 1,000.
# 16 parts: 16,000 WRU/s of index, more than one import can ask of the table itself (a new
# on-demand table takes 4,000 WRU/s; IngestMaxConcurrency's 10 shards, one meter each at a time,
# at most 10,000), while deleting a job costs only 16 queries more.
JOB_PARTS = 16


def job_part(job_id: str, partition: str, key: str) -> str:
    """The job-part-index key of a reading a job writes (by its partition and sort keys):
    `<job id>#<part, 00..15>`."""
    return part_key(job_id, zlib.crc32(f"{partition}#{key}".encode()) % JOB_PARTS)


def part_key(job_id: str, part: int) -> str:
    return f"{job_id}#{part:02d}"


def _item(r: Reading, partition: str, key: str, job_id: str, written_at: str) -> dict[str, Any]:
    """The item of a reading whose keys (r.partition and r.key, computed once by the caller) are
    `partition` and `key`. A reading on another channel than import holds nothing more: its
    partition key says the meter and the channel (`<meter>#<channel>`), and every byte of an item
    is paid for on every write (docs/design.md, "Channels")."""
    item: dict[str, Any] = {
        "meter": {"S": partition},
        "sk": {"S": key},
        "kind": {"S": r.kind},
        # %Y-%m-%dT%H:%M:%SZ: isoformat, sliced, 2.6 µs an item less than strftime (4 % of the write
        # path's CPU, items and botocore; docs/performance.md "Speed tricks that stay")
        "start": {"S": r.start.isoformat()[:19] + "Z"},
        "local_date": {"S": r.local_date.isoformat()},
        "value_kwh": {"N": str(r.value_kwh)},
        "estimated": {"BOOL": r.estimated},
        "job_id": {"S": job_id},  # the conditional delete checks it: still this job's reading?
        "job_part": {"S": job_part(job_id, partition, key)},
        "written_at": {"S": written_at},
    }
    if r.period is not None:
        item["period"] = {"N": str(r.period)}
    return item


class BatchWriter:
    """Puts items into one table, a batch at a time; subclasses say what an item is."""

    def __init__(
        self,
        *,
        table: str | None = None,
        dynamodb: Any = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self._table = table or self._default_table()
        self._dynamodb = dynamodb
        self._sleep = sleep
        self._rng = rng or random.Random()

    def _default_table(self) -> str:
        raise NotImplementedError

    @property
    def _client(self) -> Any:
        return self._dynamodb or client("dynamodb", bulk=True)

    def put_items(self, unique: dict[Any, dict[str, Any]]) -> WriteResult:
        """Put items (an upsert on their key; one item per key): how many, and how many items
        DynamoDB pushed back (UnprocessedItems) and had to be sent again."""
        requests = [{"PutRequest": {"Item": item}} for item in unique.values()]
        chunks = [requests[i : i + MAX_ITEMS_PER_CALL] for i in range(0, len(requests), MAX_ITEMS_PER_CALL)]
        if not chunks:
            return WriteResult(written=0, resends=0)
        if len(chunks) == 1:
            resends = self._write_chunk(chunks[0])
        else:
            # BatchWriteItem is latency-bound: a few calls in flight at once (distinct keys, so
            # order between calls does not matter). sum() re-raises the first failure.
            resends = sum(_pool().map(self._write_chunk, chunks))
        return WriteResult(written=len(requests), resends=resends)

    def _write_chunk(self, requests: list[dict[str, Any]]) -> int:
        pending, resends = requests, 0
        for attempt in range(MAX_ATTEMPTS):
            response = self._client.batch_write_item(RequestItems={self._table: pending})
            pending = response.get("UnprocessedItems", {}).get(self._table, [])
            if not pending:
                return resends
            resends += len(pending)
            delay = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2**attempt)
            self._sleep(self._rng.uniform(0, delay))
        raise WriteThrottledError(f"{len(pending)} items still unprocessed after {MAX_ATTEMPTS} tries")


# The IAM actions the readings table's writer and cleaner call (store/rights.py).
READING_WRITES = rights("ReadingsTable", "dynamodb:BatchWriteItem")
READING_REMOVAL = rights("ReadingsTable/index/job-part-index", "dynamodb:Query") | rights(
    "ReadingsTable", "dynamodb:DeleteItem"
)


class ReadingWriter(BatchWriter):
    def _default_table(self) -> str:
        return get_settings().readings_table

    def upsert(self, readings: Iterable[Reading], *, job_id: str, written_at: str) -> WriteResult:
        """Write readings: duplicate keys collapse to the last one."""
        unique = {}
        for r in readings:
            partition, key = r.partition, r.key
            unique[partition, key] = _item(r, partition, key, job_id, written_at)
        return self.put_items(unique)


@dataclass(frozen=True)
class JobIndex:
    """A GSI (KEYS_ONLY) that finds the records one job wrote."""

    name: str
    attribute: str  # its partition key
    parts: int | None  # the job's records are spread over this many keys (None: the job id itself)

    def keys(self, job_id: str) -> list[str]:
        if self.parts is None:
            return [job_id]
        return [part_key(job_id, n) for n in range(self.parts)]


READINGS_JOB_INDEX = JobIndex("job-part-index", "job_part", parts=JOB_PARTS)


class ReadingCleaner:
    """Removes the records a job wrote last (one another job overwrote since is kept): readings, or
    sites, found by the table's job index."""

    def __init__(
        self,
        *,
        table: str | None = None,
        dynamodb: Any = None,
        key: tuple[str, ...] = (),
        index: JobIndex = READINGS_JOB_INDEX,
    ) -> None:
        self._table = table or get_settings().readings_table
        self._key = key or ("meter", "sk")
        self._index = index
        self._dynamodb = dynamodb
        # Where the next page starts: deleting works through the parts in order, so not at the
        # emptied parts before the one the last page came from (nor at that one, if it emptied it).
        self._resume: tuple[str, int] = ("", 0)

    @property
    def _client(self) -> Any:
        return self._dynamodb or client("dynamodb")

    def delete_page(self, job_id: str, *, page_size: int = 200) -> int:
        """Delete up to one page of the job's records, from the first of its index keys that still
        holds some; returns how many keys it looked at (0 only when every key is empty)."""
        keys = self._index.keys(job_id)
        start = self._resume[1] if self._resume[0] == job_id else 0
        for step in range(len(keys)):
            # Round from the part the last page came from: parts emptied before are asked again
            # before this answers that the job has nothing left.
            part = (start + step) % len(keys)
            found = self._query(keys[part], page_size)
            if found:
                # A short page emptied its part: the next page starts at the part after it.
                self._resume = (job_id, part if len(found) == page_size else (part + 1) % len(keys))
                list(_pool().map(lambda key: self._delete_if_ours(key, job_id), found))
                return len(found)
        self._resume = ("", 0)
        return 0

    def _query(self, value: str, limit: int) -> list[dict[str, Any]]:
        response = self._client.query(
            TableName=self._table,
            IndexName=self._index.name,
            KeyConditionExpression="#k = :v",
            ExpressionAttributeNames={"#k": self._index.attribute},
            ExpressionAttributeValues={":v": {"S": value}},
            Limit=limit,
        )
        return [{name: item[name] for name in self._key} for item in response.get("Items", [])]

    def _delete_if_ours(self, key: dict[str, Any], job_id: str) -> None:
        # ConditionalCheckFailed: another job wrote this reading since; it is not ours to delete.
        with suppress(self._client.exceptions.ConditionalCheckFailedException):
            self._client.delete_item(
                TableName=self._table,
                Key=key,
                ConditionExpression="job_id = :job",
                ExpressionAttributeValues={":job": {"S": job_id}},
            )
