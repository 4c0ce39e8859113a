"""What each column of a file is read as (the preview's columns), from the detection itself."""

from __future__ import annotations

from ingestion.domain.formats.column_notes import ColumnRead
from ingestion.domain.formats.detect import resolve_layout
from ingestion.domain.formats.mapping import Mapping

TIMES = [f"{h:02d}:{m:02d}" for h in range(24) for m in (0, 30)]
ENDS = [*TIMES[1:], "24:00"]


def read_as(header: list[str], **mapping) -> dict[int, ColumnRead]:
    return resolve_layout(header, "auto", Mapping(**mapping)).columns_read


def test_wide_columns_by_period_are_each_a_numbered_half_hour():
    read = read_as(["MPAN", "Date", *(f"HH{n:02d}" for n in range(1, 49))])
    assert read[0] == ColumnRead("meter", "the meter") and read[1] == ColumnRead("date", "the date")
    assert read[2] == ColumnRead(None, "half-hour period 1")
    assert read[49] == ColumnRead(None, "half-hour period 48")


def test_wide_columns_named_by_their_end_say_the_half_hour_they_end():
    read = read_as(["MPAN", "Date", *ENDS])
    assert read[2] == ColumnRead(None, "half hour ending 00:30")
    assert read[49] == ColumnRead(None, "half hour ending 24:00")


def test_a_time_named_twice_is_the_second_of_the_hour_the_clocks_go_back():
    header = ["MPAN", "Date", *TIMES[:4], "01:00", "01:30", *TIMES[4:]]
    read = read_as(header)
    assert read[6] == ColumnRead(None, "half hour 01:00 (its second, on the day the clocks go back)")


def test_value_columns_say_their_unit_and_a_channel_other_than_import():
    read = read_as(["MPAN", "Date", "Import kWh", "Export kWh", "kVArh", "Notes"])
    assert read[2] == ColumnRead("value", "the reading, in kWh")
    assert read[3] == ColumnRead("value", "the reading, in kWh, export")
    assert read[4] == ColumnRead("value", "the reading, in kVArh, reactive import")
    assert 5 not in read  # not read


def test_a_period_ending_timestamp_says_so():
    read = read_as(["MPAN", "Period Ending", "kWh"])
    assert read[1] == ColumnRead("end", "the date and time the half hour ends")
    assert read_as(["MPAN", "Timestamp", "kWh"], timestamps="end")[1] == ColumnRead(
        "datetime", "the date and time the half hour ends"
    )


def test_a_sites_file_names_what_each_column_holds():
    read = read_as(["name", "postcode", "colour"])
    assert read == {0: ColumnRead(None, "the site name"), 1: ColumnRead(None, "the postcode")}
