"""Row shape and how errors read: ragged rows, empty rows, RowError.describe and Reading.key."""

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from ingestion.domain.formats import Reading, RowError, detect_layout
from ingestion.domain.formats.reading import new_reading

DAILY = detect_layout(["MPAN", "Date", "Reading"], "daily")


def row_error(cells: list[str], layout=DAILY) -> RowError:
    with pytest.raises(RowError) as caught:
        layout.parse_row(cells)
    return caught.value


def test_a_row_missing_a_needed_cell_is_an_error():
    assert (
        row_error(["M1", "2025-11-01"]).describe(3)
        == "Line 3: too few cells: the header has 3 columns, this row has 2"
    )


def test_a_row_longer_than_the_header_is_an_error():
    assert (
        str(row_error(["M1", "2025-11-01", "1", "2"]))
        == "too many cells: the header has 3 columns, this row has 4"
    )


def test_a_row_short_of_a_column_the_layout_does_not_read_is_still_ragged():
    layout = detect_layout(["MPAN", "Date", "Reading", "Notes"], "daily")
    with pytest.raises(RowError, match="too few cells"):
        layout.parse_row(["M1", "2025-11-01", "1"])


def test_blank_cells_past_the_header_are_a_trailing_delimiter_not_a_ragged_row():
    layout = detect_layout(["MPAN", "Date", "Reading"], "daily")
    (reading,) = layout.parse_row(["M1", "2025-11-01", "1", "", " "])
    assert reading.value_kwh == Decimal("1")


@pytest.mark.parametrize("cells", [[], [""], ["", "", ""], [" ", "\t", ""]])
def test_a_row_of_blank_cells_is_an_empty_row(cells):
    assert row_error(cells).describe(9) == "Line 9: empty row"


def test_row_error_describe_names_the_column_by_header_text_and_number():
    layout = detect_layout(["MPAN", "Reading", "Date"], "daily")
    error = row_error(["M1", "1", "INVALID-DATE-FORMAT"], layout)
    assert error.describe(47) == (
        "Line 47, column 3 (Date): invalid date 'INVALID-DATE-FORMAT' "
        "(expected YYYY-MM-DD, DD/MM/YYYY, DD-MM-YYYY, DD-Mon-YYYY or YYYY/MM/DD)"
    )


def test_row_error_keeps_message_and_column_apart():
    error = row_error(["M1", "2025-11-01", "lots"])
    assert (error.message, error.column, error.column_name) == (
        "invalid reading value 'lots' (expected a number such as 12.5, "
        "without thousands separators or units)",
        3,
        "Reading",
    )


def test_row_error_without_a_column():
    assert RowError("no meter id").describe(5) == "Line 5: no meter id"


def test_row_error_with_a_column():
    assert (
        RowError("bad", column=2, column_name="Read Date").describe(1) == "Line 1, column 2 (Read Date): bad"
    )


def test_long_bad_values_are_cut_to_40_characters_in_messages():
    error = row_error(["M1", "2025-11-01", "x" * 100])
    assert f"'{'x' * 40}'... (100 characters)" in error.message
    assert "x" * 41 not in error.message


def test_column_names_in_errors_have_no_bom_or_surrounding_spaces():
    layout = detect_layout(["\ufeff MPAN ", "Date", "Reading"], "daily")
    assert str(row_error([" ", "2025-11-01", "1"], layout)) == "column 1 (MPAN): missing meter id"


def test_parse_row_never_returns_an_empty_list_for_an_accepted_row():
    assert len(DAILY.parse_row(["M1", "2025-11-01", "0"])) == 1


def hh_reading(start: datetime, period: int) -> Reading:
    return Reading("M1", "hh", start, date(2024, 11, 9), period, Decimal("1"), False)


def test_half_hourly_key_is_its_utc_start():
    assert hh_reading(datetime(2024, 11, 9, 0, 0, tzinfo=UTC), 1).key == "hh#2024-11-09T00:00Z"


def test_daily_key_is_its_local_date():
    reading = Reading(
        "M1", "day", datetime(2024, 11, 9, tzinfo=UTC), date(2024, 11, 9), None, Decimal("1"), False
    )
    assert reading.key == "day#2024-11-09"


def test_a_daily_reading_never_shares_a_key_with_period_1_of_its_day():
    (daily,) = DAILY.parse_row(["M1", "2024-11-09", "1"])
    assert daily.key != hh_reading(daily.start, 1).key


def test_reading_is_immutable():
    reading = hh_reading(datetime(2024, 11, 9, tzinfo=UTC), 1)
    with pytest.raises(AttributeError):
        reading.meter = "M2"  # type: ignore[misc]


def test_a_reading_built_the_quick_way_is_the_reading_the_class_builds():
    start = datetime(2024, 10, 27, 0, 30, tzinfo=UTC)
    fields = ("M1", "hh", start, date(2024, 10, 27), 2, Decimal("1.50"), True, True)
    quick, built = new_reading(*fields), Reading(*fields)
    assert (quick, repr(quick), hash(quick)) == (built, repr(built), hash(built))
    assert new_reading(*fields[:-1]) == Reading(*fields[:-1])  # not repeatable unless it says so
    with pytest.raises(AttributeError):
        quick.meter = "M2"  # type: ignore[misc]


def test_a_reading_is_active_import_unless_it_says_otherwise():
    start = datetime(2024, 11, 9, tzinfo=UTC)
    fields = ("M1", "hh", start, date(2024, 11, 9), 1, Decimal("1"), False)
    assert new_reading(*fields).channel == Reading(*fields).channel == "import"
    reactive = new_reading(*fields, channel="reactive_import")
    assert reactive == Reading(*fields, channel="reactive_import")
    assert (reactive.key, reactive.partition) == ("hh#2024-11-09T00:00Z", "M1#reactive_import")
    assert new_reading(*fields).partition == "M1"  # import: the meter id alone, as before channels


def test_a_batch_of_readings_on_channels_gives_each_reading_its_channel():
    layout = detect_layout(["MPAN", "ReadDateTime", "Value"], "auto")
    columns = layout.parse_batch([["M1", "2024-11-09 00:00", "1"], ["M1", "2024-11-09 00:00", "2"]])
    assert columns is not None and columns.channels is None
    assert [r.channel for r in columns.readings()] == ["import", "import"]
    on_two = replace(columns, channels=["import", "export"])
    assert [(r.channel, r.value_kwh) for r in on_two.readings()] == [("import", 1), ("export", 2)]
