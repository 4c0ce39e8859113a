"""Half-hourly rows, long and wide: times, UK clock changes, periods and all-or-nothing wide rows."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from ingestion.domain.formats import RowError, detect_layout
from ingestion.domain.formats.uk_time import LONDON

HH_COLUMNS = [f"HH{period:02d}" for period in range(1, 51)]
LONG_DATETIME = detect_layout(["MPAN", "ReadDateTime", "ReadValue", "Unit", "ReadingType"], "hh")
LONG_DATE_TIME = detect_layout(["MPAN", "Date", "Time", "kWh"], "hh")
WIDE = detect_layout(["MPAN", "Date", "Unit", "Type", *HH_COLUMNS], "hh")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def at(when: str, value: str = "1", unit: str = "", flag: str = ""):
    (reading,) = LONG_DATETIME.parse_row(["M1", when, value, unit, flag])
    return reading


def at_time(time_text: str, day: str = "2025-11-01"):
    (reading,) = LONG_DATE_TIME.parse_row(["M1", day, time_text, "1"])
    return reading


def long_error(when: str) -> RowError:
    with pytest.raises(RowError) as caught:
        at(when)
    return caught.value


def time_error(time_text: str, day: str = "2025-11-01") -> RowError:
    with pytest.raises(RowError) as caught:
        at_time(time_text, day)
    return caught.value


def wide_row(day: str, values: list[str], unit: str = "", flag: str = "") -> list[str]:
    return ["M1", day, unit, flag, *values, *[""] * (50 - len(values))]


def wide_error(row: list[str]) -> RowError:
    with pytest.raises(RowError) as caught:
        WIDE.parse_row(row)
    return caught.value


def test_long_reading_at_local_midnight_in_winter_is_period_1():
    reading = at("2024-11-09 00:00:00")
    assert (reading.kind, reading.start, reading.local_date, reading.period) == (
        "hh",
        utc(2024, 11, 9, 0, 0),
        date(2024, 11, 9),
        1,
    )


def test_long_reading_in_summer_is_uk_local_time():
    reading = at("2024-07-01 00:30")
    assert (reading.start, reading.local_date, reading.period) == (
        utc(2024, 6, 30, 23, 30),
        date(2024, 7, 1),
        2,
    )


def test_long_reading_with_z_is_an_exact_utc_instant():
    reading = at("2024-06-30T23:00:00Z")
    assert (reading.start, reading.local_date, reading.period) == (
        utc(2024, 6, 30, 23, 0),
        date(2024, 7, 1),
        1,
    )


def test_long_reading_with_an_offset_is_an_exact_instant():
    assert at("2024-11-09T08:00:00+01:00").start == utc(2024, 11, 9, 7, 0)


def test_long_reading_accepts_t_and_fractional_zero_seconds():
    assert at("2024-11-09T00:30:00.000Z").start == utc(2024, 11, 9, 0, 30)


def test_long_reading_with_a_day_first_date():
    assert at("09/11/2024 23:30").period == 48


def test_long_reading_value_and_unit():
    assert at("2024-11-09 00:00", value="500", unit="Wh").value_kwh == Decimal("0.5")


def test_long_reading_estimated_flag():
    assert at("2024-11-09 00:00", flag="E").estimated is True


def test_a_datetime_without_a_time_is_an_error():
    assert str(long_error("2024-11-09")) == (
        "column 2 (ReadDateTime): invalid date and time '2024-11-09' (expected a date and a time such as "
        "2024-11-09 00:30, 09/11/2024 00:30:00 or 2024-11-09T00:30:00Z)"
    )


def test_a_datetime_with_an_impossible_date_is_an_error():
    assert long_error("31/02/2025 00:00").message == "invalid date '31/02/2025' (2025-02 has 28 days)"


def test_a_missing_datetime_is_an_error():
    assert long_error("").message == "missing date and time"


def test_a_time_column_reading_gives_its_period():
    assert at_time("13:30").period == 28


def test_an_hour_without_a_leading_zero_is_read():
    assert at_time("9:30").period == 20


def test_an_unparseable_time_is_a_row_error_never_the_current_time():
    assert str(time_error("soon")) == (
        "column 3 (Time): invalid time 'soon' (expected HH:MM, HH:MM:SS or an Excel day fraction such as 0.5)"
    )


def test_24_00_is_not_a_time():
    assert time_error("24:00").message.startswith("invalid time '24:00'")


def test_a_time_off_the_half_hour_is_an_error():
    assert str(time_error("00:15")) == (
        "column 3 (Time): '00:15' is not on a half hour "
        "(half-hourly readings must start at :00 or :30, with zero seconds)"
    )


def test_a_time_with_seconds_is_an_error():
    assert time_error("00:30:15").message.startswith("'00:30:15' is not on a half hour")


def test_an_excel_day_fraction_is_a_time_of_day():
    assert at_time("0.5").start == utc(2025, 11, 1, 12, 0)


def test_an_excel_day_fraction_is_rounded_to_the_nearest_minute():
    assert at_time("0.0208333").period == 2  # 29.99952 minutes


def test_an_excel_fraction_of_one_or_more_is_not_a_time():
    assert time_error("1.0").message.startswith("invalid time '1.0'")


def test_a_local_time_skipped_when_the_clocks_go_forward_is_an_error():
    assert str(time_error("01:30", day="2025-03-30")) == (
        "column 3 (Time): 2025-03-30 01:30 does not exist in UK local time (that hour is skipped when the "
        "clocks go forward); give the time in UTC with a Z, or with its UTC offset"
    )


def test_after_the_clocks_go_forward_local_time_is_bst():
    reading = at("2025-03-30 02:00")
    assert (reading.start, reading.period) == (utc(2025, 3, 30, 1, 0), 3)


def test_a_repeated_local_time_when_the_clocks_go_back_is_the_first_occurrence():
    reading = at("2025-10-26 01:00")
    assert (reading.start, reading.period) == (utc(2025, 10, 26, 0, 0), 3)


def test_after_the_clocks_go_back_local_time_is_gmt():
    reading = at("2025-10-26 02:00")
    assert (reading.start, reading.period) == (utc(2025, 10, 26, 2, 0), 7)


def test_the_second_repeated_hour_is_reachable_with_an_explicit_offset():
    reading = at("2025-10-26T01:00:00+00:00")
    assert (reading.start, reading.local_date, reading.period) == (
        utc(2025, 10, 26, 1, 0),
        date(2025, 10, 26),
        5,
    )


def test_an_offset_that_is_off_the_half_hour_is_an_error():
    assert long_error("2024-11-09T10:00:00+05:45").message.startswith("04:15 UTC is not on a half hour")


def test_wide_row_gives_a_reading_per_non_blank_period():
    readings = WIDE.parse_row(wide_row("2025-11-07", ["1.2", "", "1.0"]))
    assert [(r.period, r.start, r.value_kwh) for r in readings] == [
        (1, utc(2025, 11, 7, 0, 0), Decimal("1.2")),
        (3, utc(2025, 11, 7, 1, 0), Decimal("1.0")),
    ]


def test_wide_row_applies_the_unit_column():
    (reading,) = WIDE.parse_row(wide_row("2025-11-07", ["2"], unit="MWh"))
    assert reading.value_kwh == Decimal("2000")


def test_wide_row_applies_the_flag_to_every_reading():
    readings = WIDE.parse_row(wide_row("2025-11-07", ["1", "2"], flag="E"))
    assert [r.estimated for r in readings] == [True, True]


def test_wide_row_with_no_values_is_an_error():
    assert wide_error(wide_row("2025-11-07", [])).describe(2) == "Line 2: no readings in row"


def test_wide_row_with_one_bad_cell_is_rejected_whole():
    assert str(wide_error(wide_row("2025-11-07", ["1", "x", "3"]))) == (
        "column 6 (HH02): invalid reading value 'x' (expected a number such as 12.5, "
        "without thousands separators or units)"
    )


def test_wide_hh49_on_a_48_period_day_is_an_error():
    assert str(wide_error(wide_row("2025-11-07", ["1"] * 49))) == (
        "column 53 (HH49): 2025-11-07 has only 48 half hours, so HH49 must be blank; found '1'"
    )


def test_wide_blank_hh49_and_hh50_on_a_48_period_day_are_fine():
    assert len(WIDE.parse_row(wide_row("2025-11-07", ["1"] * 48))) == 48


def test_wide_spring_forward_day_has_46_periods():
    readings = WIDE.parse_row(wide_row("2025-03-30", ["1"] * 46))
    assert (len(readings), readings[-1].start) == (46, utc(2025, 3, 30, 22, 30))


def test_wide_hh47_on_the_spring_forward_day_is_an_error():
    assert str(wide_error(wide_row("2025-03-30", ["1"] * 47))) == (
        "column 51 (HH47): 2025-03-30 has only 46 half hours as the clocks go forward that day, "
        "so HH47 must be blank; found '1'"
    )


def test_wide_fall_back_day_has_50_distinct_half_hours_from_local_midnight():
    readings = WIDE.parse_row(wide_row("2025-10-26", ["1"] * 50))
    midnight = utc(2025, 10, 25, 23, 0)
    assert [r.start for r in readings] == [midnight + timedelta(minutes=30 * i) for i in range(50)]
    assert [r.period for r in readings] == list(range(1, 51))


def test_wide_fall_back_day_periods_3_and_5_are_both_1am_local_an_hour_apart():
    readings = WIDE.parse_row(wide_row("2025-10-26", ["1"] * 50))
    assert (readings[2].start, readings[4].start) == (utc(2025, 10, 26, 0, 0), utc(2025, 10, 26, 1, 0))


def test_wide_readings_in_summer_start_an_hour_before_the_wall_clock():
    (reading,) = WIDE.parse_row(wide_row("2025-07-01", ["1"]))
    assert (reading.start, reading.local_date) == (utc(2025, 6, 30, 23, 0), date(2025, 7, 1))


@given(day=st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 12, 31)), slot=st.integers(0, 47))
@example(day=date(2025, 3, 30), slot=4)
@example(day=date(2025, 10, 26), slot=3)
@example(day=date(2025, 10, 26), slot=4)
def test_long_and_wide_agree_on_every_local_half_hour(day, slot):
    wall_clock = f"{slot // 2:02d}:{slot % 2 * 30:02d}"
    try:
        long = at(f"{day} {wall_clock}")
    except RowError:
        assume(False)  # a time skipped when the clocks go forward
    wide = WIDE.parse_row(wide_row(day.isoformat(), [""] * (long.period - 1) + ["1"]))[0]
    assert (wide.start, wide.local_date, wide.period) == (long.start, long.local_date, long.period)
    assert f"{long.start.astimezone(LONDON):%Y-%m-%d %H:%M}" == f"{day} {wall_clock}"


def when_or_error(read, *args: str) -> tuple:
    try:
        reading = read(*args)
    except RowError as exc:
        return "error", exc.message
    return "reading", (reading.start, reading.local_date, reading.period, reading.repeatable)


@pytest.mark.parametrize("day", [date(2024, 3, 31), date(2024, 10, 27), date(2025, 11, 1)])
def test_a_date_and_time_cell_read_again_is_what_a_date_cell_and_a_time_cell_give(day):
    # Given each half hour of a day the clocks go forward, one they go back and an ordinary one, as one
    # date-and-time cell (its answer cached) and as a date cell and a time cell (worked out each time)
    for slot in range(48):
        wall_clock = f"{slot // 2:02d}:{slot % 2 * 30:02d}"
        expected = when_or_error(at_time, wall_clock, day.isoformat())
        for cell in (f"{day} {wall_clock}", f" {day:%d/%m/%Y}T{wall_clock}:00 "):
            # When the cell is read twice, Then both times it reads as the separate cells do
            assert when_or_error(at, cell) == expected and when_or_error(at, cell) == expected


@pytest.mark.parametrize("offset", ["Z", "+01:00", "-05:30"])
def test_a_date_and_time_cell_with_an_offset_read_again_is_the_same_instant(offset):
    for slot in range(48):
        cell = f"2024-10-27 {slot // 2:02d}:{slot % 2 * 30:02d}{offset}"
        start = datetime.fromisoformat(cell).astimezone(UTC)
        first = when_or_error(at, cell)
        assert first[1][:2] == (start, start.astimezone(LONDON).date()) and when_or_error(at, cell) == first
