"""Sites: one row per site, with its company, region, address, type, floor area, position and dates.

The columns are the original SitesCsvImportService's; the rules are the ones it meant to apply. A site is
identified by its company and its name, so importing the same site again updates it.
"""

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from ingestion.domain.formats.headers import Column, Header, join_readably, normalise_header
from ingestion.domain.formats.row_errors import FileFormatError, InvalidValue, quoted
from ingestion.domain.formats.rows import check_shape
from ingestion.domain.formats.values import check_calendar_date, parse_number, word_in

MAX_TEXT_CHARS = 200
SITE_TYPES = ("office", "warehouse", "retail", "industrial", "residential", "other")
DEFAULT_SITE_TYPE = "office"
CREATED_FORMATS = "YYYY-MM-DD, YYYY-MM-DD HH:MM:SS, DD/MM/YYYY, DD-MM-YYYY, MM/DD/YYYY or YYYY/MM/DD"

# IDs are whole numbers that fit a signed 64-bit integer.
_MAX_ID_DIGITS = 18
_WHITESPACE = re.compile(r"\s+")

_ACTIVE_BY_FLAG = {
    "1": True,
    "0": False,
    "true": True,
    "false": False,
    "yes": True,
    "no": False,
    "y": True,
    "n": False,
    "active": True,
    "inactive": False,
}
ACTIVE_FLAGS = join_readably(list(_ACTIVE_BY_FLAG))

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?: (\d{2}):(\d{2}):(\d{2}))?", re.ASCII)
_YEAR_FIRST = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})", re.ASCII)
_DAY_FIRST = re.compile(r"(\d{1,2})-(\d{1,2})-(\d{4})", re.ASCII)
# d/m/Y, or m/d/Y when the second number cannot be a month: the service is UK, so 03/04/2025 is 3 April.
_DAY_OR_MONTH_FIRST = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})", re.ASCII)


class SiteField(StrEnum):
    """What a column of a sites file holds; the value is how error messages name it."""

    NAME = "site name"
    COMPANY = "company id"
    REGION = "region id"
    ADDRESS = "address"
    POSTCODE = "postcode"
    TYPE = "site type"
    FLOOR_AREA = "floor area"
    LATITUDE = "latitude"
    LONGITUDE = "longitude"
    ACTIVE = "active flag"
    CREATED = "creation date"


# The sites alias table, matched after normalise_header like the readings one ("Site Name" = "site_name").
SITE_ALIASES: dict[SiteField, tuple[str, ...]] = {
    SiteField.NAME: ("name", "site name", "sitename", "site"),
    SiteField.COMPANY: ("company id", "company"),
    SiteField.REGION: ("region id", "region"),
    SiteField.ADDRESS: ("address",),
    SiteField.POSTCODE: ("postcode", "post code", "zip", "zip code"),
    SiteField.TYPE: ("site type", "type"),
    SiteField.FLOOR_AREA: ("floor area", "area"),
    SiteField.LATITUDE: ("latitude", "lat"),
    SiteField.LONGITUDE: ("longitude", "lng", "long", "lon"),
    SiteField.ACTIVE: ("is active", "active", "status"),
    SiteField.CREATED: ("created at", "created"),
}

_SITE_FIELD_BY_NAME: dict[str, SiteField] = {
    normalise_header(alias): field for field, aliases in SITE_ALIASES.items() for alias in aliases
}


@dataclass(frozen=True, slots=True)
class Site:
    """One site as imported; blank optional cells are None, or the default for type and active flag."""

    name: str  # trimmed, as written
    company_id: int | None
    region_id: int | None
    address: str | None
    postcode: str | None
    site_type: str  # one of SITE_TYPES, lowercased
    floor_area: Decimal | None
    latitude: Decimal | None
    longitude: Decimal | None
    is_active: bool
    created_at: str | None  # ISO 8601: "2025-01-15" or "2025-01-15T09:30:00"

    @property
    def key(self) -> str:
        """The natural key sites are upserted by: "1#head office" for company 1's "Head  Office".

        The name is casefolded with runs of whitespace collapsed, so a re-import that differs only in
        case or spacing updates the site rather than adding a second one.
        """
        folded = _WHITESPACE.sub(" ", self.name.casefold())
        return f"{self.company_id or 0}#{folded}"


def site_columns(header: Header) -> dict[SiteField, Column]:
    """For each site field, the first column (in file order) whose header is one of its aliases."""
    columns: dict[SiteField, Column] = {}
    for column, name in zip(header.columns, header.normalised, strict=True):
        field = _SITE_FIELD_BY_NAME.get(name)
        if field is not None:
            columns.setdefault(field, column)
    return columns


