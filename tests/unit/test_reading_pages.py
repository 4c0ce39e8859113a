"""Pages of a meter's readings (domain/reading_pages.py): the two sort-key ranges of a range of
local dates, merging them, and the page token."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from ingestion.domain.errors import InvalidRequestError
from ingestion.domain.reading_pages import (
    Fetched,
    ReadingRange,
    StoredReading,
    decode_cursor,
    encode_cursor,
    first_cursor,
    merge_page,
)

QUERY = ReadingRange.of("1900000000001", "import", "2025-11-03", "2025-11-04")


def hh(hour: int, minute: int = 0, day: int = 3) -> StoredReading:
    start = datetime(2025, 11, day, hour, minute, tzinfo=UTC)
    return StoredReading("hh", start, date(2025, 11, day), hour * 2 + minute // 30 + 1, "1.5", False, "j")


def daily(day: int) -> StoredReading:
    return StoredReading(
        "daily", datetime(2025, 11, day, tzinfo=UTC), date(2025, 11, day), None, "30", False, "j"
    )


def test_the_ranges_run_from_the_first_local_midnight_to_the_last_half_hour_before_the_next():
    autumn = ReadingRange.of("m", "import", "2024-10-27", "2024-10-27")
    assert autumn.bounds("hh") == ("hh#2024-10-26T23:00Z", "hh#2024-10-27T23:30Z")  # 50 half hours
    assert autumn.bounds("daily") == ("day#2024-10-27", "day#2024-10-27")


def test_a_range_cut_short_bounds_the_page_so_nothing_of_the_other_is_skipped():
    # The half hours' query gave two readings and has more; the days' gave both days.
    fetched = {
        "hh": Fetched([hh(0), hh(0, 30)], more=True),
        "daily": Fetched([daily(3), daily(4)], more=False),
    }

    page, cursor = merge_page(first_cursor(QUERY), fetched, limit=10)

    assert page == [daily(3), hh(0), hh(0, 30)]  # not day 4: half hours of day 3 may come before it
    assert cursor == {"hh": "hh#2025-11-03T01:00Z", "daily": "day#2025-11-04"}


def test_ranges_that_gave_everything_they_had_are_done():
    fetched = {"hh": Fetched([hh(0)], more=False), "daily": Fetched([daily(3)], more=False)}

    page, cursor = merge_page(first_cursor(QUERY), fetched, limit=10)

    assert page == [daily(3), hh(0)]
    assert cursor == {"hh": None, "daily": None}
    assert encode_cursor(QUERY, cursor) is None


def test_a_token_comes_back_as_its_cursor_for_its_own_query_only():
    cursor = {"hh": "hh#2025-11-03T01:00Z", "daily": None}
    token = encode_cursor(QUERY, cursor)
    assert token is not None

    assert decode_cursor(QUERY, token) == cursor
    other = ReadingRange.of("1900000000001", "export", "2025-11-03", "2025-11-04")
    with pytest.raises(InvalidRequestError, match="another query"):
        decode_cursor(other, token)


@pytest.mark.parametrize("token", ["", "!!", "bnVsbA", "eyJxIjpbXX0"])  # "", not base64, null, {"q": []}
def test_a_token_it_did_not_give_is_refused(token):
    with pytest.raises(InvalidRequestError, match="next is not a token"):
        decode_cursor(QUERY, token or "e30")


def test_a_position_before_the_range_is_refused():
    token = encode_cursor(QUERY, {"hh": "hh#2025-01-01T00:00Z", "daily": None})
    assert token is not None
    with pytest.raises(InvalidRequestError, match="next is not a token"):
        decode_cursor(QUERY, token)


def test_a_range_of_366_days_is_the_longest():
    assert ReadingRange.of("m", "import", "2024-01-01", "2024-12-31").last - timedelta(days=365) == date(
        2024, 1, 1
    )
    with pytest.raises(InvalidRequestError, match="367 days"):
        ReadingRange.of("m", "import", "2025-01-01", "2026-01-02")
