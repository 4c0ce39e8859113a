"""Sites files: the samples, the column aliases, each validation rule and the upsert key."""

import csv
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from ingestion.domain.formats import (
    FileFormatError,
    RowError,
    Site,
    SitesLayout,
    detect_delimiter,
    detect_layout,
)

# The repository's samples/ folder, as tests.support.SAMPLES (not imported: it brings boto3 in).
SAMPLES = Path(__file__).resolve().parents[2] / "samples"

FULL_HEADER = [
    "name",
    "company_id",
    "region_id",
    "address",
    "postcode",
    "site_type",
    "floor_area",
    "latitude",
    "longitude",
    "is_active",
    "created_at",
]
FULL = detect_layout(FULL_HEADER, "sites")
BLANK_SITE = Site("Depot", None, None, None, None, "office", None, None, None, True, None)


def site(**cells: str) -> Site:
    """The one site in a row of FULL_HEADER columns, with only the given cells filled in."""
    (parsed,) = FULL.parse_row([cells.get(column, "") for column in FULL_HEADER])
    assert isinstance(parsed, Site)
    return parsed


def row_error(**cells: str) -> RowError:
    with pytest.raises(RowError) as caught:
        FULL.parse_row([cells.get(column, "") for column in FULL_HEADER])
    return caught.value


def located(error: RowError) -> tuple[int | None, str | None, str]:
    """Where an error points (1-based column and header text) and what it says."""
    return error.column, error.column_name, error.message


def file_error(header: list[str], requested: str = "sites") -> str:
    with pytest.raises(FileFormatError) as caught:
        detect_layout(header, requested)
    return str(caught.value)


def read_sample(name: str) -> tuple[str, list[Site], dict[int, RowError]]:
    """The layout name, the sites and the row errors by file line (header = line 1) of a sample file."""
    text = (SAMPLES / name).read_text(encoding="utf-8-sig")
    header, *rows = csv.reader(text.splitlines(), delimiter=detect_delimiter(text.partition("\n")[0]))
    layout = detect_layout(header, "auto")
    sites: list[Site] = []
    errors: dict[int, RowError] = {}
    for line, row in enumerate(rows, start=2):
        try:
            sites.extend(layout.parse_row(row))
        except RowError as exc:
            errors[line] = exc
    return layout.name, sites, errors


# The samples


def test_sites_data_sample_is_five_valid_sites():
    name, sites, errors = read_sample("sites.csv")
    assert (name, len(sites), errors) == ("sites", 5, {})
    assert sites[0] == Site(
        name="Harbour View Office",
        company_id=7,
        region_id=3,
        address="14 Quayside Walk Bristol",
        postcode="BS1 4RN",
        site_type="office",
        floor_area=Decimal("640.25"),
        latitude=Decimal("51.4496"),
        longitude=Decimal("-2.5970"),
        is_active=True,
        created_at="2024-09-02",
    )
    assert [s.key for s in sites] == [
        "7#harbour view office",
        "7#northgate distribution centre",
        "8#market street store",
        "9#tyneside fabrication works",
        "7#old mill depot",
    ]


def test_sites_invalid_sample_rejects_only_the_row_with_a_bad_date():
    name, sites, errors = read_sample("sites_invalid_date.csv")
    assert (name, [s.name for s in sites]) == (
        "sites",
        ["Canal Wharf Offices", "Station Road Shop", "Abbey Court Flats"],
    )
    assert list(errors) == [4]
    assert located(errors[4]) == (
        11,
        "created_at",
        "invalid date '30/02/2025' (2025-02 has 28 days)",
    )


