"""What a job's readings cover: for each meter and channel it wrote, its local days from the first
to the last with the periods written, estimated and missing (GET /imports/{job_id}/coverage).

Built once, when the job ends, from its log (domain/meter_days.py `cover`), and kept as one
document: per meter, three arrays of numbers a day (days the job wrote nothing on, between its
first and last, count as wholly missing), so a job of 1,000 meters over a year is about 1.5 MB of
JSON and a page of 100 meters about 150 KB."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ingestion.domain.errors import InvalidRequestError
from ingestion.domain.formats.reading import channel_of_partition, meter_of_partition
from ingestion.domain.meter_days import DayCoverage, DayKey, day_of_sort_key, expected_periods

DEFAULT_PAGE = 100
MAX_PAGE = 500
# What building a job's coverage takes, per row the job processed: its log read back (a GET a
# 1,000-row batch, 32 in flight) and folded, measured at about 3.9 s per million rows on the bench
# (docs/performance.md, "Cost at cloud scale"), doubled for a margin.
BUILD_MS_PER_ROW = 0.008
# Of a segment's safety margin (SEGMENT_SAFETY_MS, 20 s: the commit and the hand-over take well
# under a second), what a coverage build may use: 10 s, a job of some 1.2 million rows.
BUILD_MS_WITHIN_MARGIN = 10_000


# What the status function may spend building a coverage on a request (of its 29 s), with half the
# ingest function's CPU (512 MB against 1,024): a job of up to some 600,000 rows. A larger job's
# coverage, missing (its end was cut short), is built by the ingest function, asked through the
# queue; a request asks again only after BUILD_ASKED_AGAIN_S.
REQUEST_BUILD_MS = 10_000
BUILD_ASKED_AGAIN_S = 300


def builds_in_a_request(rows: int) -> bool:
    """Whether the status function builds the coverage of a job of `rows` rows on a request."""
    return rows * BUILD_MS_PER_ROW * 2 <= REQUEST_BUILD_MS


def build_ms_beyond_margin(rows: int) -> int:
    """The time beyond a segment's safety margin to keep in hand to build the coverage of a job of
    `rows` rows as it ends (0 for most jobs)."""
    return max(0, int(rows * BUILD_MS_PER_ROW) - BUILD_MS_WITHIN_MARGIN)


@dataclass(frozen=True)
class MeterCoverage:
    meter: str
    channel: str
    kind: str  # "hh" or "daily"
    first_day: date
    written: tuple[int, ...]  # a number a day from first_day
    estimated: tuple[int, ...]
    missing: tuple[int, ...]

    @property
    def last_day(self) -> date:
        return self.first_day + timedelta(days=len(self.written) - 1)

    def as_json(self) -> dict[str, Any]:
        return {
            "meter": self.meter,
            "channel": self.channel,
            "kind": self.kind,
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "written": list(self.written),
            "estimated": list(self.estimated),
            "missing": list(self.missing),
        }


def meters_covered(covered: Mapping[DayKey, DayCoverage]) -> list[MeterCoverage]:
    """The coverage of each meter, channel and kind, in that order."""
    by_meter: dict[tuple[str, str, str], dict[date, DayCoverage]] = defaultdict(dict)
    for (partition, sort_key), day_coverage in covered.items():
        day_kind, day = day_of_sort_key(sort_key)
        meter, channel = meter_of_partition(partition), channel_of_partition(partition)
        by_meter[meter, channel, "hh" if day_kind == "hh" else "daily"][day] = day_coverage
    found = []
    for (meter, channel, kind), days in sorted(by_meter.items()):
        first, last = min(days), max(days)
        written, estimated, missing = [], [], []
        day = first
        while day <= last:
            held = days.get(day)
            expected = expected_periods("hh" if kind == "hh" else "day", day)
            count = held.written if held else 0
            written.append(count)
            estimated.append(held.estimated if held else 0)
            missing.append(expected - count)
            day += timedelta(days=1)
        found.append(
            MeterCoverage(meter, channel, kind, first, tuple(written), tuple(estimated), tuple(missing))
        )
    return found


def summary(meters: list[MeterCoverage]) -> dict[str, int]:
    """The whole job's counts: meters, days, and days complete, partial and empty (nothing written
    between the meter's first and last day), and the periods written, estimated and missing."""
    days = complete = partial = empty = 0
    for m in meters:
        for written, missing in zip(m.written, m.missing, strict=True):
            days += 1
            if missing == 0:
                complete += 1
            elif written:
                partial += 1
            else:
                empty += 1
    return {
        "meters": len(meters),
        "days": days,
        "complete_days": complete,
        "partial_days": partial,
        "empty_days": empty,
        "written_periods": sum(sum(m.written) for m in meters),
        "estimated_periods": sum(sum(m.estimated) for m in meters),
        "missing_periods": sum(sum(m.missing) for m in meters),
    }


def page_bounds(cursor: str | None, limit: int | None) -> tuple[int, int]:
    """The first meter and how many (the route's `cursor` and `limit`, checked)."""
    size = DEFAULT_PAGE if limit is None else limit
    if not 1 <= size <= MAX_PAGE:
        raise InvalidRequestError(f"limit must be from 1 to {MAX_PAGE} meters")
    if cursor is None:
        return 0, size
    if not cursor.isdigit() or len(cursor) > 9:
        raise InvalidRequestError("cursor is not one this job's coverage gave: start again without it")
    return int(cursor), size
