"""Cell values through a daily file: dates, numbers, units, actual/estimated flags and meter ids."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingestion.domain.formats import RowError, detect_layout
from ingestion.domain.formats.cell_cache import MAX_CACHED_CHARS
from ingestion.domain.formats.row_errors import InvalidValue
from ingestion.domain.formats.values import (
    _checked_number,
    parse_date,
    parse_flag,
    parse_meter,
    parse_number,
    read_flag,
    read_number,
    read_unit,
    unit_parser,
)

DAILY = detect_layout(["MPAN", "Date", "Reading", "Unit", "Type"], "daily")


def read(date_text: str = "2025-11-01", value: str = "1", unit: str = "", flag: str = "", meter: str = "M1"):
    (reading,) = DAILY.parse_row([meter, date_text, value, unit, flag])
    return reading


def error(**cells: str) -> RowError:
    with pytest.raises(RowError) as caught:
        read(**cells)
    return caught.value


@pytest.mark.parametrize("text", ["2025-11-09", "09/11/2025", "09-11-2025", "2025/11/09"])
def test_each_supported_date_format_is_read(text):
    assert read(date_text=text).local_date == date(2025, 11, 9)


def test_day_first_dates_are_not_read_month_first():
    assert read(date_text="01/11/2025").local_date == date(2025, 11, 1)


def test_a_leading_zero_may_be_left_off_day_and_month():
    assert read(date_text="1/2/2025").local_date == date(2025, 2, 1)


def test_a_day_past_the_end_of_the_month_is_an_error_not_a_later_date():
    assert (
        str(error(date_text="31/02/2025"))
        == "column 2 (Date): invalid date '31/02/2025' (2025-02 has 28 days)"
    )


def test_29_february_in_a_leap_year_is_a_date():
    assert read(date_text="29/02/2024").local_date == date(2024, 2, 29)


def test_29_february_in_a_common_year_is_an_error():
    assert error(date_text="29/02/2025").message == "invalid date '29/02/2025' (2025-02 has 28 days)"


def test_a_date_without_a_year_is_an_error_not_this_year():
    assert error(date_text="01/11").message == (
        "invalid date '01/11' (expected YYYY-MM-DD, DD/MM/YYYY, DD-MM-YYYY, DD-Mon-YYYY or YYYY/MM/DD)"
    )


def test_a_two_digit_year_is_an_error():
    assert error(date_text="01/11/25").message.startswith("invalid date '01/11/25' (expected")


def test_a_month_past_12_is_an_error_with_a_day_first_hint():
    assert error(date_text="11/25/2025").message == (
        "invalid date '11/25/2025' (there is no month 25; dates are day first)"
    )


def test_a_date_with_a_time_is_not_a_daily_date():
    assert error(date_text="2025-11-01 00:00").message.startswith("invalid date '2025-11-01 00:00'")


def test_a_blank_date_is_reported_as_missing():
    assert error(date_text=" ").message == "missing date"


def test_values_are_decimals_with_optional_spaces_and_sign():
    assert read(value=" -12.50 ").value_kwh == Decimal("-12.50")


@pytest.mark.parametrize("text", ["1,234", "NaN", "Infinity", "-inf", "1e999", "12 kWh", "1.2.3", "."])
def test_anything_but_a_plain_decimal_number_is_an_invalid_value(text):
    assert error(value=text).message.startswith(f"invalid reading value '{text}' (expected a number")


def test_a_value_with_more_digits_than_a_store_can_hold_is_an_error():
    assert error(value="1" * 39).message.endswith("(more than 38 digits)")


def test_an_empty_value_is_a_missing_reading_value():
    assert str(error(value="")) == "column 3 (Reading): missing reading value"


def test_wh_values_are_divided_by_1000():
    assert read(value="1500", unit="Wh").value_kwh == Decimal("1.5")


def test_mwh_values_are_multiplied_by_1000():
    assert read(value="1.5", unit="MWh").value_kwh == Decimal("1500")


def test_units_are_case_insensitive():
    assert read(value="2", unit=" KWH ").value_kwh == Decimal("2")


def test_a_blank_unit_means_kwh():
    assert read(value="2", unit="").value_kwh == Decimal("2")


def test_an_unknown_unit_is_a_row_error_naming_the_allowed_units():
    assert (
        str(error(unit="GJ"))
        == "column 4 (Unit): unknown unit 'GJ' (expected Wh, kWh, MWh, kVArh, m3, ft3 or hcf)"
    )


def test_a_value_column_headed_wh_holds_wh():
    layout = detect_layout(["MPAN", "Date", "Wh"], "daily")
    (reading,) = layout.parse_row(["M1", "2025-11-01", "1500"])
    assert reading.value_kwh == Decimal("1.5")


def test_a_unit_cell_overrides_a_wh_column_name():
    layout = detect_layout(["MPAN", "Date", "Wh", "Unit"], "daily")
    (reading,) = layout.parse_row(["M1", "2025-11-01", "1500", "kWh"])
    assert reading.value_kwh == Decimal("1500")


@pytest.mark.parametrize("flag", ["e", "E", "Estimated", "ESTIMATED"])
def test_estimated_flags(flag):
    assert read(flag=flag).estimated is True


@pytest.mark.parametrize("flag", ["a", "A", "Actual", "m", "M", "Manual", "", "  "])
def test_actual_manual_and_blank_flags_are_actual(flag):
    assert read(flag=flag).estimated is False


def test_an_unknown_flag_is_a_row_error_naming_the_allowed_values():
    assert str(error(flag="X")) == (
        "column 5 (Type): unknown actual/estimated flag 'X' "
        "(expected A, Actual, Act, E, Estimated, Est, M, Manual or blank)"
    )


def test_meter_ids_are_stripped():
    assert read(meter="  E06BG12862 ").meter == "E06BG12862"


def test_a_blank_meter_id_is_a_missing_meter_id():
    assert str(error(meter="  ")) == "column 1 (MPAN): missing meter id"


def test_a_meter_id_may_have_32_characters():
    assert read(meter="9" * 32).meter == "9" * 32


def test_a_meter_id_over_32_characters_is_an_error():
    assert error(meter="9" * 33).message.endswith("is too long (at most 32 characters)")


def test_a_meter_id_with_a_control_character_is_an_error():
    assert (
        error(meter="E06\x00BG").message == "meter id 'E06\\x00BG' contains control or invisible characters"
    )


def test_a_daily_reading_starts_at_local_midnight_in_utc():
    reading = read(date_text="2025-07-01")
    assert (reading.kind, reading.start, reading.local_date, reading.period) == (
        "day",
        datetime(2025, 6, 30, 23, 0, tzinfo=UTC),
        date(2025, 7, 1),
        None,
    )


NUMBER_EDGES = [
    "1.5", "0", "007", "5.", ".5", ".", "", "   ", " 1.5", "1.5 ", "\t2\n", "+1", "-0", "-.5", "+.5",
    "1e999", "1E+300", "1e3", "NaN", "Infinity", "-inf", "1_000", "1,5", "1.2.3", "0x1",
    "\u0663", "\u00b2", "\uff11",
    "9" * 19, "9" * 20, "1" * 38, "1" * 39, "0." + "1" * 38, "1" * 19 + ".5", "12345678901234567.5",
]  # fmt: skip


def outcome(parse, text: str) -> tuple[str, str]:
    """What a parser makes of a text: its value's repr (which tells 1.50 from 1.5) or its error."""
    try:
        return "value", repr(parse(text))
    except InvalidValue as exc:
        return "error", str(exc)


