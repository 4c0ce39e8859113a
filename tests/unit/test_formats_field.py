"""The layouts supplier and meter exports really have, read value by value: wide files named by time or
by period, intervals, settlement periods, period-ending times, files without a meter column, units
in column names, gas volumes, channels, date orders, zones, decimal commas, and a mapping over all
of it. No AWS: the layouts read rows as the ingest worker hands them over."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from ingestion.domain.formats import FileFormatError, RowError
from ingestion.domain.formats.detect import FileFacts, preamble_meter, resolve_layout
from ingestion.domain.formats.mapping import Mapping
from ingestion.services.ingest.files import find_header_line

M = "1200023305967"
TIMES = [f"{h:02d}:{m:02d}" for h in range(24) for m in (0, 30)]
ENDS = [*TIMES[1:], "24:00"]
HALF = timedelta(minutes=30)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def read(header: list[str], *rows: list[str], mapping: Mapping | None = None, facts: FileFacts | None = None):
    detected = resolve_layout(header, "auto", mapping, facts)
    return detected, [r for row in rows for r in detected.layout.parse_row(row)]


def row_error(header: list[str], row: list[str], **kwargs) -> RowError:
    detected = resolve_layout(header, "auto", **kwargs)
    with pytest.raises(RowError) as caught:
        detected.layout.parse_row(row)
    return caught.value


def file_error(header: list[str], mapping: Mapping | None = None, facts: FileFacts | None = None) -> str:
    with pytest.raises(FileFormatError) as caught:
        resolve_layout(header, "auto", mapping, facts)
    return str(caught.value)


def values(n: int) -> list[str]:
    return [str(index + 1) for index in range(n)]


# ---- wide by time ---------------------------------------------------------------------------------


def test_wide_columns_named_by_start_time_put_each_value_on_its_half_hour():
    detected, readings = read(["MPAN", "Date", *TIMES], [M, "15/01/2025", *values(48)])
    assert detected.layout.name == "hh-wide" and detected.mapping.timestamps == "start"
    assert [(r.start, r.period, r.value_kwh) for r in readings[:2]] == [
        (utc(2025, 1, 15, 0, 0), 1, Decimal(1)),
        (utc(2025, 1, 15, 0, 30), 2, Decimal(2)),
    ]
    assert (readings[-1].start, readings[-1].period, readings[-1].value_kwh) == (
        utc(2025, 1, 15, 23, 30),
        48,
        Decimal(48),
    )
    assert all(r.meter == M and r.channel == "import" and not r.estimated for r in readings)


def test_wide_columns_named_by_end_time_read_each_value_half_an_hour_earlier():
    detected, readings = read(["MPAN", "Date", *ENDS], [M, "2025-07-01", *values(48)])
    assert detected.mapping.timestamps == "end"
    # BST: local midnight is 23:00 UTC the day before
    assert readings[0].start == utc(2025, 6, 30, 23, 0) and readings[0].local_date == date(2025, 7, 1)
    assert readings[-1].start == utc(2025, 7, 1, 22, 30) and readings[-1].value_kwh == Decimal(48)


def test_wide_columns_named_as_ranges_take_the_range_start():
    ranges = [f"{start}-{end}" for start, end in zip(TIMES, [*TIMES[1:], "00:00"], strict=True)]
    _, readings = read(["MPAN", "Date", *ranges], [M, "2025-01-15", *values(48)])
    assert readings[0].start == utc(2025, 1, 15, 0, 0) and readings[47].start == utc(2025, 1, 15, 23, 30)


@pytest.mark.parametrize("prefix", ["P", "SP", "HH", "Period "])
def test_wide_columns_named_by_period_number(prefix):
    header = ["MPAN", "Date", *(f"{prefix}{n}" for n in range(1, 49))]
    _, readings = read(header, [M, "2025-01-15", *values(48)])
    assert [(r.period, r.start) for r in readings[:2]] == [
        (1, utc(2025, 1, 15)),
        (2, utc(2025, 1, 15, 0, 30)),
    ]


def test_a_flag_column_beside_each_half_hour_is_that_half_hours_flag():
    header = ["MPAN", "Date"]
    row = [M, "2025-01-15"]
    for index, time in enumerate(TIMES[:4]):
        header += [time, f"{time}_Act_Est"]
        row += [str(index + 1), "E" if index == 1 else "A"]
    _, readings = read(header, row)
    assert [(r.start, r.value_kwh, r.estimated) for r in readings] == [
        (utc(2025, 1, 15, 0, 0), Decimal(1), False),
        (utc(2025, 1, 15, 0, 30), Decimal(2), True),
        (utc(2025, 1, 15, 1, 0), Decimal(3), False),
        (utc(2025, 1, 15, 1, 30), Decimal(4), False),
    ]


def test_repeated_a_e_columns_flag_the_half_hour_before_them():
    header = ["MPAN", "Date", "00:00", "A/E", "00:30", "A/E"]
    _, readings = read(header, [M, "2025-01-15", "1", "E", "2", "A"])
    assert [r.estimated for r in readings] == [True, False]


def test_on_the_spring_day_the_skipped_hour_must_be_blank_and_the_rest_land_right():
    row = [M, "2025-03-30", *["" if t in ("01:00", "01:30") else "1" for t in TIMES]]
    _, readings = read(["MPAN", "Date", *TIMES], row)
    assert len(readings) == 46
    # 00:00 and 00:30 are GMT; 02:00 BST is 01:00 UTC, period 3
    assert [(r.start, r.period) for r in readings[:3]] == [
        (utc(2025, 3, 30, 0, 0), 1),
        (utc(2025, 3, 30, 0, 30), 2),
        (utc(2025, 3, 30, 1, 0), 3),
    ]
    assert readings[-1].start == utc(2025, 3, 30, 22, 30) and readings[-1].period == 46
    error = row_error(["MPAN", "Date", *TIMES], [M, "2025-03-30", *["1"] * 48])
    assert "2025-03-30 has no half hour at 01:00 (the clocks go forward" in str(error)


def test_on_the_autumn_day_one_column_for_the_repeated_hour_is_an_error_that_says_so():
    error = row_error(["MPAN", "Date", *TIMES], [M, "2025-10-26", *["1"] * 48])
    assert "the clocks go back on 2025-10-26, so 01:00 happens twice" in str(error)
    assert "cannot say which of the two half hours" in str(error)


def test_on_the_autumn_day_two_columns_for_the_repeated_hour_are_its_two_occurrences():
    header = ["MPAN", "Date", *TIMES[:4], "01:00", "01:30", *TIMES[4:]]
    _, readings = read(header, [M, "2025-10-26", *values(50)])
    starts = [r.start for r in readings]
    assert len(readings) == 50 and starts == [utc(2025, 10, 25, 23, 0) + i * HALF for i in range(50)]
    # file order: 00:00 00:30 01:00 01:30 (BST) 01:00 01:30 (GMT) 02:00 ...
    assert [r.value_kwh for r in readings[:7]] == [Decimal(n) for n in (1, 2, 3, 4, 5, 6, 7)]
    assert [r.period for r in readings] == list(range(1, 51))
    # the second 01:00 on another day must be blank
    error = row_error(header, [M, "2025-01-15", *values(50)])
    assert "the second 01:00 column" in str(error)


# ---- long with an interval ------------------------------------------------------------------------


def test_a_supplier_export_with_start_end_and_no_meter_column_reads_offsets_and_z():
    header = ["Consumption (kWh)", "Start", "End"]
    mapping = Mapping(meter=M)
    detected, readings = read(
        header,
        ["0.507", "2024-06-30T23:00:00+01:00", "2024-06-30T23:30:00+01:00"],
        ["0.25", "2024-11-01T00:00:00Z", "2024-11-01T00:30:00Z"],
        mapping=mapping,
    )
    assert [(r.meter, r.start, r.value_kwh) for r in readings] == [
        (M, utc(2024, 6, 30, 22, 0), Decimal("0.507")),
        (M, utc(2024, 11, 1, 0, 0), Decimal("0.25")),
    ]
    assert detected.mapping.meter == M and detected.mapping.columns == {"start": 2, "end": 3, "value": 1}
    assert detected.shown_mapping().columns == {"start": "Start", "end": "End", "value": "Consumption (kWh)"}


def test_an_interval_that_is_not_half_an_hour_is_a_row_error():
    error = row_error(["MPAN", "Start", "End", "kWh"], [M, "2024-11-01 00:00", "2024-11-01 01:00", "1"])
    assert "the interval ends 60 minutes after it starts" in str(error)


def test_settlement_date_and_period_read_the_local_periods_of_the_day():
    _, readings = read(
        ["MPAN", "Settlement Date", "Settlement Period", "kWh"],
        [M, "2024-10-27", "1", "1"],
        [M, "2024-10-27", "50", "2"],
    )
    assert [(r.start, r.period, r.local_date) for r in readings] == [
        (utc(2024, 10, 26, 23, 0), 1, date(2024, 10, 27)),
        (utc(2024, 10, 27, 23, 30), 50, date(2024, 10, 27)),
    ]
    error = row_error(["MPAN", "Settlement Date", "Settlement Period", "kWh"], [M, "2024-03-31", "47", "1"])
    assert "2024-03-31 has settlement periods 1 to 46 (the clocks go forward that day); found 47" in str(
        error
    )


def test_a_period_ending_column_reads_each_time_as_the_end_of_its_half_hour():
    detected, readings = read(
        ["MPAN", "Period Ending", "kWh"], [M, "2025-01-15 00:30", "1"], [M, "2025-01-15 24:00", "2"]
    )
    assert detected.mapping.timestamps == "end"
    assert [r.start for r in readings] == [utc(2025, 1, 15, 0, 0), utc(2025, 1, 15, 23, 30)]
    assert [r.local_date for r in readings] == [date(2025, 1, 15)] * 2


def test_a_24_00_in_the_first_rows_says_the_times_end_their_half_hour():
    facts = FileFacts(sample=[[M, "2025-01-15 24:00", "2"]])
    detected, readings = read(["MPAN", "Timestamp", "kWh"], [M, "2025-01-15 00:30", "1"], facts=facts)
    assert detected.mapping.timestamps == "end" and readings[0].start == utc(2025, 1, 15, 0, 0)


def test_a_24_00_in_a_file_read_as_start_times_is_an_error_not_the_next_day():
    error = row_error(["MPAN", "Timestamp", "kWh"], [M, "2025-01-15 24:00", "1"])
    assert "24:00 is the end of a day" in str(error) and "timestamps end" in str(error)


def test_naive_times_are_uk_local_unless_the_header_says_utc_or_the_mapping_names_a_zone():
    row = [M, "2025-07-01 12:00", "1"]
    _, (local,) = read(["MPAN", "Timestamp", "kWh"], row)
    _, (in_utc,) = read(["MPAN", "Timestamp (UTC)", "kWh"], row)
    _, (in_paris,) = read(["MPAN", "Timestamp", "kWh"], row, mapping=Mapping(timezone="Europe/Paris"))
    assert (local.start, in_utc.start, in_paris.start) == (
        utc(2025, 7, 1, 11, 0),
        utc(2025, 7, 1, 12, 0),
        utc(2025, 7, 1, 10, 0),
    )
    assert in_paris.local_date == date(2025, 7, 1) and in_paris.period == 23  # 11:00 BST


# ---- meters -----------------------------------------------------------------------------------------


def test_a_file_without_a_meter_column_fails_saying_how_to_give_the_meter():
    message = file_error(["Date", "Time", "kWh"])
    assert message.startswith("The file has no meter column")
    assert "the mapping's meter, or --meter in the CLI" in message and "'MPAN: 1234567890123'" in message


def test_the_meter_of_a_preamble_line_reads_a_file_without_a_meter_column():
    facts = FileFacts(preamble_meter=M)
    detected, (reading,) = read(["Date", "Time", "kWh"], ["2025-01-15", "00:30", "1"], facts=facts)
    assert reading.meter == M and detected.mapping.meter == M


@pytest.mark.parametrize(
    ("line", "meter"),
    [
        ("MPAN: 1200023305967", "1200023305967"),
        ("MPAN Core,1200023305967", "1200023305967"),
        ("Meter Serial Number;E10BG12345", "E10BG12345"),
        ('"MPRN = 3051234567",,,', "3051234567"),
        ("Consumption report for site 4", None),
    ],
)
def test_preamble_meter_lines(line, meter):
    assert preamble_meter(["Half-hourly data", "", line]) == meter


def test_the_header_row_is_found_below_a_preamble_of_titles_and_blank_lines():
    lines = [
        "Half hourly consumption",
        "Exported 2025-01-16",
        "MPAN: 1200023305967",
        "",
        "Date,Time,kWh",
        "x",
    ]
    assert find_header_line(lines, None) == (5, ",")
    assert find_header_line(["MPAN;Date;Reading", "1;2;3"], None) == (1, ";")
    assert find_header_line(["a", "b", "Date,Time,kWh"], Mapping(header_row=2)) == (2, ",")


# ---- values, units and channels ---------------------------------------------------------------


def test_the_unit_in_a_value_columns_name_converts_to_kwh():
    _, (wh,) = read(["MPAN", "Date", "Usage Wh"], [M, "2025-01-15", "1500"])
    _, (kwh,) = read(["MPAN", "Date", "Consumption (kWh)"], [M, "2025-01-15", "1.5"])
    assert wh.value_kwh == kwh.value_kwh == Decimal("1.5")


def test_gas_volumes_convert_with_the_correction_factor_and_the_calorific_value():
    _, (default,) = read(["MPRN", "Date", "Consumption (m³)"], [M, "2025-01-15", "10"])
    assert default.value_kwh == Decimal("112.206333")  # 10 x 1.02264 x 39.5 / 3.6
    detected, (given,) = read(
        ["MPRN", "Date", "Volume"],
        [M, "2025-01-15", "100"],
        mapping=Mapping(unit="hcf", calorific_value=Decimal(40)),
    )
    assert given.value_kwh == Decimal("3217.548889")  # 100 x 2.8316846592 m3 x 1.02264 x 40 / 3.6
    assert detected.mapping.calorific_value == Decimal(40) and detected.mapping.unit == "hcf"


def test_kvarh_is_its_own_channel_beside_kwh_never_added_to_it():
    _, readings = read(["MPAN", "Timestamp", "kWh", "kVArh"], [M, "2025-01-15 00:00", "1.5", "0.4"])
    assert [(r.channel, r.value_kwh) for r in readings] == [
        ("import", Decimal("1.5")),
        ("reactive_import", Decimal("0.4")),
    ]
    assert readings[0].start == readings[1].start


def test_import_and_export_columns_are_two_channels():
    _, readings = read(["MPAN", "Date", "Import kWh", "Export kWh"], [M, "2025-01-15", "12", "3"])
    assert [(r.channel, r.value_kwh, r.kind) for r in readings] == [
        ("import", 12, "day"),
        ("export", 3, "day"),
    ]


@pytest.mark.parametrize(("cell", "channel"), [("AI", "import"), ("AE", "export"), ("RI", "reactive_import")])
def test_a_measurement_type_column_names_each_rows_channel(cell, channel):
    _, (reading,) = read(
        ["MPAN", "Timestamp", "Measurement Type", "Value"], [M, "2025-01-15 00:00", cell, "1"]
    )
    assert reading.channel == channel


def test_a_decimal_comma_file_reads_points_as_thousands_only_where_its_numbers_say_so():
    header = ["MPAN", "Date", "Reading"]
    commas = FileFacts(delimiter=";", sample=[[M, "2025-01-15", "0,507"], [M, "2025-01-16", "1.234,5"]])
    _, readings = read(header, [M, "2025-01-15", "0,507"], [M, "2025-01-16", "1.234"], facts=commas)
    assert [r.value_kwh for r in readings] == [Decimal("0.507"), Decimal("1234")]
    points = FileFacts(delimiter=";", sample=[[M, "2025-01-15", "1.234"]])
    detected, (reading,) = read(header, [M, "2025-01-15", "1.234"], facts=points)
    assert reading.value_kwh == Decimal("1.234") and detected.mapping.decimal_mark == "."


def test_scientific_notation_reads_as_its_plain_number():
    _, readings = read(["MPAN", "Date", "Reading"], [M, "2025-01-15", "0E-20"], [M, "2025-01-16", "1.5E+3"])
    assert [str(r.value_kwh) for r in readings] == ["0", "1500"]


# ---- dates ------------------------------------------------------------------------------------------


def test_dates_that_read_only_month_first_fail_early_naming_the_option():
    facts = FileFacts(sample=[[M, "12/31/2024", "1"], [M, "01/01/2025", "1"]])
    message = file_error(["MPAN", "Date", "Reading"], facts=facts)
    assert message.startswith("The dates read month first ('12/31/2024'")
    assert "date_order" in message and "--date-order mdy" in message


def test_month_first_dates_read_with_date_order_mdy():
    _, (reading,) = read(
        ["MPAN", "Date", "Reading"], [M, "12/31/2024", "1"], mapping=Mapping(date_order="mdy")
    )
    assert reading.local_date == date(2024, 12, 31)


def test_named_months_read_day_first():
    _, readings = read(["MPAN", "Date", "Reading"], [M, "05-Jan-2025", "1"], [M, "6 January 2025", "1"])
    assert [r.local_date for r in readings] == [date(2025, 1, 5), date(2025, 1, 6)]


# ---- the mapping ------------------------------------------------------------------------------------


def test_a_mapping_by_name_and_by_number_wins_over_detection():
    header = ["Site", "Serial", "Read on", "Amount", "Cost"]
    mapping = Mapping(columns={"meter": "Serial", "date": 3, "value": "amount"})
    detected, (reading,) = read(header, ["HQ", "E10BG1", "2025-01-15", "7.5", "1.20"], mapping=mapping)
    assert (reading.meter, reading.local_date, reading.value_kwh) == (
        "E10BG1",
        date(2025, 1, 15),
        Decimal("7.5"),
    )
    assert detected.mapping.columns == {"meter": 2, "date": 3, "value": 4}
    assert detected.unused_columns == ("Site", "Cost")


def test_a_file_with_no_header_row_reads_columns_by_number():
    mapping = Mapping(header_row=0, columns={"meter": 1, "datetime": 2, "value": 3})
    detected, (reading,) = read(
        ["Column 1", "Column 2", "Column 3"], [M, "2025-01-15 00:30", "2"], mapping=mapping
    )
    assert (reading.meter, reading.start, reading.value_kwh) == (M, utc(2025, 1, 15, 0, 30), Decimal(2))
    assert detected.shown_mapping().columns == {"meter": 1, "datetime": 2, "value": 3}


def test_a_mapping_naming_a_column_the_file_lacks_fails_listing_its_headers():
    message = file_error(["MPAN", "Date", "Reading"], Mapping(columns={"value": "kWh"}))
    assert message == (
        "The mapping reads the value from a column 'kWh', but the file has no such column. "
        "Its columns: 'MPAN', 'Date', 'Reading'"
    )
    assert "the file has 3 columns" in file_error(["MPAN", "Date", "Reading"], Mapping(columns={"value": 9}))


def test_the_resolved_mapping_reads_the_same_in_a_later_segment_without_the_sample():
    facts = FileFacts(delimiter=";", preamble_meter=M, sample=[["2025-01-15 24:00", "0,5"]])
    first = resolve_layout(["Timestamp", "kWh"], "auto", None, facts)
    later = resolve_layout(["Timestamp", "kWh"], "auto", first.mapping)
    row = ["2025-01-15 24:00", "0,5"]
    assert first.layout.parse_row(row) == later.layout.parse_row(row)
    assert later.layout.parse_row(row)[0].start == utc(2025, 1, 15, 23, 30)


def test_an_ignored_column_is_never_read_though_its_name_is_a_fields():
    header = ["MPAN", "Date", "Reading", "Consumption"]
    detected, (reading,) = read(header, [M, "2025-01-15", "99", "7"], mapping=Mapping(ignore=["Reading"]))
    assert reading.value_kwh == Decimal(7)
    assert detected.mapping.ignore == [3] and detected.shown_mapping().ignore == ["Reading"]
    assert "Reading" in detected.unused_columns


def test_a_wide_file_by_time_reads_its_columns_in_the_zone_the_header_or_the_mapping_says():
    _, utc_readings = read(["MPAN", "Date (UTC)", "00:00", "00:30"], [M, "2025-07-01", "1", "2"])
    assert [(r.start, r.local_date, r.period) for r in utc_readings] == [
        (utc(2025, 7, 1, 0, 0), date(2025, 7, 1), 3),  # 01:00 BST: the UK day's third half hour
        (utc(2025, 7, 1, 0, 30), date(2025, 7, 1), 4),
    ]
    detected, paris = read(
        ["MPAN", "Date", "00:00", "00:30"],
        [M, "2025-01-15", "1", ""],
        mapping=Mapping(timezone="Europe/Paris"),
    )
    assert (paris[0].start, paris[0].local_date, paris[0].period) == (
        utc(2025, 1, 14, 23, 0),
        date(2025, 1, 14),
        47,
    )
    assert detected.mapping.timezone == "Europe/Paris"


@pytest.mark.parametrize(("cell", "estimated"), [("Act", False), ("EST", True)])
def test_act_and_est_flags(cell, estimated):
    _, (reading,) = read(["MPAN", "Date", "Reading", "Act/Est"], [M, "2025-01-15", "1", cell])
    assert reading.estimated is estimated


def test_a_gas_job_records_the_volume_correction_and_calorific_value_it_used():
    detected, _ = read(["MPRN", "Date", "Volume (m3)"], [M, "2025-01-15", "10"])
    assert (detected.mapping.volume_correction, detected.mapping.calorific_value) == (
        Decimal("1.02264"),
        Decimal("39.5"),
    )
    corrected = Mapping(volume_correction=Decimal(1), calorific_value=Decimal(40))
    detected, (given,) = read(["MPRN", "Date", "Volume (m3)"], [M, "2025-01-15", "10"], mapping=corrected)
    assert given.value_kwh == Decimal("111.111111")  # 10 x 1 x 40 / 3.6
    assert detected.mapping.volume_correction == Decimal(1)
    electricity, _ = read(["MPAN", "Date", "kWh"], [M, "2025-01-15", "10"])
    assert (electricity.mapping.volume_correction, electricity.mapping.calorific_value) == (None, None)


@pytest.mark.parametrize(
    "raw", ['{"header_row": false}', '{"columns": {"value": true}}', '{"ignore": [true]}']
)
def test_a_mapping_takes_no_true_or_false_for_a_number(raw):
    with pytest.raises(ValueError):
        Mapping.model_validate_json(raw)
