"""Reading a meter's readings back: one Query of one range of its partition's sort keys."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ingestion.domain.formats.uk_time import local_midnight
from ingestion.domain.reading_pages import Fetched, ReadingKind, StoredReading
from ingestion.settings import get_settings
from ingestion.store.clients import client
from ingestion.store.readings import reading_partition
from ingestion.store.rights import rights

# The IAM action the readings' reader calls (store/rights.py).
READING_QUERIES = rights("ReadingsTable", "dynamodb:Query")


def _number_text(text: str) -> str:
    """A stored number as a plain decimal: as stored, unless it is in exponent form ("0E-20")."""
    if "e" not in text.lower():
        return text
    return format(Decimal(text), "f")


def _reading(item: dict[str, Any]) -> StoredReading:
    kind: ReadingKind = "hh" if item["sk"]["S"].startswith("hh#") else "daily"
    day = date.fromisoformat(item["local_date"]["S"])
    start = (
        datetime.fromisoformat(item["start"]["S"].replace("Z", "+00:00"))
        if kind == "hh"
        else local_midnight(day)
    )
    return StoredReading(
        kind=kind,
        start=start,
        local_date=day,
        period=int(item["period"]["N"]) if kind == "hh" and "period" in item else None,
        value_kwh=_number_text(item["value_kwh"]["N"]),
        estimated=item.get("estimated", {}).get("BOOL", False),
        job_id=item.get("job_id", {}).get("S", ""),
    )


class ReadingQueries:
    """The readings table, read by meter, channel and sort-key range."""

    def __init__(self, *, table: str | None = None, dynamodb: Any = None) -> None:
        self._table = table or get_settings().readings_table
        self._dynamodb = dynamodb

    @property
    def _client(self) -> Any:
        return self._dynamodb or client("dynamodb")

    def fetch(self, meter: str, channel: str, low: str, high: str, limit: int) -> Fetched:
        """Up to `limit` readings of a meter's channel with sort keys from `low` to `high` (both
        included), in order; `more`: there may be others after them."""
        if low > high:
            return Fetched(readings=(), more=False)
        response = self._client.query(
            TableName=self._table,
            KeyConditionExpression="meter = :pk AND sk BETWEEN :low AND :high",
            ExpressionAttributeValues={
                ":pk": {"S": reading_partition(meter, channel)},
                ":low": {"S": low},
                ":high": {"S": high},
            },
            ProjectionExpression="sk, #start, local_date, period, value_kwh, estimated, job_id",
            ExpressionAttributeNames={"#start": "start"},
            Limit=limit,
        )
        items = response.get("Items", [])
        return Fetched(readings=[_reading(item) for item in items], more="LastEvaluatedKey" in response)
