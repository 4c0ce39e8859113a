"""The readings, to look at: a meter's readings on a channel over a range of days, page by page or
whole. Readings are the deployment's shared data: any signed-in caller reads any meter's."""

from __future__ import annotations

from dataclasses import dataclass

from ingestion.domain.reading_pages import (
    KINDS,
    MAX_PAGE,
    Cursor,
    Fetched,
    ReadingKind,
    ReadingRange,
    StoredReading,
    decode_cursor,
    encode_cursor,
    first_cursor,
    merge_page,
)
from ingestion.store.reading_queries import ReadingQueries


@dataclass(frozen=True)
class ReadingsPage:
    query: ReadingRange
    items: list[StoredReading]
    next: str | None  # the token of the next page; None on the last


def _page(
    query: ReadingRange, cursor: Cursor, limit: int, store: ReadingQueries
) -> tuple[list[StoredReading], Cursor]:
    # One query a range that is not done (at most two a page); one reading more than the page
    # holds, so that a range that gives only what the page takes is known to be done.
    fetched: dict[ReadingKind, Fetched] = {}
    for kind in KINDS:
        position = cursor[kind]
        if position is not None:
            fetched[kind] = store.fetch(
                query.meter, query.channel, position, query.bounds(kind)[1], limit + 1
            )
    return merge_page(cursor, fetched, limit)


def readings_page(
    query: ReadingRange, *, limit: int, next_token: str | None, store: ReadingQueries
) -> ReadingsPage:
    """A page of at most `limit` readings in time order, from the first or from `next_token`'s
    place (parameters already checked: ReadingRange.of, and the route's bounds on limit)."""
    cursor = decode_cursor(query, next_token) if next_token else first_cursor(query)
    items, after = _page(query, cursor, limit, store)
    return ReadingsPage(query, items, encode_cursor(query, after))


def all_readings(query: ReadingRange, *, store: ReadingQueries) -> list[StoredReading]:
    """Every reading of the range in time order (at most 366 days of one channel: about 18,000)."""
    cursor, found = first_cursor(query), []
    while any(position is not None for position in cursor.values()):
        items, cursor = _page(query, cursor, MAX_PAGE, store)
        found += items
    return found
