"""The readings table: one item per meter, channel and local day (domain/meter_days.py; the bytes
of an item: store/day_items.py).

A batch's readings are grouped by day. The days' items are read first (one BatchGetItem per 100),
and what they held is logged (store/reading_log.py) before anything is written: a day the batch
holds whole is then one PutRequest in BatchWriteItem (25 a call), a partial day one UpdateItem that
SETs only its periods. Both are idempotent: a batch written again ends as it was."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ingestion.domain.errors import WriteThrottledError
from ingestion.domain.formats import Reading

# The partition key of a meter's readings on a channel, for the store's readers and writers. It is
# defined in the domain (the checks for repeats, overlaps and the dry run key readings by it).
from ingestion.domain.formats.reading import reading_partition as reading_partition
from ingestion.domain.meter_days import DayKey, MeterDay, Period, group_by_day, log_of, readings_in
from ingestion.domain.records import WriteResult
from ingestion.settings import get_settings
from ingestion.store.batch_calls import BatchCalls, BatchWriter, pool
from ingestion.store.clients import client
from ingestion.store.day_items import StoredDay, decode, key_of, partial_update, undo_update, whole_item
from ingestion.store.reading_log import ReadingLog
from ingestion.store.rights import rights

MAX_CLASHES = 5  # an update re-read and tried again when another write got to its item first

# The IAM actions of the readings table's writer, reader and undo (store/rights.py).
READING_WRITES = rights(
    "ReadingsTable", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:UpdateItem"
)
READING_UNDO = rights("ReadingsTable", "dynamodb:BatchGetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem")


class DayItems(BatchCalls):
    """Reads day items by key (store/batch_calls.py: a hundred a call)."""

    def _default_table(self) -> str:
        return get_settings().readings_table

    def read(self, keys: Iterable[DayKey]) -> dict[DayKey, StoredDay]:
        """The items there are of these keys (a missing one is left out)."""
        items = self.get_items([key_of(key) for key in dict.fromkeys(keys)])
        return {(item["meter"]["S"], item["sk"]["S"]): decode(item) for item in items}


class ReadingWriter(BatchWriter):
    """Writes a batch's readings as day items, after logging what they replace."""

    def __init__(
        self,
        *,
        table: str | None = None,
        dynamodb: Any = None,
        log: ReadingLog | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__(table=table, dynamodb=dynamodb, sleep=sleep, rng=rng)
        self._log = log
        self.items = DayItems(table=self._table, dynamodb=dynamodb, sleep=sleep, rng=self._rng)

    def _default_table(self) -> str:
        return get_settings().readings_table

    @property
    def log(self) -> ReadingLog:
        if self._log is None:
            self._log = ReadingLog()
        return self._log

    def upsert(
        self,
        readings: Iterable[Reading],
        *,
        job_id: str,
        written_at: str,
        read: Mapping[DayKey, StoredDay] | None = None,
    ) -> WriteResult:
        """Write readings (a period given twice: the later reading) into their day items. `read`:
        what the items held, read already with the batch's other reads (Lookup.read_batch);
        without it, they are read here."""
        days = group_by_day(readings)
        if not days:
            return WriteResult(written=0, resends=0)
        stored = self.items.read(days) if read is None else read
        self.log.write(job_id, [log_of(day, _periods(stored.get(key)), job_id) for key, day in days.items()])
        whole = {key: whole_item(day, job_id) for key, day in days.items() if day.whole}
        partial = [(day, stored.get(key)) for key, day in days.items() if not day.whole]
        result = self.put_items(whole)
        if partial:
            list(pool().map(lambda args: self._update(args[0], args[1], job_id), partial))
        return WriteResult(written=readings_in(days.values()), resends=result.resends)

    def _update(self, day: MeterDay, stored: StoredDay | None, job_id: str) -> None:
        for _ in range(MAX_CLASHES):
            try:
                self._client.update_item(TableName=self._table, **partial_update(day, job_id, stored))
                return
            except self._client.exceptions.ConditionalCheckFailedException:
                # Another job took this job's writer tag in the item meanwhile: read it again.
                stored = self.items.read([day.key]).get(day.key)
        raise WriteThrottledError(f"the day item {day.key} kept changing under its update")


def _periods(stored: StoredDay | None) -> Mapping[int, Period] | None:
    return stored.periods if stored is not None else None


class DayUndo:
    """Applies the undo of one job's periods to day items (domain plan_undo says what changes)."""

    def __init__(self, *, table: str | None = None, dynamodb: Any = None) -> None:
        self._table = table or get_settings().readings_table
        self._dynamodb = dynamodb
        self.items = DayItems(table=self._table, dynamodb=dynamodb)

    @property
    def _client(self) -> Any:
        return self._dynamodb or client("dynamodb")

    def apply(
        self, key: DayKey, stored: StoredDay, changes: Mapping[int, Period | None], job_id: str
    ) -> bool:
        """Make the changes, if the item still holds what was read (False: it changed: read it
        again and plan again)."""
        if not changes:
            return True
        arguments = undo_update(key, stored, changes, job_id)
        delete = arguments.pop("delete")
        try:
            if delete:
                self._client.delete_item(TableName=self._table, **arguments)
            else:
                self._client.update_item(TableName=self._table, **arguments)
        except self._client.exceptions.ConditionalCheckFailedException:
            return False
        return True
