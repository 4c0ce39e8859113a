"""Choosing the delimiter and the layout from the header, and the file errors when no layout fits."""

import pytest

from ingestion.domain.formats import FORMATS, FileFormatError, detect_delimiter, detect_layout

HH_COLUMNS = [f"HH{period:02d}" for period in range(1, 49)]


def file_error(header: list[str], requested: str = "auto") -> str:
    with pytest.raises(FileFormatError) as caught:
        detect_layout(header, requested)
    return str(caught.value)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("MPAN,Date,Reading", ","),
        ("MPAN\tDate\tReading", "\t"),
        ("MPAN;Date;Reading", ";"),
        ("MPAN|Date|Reading", "|"),
    ],
)
def test_detect_delimiter_finds_each_supported_delimiter(line, expected):
    assert detect_delimiter(line) == expected


def test_detect_delimiter_picks_the_most_frequent():
    assert detect_delimiter("MPAN;Date;Reading,kWh") == ";"


@pytest.mark.parametrize(
    ("line", "expected"),
    [("a,b;c", ","), ("a\tb|c", "\t"), ("a;b|c", ";"), ("a|b\tc", "\t"), ("a|b;c,d\te", ",")],
)
def test_detect_delimiter_breaks_ties_in_the_order_comma_tab_semicolon_pipe(line, expected):
    assert detect_delimiter(line) == expected


def test_detect_delimiter_defaults_to_comma_when_there_is_none():
    assert detect_delimiter("MPAN") == ","


def test_formats_a_client_may_request():
    assert FORMATS == ("hh", "daily", "sites", "auto")


def test_auto_picks_wide_for_hh_columns():
    assert detect_layout(["MPAN", "Date", *HH_COLUMNS], "auto").name == "hh-wide"


def test_auto_picks_long_for_a_value_and_a_datetime_column():
    assert detect_layout(["MPAN", "ReadDateTime", "ReadValue"], "auto").name == "hh-long"


def test_auto_picks_long_for_a_value_and_date_and_time_columns():
    assert detect_layout(["MPAN", "Date", "Time", "kWh"], "auto").name == "hh-long"


def test_auto_picks_daily_for_a_date_and_a_value():
    assert detect_layout(["MPAN", "Date", "Reading"], "auto").name == "daily"


def test_hh_accepts_wide_and_long_layouts():
    assert detect_layout(["MPAN", "Date", *HH_COLUMNS], "hh").name == "hh-wide"
    assert detect_layout(["MPAN", "Timestamp", "Value"], "hh").name == "hh-long"


def test_daily_is_chosen_when_requested_even_with_a_time_column():
    assert detect_layout(["MPAN", "Date", "Time", "Reading"], "daily").name == "daily"


def test_unknown_requested_format_is_a_file_error():
    assert file_error(["MPAN", "Date", "Reading"], "weekly") == (
        "Unknown format 'weekly': expected hh, daily, sites or auto"
    )


def test_missing_meter_column_lists_the_meter_aliases_readably_and_says_how_to_give_the_meter():
    message = file_error(["Site", "Date", "Reading"])
    assert message.startswith(
        "The file has no meter column (none of the headers matches mpan, mpan core, meter code, "
        "meter, meter id, meter reference, meter ref, meter serial, meter serial number, serial, "
        "serial number, supply number, mprn, "
    )
    assert "give the meter with the import (the mapping's meter, or --meter in the CLI)" in message
    assert "'MPAN: 1234567890123' above the header row" in message


def test_missing_date_column_in_a_daily_file_lists_the_date_aliases():
    message = file_error(["MPAN", "When", "Reading"], "daily")
    assert message == (
        "Missing required column for the date: none of the headers matches date, read date, reading date, "
        "period date, bill date, insert date, settlement date, consumption date or day"
    )


def test_missing_value_column_in_auto_mode_also_suggests_hh_columns():
    message = file_error(["MPAN", "Date", "Amount"])
    assert message.startswith("Missing required column for the reading value: none of the headers matches ")
    assert (
        "reading, read value, value, consumption, energy, usage, volume, kwh, wh, mwh, kvarh or m3" in message
    )
    assert message.endswith("(or half-hourly columns HH01 to HH50)")


def test_missing_time_column_in_an_hh_file_lists_time_and_datetime_aliases():
    message = file_error(["MPAN", "Date", "Reading"], "hh")
    assert message == (
        "Missing required column for the time: none of the headers matches time, read time, reading time "
        "or period time (or one date and time column: datetime, timestamp, read datetime or reading datetime)"
    )


def test_wide_file_without_a_date_column_is_a_file_error():
    message = file_error(["MPAN", *HH_COLUMNS])
    assert message.startswith("Missing required column for the date: none of the headers matches date,")


def test_duplicate_normalised_header_the_layout_reads_is_a_file_error():
    message = file_error(["MPAN", "Date", "Reading", "reading"])
    assert message == (
        "Duplicate columns 'Reading' (column 3) and 'reading' (column 4): they all read as 'reading', "
        "so it is unclear which holds the reading value; rename or remove all but one"
    )


def test_duplicate_columns_the_layout_does_not_read_are_harmless():
    layout = detect_layout(["MPAN", "Date", "Reading", "Notes", "notes", "Time", "TIME"], "daily")
    assert layout.name == "daily"


def test_two_columns_for_one_half_hour_are_a_file_error():
    message = file_error(["MPAN", "Date", *HH_COLUMNS, "HH1"])
    assert message == (
        "Duplicate columns 'HH01' (column 3) and 'HH1' (column 51): they are all half hour 1; "
        "rename or remove all but one"
    )


def test_an_hh00_column_is_a_file_error_rather_than_a_shifted_day():
    message = file_error(["MPAN", "Date", "HH00", *HH_COLUMNS[:-1]])
    assert message.startswith("Column 'HH00' (column 3) is not a half-hour period")


def test_a_file_without_a_header_row_is_told_so_with_its_first_line():
    message = file_error(["1200023305967", "2025-11-01", "12.5"], "auto")
    assert message.startswith(
        "The file has no header row: its first line ('1200023305967', '2025-11-01', '12.5') looks like data."
    )
    assert "The file has no meter column" in message  # what was looked for, too


def test_a_header_of_words_missing_a_column_is_not_mistaken_for_data():
    assert file_error(["Site", "Date", "Reading"], "auto").startswith("The file has no meter column")
