"""Bulk calls to one table: BatchGetItem and BatchWriteItem, and the removal of what a job wrote
through a job index (sites).

pynamodb's batch_write re-sends UnprocessedItems with no backoff, so these go through the
low-level client: at most 100 keys a get and 25 items a put, duplicate keys collapsed (last wins),
unprocessed keys and items sent again with capped exponential backoff and full jitter."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from functools import cache, partial
from typing import Any

from ingestion.domain.errors import WriteThrottledError
from ingestion.domain.records import WriteResult
from ingestion.store.clients import client

MAX_ITEMS_PER_CALL = 25
MAX_KEYS_PER_GET = 100
BACKOFF_BASE_S = 0.05
BACKOFF_CAP_S = 5.0
MAX_ATTEMPTS = 10
CONCURRENT_CALLS = 4


@cache
def pool() -> ThreadPoolExecutor:
    """The calls a batch has in flight at once (they are latency-bound)."""
    return ThreadPoolExecutor(max_workers=CONCURRENT_CALLS, thread_name_prefix="batch-write")


class BatchCalls:
    """BatchGetItem and BatchWriteItem on one table, unprocessed work sent again after a pause."""

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

    def _pause(self, attempt: int) -> None:
        self._sleep(self._rng.uniform(0, min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2**attempt)))

    def get_items(self, keys: list[dict[str, Any]], projection: str | None = None) -> list[dict[str, Any]]:
        """The items there are of these keys (a missing one is left out), a call per 100 keys, a few
        calls in flight at once."""
        chunks = [keys[i : i + MAX_KEYS_PER_GET] for i in range(0, len(keys), MAX_KEYS_PER_GET)]
        read = partial(self._get_chunk, projection=projection)
        parts = pool().map(read, chunks) if len(chunks) > 1 else map(read, chunks)
        return [item for part in parts for item in part]

    def _get_chunk(self, keys: list[dict[str, Any]], projection: str | None) -> list[dict[str, Any]]:
        request: dict[str, Any] = {"Keys": keys} | (
            {"ProjectionExpression": projection} if projection else {}
        )
        pending: dict[str, Any] = {self._table: request}
        found: list[dict[str, Any]] = []
        for attempt in range(MAX_ATTEMPTS):
            response = self._client.batch_get_item(RequestItems=pending)
            found += response.get("Responses", {}).get(self._table, [])
            pending = response.get("UnprocessedKeys") or {}
            if not pending:
                return found
            self._pause(attempt)
        raise WriteThrottledError(
            f"{len(pending[self._table]['Keys'])} keys still unread after {MAX_ATTEMPTS} tries"
        )


class BatchWriter(BatchCalls):
    """Puts items into one table, a batch at a time; subclasses say what an item is."""

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
            resends = sum(pool().map(self._write_chunk, chunks))
        return WriteResult(written=len(requests), resends=resends)

    def _write_chunk(self, requests: list[dict[str, Any]]) -> int:
        pending, resends = requests, 0
        for attempt in range(MAX_ATTEMPTS):
            response = self._client.batch_write_item(RequestItems={self._table: pending})
            pending = response.get("UnprocessedItems", {}).get(self._table, [])
            if not pending:
                return resends
            resends += len(pending)
            self._pause(attempt)
        raise WriteThrottledError(f"{len(pending)} items still unprocessed after {MAX_ATTEMPTS} tries")


@dataclass(frozen=True)
class JobIndex:
    """A GSI (KEYS_ONLY) keyed by the job id that finds the records one job wrote."""

    name: str
    attribute: str  # its partition key


class RecordCleaner:
    """Removes the records a job wrote last (one another job overwrote since is kept), found by the
    table's job index: sites (readings are undone from the job's log: services/ingest/undo.py)."""

    def __init__(self, *, table: str, key: tuple[str, ...], index: JobIndex, dynamodb: Any = None) -> None:
        self._table = table
        self._key = key
        self._index = index
        self._dynamodb = dynamodb

    @property
    def _client(self) -> Any:
        return self._dynamodb or client("dynamodb")

    def delete_page(self, job_id: str, *, page_size: int = 200) -> int:
        """Delete up to one page of the job's records; how many it found (0: none is left)."""
        response = self._client.query(
            TableName=self._table,
            IndexName=self._index.name,
            KeyConditionExpression="#k = :v",
            ExpressionAttributeNames={"#k": self._index.attribute},
            ExpressionAttributeValues={":v": {"S": job_id}},
            Limit=page_size,
        )
        found = [{name: item[name] for name in self._key} for item in response.get("Items", [])]
        list(pool().map(lambda key: self._delete_if_ours(key, job_id), found))
        return len(found)

    def _delete_if_ours(self, key: dict[str, Any], job_id: str) -> None:
        # ConditionalCheckFailed: another job wrote this record since; it is not ours to delete.
        with suppress(self._client.exceptions.ConditionalCheckFailedException):
            self._client.delete_item(
                TableName=self._table,
                Key=key,
                ConditionExpression="job_id = :job",
                ExpressionAttributeValues={":job": {"S": job_id}},
            )
