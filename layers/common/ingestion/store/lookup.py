"""What the tables hold already: for a dry run (would a row insert or update?) and for the warning
about a daily reading beside half-hourly ones for the same meter, channel and day."""

from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import Any

from ingestion.domain.formats import Reading
from ingestion.domain.formats.reading import HALF_HOURLY
from ingestion.domain.formats.uk_time import local_date, local_midnight
from ingestion.domain.records import Key, KindName
from ingestion.settings import get_settings
from ingestion.store.clients import client
from ingestion.store.rights import rights

# The IAM actions Lookup calls (store/rights.py): keys of both tables, a meter's readings by day.
LOOKUPS = rights("ReadingsTable", "dynamodb:BatchGetItem", "dynamodb:Query") | rights(
    "SitesTable", "dynamodb:BatchGetItem"
)
MAX_KEYS_PER_GET = 100
MAX_ATTEMPTS = 10


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

    @property
    def _client(self) -> Any:
        return self._dynamodb or client("dynamodb")

    def existing(self, keys: Iterable[Key], *, kind: KindName = "readings") -> set[Key]:
        """Which of these keys are in the table of this kind of record."""
        table, names = (self._sites, ("site_key",)) if kind == "sites" else (self._readings, ("meter", "sk"))
        wanted = sorted(set(keys))
        found: set[Key] = set()
        for i in range(0, len(wanted), MAX_KEYS_PER_GET):
            request = {
                table: {
                    "Keys": [
                        {name: {"S": part} for name, part in zip(names, key, strict=False)}
                        for key in wanted[i : i + MAX_KEYS_PER_GET]
                    ],
                    "ProjectionExpression": ", ".join(names),
                }
            }
            for attempt in range(MAX_ATTEMPTS):
                response = self._client.batch_get_item(RequestItems=request)
                for item in response.get("Responses", {}).get(table, []):
                    parts = [item[name]["S"] for name in names]
                    found.add((parts[0], parts[1] if len(parts) > 1 else ""))
                request = response.get("UnprocessedKeys") or {}
                if not request:
                    break
                self._sleep(random.uniform(0, min(5.0, 0.05 * 2**attempt)))
        return found

    def overlaps(self, readings: Iterable[Reading]) -> set[tuple[str, date]]:
        """(partition, local date) pairs among these readings that the table holds in the other
        kind: a daily reading for half-hourly ones, half-hourly readings for a daily one. (The
        partition is the meter on its channel, Reading.partition: readings of another channel are
        no overlap.)"""
        half_hourly: set[tuple[str, date]] = set()
        daily: dict[str, set[date]] = defaultdict(set)
        for r in readings:
            if r.kind == HALF_HOURLY:
                half_hourly.add((r.partition, r.local_date))
            else:
                daily[r.partition].add(r.local_date)
        found = {
            (partition, date.fromisoformat(sk.removeprefix("day#")))
            for partition, sk in self.existing(
                (partition, f"day#{day.isoformat()}") for partition, day in half_hourly
            )
        }
        for partition, days in daily.items():
            found |= {
                (partition, day)
                for day in self._half_hourly_days(partition, min(days), max(days))
                if day in days
            }
        return found

    def _half_hourly_days(self, partition: str, first: date, last: date) -> set[date]:
        """The local dates from first to last on which a meter's channel (its partition) has
        half-hourly readings."""
        low = f"hh#{local_midnight(first):%Y-%m-%dT%H:%M}Z"
        high = f"hh#{local_midnight(last + timedelta(days=1)) - timedelta(minutes=30):%Y-%m-%dT%H:%M}Z"
        days: set[date] = set()
        paginator = self._client.get_paginator("query")
        for page in paginator.paginate(
            TableName=self._readings,
            KeyConditionExpression="meter = :m AND sk BETWEEN :low AND :high",
            ExpressionAttributeValues={":m": {"S": partition}, ":low": {"S": low}, ":high": {"S": high}},
            ProjectionExpression="sk",
        ):
            for item in page.get("Items", []):
                start = datetime.fromisoformat(item["sk"]["S"].removeprefix("hh#").replace("Z", "+00:00"))
                days.add(local_date(start))
        return days