@pytest.mark.parametrize("text", NUMBER_EDGES)
def test_a_number_read_the_quick_way_is_what_the_full_rules_read(text):
    assert outcome(read_number, text) == outcome(_checked_number, text)


@given(st.text(alphabet="0123456789.+-eE_ \t\u0663x", max_size=24))
def test_any_text_reads_as_the_full_rules_read_it_first_time_and_again(text):
    # (the second call may come from the cache)
    expected = outcome(_checked_number, text)
    assert outcome(parse_number, text) == expected
    assert outcome(parse_number, text) == expected


@pytest.mark.parametrize("text", ["kWh", " KWH ", "Wh\u00a0", "mwh", "", " ", "kW", "A", " estimated ", "x"])
def test_units_and_flags_read_again_from_the_cache_are_what_the_rules_give(text):
    for cached, rules in ((unit_parser(), read_unit), (parse_flag, read_flag)):
        expected = outcome(rules, text)
        assert outcome(cached, text) == expected and outcome(cached, text) == expected


@pytest.mark.parametrize("pad", [0, 1, MAX_CACHED_CHARS, 5_000])
@pytest.mark.parametrize(
    ("parse", "text"),
    [
        (parse_number, "12.5"),
        (parse_number, "x"),
        (parse_meter, "1900000000001"),
        (parse_meter, "=1"),
        (parse_date, "2025-11-01"),
        (parse_date, "2025-02-30"),
        (unit_parser(), "MWh"),
        (parse_flag, "E"),
    ],
)
def test_a_padded_cell_reads_as_its_stripped_text_however_long_the_padding(parse, text, pad):
    cell = " " * pad + text + "\t" * pad
    assert outcome(parse, cell) == outcome(parse, text) == outcome(parse, cell)


def test_a_meter_id_with_a_hash_is_an_error_that_says_why():
    # (the readings table keys a meter's other channels as "<meter>#<channel>")
    assert error(meter="E06#BG").message == (
        "meter id 'E06#BG' contains '#', which a meter id may not hold: remove it from the meter column"
    )
