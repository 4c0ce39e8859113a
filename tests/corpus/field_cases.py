"""Files from the field: the layouts UK energy customers download (supplier portal exports, DNO and
meter operator half-hourly data, AMR exports, gas files), each a realistic file in field/ and the
readings its import must store, reading by reading.

Each end state is decided from the file and the rules (docs/files.md, "Files from the field"): the
values below are the ones written in the files, and each UTC start is worked out from the file's
local dates and times by hand (GMT is UTC; BST is UTC+1 from 2024-03-31 01:00 UTC to 2024-10-27
01:00 UTC, and from 2025-03-30 to 2025-10-26). A day's readings are listed as a run of half hours
from its first UTC start (half_hours); a case names its own values where they are few."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from zoneinfo import ZoneInfo

from tests.corpus.case import CORPUS, M1, M2, Case, ReadingKey, half_hours

FIELD = CORPUS / "field"
OCTOPUS_METER = "1900012345678"  # (made up, as every id here)
SERIAL = "21L4412345"  # a meter serial number, not an MPAN
MPRN = "7381052309"  # a gas meter point
PRM = "30001234567890"  # a French site's meter point (PRM)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def day(meter: str, on: str, value: str, channel: str = "import") -> dict[ReadingKey, str]:
    partition = meter if channel == "import" else f"{meter}#{channel}"
    return {(partition, f"day#{on}"): value}


def listed(values: str) -> list[str]:
    """Values as the files hold them, written as one string."""
    return values.split()


# A winter weekday of an office (kWh a half hour, from 00:00 local) and of a home.
OFFICE = listed(
    "0.212 0.198 0.205 0.201 0.196 0.203 0.199 0.207 0.214 0.226 0.251 0.318 0.642 0.915 1.204 1.356 "
    "1.412 1.398 1.425 1.441 1.433 1.410 1.387 1.402 1.395 1.372 1.366 1.381 1.359 1.344 1.301 1.188 "
    "0.964 0.702 0.513 0.402 0.356 0.331 0.302 0.287 0.266 0.254 0.241 0.233 0.228 0.219 0.215 0.209"
)
HOME = listed(
    "0.145 0.132 0.128 0.121 0.119 0.117 0.124 0.118 0.121 0.126 0.131 0.215 0.388 0.452 0.301 0.244 "
    "0.198 0.187 0.176 0.205 0.232 0.219 0.254 0.311 0.298 0.187 0.176 0.169 0.181 0.192 0.224 0.356 "
    "0.512 0.687 0.745 0.702 0.598 0.451 0.402 0.388 0.356 0.312 0.287 0.254 0.231 0.198 0.176 0.152"
)
# The clock-change days: the spring day has no 01:00 and 01:30 (46 half hours); the autumn day has
# them twice, BST then GMT (50).
SPRING = HOME[:2] + HOME[4:]
AUTUMN = [*HOME[:4], "0.127", "0.122", *HOME[4:]]
REACTIVE = [f"{Decimal(v) / 4:.4f}".rstrip("0") for v in OFFICE]  # kVArh beside OFFICE's kWh
TIMES = [f"{h:02d}:{m:02d}" for h in range(24) for m in (0, 30)]
ENDS = [*TIMES[1:], "24:00"]

assert len(OFFICE) == len(HOME) == 48 and len(SPRING) == 46 and len(AUTUMN) == 50

# Gas: kWh = volume in m³ x 1.02264 (the volume correction factor) x calorific value (MJ/m³) / 3.6,
# to the milliwatt-hour; a cubic foot is 0.028316846592 m³, a hundred of them 2.8316846592 m³.
CUBIC_METRES = {"m3": Decimal(1), "ft3": Decimal("0.028316846592"), "hcf": Decimal("2.8316846592")}


def gas_kwh(volume: str, unit: str, calorific_value: str) -> str:
    energy = (
        Decimal(volume) * CUBIC_METRES[unit] * Decimal("1.02264") * Decimal(calorific_value) / Decimal("3.6")
    )
    return str(energy.quantize(Decimal("0.000001"), ROUND_HALF_EVEN))


def estimated_of(readings: dict[ReadingKey, str], indexes: range | list[int]) -> frozenset[ReadingKey]:
    keys = list(readings)
    return frozenset(keys[index] for index in indexes)


# ---- generated: a month of a wide file ---------------------------------------------------------

OCTOBER_2024 = [date(2024, 10, 1) + timedelta(days=n) for n in range(31)]
LONDON = ZoneInfo("Europe/London")


def october_value(on: date, index: int) -> str:
    """The reading of a day's half hour in the generated month: the home's day, plus a thousandth
    a day of the month (so a reading put on the wrong day shows)."""
    return f"{Decimal(HOME[index]) + Decimal(on.day) / 1000:.3f}"


def october_wide_by_start_time() -> bytes:
    """A supplier's month of half hours for one meter, columns 00:00..23:30, October 2024: the row
    of 27 October (the clocks go back) cannot say which 01:00 and 01:30 its cells are."""
    lines = [",".join(["MPAN", "Date", *TIMES])]
    for on in OCTOBER_2024:
        values = [october_value(on, index) for index in range(48)]
        lines.append(",".join([M2, f"{on:%d/%m/%Y}", *values]))
    return ("\r\n".join(lines) + "\r\n").encode()


def october_readings() -> dict[ReadingKey, str]:
    """Each day but the 27th: its 48 local half hours, each at its UTC instant (zoneinfo's)."""
    found: dict[ReadingKey, str] = {}
    for on in OCTOBER_2024:
        if on.day == 27:
            continue
        for index, clock in enumerate(TIMES):
            hour, minute = map(int, clock.split(":"))
            start = datetime(on.year, on.month, on.day, hour, minute, tzinfo=LONDON).astimezone(UTC)
            found[(M2, f"hh#{start:%Y-%m-%dT%H:%M}Z")] = october_value(on, index)
    return found


# ---- wide by time and by period ----------------------------------------------------------------

_PER_PERIOD_FLAGS = half_hours(M1, utc(2025, 1, 22), OFFICE)
_A_E_COLUMNS = half_hours(M2, utc(2025, 1, 23), HOME)
_ROW_FLAGGED_ESTIMATE = half_hours(M1, utc(2025, 1, 21), HOME)

WIDE = [
    Case(
        "wide_by_start_time_supplier_portal",
        FIELD / "wide_by_start_time.csv",
        status="completed",
        processed=2,
        imported=2,
        failed=0,
        layout="hh-wide",
        readings=half_hours(M1, utc(2025, 1, 15), OFFICE) | half_hours(M2, utc(2025, 1, 15), HOME),
        unused_columns=("Site", "Total kWh"),
    ),
    Case(
        "wide_by_end_time_00_30_to_24_00_in_bst",
        FIELD / "wide_by_end_time.csv",
        status="completed",
        processed=2,
        imported=2,
        failed=0,
        layout="hh-wide",
        # 1 and 2 July 2025 are BST: the half hour ending 00:30 starts 23:00 UTC the day before
        readings=half_hours(M1, utc(2025, 6, 30, 23), OFFICE) | half_hours(M1, utc(2025, 7, 1, 23), HOME),
    ),
    Case(
        "wide_by_time_ranges_with_a_serial_number",
        FIELD / "wide_by_time_ranges.csv",
        status="completed",
        processed=1,
        imported=1,
        failed=0,
        layout="hh-wide",
        readings=half_hours(SERIAL, utc(2025, 2, 10), OFFICE),
    ),
    Case(
        "wide_p1_to_p48_with_a_unit_column_in_kwh_and_wh",
        FIELD / "wide_p1_p48_units.csv",
        status="completed",
        processed=2,
        imported=2,
        failed=0,
        layout="hh-wide",
        # the second row's values are in Wh: 145 Wh is 0.145 kWh
        readings=half_hours(M1, utc(2025, 2, 11), OFFICE) | half_hours(M1, utc(2025, 2, 12), HOME),
    ),
    Case(
        "wide_sp1_to_sp48_dno_settlement_date",
        FIELD / "wide_sp1_sp48_dno.csv",
        status="completed",
        processed=2,
        imported=2,
        failed=0,
        layout="hh-wide",
        readings=half_hours(M1, utc(2025, 3, 3), OFFICE) | half_hours(M2, utc(2025, 3, 3), HOME),
    ),
    Case(
        "wide_period_1_to_period_48",
        FIELD / "wide_period_1_to_48.csv",
        status="completed",
        processed=1,
        imported=1,
        failed=0,
        layout="hh-wide",
        readings=half_hours(M2, utc(2025, 2, 14), HOME),
    ),
    Case(
        "wide_hh1_to_hh48_with_a_row_read_type",
        FIELD / "wide_hh1_hh48_read_type.csv",
        status="completed",
        processed=2,
        imported=2,
        failed=0,
        layout="hh-wide",
        readings=half_hours(M1, utc(2025, 1, 20), OFFICE) | _ROW_FLAGGED_ESTIMATE,
        estimated=frozenset(_ROW_FLAGGED_ESTIMATE),
    ),
    Case(
        "wide_by_start_time_with_an_act_est_column_per_half_hour",
        FIELD / "wide_act_est_per_period.csv",
        status="completed",
        processed=1,
        imported=1,
        failed=0,
        layout="hh-wide",
        readings=_PER_PERIOD_FLAGS,
        estimated=estimated_of(_PER_PERIOD_FLAGS, range(12, 16)),  # 06:00 to 07:30 are E
    ),
    Case(
        "wide_by_end_time_with_an_a_e_column_after_each_half_hour",
        FIELD / "wide_end_time_a_e_columns.csv",
        status="completed",
        processed=1,
        imported=1,
        failed=0,
        layout="hh-wide",
        readings=_A_E_COLUMNS,
        estimated=estimated_of(_A_E_COLUMNS, range(3)),  # the half hours ending 00:30 to 01:30
    ),
    Case(
        "wide_by_start_time_across_the_spring_clock_change_2024_03_31",
        FIELD / "wide_by_time_spring_2024.csv",
        status="completed",
        processed=3,
        imported=3,
        failed=0,
        layout="hh-wide",
        # 30 March (GMT, 48), 31 March (01:00 and 01:30 blank: 46, 02:00 BST is 01:00 UTC), 1 April
        # (BST, from 23:00 UTC on 31 March): one unbroken run of UTC half hours
        readings=half_hours(M1, utc(2024, 3, 30), HOME + SPRING + HOME),
    ),
    Case(
        "wide_by_start_time_with_the_repeated_hour_twice_across_the_autumn_change_2024_10_27",
        FIELD / "wide_by_time_autumn_2024_fifty_columns.csv",
        status="completed",
        processed=3,
        imported=3,
        failed=0,
        layout="hh-wide",
        # 26 October (BST, from 23:00 UTC on the 25th; the second 01:00/01:30 blank), 27 October (50:
        # 01:00 and 01:30 BST, then GMT), 28 October (GMT)
        readings=half_hours(M1, utc(2024, 10, 25, 23), HOME + AUTUMN + OFFICE),
    ),
    Case(
        "wide_by_end_time_with_one_column_a_time_cannot_place_the_repeated_hour_2024_10_27",
        FIELD / "wide_by_end_time_autumn_2024.csv",
        status="completed",
        processed=3,
        imported=2,
        failed=1,
        layout="hh-wide",
        errors=(
            "Line 3: the clocks go back on 2024-10-27, so 01:00 happens twice that day, and this file has "
            "one column for it: it cannot say which of the two half hours",
        ),
        readings=half_hours(M2, utc(2024, 10, 25, 23), HOME) | half_hours(M2, utc(2024, 10, 28), OFFICE),
    ),
    Case(
        "wide_by_start_time_a_generated_month_across_the_autumn_change_october_2024",
        october_wide_by_start_time,
        status="completed",
        processed=31,
        imported=30,
        failed=1,
        layout="hh-wide",
        line_ending="CRLF",
        errors=("Line 28: the clocks go back on 2024-10-27, so 01:00 happens twice that day",),
        readings=october_readings(),
    ),
    Case(
        "wide_by_time_in_a_zone_the_mapping_names_europe_paris",
        FIELD / "wide_by_time_europe_paris.csv",
        mapping={"timezone": "Europe/Paris"},
        status="completed",
        processed=1,
        imported=1,
        failed=0,
        layout="hh-wide",
        # 00:00 on 15 January in Paris (UTC+1) is 23:00 UTC on the 14th
        readings=half_hours(PRM, utc(2025, 1, 14, 23), OFFICE),
    ),
    Case(
        "wide_by_time_whose_date_header_says_utc",
        FIELD / "wide_by_time_date_utc.csv",
        status="completed",
        processed=1,
        imported=1,
        failed=0,
        layout="hh-wide",
        # the header says its times are UTC: 00:00 on 1 July is 00:00 UTC, not 23:00 the day before
        readings=half_hours(M1, utc(2025, 7, 1), OFFICE),
    ),
]

# ---- long: intervals, settlement periods, period ending, zones ---------------------------------

_READING_START = half_hours(M2, utc(2025, 6, 30, 23), ["0.402", "0.388", "0.356", "0.312", "0.287", "0.254"])

LONG = [
    Case(
        "long_period_ending_with_24_00_on_both_clock_change_days_2024",
        FIELD / "period_ending_clock_changes_2024.csv",
        status="completed",
        processed=96,
        imported=96,
        failed=0,
        layout="hh-long",
        # 31 March: ends 00:30, 01:00, then 02:30 BST (the half hour from 02:00 BST = 01:00 UTC) to
        # 24:00; 27 October: ends 01:30 and 02:00 twice (BST, then GMT), 24:00 the day's last
        readings=half_hours(M1, utc(2024, 3, 31), SPRING) | half_hours(M1, utc(2024, 10, 26, 23), AUTUMN),
    ),
    Case(
        "long_supplier_export_start_end_offsets_switching_between_plus_01_00_and_z_no_meter_column",
        FIELD / "octopus_consumption_start_end.csv",
        mapping={"meter": OCTOPUS_METER},
        presigned=True,  # as the new-import page sends it: the mapping in the JSON body
        status="completed",
        processed=9,
        imported=9,
        failed=0,
        layout="hh-long",
        readings=half_hours(OCTOPUS_METER, utc(2024, 3, 31, 0, 30), ["0.187", "0.176"])
        | half_hours(
            OCTOPUS_METER,
            utc(2024, 10, 26, 23),
            ["0.145", "0.132", "0.128", "0.121", "0.127", "0.122", "0.119"],
        ),
    ),
    Case(
        "long_reading_start_and_reading_end_local_times_with_read_type",
        FIELD / "reading_start_reading_end.csv",
        status="completed",
        processed=6,
        imported=6,
        failed=0,
        layout="hh-long",
        readings=_READING_START,
        estimated=estimated_of(_READING_START, [3]),
    ),
    Case(
        "long_from_and_to_in_local_time_across_the_autumn_change_2024",
        FIELD / "from_to_autumn_2024.csv",
        status="completed",
        processed=7,
        imported=7,
        failed=0,
        layout="hh-long",
        # the wall-clock 01:00 and 01:30 come twice: the first are BST, the second GMT an hour later
        readings=half_hours(M1, utc(2024, 10, 26, 23), AUTUMN[:7]),
    ),
    Case(
        "long_settlement_date_and_period_on_46_and_50_period_days",
        FIELD / "settlement_date_period.csv",
        status="completed",
        processed=13,
        imported=12,
        failed=1,
        layout="hh-long",
        errors=(
            "Line 14, column 3 (Settlement Period): 2024-03-31 has settlement periods 1 to 46 (the clocks go "
            "forward that day); found 47",
        ),
        # 27 October: period 1 from 23:00 UTC on the 26th, periods 3 and 4 are 01:00 and 01:30 BST,
        # 5 and 6 the same wall-clock times in GMT, 50 is 23:30 UTC; 31 March: period 3 is 02:00 BST
        readings=half_hours(M1, utc(2024, 10, 26, 23), ["0.145", "0.132", "0.128", "0.121", "0.127", "0.122"])
        | half_hours(M1, utc(2024, 10, 27, 23), ["0.176", "0.152"])
        | half_hours(M1, utc(2024, 3, 31), ["0.145", "0.132", "0.119"])
        | half_hours(M1, utc(2024, 3, 31, 22, 30), ["0.152"]),
    ),
    Case(
        "long_timestamps_read_as_period_ends_from_a_24_00_in_the_file",
        FIELD / "timestamp_with_24_00.csv",
        status="completed",
        processed=5,
        imported=5,
        failed=0,
        layout="hh-long",
        readings=half_hours(M2, utc(2025, 1, 15), ["0.145", "0.132"])
        | half_hours(M2, utc(2025, 1, 15, 23), ["0.176", "0.152", "0.141"]),
    ),
    Case(
        "long_timestamp_utc_header_reads_naive_times_as_utc_in_summer",
        FIELD / "timestamp_utc_header.csv",
        status="completed",
        processed=4,
        imported=4,
        failed=0,
        layout="hh-long",
        readings=half_hours(M1, utc(2025, 7, 1), ["0.212", "0.198", "0.205", "0.201"]),
    ),
    Case(
        "long_naive_times_in_a_zone_the_mapping_names_europe_paris",
        FIELD / "timezone_europe_paris.csv",
        mapping={"timezone": "Europe/Paris"},
        status="completed",
        processed=4,
        imported=4,
        failed=0,
        layout="hh-long",
        # Paris is UTC+1 in January and UTC+2 in July
        readings=half_hours(PRM, utc(2025, 1, 14, 23), ["0.85", "0.82"])
        | half_hours(PRM, utc(2025, 6, 30, 22), ["0.61", "0.64"]),
    ),
]

# ---- meters, preambles, numbers and units ------------------------------------------------------

_GAS_M3 = {"2025-01-13": "10.5", "2025-01-14": "12.25", "2025-01-15": "0"}
_GAS_HCF = {"2025-01-13": "1.25", "2025-01-14": "0.98"}

METERS_NUMBERS_UNITS = [
    Case(
        "no_meter_column_with_an_mpan_preamble_line",
        FIELD / "mpan_preamble_no_meter_column.csv",
        status="completed",
        processed=4,
        imported=4,
        failed=0,
        layout="hh-long",
        readings=half_hours(M2, utc(2025, 1, 15), ["0.145", "0.132", "0.128", "0.121"]),
    ),
    Case(
        "title_preamble_and_blank_lines_above_the_header_keep_file_line_numbers",
        FIELD / "title_preamble_daily.csv",
        status="completed",
        processed=3,
        imported=2,
        failed=1,
        layout="daily",
        errors=("Line 8, column 3 (Reading): invalid reading value 'n/a'",),
        readings=day(M1, "2025-02-01", "152.4") | day(M1, "2025-02-03", "148.9"),
        unused_columns=("Notes",),
    ),
    Case(
        "semicolon_file_with_decimal_commas_and_thousands_points",
        FIELD / "semicolon_decimal_comma.csv",
        status="completed",
        processed=5,
        imported=5,
        failed=0,
        layout="hh-long",
        readings=half_hours(M1, utc(2025, 1, 15), ["0.507", "0.612", "1234.5", "12", "0"]),
    ),
    Case(
        "tab_file_with_decimal_commas",
        FIELD / "tab_decimal_comma.tsv",
        status="completed",
        processed=3,
        imported=3,
        failed=0,
        layout="daily",
        readings=day(M2, "2025-02-03", "152.4")
        | day(M2, "2025-02-04", "1048.25")
        | day(M2, "2025-02-05", "0.5"),
    ),
    Case(
        "amr_export_values_in_scientific_notation",
        FIELD / "scientific_notation.csv",
        status="completed",
        processed=5,
        imported=5,
        failed=0,
        layout="hh-long",
        readings=half_hours(M1, utc(2025, 1, 15), ["0", "0.125", "0.25", "1.1", "0.032"]),
    ),
    Case(
        "usage_wh_column_converted_to_kwh",
        FIELD / "usage_wh.csv",
        status="completed",
        processed=3,
        imported=3,
        failed=0,
        layout="hh-long",
        readings=half_hours(M2, utc(2025, 1, 15), ["0.507", "1.25", "0.0985"]),
    ),
    Case(
        "gas_daily_consumption_m3_with_the_calorific_value_in_the_mapping",
        FIELD / "gas_m3_daily.csv",
        mapping={"calorific_value": "39.2"},
        status="completed",
        processed=3,
        imported=3,
        failed=0,
        layout="daily",
        readings={
            key: value
            for on, volume in _GAS_M3.items()
            for key, value in day(MPRN, on, gas_kwh(volume, "m3", "39.2")).items()
        },
    ),
    Case(
        "gas_volume_in_hundreds_of_cubic_feet_unit_and_calorific_value_in_the_mapping",
        FIELD / "gas_hcf_daily.csv",
        mapping={"unit": "hcf", "calorific_value": "40.1"},
        status="completed",
        processed=2,
        imported=2,
        failed=0,
        layout="daily",
        readings={
            key: value
            for on, volume in _GAS_HCF.items()
            for key, value in day(MPRN, on, gas_kwh(volume, "hcf", "40.1")).items()
        },
    ),
    Case(
        "gas_half_hours_in_cubic_feet_with_the_default_calorific_value",
        FIELD / "gas_ft3_interval_start.csv",
        status="completed",
        processed=3,
        imported=3,
        failed=0,
        layout="hh-long",
        # no calorific value given: 39.5 MJ/m³
        readings=half_hours(
            SERIAL, utc(2025, 1, 15, 6), [gas_kwh(v, "ft3", "39.5") for v in ("35.3", "28.1", "0")]
        ),
    ),
]

# ---- channels ----------------------------------------------------------------------------------

CHANNELS = [
    Case(
        "kwh_and_kvarh_columns_are_two_channels_of_one_half_hour",
        FIELD / "kwh_and_kvarh.csv",
        status="completed",
        processed=3,
        imported=3,
        failed=0,
        layout="hh-long",
        readings=half_hours(M1, utc(2025, 1, 15, 9), ["1.412", "1.398", "1.425"])
        | half_hours(M1, utc(2025, 1, 15, 9), ["0.353", "0.3495", "0.35625"], channel="reactive_import"),
    ),
    Case(
        "solar_import_and_export_columns",
        FIELD / "import_export_solar.csv",
        status="completed",
        processed=4,
        imported=4,
        failed=0,
        layout="hh-long",
        # the export cell of 06:00 is blank: no export reading for it
        readings=half_hours(M2, utc(2025, 6, 21, 5), ["0.231", "0.054", "0.012", "0.35"])
        | half_hours(M2, utc(2025, 6, 21, 5, 30), ["0.118", "0.402", "0.021"], channel="export"),
    ),
    Case(
        "dno_wide_file_with_a_measurement_type_column_ai_ae_ri_re",
        FIELD / "wide_measurement_type.csv",
        status="completed",
        processed=4,
        imported=4,
        failed=0,
        layout="hh-wide",
        readings=half_hours(M1, utc(2025, 1, 15), OFFICE)
        | half_hours(M1, utc(2025, 1, 15), HOME, channel="export")
        | half_hours(M1, utc(2025, 1, 15), REACTIVE, channel="reactive_import")
        | half_hours(M1, utc(2025, 1, 15), ["0"] * 48, channel="reactive_export"),
    ),
]

# ---- dates and the mapping ---------------------------------------------------------------------

_MONTH_FIRST = FIELD / "month_first_dates.csv"

MAPPINGS = [
    Case(
        "month_first_dates_fail_early_naming_the_option",
        _MONTH_FIRST,
        status="failed",
        processed=0,
        imported=0,
        failed=0,
        error_message=(
            "The dates read month first ('12/30/2024' is not a day-first date)",
            "--date-order mdy",
        ),
    ),
    Case(
        "month_first_dates_imported_with_date_order_mdy",
        _MONTH_FIRST,
        mapping={"date_order": "mdy"},
        status="completed",
        processed=3,
        imported=3,
        failed=0,
        layout="daily",
        readings=day(M2, "2024-12-30", "18.4")
        | day(M2, "2024-12-31", "21.7")
        | day(M2, "2025-01-01", "16.2"),
    ),
    Case(
        "mapping_by_header_name_for_columns_detection_cannot_name",
        FIELD / "bms_export_mapped_by_name.csv",
        mapping={"columns": {"meter": "Supply Ref", "value": "Amount"}},
        status="completed",
        processed=3,
        imported=3,
        failed=0,
        layout="hh-long",
        readings=half_hours(SERIAL, utc(2025, 1, 15, 8), ["0.915", "1.204", "1.356"]),
        unused_columns=("Cost (£)",),
    ),
    Case(
        "no_header_row_columns_by_number_from_a_saved_profile",
        FIELD / "amr_no_header_row.csv",
        profile=(
            "AMR raw",
            {"mapping": {"header_row": 0, "columns": {"meter": 1, "datetime": 2, "value": 3}}},
        ),
        status="completed",
        processed=4,
        imported=4,
        failed=0,
        layout="hh-long",
        readings=half_hours(M1, utc(2025, 1, 15), ["0.212", "0.198"])
        | half_hours(M2, utc(2025, 1, 15), ["0.145", "0.132"]),
    ),
]

FIELD_CASES: list[Case] = WIDE + LONG + METERS_NUMBERS_UNITS + CHANNELS + MAPPINGS
