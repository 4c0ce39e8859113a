"""A test-only way to give readings a channel: a layout that reads the file's own layout and takes
each reading's channel from a last column headed "Channel" (the service has no header syntax for
channels of its own yet; this stands in for one, below the layouts)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from ingestion.domain.formats import detect_layout
from ingestion.domain.formats.reading import Reading, ReadingColumns

CHANNEL_HEADER = "Channel"


class ChannelLayout:
    """The layout `inner` reads, each reading on the channel its row's cell `index` names."""

    def __init__(self, inner: Any, index: int) -> None:
        self._inner = inner
        self._index = index
        self.name = inner.name

    def parse_row(self, cells: list[str]) -> list[Reading]:
        channel = cells[self._index].strip()
        return [r._replace(channel=channel) for r in self._inner.parse_row(cells)]

    def parse_batch(self, rows: list[list[str]]) -> ReadingColumns | None:
        columns = self._inner.parse_batch(rows)
        if columns is None:
            return None
        return replace(columns, channels=[row[self._index].strip() for row in rows])

    def value_column(self, record: Any) -> Any:
        return self._inner.value_column(record)


def detect_with_channels(header: list[str], requested: str) -> Any:
    """detect_layout, and when the last column is headed "Channel", each reading's channel from it."""
    layout = detect_layout(header, requested)
    if header and header[-1].strip() == CHANNEL_HEADER:
        return ChannelLayout(layout, len(header) - 1)
    return layout


def read_channels_from_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the ingest function read a last "Channel" column as each reading's channel."""
    import ingestion.services.ingest.batches as batches
    import ingestion.services.ingest.shards as shards

    monkeypatch.setattr(batches, "detect_layout", detect_with_channels)
    monkeypatch.setattr(shards, "detect_layout", detect_with_channels)
