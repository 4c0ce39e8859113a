"""Notifications on the default EventBridge bus, so users can subscribe to how imports end."""

from __future__ import annotations

import json
import logging
from typing import Any

from ingestion.store.clients import client
from ingestion.store.rights import EVENT_BUS, rights

logger = logging.getLogger(__name__)
# The IAM action EventPublisher calls (store/rights.py), on the default bus.
EVENT_PUBLISHING = rights(EVENT_BUS, "events:PutEvents")
SOURCE = "csv-import"
COMPLETED = "Import Completed"
FAILED = "Import Failed"


class EventPublisher:
    def __init__(self, *, events: Any = None, bus: str = "default") -> None:
        self._events = events
        self._bus = bus

    def publish(self, detail_type: str, detail: dict[str, Any]) -> None:
        """Send one event. Called once per job ending: after the conditional update that ended it."""
        response = (self._events or client("events")).put_events(
            Entries=[
                {
                    "Source": SOURCE,
                    "DetailType": detail_type,
                    "Detail": json.dumps(detail, default=str),
                    "EventBusName": self._bus,
                }
            ]
        )
        if response.get("FailedEntryCount"):
            logger.error("event not accepted", extra={"detail_type": detail_type, "response": response})