class SitesLayout:
    """A site name; optionally company, region, address, postcode, type, floor area, position, active flag
    and creation date. Columns the layout does not know are ignored."""

    __slots__ = ("_columns", "_width")
    name = "sites"

    def __init__(self, width: int, columns: Mapping[SiteField, Column]) -> None:
        if SiteField.NAME not in columns:
            raise ValueError("a sites layout needs a name column")
        if (SiteField.LATITUDE in columns) != (SiteField.LONGITUDE in columns):
            raise ValueError("a sites layout reads latitude and longitude together or not at all")
        self._width = width
        self._columns = dict(columns)

    @classmethod
    def from_header(cls, header: Header) -> "SitesLayout":
        """The layout for a sites file with this header; FileFormatError when it cannot be read."""
        columns = site_columns(header)
        if SiteField.NAME not in columns:
            raise FileFormatError(
                f"Missing required column for the {SiteField.NAME}: none of the headers matches "
                f"{join_readably(SITE_ALIASES[SiteField.NAME])}"
            )
        _reject_duplicates(header, columns.items())
        latitude, longitude = columns.get(SiteField.LATITUDE), columns.get(SiteField.LONGITUDE)
        if latitude is not None and longitude is None:
            raise _unpaired(latitude, SiteField.LONGITUDE)
        if longitude is not None and latitude is None:
            raise _unpaired(longitude, SiteField.LATITUDE)
        return cls(header.width, columns)

    def parse_batch(self, rows: list[list[str]]) -> None:
        """None: sites are few, and read row by row."""
        return None

    def value_column(self, record: Site) -> None:
        """None: a site has no one value column."""
        return None

    def parse_row(self, cells: list[str]) -> list[Site]:
        """The one site in a data row; RowError naming the column when a cell is invalid."""
        check_shape(cells, self._width)
        name = self._read(cells, SiteField.NAME, parse_site_name)
        latitude = self._read(cells, SiteField.LATITUDE, parse_latitude)
        longitude = self._read(cells, SiteField.LONGITUDE, parse_longitude)
        if latitude is not None and longitude is None:
            raise self._columns[SiteField.LONGITUDE].error("missing longitude (the latitude is given)")
        if longitude is not None and latitude is None:
            raise self._columns[SiteField.LATITUDE].error("missing latitude (the longitude is given)")
        site = Site(
            name=name,
            company_id=self._read(cells, SiteField.COMPANY, parse_company_id),
            region_id=self._read(cells, SiteField.REGION, parse_region_id),
            address=self._read(cells, SiteField.ADDRESS, parse_address),
            postcode=self._read(cells, SiteField.POSTCODE, parse_postcode),
            site_type=self._read(cells, SiteField.TYPE, parse_site_type),
            floor_area=self._read(cells, SiteField.FLOOR_AREA, parse_floor_area),
            latitude=latitude,
            longitude=longitude,
            is_active=self._read(cells, SiteField.ACTIVE, parse_active),
            created_at=self._read(cells, SiteField.CREATED, parse_created_at),
        )
        return [site]

    def _read[T](self, cells: list[str], field: SiteField, parse: Callable[[str], T]) -> T:
        """The value of a field's cell, or what a blank cell means when the file has no such column."""
        column = self._columns.get(field)
        if column is None:
            return parse("")
        try:
            return parse(cells[column.index])
        except InvalidValue as exc:
            raise column.error(str(exc)) from None


def _reject_duplicates(header: Header, columns: Iterable[tuple[SiteField, Column]]) -> None:
    """FileFormatError when a column the layout reads shares its normalised name with another column."""
    for field, column in columns:
        name = header.normalised[column.index]
        twins = [header.columns[index] for index, other in enumerate(header.normalised) if other == name]
        if len(twins) > 1:
            listed = join_readably([twin.describe() for twin in twins], "and")
            raise FileFormatError(
                f"Duplicate columns {listed}: they all read as {name!r}, so it is unclear which holds the "
                f"{field}; rename or remove all but one"
            )


def _unpaired(column: Column, missing: SiteField) -> FileFormatError:
    return FileFormatError(
        f"Column {column.describe()} has no {missing} column beside it: a site's position needs both "
        f"(a {missing} column is headed {join_readably(SITE_ALIASES[missing])})"
    )


def parse_site_name(text: str) -> str:
    """A site name: required, trimmed, at most 200 characters."""
    name = _text(text, SiteField.NAME)
    if name is None:
        raise InvalidValue("missing site name")
    return name


