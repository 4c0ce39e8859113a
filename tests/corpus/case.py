"""What a corpus case is: one file, how it is imported, and the end state its import must reach."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ingestion.domain.formats.mapping import DEFAULT_CHANNEL
from ingestion.store.readings import reading_partition

CORPUS = Path(__file__).resolve().parent
M1, M2 = "1200023305967", "1200023305968"

# (partition, sort key) as the readings table holds it: the partition is the meter id for active
# import, "<meter>#<channel>" for the other channels (reading_partition)
ReadingKey = tuple[str, str]


@dataclass(frozen=True)
class Case:
    """One corpus file and the end state its import must reach. Counts are the job's; a field left
    None is not checked, except that a failed or empty import must have stored nothing."""

    name: str
    source: Path | Callable[[], bytes]
    status: str
    processed: int
    imported: int
    failed: int
    warned: int = 0
    format: str = "auto"
    layout: str | None = None
    encoding: str | None = None
    line_ending: str | None = None
    errors: tuple[str, ...] = ()  # prefixes of every error, in file order
    warnings: tuple[str, ...] = ()  # prefixes of every warning, in file order
    error_message: tuple[str, ...] = ()  # substrings of a failed job's message
    note: str | None = None  # substring of the job's note
    refused: str | None = None  # the direct upload answers 400 with this substring; then it goes presigned
    readings: Mapping[ReadingKey, str] | None = None  # the readings table exactly: key -> kWh
    estimated: frozenset[ReadingKey] = frozenset()  # the readings flagged estimated (the rest are actual)
    sites: Mapping[str, Mapping[str, str]] | None = None  # the sites table's keys exactly; some attributes
    stored: int | None = None  # how many records the table holds, when they are too many to list
    xfail: str | None = None  # what is wrong with the pipeline's behaviour today
    # the column mapping sent with the import (the direct upload's mapping query parameter, the
    # JSON body's "mapping" on the presigned path)
    mapping: Mapping[str, Any] | None = None
    # a profile saved (PUT /profiles/{name}) before the import, which then names it: (name, body)
    profile: tuple[str, Mapping[str, Any]] | None = None
    unused_columns: tuple[str, ...] | None = None  # the job's unused_columns, exactly
    presigned: bool = False  # imported the browser's way: POST /imports (JSON), then the file to S3

    def body(self) -> bytes:
        return self.source.read_bytes() if isinstance(self.source, Path) else self.source()

    @property
    def expected_records(self) -> int | None:
        """How many records the layout's table must hold afterwards."""
        if self.readings is not None:
            return len(self.readings)
        if self.sites is not None:
            return len(self.sites)
        if self.stored is not None:
            return self.stored
        return 0 if self.status == "failed" or self.imported == 0 else None


def half_hours(
    meter: str, first: datetime, values: list[str], channel: str = DEFAULT_CHANNEL
) -> dict[ReadingKey, str]:
    """Consecutive half-hourly readings of a meter's channel from a UTC instant, as the readings
    table keys them."""
    partition = reading_partition(meter, channel)
    return {
        (partition, f"hh#{first + index * timedelta(minutes=30):%Y-%m-%dT%H:%M}Z"): value
        for index, value in enumerate(values)
    }
