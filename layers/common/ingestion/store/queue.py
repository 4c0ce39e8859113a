"""The ingest queue: one message per segment of work."""

from __future__ import annotations

from typing import Any

from ingestion.domain.messages import IngestMessage
from ingestion.settings import get_settings
from ingestion.store.clients import client
from ingestion.store.rights import rights

# The IAM action IngestQueue calls (store/rights.py).
QUEUE_SENDS = rights("IngestQueue", "sqs:SendMessage")


class IngestQueue:
    def __init__(self, *, queue_url: str | None = None, sqs: Any = None) -> None:
        self._url = queue_url or get_settings().ingest_queue_url
        self._sqs = sqs

    def send(self, message: IngestMessage, *, delay_seconds: int = 0) -> None:
        sqs = self._sqs or client("sqs")
        sqs.send_message(
            QueueUrl=self._url,
            MessageBody=message.model_dump_json(),
            DelaySeconds=max(0, min(900, delay_seconds)),
        )