def test_row46_sample_reports_line_47_column_3():
    name, sites, errors = read_sample("sites_one_bad_row.csv")
    assert (name, len(sites), list(errors)) == ("sites", 47, [47])
    error = errors[47]
    assert (error.column, error.column_name) == (3, "created_at")
    assert error.message.startswith("invalid date '15.06.2025' (expected YYYY-MM-DD,")
    assert "Sheffield Branch" not in [s.name for s in sites]
    assert (sites[-1].name, sites[-1].company_id, sites[-1].created_at) == ("Swansea Branch", 1, "2025-05-10")
    assert (sites[-1].address, sites[-1].postcode, sites[-1].site_type) == (
        "346 High Street Swansea",
        "SA1 3SN",
        "office",
    )


# Detecting the layout


def test_sites_is_a_format_a_client_may_request():
    layout = detect_layout(["Name"], "sites")
    assert isinstance(layout, SitesLayout)
    assert layout.name == "sites"


def test_auto_picks_sites_for_a_site_name_column_without_a_meter_column():
    assert detect_layout(["Site Name", "Postcode"], "auto").name == "sites"


def test_auto_keeps_a_file_with_a_meter_column_a_readings_file():
    assert detect_layout(["MPAN", "Name", "Date", "Reading"], "auto").name == "daily"


def test_auto_reads_a_site_column_beside_readings_columns_as_a_missing_meter_column():
    message = file_error(["Site", "Date", "Reading"], "auto")
    assert message.startswith("The file has no meter column (none of the headers matches mpan,")


def test_auto_without_a_meter_or_a_site_name_column_still_asks_for_the_meter():
    message = file_error(["Address", "Postcode"], "auto")
    assert message.startswith("The file has no meter column")


def test_requested_sites_reads_a_file_with_a_meter_column_as_sites():
    (parsed,) = detect_layout(["MPAN", "Name"], "sites").parse_row(["M1", "Depot"])
    assert parsed == BLANK_SITE


def test_missing_name_column_lists_the_accepted_names():
    assert file_error(["company_id", "address"]) == (
        "Missing required column for the site name: none of the headers matches name, site name, "
        "sitename or site"
    )


def test_unknown_format_lists_sites_among_the_formats():
    assert file_error(["Name"], "site") == "Unknown format 'site': expected hh, daily, sites or auto"


# Header aliases


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Site Name", "Depot"),
        ("site_name", "Depot"),
        ("SiteName", "Depot"),
        ("Site", "Depot"),
        ("\ufeff NAME ", "Depot"),
    ],
)
def test_name_aliases(header, expected):
    (parsed,) = detect_layout([header], "sites").parse_row(["Depot"])
    assert parsed.name == expected


@pytest.mark.parametrize(
    ("header", "cell", "field", "expected"),
    [
        ("company", "7", "company_id", 7),
        ("Company ID", "7", "company_id", 7),
        ("region", "3", "region_id", 3),
        ("Region Id", "3", "region_id", 3),
        ("Address", "1 High St", "address", "1 High St"),
        ("post code", "SW1A 1AA", "postcode", "SW1A 1AA"),
        ("zip", "SW1A 1AA", "postcode", "SW1A 1AA"),
        ("Zip Code", "SW1A 1AA", "postcode", "SW1A 1AA"),
        ("type", "retail", "site_type", "retail"),
        ("Site Type", "retail", "site_type", "retail"),
        ("area", "12.5", "floor_area", Decimal("12.5")),
        ("Floor Area", "12.5", "floor_area", Decimal("12.5")),
        ("active", "no", "is_active", False),
        ("status", "inactive", "is_active", False),
        ("created", "2025-01-15", "created_at", "2025-01-15"),
        ("Created At", "2025-01-15", "created_at", "2025-01-15"),
    ],
)
def test_optional_column_aliases(header, cell, field, expected):
    (parsed,) = detect_layout(["name", header], "sites").parse_row(["Depot", cell])
    assert getattr(parsed, field) == expected


@pytest.mark.parametrize(("latitude", "longitude"), [("lat", "lng"), ("Latitude", "long"), ("LAT", "lon")])
def test_position_aliases(latitude, longitude):
    (parsed,) = detect_layout(["name", latitude, longitude], "sites").parse_row(["Depot", "51.5", "-0.1"])
    assert (parsed.latitude, parsed.longitude) == (Decimal("51.5"), Decimal("-0.1"))


