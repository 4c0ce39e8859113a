"""Header normalisation and the alias table: every accepted header name finds its field."""

from datetime import date
from decimal import Decimal

import pytest

from ingestion.domain.formats import FileFormatError, detect_layout, normalise_header
from ingestion.domain.formats.headers import ALIASES, Header

METER_ALIASES = [
    "mpan",
    "mpancore",
    "metercode",
    "meter",
    "meterid",
    "meterreference",
    "meterref",
    "meterserial",
    "meterserialnumber",
    "serial",
    "serialnumber",
    "supplynumber",
    "mprn",
]
DATE_ALIASES = ["date", "readdate", "readingdate", "perioddate", "billdate", "insertdate"]
TIME_ALIASES = ["time", "readtime", "readingtime", "periodtime"]
DATETIME_ALIASES = ["datetime", "timestamp", "readdatetime", "readingdatetime"]
VALUE_ALIASES = ["reading", "readvalue", "value", "consumption", "kwh", "usage"]  # "wh": see its own test
UNIT_ALIASES = ["unit", "units", "uom"]
FLAG_ALIASES = ["readingtype", "type", "status", "ae", "actualestimated", "estimate"]


def parse(header: list[str], cells: list[str], requested: str = "auto"):
    return detect_layout(header, requested).parse_row(cells)


def test_normalise_header_strips_bom_and_surrounding_space():
    assert normalise_header("\ufeff  MPAN ") == "mpan"


def test_normalise_header_lowercases_and_drops_everything_but_letters_and_digits():
    assert normalise_header("Read_Date-Time (UTC)") == "readdatetimeutc"


def test_normalise_header_keeps_digits():
    assert normalise_header("HH 01") == "hh01"


@pytest.mark.parametrize("alias", METER_ALIASES)
def test_meter_aliases_find_the_meter_column(alias):
    (reading,) = parse([alias.upper(), "Date", "Reading"], ["E06BG12862", "2025-11-01", "1"])
    assert reading.meter == "E06BG12862"


@pytest.mark.parametrize("alias", DATE_ALIASES)
def test_date_aliases_find_the_date_column(alias):
    (reading,) = parse(["MPAN", alias, "Reading"], ["1", "2025-11-01", "1"])
    assert reading.local_date == date(2025, 11, 1)


@pytest.mark.parametrize("alias", TIME_ALIASES)
def test_time_aliases_find_the_time_column(alias):
    (reading,) = parse(["MPAN", "Date", alias, "Reading"], ["1", "2025-11-01", "00:30", "1"])
    assert reading.period == 2


@pytest.mark.parametrize("alias", DATETIME_ALIASES)
def test_datetime_aliases_find_the_datetime_column(alias):
    (reading,) = parse(["MPAN", alias, "Reading"], ["1", "2025-11-01 00:30", "1"])
    assert reading.period == 2


@pytest.mark.parametrize("alias", VALUE_ALIASES)
def test_value_aliases_find_the_value_column(alias):
    (reading,) = parse(["MPAN", "Date", alias], ["1", "2025-11-01", "45.6"])
    assert reading.value_kwh == Decimal("45.6")


@pytest.mark.parametrize("alias", UNIT_ALIASES)
def test_unit_aliases_find_the_unit_column(alias):
    (reading,) = parse(["MPAN", "Date", "Reading", alias], ["1", "2025-11-01", "1500", "Wh"])
    assert reading.value_kwh == Decimal("1.5")


@pytest.mark.parametrize("alias", FLAG_ALIASES)
def test_flag_aliases_find_the_actual_estimated_column(alias):
    (reading,) = parse(["MPAN", "Date", "Reading", alias], ["1", "2025-11-01", "1", "E"])
    assert reading.estimated is True


def test_aliases_match_whatever_the_case_and_punctuation():
    (reading,) = parse(["Meter_Serial-Number", "Read-Date", "READ_VALUE"], ["S1", "2025-11-01", "2"])
    assert (reading.meter, reading.value_kwh) == ("S1", Decimal("2"))


def test_a_readable_alias_spelling_is_accepted():
    (reading,) = parse(["MPAN Core", "Date", "A/E", "Reading"], ["1", "2025-11-01", "E", "2"])
    assert reading.estimated is True


def test_the_first_matching_column_in_file_order_wins():
    (reading,) = parse(["MPAN", "Serial", "Date", "Reading"], ["from-mpan", "from-serial", "2025-11-01", "1"])
    assert reading.meter == "from-mpan"


def test_no_alias_belongs_to_two_fields():
    names = [normalise_header(alias) for aliases in ALIASES.values() for alias in aliases]
    assert len(names) == len(set(names))


def test_bom_on_the_first_header_cell_does_not_hide_the_meter_column():
    (reading,) = parse(["\ufeffMPAN", "Date", "Reading"], ["1", "2025-11-01", "1"])
    assert reading.meter == "1"


# ---- what a header row may hold (the job item stores it) ----------------------------------------


def test_a_header_within_the_limits_passes_and_one_over_any_fails_saying_the_limit():
    from ingestion.domain.formats.headers import (
        MAX_COLUMN_NAME_CHARS,
        MAX_HEADER_BYTES,
        MAX_HEADER_COLUMNS,
        check_header_size,
    )

    check_header_size([f"c{i}" for i in range(MAX_HEADER_COLUMNS)])
    check_header_size(["x" * MAX_COLUMN_NAME_CHARS])
    for cells, words in [
        ([f"c{i}" for i in range(MAX_HEADER_COLUMNS + 1)], f"at most {MAX_HEADER_COLUMNS} are read"),
        (["MPAN", "x" * (MAX_COLUMN_NAME_CHARS + 1)], f"Column 2 has a name of {MAX_COLUMN_NAME_CHARS + 1}"),
        (["é" * 50] * (MAX_HEADER_BYTES // 100 + 1), f"at most {MAX_HEADER_BYTES:,} are read"),
    ]:
        with pytest.raises(FileFormatError, match=words):
            check_header_size(cells)


def test_a_duplicate_column_message_lists_the_first_five_and_how_many_more():
    header = Header.read(["MPAN"] * 150)
    with pytest.raises(FileFormatError) as caught:
        header.reject_duplicates([header.columns[0]])
    assert "'MPAN' (column 5) and 145 more: they all read as 'mpan'" in str(caught.value)
