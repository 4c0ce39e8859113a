"""What the tables hold already: for a dry run (would a row insert or update?) and for the warning
about a daily reading beside half-hourly ones for the same meter, channel and day."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from ingestion.domain.formats import Reading
from ingestion.domain.formats.reading import DAILY, HALF_HOURLY
from ingestion.domain.meter_days import DayKey, day_key_of_reading_key, day_of_sort_key, day_sort_key
from ingestion.domain.records import Key, KindName
from ingestion.settings import get_settings
from ingestion.store.batch_calls import BatchCalls
from ingestion.store.day_items import StoredDay
from ingestion.store.readings import DayItems
from ingestion.store.rights import rights

# The IAM actions Lookup calls (store/rights.py): keys of both tables.
LOOKUPS = rights("ReadingsTable", "dynamodb:BatchGetItem") | rights("SitesTable", "dynamodb:BatchGetItem")
_OTHER = {HALF_HOURLY: DAILY, DAILY: HALF_HOURLY}


def held(days: Mapping[DayKey, StoredDay], keys: Iterable[Key]) -> set[Key]:
    """Which of these readings' natural keys (partition, Reading.key) the day items hold."""
    found = set()
    for key in keys:
        day, period = day_key_of_reading_key(*key)
        if day in days and period in days[day].periods:
            found.add(key)
    return found


@dataclass(frozen=True)
class BatchRead:
    """What the table holds of a batch's days (Lookup.read_batch)."""

    days: dict[DayKey, StoredDay]  # the items the batch writes, those there are
    overlaps: set[tuple[str, date]]  # (partition, local date) held in the other kind

    def existing(self, keys: Iterable[Key]) -> set[Key]:
        """Which of these readings' natural keys the items hold."""
        return held(self.days, keys)


class Lookup:
    def __init__(
        self,
        *,
        readings_table: str | None = None,
        sites_table: str | None = None,
        dynamodb: Any = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.days = DayItems(table=readings_table, dynamodb=dynamodb, sleep=sleep)
        self._sites = BatchCalls(
            table=sites_table or get_settings().sites_table, dynamodb=dynamodb, sleep=sleep
        )

    def existing(self, keys: Iterable[Key], *, kind: KindName = "readings") -> set[Key]:
        """Which of these keys are in the table of this kind of record (a reading's key: its
        partition and Reading.key, found in its day item)."""
        wanted = set(keys)
        if kind == "readings":
            return held(self.days.read(day_key_of_reading_key(*key)[0] for key in wanted), wanted)
        items = self._sites.get_items([{"site_key": {"S": key[0]}} for key in sorted(wanted)], "site_key")
        return {(item["site_key"]["S"], "") for item in items}

    def read_batch(self, readings: Sequence[Reading]) -> BatchRead:
        """One read of what a batch of readings needs to know of the table (BatchGetItem, 100 keys a
        call): the day items it writes (what they hold: for the writer's log, and a dry run's
        count), and the other kind's items of the same days (the overlap warning: a daily reading
        beside half-hourly ones for the same meter, channel and day; readings of another channel
        are no overlap)."""
        days = {(r.partition, day_sort_key(r.kind, r.local_date)) for r in readings}
        other = {(r.partition, day_sort_key(_OTHER[r.kind], r.local_date)) for r in readings}
        found = self.days.read(sorted(days | other))
        return BatchRead(
            days={key: found[key] for key in days if key in found},
            overlaps={
                (key[0], day_of_sort_key(key[1])[1]) for key in other if key in found and found[key].periods
            },
        )