def test_the_first_of_two_alias_columns_is_read():
    (parsed,) = detect_layout(["Site", "Name"], "sites").parse_row(["First", "Second"])
    assert parsed.name == "First"


def test_duplicate_columns_that_are_read_are_a_file_error():
    assert file_error(["name", "company_id", "Company ID"]) == (
        "Duplicate columns 'company_id' (column 2) and 'Company ID' (column 3): they all read as "
        "'companyid', so it is unclear which holds the company id; rename or remove all but one"
    )


def test_duplicate_columns_the_layout_does_not_read_are_harmless():
    layout = detect_layout(["name", "notes", "Notes"], "sites")
    assert layout.parse_row(["Depot", "a", "b"]) == [BLANK_SITE]


@pytest.mark.parametrize(
    ("header", "missing"), [(["name", "lat"], "longitude"), (["name", "lng"], "latitude")]
)
def test_a_position_column_without_its_pair_is_a_file_error(header, missing):
    assert file_error(header).startswith(f"Column '{header[1]}' (column 2) has no {missing} column beside it")


# Row shape


def test_a_row_with_only_a_name_gets_the_defaults():
    assert site(name="Depot") == BLANK_SITE


def test_a_short_row_is_an_error_without_a_column():
    with pytest.raises(RowError) as caught:
        FULL.parse_row(["Depot", "1"])
    error = caught.value
    assert located(error) == (None, None, "too few cells: the header has 11 columns, this row has 2")


def test_a_row_longer_than_the_header_is_an_error():
    with pytest.raises(RowError) as caught:
        detect_layout(["name", "postcode"], "sites").parse_row(["Depot", "AA1 1AA", "extra"])
    assert located(caught.value) == (None, None, "too many cells: the header has 2 columns, this row has 3")


def test_blank_cells_past_the_header_are_tolerated():
    (parsed,) = detect_layout(["name", "postcode"], "sites").parse_row(["Depot", "AA1 1AA", "", " "])
    assert parsed.postcode == "AA1 1AA"


def test_a_row_of_blank_cells_is_an_empty_row():
    with pytest.raises(RowError) as caught:
        FULL.parse_row([""] * len(FULL_HEADER))
    assert located(caught.value) == (None, None, "empty row")


# Name, address and postcode


def test_name_is_trimmed():
    assert site(name="  Head  Office ").name == "Head  Office"


def test_a_blank_name_is_an_error_naming_the_column():
    error = row_error(name="   ", postcode="AA1 1AA")
    assert located(error) == (1, "name", "missing site name")


def test_a_name_of_200_characters_is_accepted():
    assert site(name="x" * 200).name == "x" * 200


def test_a_name_over_200_characters_is_an_error():
    error = row_error(name="x" * 201)
    assert (error.column, error.message) == (
        1,
        f"site name '{'x' * 40}'... (201 characters) is too long (at most 200 characters)",
    )


@pytest.mark.parametrize(("column", "number"), [("address", 4), ("postcode", 5)])
def test_address_and_postcode_over_200_characters_are_errors(column, number):
    error = row_error(name="Depot", **{column: "y" * 201})
    assert (error.column, error.message.endswith("is too long (at most 200 characters)")) == (number, True)


def test_address_and_postcode_are_trimmed_and_blank_means_none():
    parsed = site(name="Depot", address="  1 High St ", postcode="   ")
    assert (parsed.address, parsed.postcode) == ("1 High St", None)


# Company and region ids


@pytest.mark.parametrize(("cell", "expected"), [("1", 1), (" 42 ", 42), ("007", 7), ("", None)])
def test_company_id_is_a_whole_number(cell, expected):
    assert site(name="Depot", company_id=cell).company_id == expected