def parse_address(text: str) -> str | None:
    return _text(text, SiteField.ADDRESS)


def parse_postcode(text: str) -> str | None:
    return _text(text, SiteField.POSTCODE)


def _text(text: str, field: SiteField) -> str | None:
    value = text.strip()
    if len(value) > MAX_TEXT_CHARS:
        raise InvalidValue(f"{field} {quoted(value)} is too long (at most {MAX_TEXT_CHARS} characters)")
    return value or None


def parse_company_id(text: str) -> int | None:
    return _id(text, SiteField.COMPANY)


def parse_region_id(text: str) -> int | None:
    return _id(text, SiteField.REGION)


def _id(text: str, field: SiteField) -> int | None:
    """A whole number of 1 or more ("1.0" is not one), or None when the cell is blank."""
    value = text.strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()):
        raise InvalidValue(f"invalid {field} {quoted(value)} (expected a whole number of 1 or more)")
    if len(value.lstrip("0")) > _MAX_ID_DIGITS:
        raise InvalidValue(f"invalid {field} {quoted(value)} (more than {_MAX_ID_DIGITS} digits)")
    if int(value) < 1:
        raise InvalidValue(f"invalid {field} {quoted(value)} (expected a whole number of 1 or more)")
    return int(value)


def parse_site_type(text: str) -> str:
    """One of SITE_TYPES in any case, lowercased; a blank cell means office."""
    value = text.strip()
    if not value:
        return DEFAULT_SITE_TYPE
    if value.lower() not in SITE_TYPES:
        raise InvalidValue(f"unknown site type {quoted(value)} (expected {join_readably(SITE_TYPES)})")
    return value.lower()


def parse_floor_area(text: str) -> Decimal | None:
    return _decimal(text, SiteField.FLOOR_AREA, Decimal(0), None)


def parse_latitude(text: str) -> Decimal | None:
    return _decimal(text, SiteField.LATITUDE, Decimal(-90), Decimal(90))


def parse_longitude(text: str) -> Decimal | None:
    return _decimal(text, SiteField.LONGITUDE, Decimal(-180), Decimal(180))


def _decimal(text: str, field: SiteField, low: Decimal, high: Decimal | None) -> Decimal | None:
    """A plain decimal number within low..high (inclusive), or None when the cell is blank."""
    value = text.strip()
    try:
        number = parse_number(value)  # the one rule for how a number is written
    except InvalidValue:
        raise InvalidValue(f"invalid {field} {quoted(value)} (expected a number such as 12.5)") from None
    if number is None:
        return None
    if number < low or (high is not None and number > high):
        expected = f"{low} or more" if high is None else f"{low} to {high}"
        raise InvalidValue(f"{field} {quoted(value)} is out of range (expected {expected})")
    return number


def parse_active(text: str) -> bool:
    """Whether a site is active; a blank cell means it is."""
    value = text.strip()
    if not value:
        return True
    return word_in(_ACTIVE_BY_FLAG, value, f"invalid active flag {quoted(value)} (expected {ACTIVE_FLAGS})")


def parse_created_at(text: str) -> str | None:
    """A creation date in one of CREATED_FORMATS, as ISO 8601; None when the cell is blank.

    Strict: 31/02/2025 is an error, not 3 March. Day-first unless the second number cannot be a month.
    """
    value = text.strip()
    if not value:
        return None
    clock = ""
    if (match := _ISO_DATE.fullmatch(value)) is not None:
        year, month, day = int(match[1]), int(match[2]), int(match[3])
        if match[4] is not None:
            hour, minute, second = int(match[4]), int(match[5]), int(match[6])
            if hour > 23 or minute > 59 or second > 59:
                raise InvalidValue(f"invalid date {quoted(value)} (the time must be 00:00:00 to 23:59:59)")
            clock = f"T{hour:02d}:{minute:02d}:{second:02d}"
    elif (match := _YEAR_FIRST.fullmatch(value)) is not None:
        year, month, day = int(match[1]), int(match[2]), int(match[3])
    elif (match := _DAY_FIRST.fullmatch(value)) is not None:
        day, month, year = int(match[1]), int(match[2]), int(match[3])
    elif (match := _DAY_OR_MONTH_FIRST.fullmatch(value)) is not None:
        day, month, year = int(match[1]), int(match[2]), int(match[3])
        if month > 12 >= day:
            day, month = month, day
    else:
        raise InvalidValue(f"invalid date {quoted(value)} (expected {CREATED_FORMATS})")
    check_calendar_date(value, year, month, day)
    return f"{year:04d}-{month:02d}-{day:02d}{clock}"
