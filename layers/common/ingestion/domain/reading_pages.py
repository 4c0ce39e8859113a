"""The readings of one meter and channel over a range of UK local dates, page by page (GET /readings).

A meter's half-hourly and daily readings are two ranges of its partition's sort keys ("hh#<UTC
start>", "day#<local date>", domain/formats/reading.py). A page reads at most `limit` + 1 of each
and merges them by start; the page's cursor says where each range goes on (its next sort key), or
that it is done, and travels to the client as an opaque token bound to the query it came from.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from ingestion.domain.errors import InvalidRequestError
from ingestion.domain.formats.uk_time import HALF_HOUR, local_midnight

MAX_RANGE_DAYS = 366  # a leap year, to included
DEFAULT_PAGE = 500
MAX_PAGE = 1000
MAX_METER_CHARS = 32  # as values.read_meter takes them
ReadingKind = Literal["hh", "daily"]
KINDS: tuple[ReadingKind, ...] = ("daily", "hh")  # where two start together: the day's reading first
_SORT_PREFIX: dict[ReadingKind, str] = {"hh": "hh#", "daily": "day#"}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_HINT = "give it as YYYY-MM-DD, a UK local date such as 2025-11-03"


@dataclass(frozen=True)
class StoredReading:
    """A reading as the readings table holds it, with the interval it covers."""

    kind: ReadingKind
    start: datetime  # UTC
    local_date: date
    period: int | None  # None: a daily reading
    value_kwh: str  # the decimal as stored, never rounded
    estimated: bool
    job_id: str

    @property
    def end(self) -> datetime:
        return (
            self.start + HALF_HOUR
            if self.kind == "hh"
            else local_midnight(self.local_date + timedelta(days=1))
        )

    def order(self) -> tuple[datetime, int]:
        return self.start, KINDS.index(self.kind)


def sort_key_of_half_hour(start: datetime) -> str:
    return "hh#" + start.isoformat()[:16] + "Z"  # as Reading.key writes it


def sort_key_of_day(day: date) -> str:
    return "day#" + day.isoformat()


def _next_key(reading: StoredReading) -> str:
    """The first sort key after this reading's, in its own range."""
    if reading.kind == "hh":
        return sort_key_of_half_hour(reading.start + HALF_HOUR)
    return sort_key_of_day(reading.local_date + timedelta(days=1))


def _parse_date(name: str, text: str) -> date:
    if not _DATE.fullmatch(text):
        raise InvalidRequestError(f"{name} is not a date ({text[:20]!r}): {_DATE_HINT}")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidRequestError(f"{name} is not a date ({text!r} has no such day): {_DATE_HINT}") from None


@dataclass(frozen=True)
class ReadingRange:
    """What a client asks for: a meter's readings on one channel, from one local date to another
    (both included)."""

    meter: str
    channel: str
    first: date
    last: date

    @classmethod
    def of(cls, meter: str, channel: str, first: str, last: str) -> ReadingRange:
        """The range asked for, checked (InvalidRequestError says what is wrong)."""
        meter = meter.strip()
        if not meter or len(meter) > MAX_METER_CHARS or not meter.isprintable() or "#" in meter:
            raise InvalidRequestError(
                f"meter is not a meter id: give the MPAN, MPRN or serial as the files hold it "
                f"(1 to {MAX_METER_CHARS} printable characters, no #)"
            )
        start, end = _parse_date("from", first), _parse_date("to", last)
        if end < start:
            raise InvalidRequestError(
                f"to is before from ({last} < {first}): to is the last day to include, on or after from"
            )
        days = (end - start).days + 1
        if days > MAX_RANGE_DAYS:
            raise InvalidRequestError(
                f"the range is {days} days: ask for at most {MAX_RANGE_DAYS} days at a time (to is "
                "included), and a longer period a year at a time"
            )
        return cls(meter, channel, start, end)

    def bounds(self, kind: ReadingKind) -> tuple[str, str]:
        """The first and last sort key of the range's readings of a kind (both included)."""
        if kind == "daily":
            return sort_key_of_day(self.first), sort_key_of_day(self.last)
        after = local_midnight(self.last + timedelta(days=1))
        return sort_key_of_half_hour(local_midnight(self.first)), sort_key_of_half_hour(after - HALF_HOUR)

    def _identity(self) -> list[str]:
        return [self.meter, self.channel, self.first.isoformat(), self.last.isoformat()]


# Where each kind's range goes on: its next sort key, or None once it is done.
type Cursor = dict[ReadingKind, str | None]


def first_cursor(query: ReadingRange) -> Cursor:
    return {kind: query.bounds(kind)[0] for kind in KINDS}


def encode_cursor(query: ReadingRange, cursor: Cursor) -> str | None:
    """The page token of a cursor (None: nothing is left)."""
    if all(position is None for position in cursor.values()):
        return None
    raw = json.dumps({"q": query._identity(), **cursor}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


_BAD_TOKEN = (
    "next is not a token this route gave: pass the previous page's next unchanged, or leave it out "
    "to start at the first page"
)


def decode_cursor(query: ReadingRange, token: str) -> Cursor:
    """The cursor a token holds, for this query (InvalidRequestError for any other token)."""
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, binascii.Error):
        raise InvalidRequestError(_BAD_TOKEN) from None
    if not isinstance(data, dict) or set(data) != {"q", *KINDS}:
        raise InvalidRequestError(_BAD_TOKEN)
    if data["q"] != query._identity():
        raise InvalidRequestError(
            "next belongs to another query (another meter, channel or dates): ask with the same meter, "
            "channel, from and to as the page it came from, or leave next out to start again"
        )
    cursor: Cursor = {}
    for kind in KINDS:
        position, low = data[kind], query.bounds(kind)[0]
        # (a position past the range's last key is one where nothing is left)
        if position is not None and not (
            isinstance(position, str) and position.startswith(_SORT_PREFIX[kind]) and low <= position
        ):
            raise InvalidRequestError(_BAD_TOKEN)
        cursor[kind] = position
    return cursor


@dataclass(frozen=True)
class Fetched:
    """What one query of a kind's range found: its first readings from the cursor, in order, and
    whether more may follow them."""

    readings: Sequence[StoredReading]
    more: bool


def merge_page(
    cursor: Cursor, fetched: dict[ReadingKind, Fetched], limit: int
) -> tuple[list[StoredReading], Cursor]:
    """The page's readings in time order (at most `limit`) and the cursor after them.

    A range that has more than it gave is known only up to its last reading given: nothing of the
    other range after that reading is put on the page, so no reading is ever skipped."""
    merged = sorted((r for kind in fetched for r in fetched[kind].readings), key=StoredReading.order)
    cut_offs = [f.readings[-1].order() for f in fetched.values() if f.more and f.readings]
    bound = min(cut_offs, default=None)
    page = [r for r in merged if bound is None or r.order() <= bound][:limit]
    after = dict(cursor)
    for kind, found in fetched.items():
        taken = [r for r in page if r.kind == kind]
        if taken:
            after[kind] = _next_key(taken[-1])
        if not found.more and len(taken) == len(found.readings):
            after[kind] = None
    return page, after