@pytest.mark.parametrize("cell", ["1.0", "abc", "0", "-1", "+1", "1e3", "1,000", "١"])
def test_company_id_must_be_a_whole_number_of_1_or_more(cell):
    error = row_error(name="Depot", company_id=cell)
    expected = f"invalid company id {cell!r} (expected a whole number of 1 or more)"
    assert located(error) == (2, "company_id", expected)


def test_region_id_is_checked_like_company_id():
    assert site(name="Depot", region_id="3").region_id == 3
    error = row_error(name="Depot", region_id="1.0")
    expected = "invalid region id '1.0' (expected a whole number of 1 or more)"
    assert located(error) == (3, "region_id", expected)


def test_an_id_too_long_for_64_bits_is_an_error():
    error = row_error(name="Depot", company_id="1" * 19)
    assert error.message == f"invalid company id '{'1' * 19}' (more than 18 digits)"


# Site type


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("office", "office"),
        ("Warehouse", "warehouse"),
        ("RETAIL", "retail"),
        (" industrial ", "industrial"),
        ("residential", "residential"),
        ("other", "other"),
        ("", "office"),
    ],
)
def test_site_type_is_one_of_the_known_types_in_any_case(cell, expected):
    assert site(name="Depot", site_type=cell).site_type == expected


def test_an_unknown_site_type_is_an_error():
    error = row_error(name="Depot", site_type="castle")
    assert located(error) == (
        6,
        "site_type",
        "unknown site type 'castle' (expected office, warehouse, retail, industrial, residential or other)",
    )


# Floor area


@pytest.mark.parametrize(
    ("cell", "expected"), [("0", Decimal(0)), ("1200.75", Decimal("1200.75")), ("", None)]
)
def test_floor_area_is_a_number_of_0_or_more(cell, expected):
    assert site(name="Depot", floor_area=cell).floor_area == expected


def test_a_negative_floor_area_is_an_error():
    error = row_error(name="Depot", floor_area="-0.5")
    assert located(error) == (7, "floor_area", "floor area '-0.5' is out of range (expected 0 or more)")


@pytest.mark.parametrize("cell", ["big", "1,200", "1e999", "NaN", "Infinity"])
def test_floor_area_must_be_a_plain_number(cell):
    error = row_error(name="Depot", floor_area=cell)
    assert error.message == f"invalid floor area {cell!r} (expected a number such as 12.5)"


# Latitude and longitude


@pytest.mark.parametrize(
    ("latitude", "longitude"), [("-90", "-180"), ("90", "180"), ("0", "0"), ("51.5074", "-0.1278")]
)
def test_latitude_and_longitude_within_range(latitude, longitude):
    parsed = site(name="Depot", latitude=latitude, longitude=longitude)
    assert (parsed.latitude, parsed.longitude) == (Decimal(latitude), Decimal(longitude))


@pytest.mark.parametrize(
    ("column", "cell", "number", "expected"),
    [
        ("latitude", "90.0001", 8, "-90 to 90"),
        ("latitude", "-91", 8, "-90 to 90"),
        ("longitude", "180.5", 9, "-180 to 180"),
        ("longitude", "-181", 9, "-180 to 180"),
    ],
)
def test_latitude_and_longitude_out_of_range(column, cell, number, expected):
    position = {"latitude": "0", "longitude": "0", column: cell}
    error = row_error(name="Depot", **position)
    assert (error.column, error.message) == (
        number,
        f"{column} {cell!r} is out of range (expected {expected})",
    )


def test_a_latitude_that_is_not_a_number_is_an_error():
    error = row_error(name="Depot", latitude="north", longitude="0")
    assert located(error) == (8, "latitude", "invalid latitude 'north' (expected a number such as 12.5)")


def test_a_latitude_without_a_longitude_is_an_error_on_the_longitude():
    error = row_error(name="Depot", latitude="51.5")
    assert located(error) == (9, "longitude", "missing longitude (the latitude is given)")


def test_a_longitude_without_a_latitude_is_an_error_on_the_latitude():
    error = row_error(name="Depot", longitude="-0.1")
    assert located(error) == (8, "latitude", "missing latitude (the longitude is given)")


