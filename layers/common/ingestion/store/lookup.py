"""What the tables hold already: for a dry run (would a row insert or update?) and for the warning
about a daily reading beside half-hourly ones for the same meter, channel and day."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from ingestion.domain.formats import Reading
from ingestion.domain.formats.reading import DAILY, HALF_HOURLY
from ingestion.domain.meter_days import DayKey, day_key_of_reading_key, day_of_sort_key, day_sort_key
from ingestion.domain.records import Key, KindName
from ingestion.settings import get_settings
from ingestion.store.clients import client
from ingestion.store.day_items import StoredDay
from ingestion.store.readings import DayItems
from ingestion.store.rights import rights

# The IAM actions Lookup calls (store/rights.py): keys of both tables.
LOOKUPS = rights("ReadingsTable", "dynamodb:BatchGetItem") | rights("SitesTable", "dynamodb:BatchGetItem")
MAX_KEYS_PER_GET = 100
MAX_ATTEMPTS = 10
_OTHER = {HALF_HOURLY: DAILY, DAILY: HALF_HOURLY}


@dataclass(frozen=True)
class BatchRead:
    """What the table holds of a batch's days (Lookup.read_batch)."""

    days: dict[DayKey, StoredDay]  # the items the batch writes, those there are
    overlaps: set[tuple[str, date]]  # (partition, local date) held in the other kind

    def existing(self, keys: Iterable[Key]) -> set[Key]:
        """Which of these readings' natural keys the items hold."""
        found = set()
        for key in keys:
            day, period = day_key_of_reading_key(*key)
            if day in self.days and period in self.days[day].periods:
                found.add(key)
        return found


class Lookup:
    def __init__(
        self,
        *,
        readings_table: str | None = None,
        sites_table: str | None = None,
        dynamodb: Any = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._readings = readings_table or get_settings().readings_table
        self._sites = sites_table or get_settings().sites_table
        self._dynamodb = dynamodb
        self._sleep = sleep
        self.days = DayItems(table=self._readings, dynamodb=dynamodb, sleep=sleep)

    @property
    def _client(self) -> Any:
        return self._dynamodb or client("dynamodb")

    def existing(self, keys: Iterable[Key], *, kind: KindName = "readings") -> set[Key]:
        """Which of these keys are in the table of this kind of record (a reading's key: its
        partition and Reading.key, found in its day item)."""
        if kind == "readings":
            return self._existing_readings(keys)
        wanted = sorted(set(keys))
        found: set[Key] = set()
        for i in range(0, len(wanted), MAX_KEYS_PER_GET):
            request = {
                self._sites: {
                    "Keys": [{"site_key": {"S": key[0]}} for key in wanted[i : i + MAX_KEYS_PER_GET]],
                    "ProjectionExpression": "site_key",
                }
            }
            for attempt in range(MAX_ATTEMPTS):
                response = self._client.batch_get_item(RequestItems=request)
                for item in response.get("Responses", {}).get(self._sites, []):
                    found.add((item["site_key"]["S"], ""))
                request = response.get("UnprocessedKeys") or {}
                if not request:
                    break
                self._sleep(random.uniform(0, min(5.0, 0.05 * 2**attempt)))
        return found

    def _existing_readings(self, keys: Iterable[Key]) -> set[Key]:
        where = {key: day_key_of_reading_key(*key) for key in set(keys)}
        days = self.days.read(day for day, _ in where.values())
        return {key for key, (day, period) in where.items() if day in days and period in days[day].periods}

    def read_batch(self, readings: Sequence[Reading]) -> BatchRead:
        """One read of what a batch of readings needs to know of the table (BatchGetItem, 100 keys a
        call): the day items it writes (what they hold: for the writer's log, and a dry run's
        count), and the other kind's items of the same days (the overlap warning)."""
        days = {(r.partition, day_sort_key(r.kind, r.local_date)) for r in readings}
        other = {(r.partition, day_sort_key(_OTHER[r.kind], r.local_date)) for r in readings}
        found = self.days.read(sorted(days | other))
        return BatchRead(
            days={key: found[key] for key in days if key in found},
            overlaps={
                (key[0], day_of_sort_key(key[1])[1]) for key in other if key in found and found[key].periods
            },
        )

    def overlaps(self, readings: Iterable[Reading]) -> set[tuple[str, date]]:
        """(partition, local date) pairs among these readings that the table holds in the other
        kind: a daily reading for half-hourly ones, half-hourly readings for a daily one. (The
        partition is the meter on its channel, Reading.partition: readings of another channel are
        no overlap.)"""
        other = {
            (r.partition, day_sort_key(DAILY if r.kind == HALF_HOURLY else HALF_HOURLY, r.local_date))
            for r in readings
        }
        found = self.days.read(sorted(other))
        return {
            (partition, day_of_sort_key(sort_key)[1])
            for partition, sort_key in found
            if found[partition, sort_key].periods
        }
