"""UK local days against UTC: how many half hours each local date has, and where it starts."""

from datetime import UTC, date, datetime, timedelta

from ingestion.domain.formats.uk_time import local_half_hour, local_midnight, periods_in_day


def test_an_ordinary_day_has_48_periods():
    assert periods_in_day(date(2025, 11, 7)) == 48


def test_the_spring_forward_day_has_46_periods():
    assert periods_in_day(date(2025, 3, 30)) == 46


def test_the_fall_back_day_has_50_periods():
    assert periods_in_day(date(2025, 10, 26)) == 50


def test_each_year_has_one_short_and_one_long_day():
    year = [date(2024, 1, 1) + timedelta(days=n) for n in range(366)]
    counts = [periods_in_day(day) for day in year]
    assert (counts.count(46), counts.count(50), counts.count(48)) == (1, 1, 364)


def test_local_midnight_in_summer_is_2300_utc_the_day_before():
    assert local_midnight(date(2025, 7, 1)) == datetime(2025, 6, 30, 23, 0, tzinfo=UTC)


def test_a_skipped_local_time_has_no_half_hour():
    assert local_half_hour(date(2025, 3, 30), 60) is None