# Active flag


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1", True),
        ("0", False),
        ("true", True),
        ("FALSE", False),
        ("Yes", True),
        ("no", False),
        ("y", True),
        ("N", False),
        ("Active", True),
        ("inactive", False),
        ("", True),
    ],
)
def test_active_flag(cell, expected):
    assert site(name="Depot", is_active=cell).is_active is expected


def test_an_unknown_active_flag_is_an_error():
    error = row_error(name="Depot", is_active="maybe")
    assert located(error) == (
        10,
        "is_active",
        "invalid active flag 'maybe' (expected 1, 0, true, false, yes, no, y, n, active or inactive)",
    )


# Creation date


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2025-01-15", "2025-01-15"),
        ("2025-01-15 09:30:05", "2025-01-15T09:30:05"),
        ("2025-1-5", "2025-01-05"),
        ("15/01/2025", "2025-01-15"),
        ("15-01-2025", "2025-01-15"),
        ("2025/01/15", "2025-01-15"),
        ("01/15/2025", "2025-01-15"),  # month first: 15 cannot be a month
        ("03/04/2025", "2025-04-03"),  # ambiguous: day first, the service is UK
        ("29/02/2024", "2024-02-29"),
        ("", None),
    ],
)
def test_created_at_formats(cell, expected):
    assert site(name="Depot", created_at=cell).created_at == expected


@pytest.mark.parametrize(
    ("cell", "why"),
    [
        ("31/02/2025", "2025-02 has 28 days"),
        ("29/02/2025", "2025-02 has 28 days"),
        ("2025-04-31", "2025-04 has 30 days"),
        ("13/13/2025", "there is no month 13"),
        ("2025-13-01", "there is no month 13"),
        ("12-25-2025", "there is no month 25"),  # month first only with slashes
        ("00/01/2025", "2025-01 has 31 days"),
        ("1899-12-31", "the year must be 1900 to 2100"),
        ("2025-01-15 24:00:00", "the time must be 00:00:00 to 23:59:59"),
        ("2025-01-15 12:60:00", "the time must be 00:00:00 to 23:59:59"),
    ],
)
def test_created_at_rejects_dates_that_do_not_exist(cell, why):
    error = row_error(name="Depot", created_at=cell)
    assert (error.column, error.message) == (11, f"invalid date {cell!r} ({why})")


@pytest.mark.parametrize(
    "cell",
    [
        "INVALID_DATE",
        "2025-01-15T09:30:05",
        "2025-01-15 09:30",
        "15/01/2025 09:30:00",
        "25.01.2025",
        "15/01/25",
        "2025-01",
    ],
)
def test_created_at_in_another_format_says_which_formats_are_expected(cell):
    error = row_error(name="Depot", created_at=cell)
    assert error.message == (
        f"invalid date {cell!r} (expected YYYY-MM-DD, YYYY-MM-DD HH:MM:SS, DD/MM/YYYY, DD-MM-YYYY, "
        "MM/DD/YYYY or YYYY/MM/DD)"
    )


# The upsert key


def test_key_is_company_and_folded_name():
    assert site(name="  Head \t Office ", company_id="12").key == "12#head office"


def test_key_without_a_company_uses_0():
    assert BLANK_SITE.key == "0#depot"


def test_the_same_site_with_other_spacing_and_case_has_the_same_key():
    first = replace(BLANK_SITE, name="Head Office", company_id=1)
    again = replace(BLANK_SITE, name="HEAD   office", company_id=1)
    assert first.key == again.key


def test_the_same_name_in_another_company_is_another_site():
    assert replace(BLANK_SITE, company_id=1).key != replace(BLANK_SITE, company_id=2).key


def test_key_casefolds_rather_than_lowercases():
    assert replace(BLANK_SITE, name="Straße").key == replace(BLANK_SITE, name="STRASSE").key
