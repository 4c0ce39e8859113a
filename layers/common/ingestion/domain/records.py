"""The kinds of record a file holds: meter readings, or sites. Each kind is one object that says
what differs between them: which layouts read it, its natural key, how a person names one, what
makes a valid record doubtful, how a repeat is remembered, and whether it is checked against the
other granularity already stored. The store side of each kind (writer, cleaner, lookup) is chosen
by `RecordKind.name` in one place (services/wiring.py). A third kind is one more object here."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, Literal

from ingestion.domain.formats.mapping import DEFAULT_CHANNEL
from ingestion.domain.formats.reading import HALF_HOURLY, Reading, interval_number
from ingestion.domain.formats.sites_layout import Site
from ingestion.domain.seen_keys import SeenKeys

# More than a meter records in the interval, by a wide margin (a 10 MW site): most likely Wh read as kWh.
MAX_PLAUSIBLE_KWH = {"hh": Decimal(5_000), "day": Decimal(240_000)}

Record = Reading | Site
Key = tuple[str, str]  # (partition, sort) of a record in its table; a site's sort is ""
KindName = Literal["readings", "sites"]


@dataclass(frozen=True)
class WriteResult:
    written: int  # distinct readings written
    resends: int  # items DynamoDB left unprocessed that were sent again (a sign of throttling)


class RecordKind(ABC):
    """What one kind of record needs from the code that checks, merges, writes and deletes it."""

    name: ClassVar[KindName]  # also the store that holds this kind (services/wiring.py)
    layouts: ClassVar[tuple[str, ...]]  # the layouts (Layout.name) that read this kind
    checks_overlaps: ClassVar[bool]  # whether a batch is checked against the table's other granularity

    @abstractmethod
    def key(self, record: Any) -> Key:
        """The record's natural key in its table."""
        ...

    @abstractmethod
    def describe(self, record: Any) -> str:
        """The record as a person names it: "meter 1 at 2025-11-01 half hour 3 (...)"."""
        ...

    @abstractmethod
    def doubts(self, record: Any, now: datetime) -> list[str]:
        """Warnings about a valid record: kept, but a person should look."""
        ...

    @abstractmethod
    def remember(self, seen: SeenKeys, record: Any) -> tuple[Any, bool]:
        """The record as it is stored, and whether its key is new to `seen` (which now has it)."""
        ...

    @abstractmethod
    def seen(self, seen: SeenKeys, record: Any) -> bool:
        """Whether `seen` holds the record's key."""
        ...

    @abstractmethod
    def in_play(self, shared: SeenKeys) -> Callable[[Sequence[str]], bool]:
        """A quick filter for the merge of a split file: whether a row (its raw cells) may hold one
        of the keys in `shared` (True when it cannot tell)."""
        ...


class Readings(RecordKind):
    name = "readings"
    layouts = ("hh-long", "hh-wide", "daily")
    checks_overlaps = True

    def key(self, record: Reading) -> Key:
        return record.partition, record.key  # (the meter and its channel, the interval)

    def describe(self, record: Reading) -> str:
        return f"{meter_of(record)} at {when(record)}"

    def doubts(self, record: Reading, now: datetime) -> list[str]:
        found = []
        if record.value_kwh < 0:
            found.append(f"negative reading {record.value_kwh} kWh")
        limit = MAX_PLAUSIBLE_KWH[record.kind]
        if record.value_kwh > limit:
            span = "half an hour" if record.kind == HALF_HOURLY else "a day"
            found.append(
                f"{record.value_kwh} kWh is far more than a meter records in {span} (over {limit} kWh): "
                "check the unit"
            )
        if record.start > now:
            found.append(f"the reading is for {when(record)}, which is in the future")
        return found

    def remember(self, seen: SeenKeys, record: Reading) -> tuple[Reading, bool]:
        if seen.add_interval(*_interval(record)):
            return record, True
        if record.repeatable:
            # The hour the clocks go back, written twice without offsets: this is the second.
            record = record.second_occurrence()
            return record, seen.add_interval(*_interval(record))
        return record, False

    def seen(self, seen: SeenKeys, record: Reading) -> bool:
        return seen.has_interval(*_interval(record))

    def in_play(self, shared: SeenKeys) -> Callable[[Sequence[str]], bool]:
        meters = shared.meters()
        # (a cell holding the meter id is stripped as parsed)
        return lambda cells: not meters.isdisjoint(cell.strip() for cell in cells)


class Sites(RecordKind):
    name = "sites"
    layouts = ("sites",)
    checks_overlaps = False

    def key(self, record: Site) -> Key:
        return record.key, ""

    def describe(self, record: Site) -> str:
        company = "" if record.company_id is None else f" of company {record.company_id}"
        return f"site {record.name!r}{company}"

    def doubts(self, record: Site, now: datetime) -> list[str]:
        return []

    def remember(self, seen: SeenKeys, record: Site) -> tuple[Site, bool]:
        return record, seen.add_key(record.key)

    def seen(self, seen: SeenKeys, record: Site) -> bool:
        return seen.has_key(record.key)

    def in_play(self, shared: SeenKeys) -> Callable[[Sequence[str]], bool]:
        return lambda cells: True  # a site's key is folded from its cells: every row is read


READINGS = Readings()
SITES = Sites()
KINDS: tuple[RecordKind, ...] = (READINGS, SITES)


_KIND_OF_LAYOUT = {layout: kind for kind in KINDS for layout in kind.layouts}


def kind_of_layout(layout: str | None) -> RecordKind:
    """The kind a layout (by name, as a job records it) reads; readings when none was found (an
    empty file)."""
    return _KIND_OF_LAYOUT.get(layout or "", READINGS)


def when(reading: Reading) -> str:
    if reading.kind == HALF_HOURLY:
        return f"{reading.local_date} half hour {reading.period} ({reading.start:%Y-%m-%d %H:%M} UTC)"
    return reading.local_date.isoformat()


def meter_of(reading: Reading) -> str:
    """The meter, and its channel unless active import: "meter 1 (channel reactive_import)"."""
    if reading.channel == DEFAULT_CHANNEL:
        return f"meter {reading.meter}"
    return f"meter {reading.meter} (channel {reading.channel})"


def overlap_warning(reading: Reading) -> str:
    if reading.kind == HALF_HOURLY:
        return f"{meter_of(reading)} already has a daily reading for {reading.local_date}"
    return f"{meter_of(reading)} already has half-hourly readings for {reading.local_date}"


def _interval(record: Reading) -> tuple[str, int]:
    """Where a reading's key is kept: per meter, channel and kind (its partition, after "h" or
    "d"), the number of its half hour or day."""
    return ("h" if record.kind == HALF_HOURLY else "d") + record.partition, interval_number(record)
