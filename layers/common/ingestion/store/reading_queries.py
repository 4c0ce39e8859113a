"""Reading a meter's readings back: one Query of the day items of a range of local dates."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ingestion.domain.formats.uk_time import local_midnight
from ingestion.domain.meter_days import (
    DAY_PREFIX,
    day_key_of_reading_key,
    day_of_sort_key,
    period_start,
    reading_key_of,
)
from ingestion.domain.reading_pages import Fetched, StoredReading
from ingestion.settings import get_settings
from ingestion.store.clients import client
from ingestion.store.day_items import StoredDay, decode
from ingestion.store.readings import reading_partition
from ingestion.store.rights import rights

# The IAM action the readings' reader calls (store/rights.py).
READING_QUERIES = rights("ReadingsTable", "dynamodb:Query")


def _number_text(text: str) -> str:
    """A stored number as a plain decimal: as stored, unless it is in exponent form ("0E-20")."""
    if "e" not in text.lower():
        return text
    return format(Decimal(text), "f")


def stored_readings(partition: str, sort_key: str, stored: StoredDay) -> list[tuple[str, StoredReading]]:
    """The readings a day item holds, each with its natural key (Reading.key), in period order."""
    kind, day = day_of_sort_key(sort_key)
    found = []
    for period in sorted(stored.periods):
        held = stored.periods[period]
        reading = StoredReading(
            kind="hh" if kind == "hh" else "daily",
            start=period_start(day, period) if kind == "hh" else local_midnight(day),
            local_date=day,
            period=period if kind == "hh" else None,
            value_kwh=_number_text(held.value),
            estimated=held.estimated,
            job_id=held.writer,
        )
        found.append((reading_key_of(kind, day, period), reading))
    return found


class ReadingQueries:
    """The readings table, read by meter, channel and sort-key range: a Query of the day items
    that hold the range (a month of one meter's half hours is about 31 items)."""

    def __init__(self, *, table: str | None = None, dynamodb: Any = None) -> None:
        self._table = table or get_settings().readings_table
        self._dynamodb = dynamodb

    @property
    def _client(self) -> Any:
        return self._dynamodb or client("dynamodb")

    def fetch(self, meter: str, channel: str, low: str, high: str, limit: int) -> Fetched:
        """Up to `limit` readings of a meter's channel with natural keys (Reading.key) from `low`
        to `high` (both included), in order; `more`: there may be others after them."""
        if low > high:
            return Fetched(readings=(), more=False)
        partition = reading_partition(meter, channel)
        first = day_key_of_reading_key(partition, low)[0][1]
        last = day_key_of_reading_key(partition, high)[0][1]
        found: list[StoredReading] = []
        start: dict[str, Any] | None = None
        while True:
            query: dict[str, Any] = {
                "TableName": self._table,
                "KeyConditionExpression": "meter = :pk AND sk BETWEEN :low AND :high",
                "ExpressionAttributeValues": {
                    ":pk": {"S": partition},
                    ":low": {"S": first},
                    ":high": {"S": last},
                },
                # enough items for the page and one reading more: a daily item holds one reading, a
                # half-hourly day 46 to 50 (fewer where a file left some out: then another Query)
                "Limit": limit + 1 if first.startswith(DAY_PREFIX) else limit // 46 + 2,
            }
            if start is not None:
                query["ExclusiveStartKey"] = start
            response = self._client.query(**query)
            for item in response.get("Items", []):
                for key, reading in stored_readings(partition, item["sk"]["S"], decode(item)):
                    if low <= key <= high:
                        found.append(reading)
            start = response.get("LastEvaluatedKey")
            if len(found) > limit:
                return Fetched(readings=found[:limit], more=True)
            if start is None:
                return Fetched(readings=found, more=False)
