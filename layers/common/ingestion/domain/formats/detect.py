"""Choosing how to read a file from its header: the delimiter, and the layout for the requested format."""

import logging
from contextlib import suppress
from typing import Any, Literal, Protocol, get_args

from ingestion.domain.formats.daily import DailyLayout
from ingestion.domain.formats.half_hourly import LongLayout, WideLayout
from ingestion.domain.formats.headers import (
    Column,
    Field,
    Header,
    check_header_size,
    join_readably,
    missing_column,
    normalise_header,
    period_range,
    readable_aliases,
)
from ingestion.domain.formats.reading import Reading, ReadingColumns
from ingestion.domain.formats.row_errors import FileFormatError, InvalidValue, quoted
from ingestion.domain.formats.rows import CommonColumns
from ingestion.domain.formats.sites_layout import Site, SiteField, SitesLayout, site_columns
from ingestion.domain.formats.values import parse_date, parse_datetime, parse_number

# The formats a client may request: the one list (the API's schema and the CLI's choices come from it).
ImportFormat = Literal["hh", "daily", "sites", "auto"]
FORMATS: tuple[str, ...] = get_args(ImportFormat)

logger = logging.getLogger(__name__)

# Ties go to the earlier delimiter.
_DELIMITERS = (",", "\t", ";", "|")

# Columns only a readings file has. A file with any of them but no meter column is a readings file missing
# its meter column, even when it also has a column that could be a site name (e.g. "Site").
_READINGS_FIELDS = (Field.METER, Field.DATE, Field.TIME, Field.DATETIME, Field.VALUE)


class Layout[Record](Protocol):
    """How the data rows of one file are read: into Readings, or into Sites (the kind of record a
    layout reads is domain/records.py's kind_of_layout(name))."""

    name: str  # "hh-long" | "hh-wide" | "daily" | "sites"

    def value_column(self, record: Any) -> Column | None:
        """The column a record's value was read from (what a warning about the value names), or
        None when a record has no one value column."""
        ...

    def parse_row(self, cells: list[str]) -> list[Record]:
        """The records in one data row; RowError when the row is invalid, never an empty list."""
        ...

    def parse_batch(self, rows: list[list[str]]) -> ReadingColumns | None:
        """The readings of rows that are all valid, one a row, column by column; else None (and
        the rows are read one by one). A layout without a faster way than row by row returns None."""
        ...


type AnyLayout = Layout[Reading] | Layout[Site]


def detect_delimiter(first_line: str) -> str:
    """The delimiter found most often in the header line, of , tab ; and | (a tie goes to the earlier).

    "," when there is none.
    """
    best, best_count = ",", 0
    for delimiter in _DELIMITERS:
        count = first_line.count(delimiter)
        if count > best_count:
            best, best_count = delimiter, count
    return best


def detect_layout(header: list[str], requested: str) -> AnyLayout:
    """The layout for a file with this header row, requested as "hh", "daily", "sites" or "auto".

    "auto" picks sites when there is a site name column and no column only a readings file has (meter,
    date, time, value, HHnn); else half-hourly wide when there are HHnn columns, else half-hourly long when
    there is a value and a date-and-time (or date and time) column, else daily. FileFormatError when no
    layout fits, or when the header holds more than any real file's (headers.check_header_size).
    """
    if requested not in FORMATS:
        raise FileFormatError(f"Unknown format {quoted(requested)}: expected {join_readably(FORMATS)}")
    check_header_size(header)
    while len(header) > 1 and not header[-1].strip():
        header = header[:-1]  # a trailing delimiter names no column: rows may have it or not
    try:
        layout = _detect(header, requested)
    except FileFormatError as exc:
        if looks_like_data(header):
            shown = ", ".join(quoted(cell) for cell in header[:4]) + (", ..." if len(header) > 4 else "")
            raise FileFormatError(
                f"The file has no header row: its first line ({shown}) looks like data. Add a first line "
                f"naming the columns (for example MPAN,Date,Reading) and upload it again. ({exc})"
            ) from None
        raise
    logger.info("layout detected", extra={"layout": layout.name, "columns": len(header)})
    return layout


def looks_like_data(cells: list[str]) -> bool:
    """A first line holding a date, a date and time, or mostly numbers is a data row, not a header."""
    filled = [cell.strip() for cell in cells if cell.strip()]
    if not filled:
        return False
    numbers = 0
    for cell in filled:
        for parse in (parse_date, parse_datetime):
            try:
                parse(cell)
            except InvalidValue:
                continue
            return True
        with suppress(InvalidValue):
            numbers += parse_number(cell) is not None
    return numbers * 2 >= len(filled)


def _detect(header: list[str], requested: str) -> AnyLayout:
    columns = Header.read(header)
    if requested == "sites" or (requested == "auto" and _is_sites_header(columns)):
        return SitesLayout.from_header(columns)
    meter = columns.require(Field.METER)
    if requested != "daily":
        if columns.periods:
            return _wide(columns, meter)
        value = columns.get(Field.VALUE)
        has_when = columns.get(Field.DATETIME) or (columns.get(Field.DATE) and columns.get(Field.TIME))
        if value is not None and has_when:
            return _long(columns, meter, value)
        if requested == "hh":
            raise _missing_half_hourly_column(columns)
    return _daily(columns, meter, requested)


def _is_sites_header(columns: Header) -> bool:
    if columns.periods or any(columns.get(field) is not None for field in _READINGS_FIELDS):
        return False
    return SiteField.NAME in site_columns(columns)


def _wide(columns: Header, meter: Column) -> WideLayout:
    date = columns.require(Field.DATE, f"half-hourly columns {period_range()} need a date column")
    periods = columns.period_columns()
    unit, flag = columns.get(Field.UNIT), columns.get(Field.FLAG)
    columns.reject_duplicates(c for c in (meter, date, unit, flag) if c is not None)
    row = CommonColumns(columns.width, meter, [date, *(column for _, column in periods)], unit, flag)
    return WideLayout(row, date, periods)


def _long(columns: Header, meter: Column, value: Column) -> LongLayout:
    when = columns.get(Field.DATETIME)
    date, time = (None, None) if when is not None else (columns.get(Field.DATE), columns.get(Field.TIME))
    unit, flag = columns.get(Field.UNIT), columns.get(Field.FLAG)
    read = [value, when, date, time]
    columns.reject_duplicates(c for c in (meter, *read, unit, flag) if c is not None)
    row = CommonColumns(columns.width, meter, read, unit, flag, _default_unit_shift(value))
    return LongLayout(row, value, when, date, time)


def _daily(columns: Header, meter: Column, requested: str) -> DailyLayout:
    if requested == "auto":
        datetimes = readable_aliases(Field.DATETIME)
        date_alternative = f"or, for half-hourly readings, a date and time column: {datetimes}"
        value_alternative = f"or half-hourly columns {period_range()}"
    else:
        date_alternative = value_alternative = ""
    date = columns.require(Field.DATE, date_alternative)
    value = columns.require(Field.VALUE, value_alternative)
    unit, flag = columns.get(Field.UNIT), columns.get(Field.FLAG)
    columns.reject_duplicates(c for c in (meter, date, value, unit, flag) if c is not None)
    row = CommonColumns(columns.width, meter, [date, value], unit, flag, _default_unit_shift(value))
    return DailyLayout(row, date, value)


def _missing_half_hourly_column(columns: Header) -> FileFormatError:
    """Why a file requested as half-hourly has neither layout's columns."""
    if columns.get(Field.VALUE) is None:
        return missing_column(Field.VALUE, f"or half-hourly columns {period_range()}")
    if columns.get(Field.DATE) is not None:
        return missing_column(Field.TIME, f"or one date and time column: {readable_aliases(Field.DATETIME)}")
    dates, times = readable_aliases(Field.DATE), readable_aliases(Field.TIME)
    return missing_column(Field.DATETIME, f"or separate date and time columns: {dates}; and {times}")


def _default_unit_shift(value: Column) -> int:
    # A value column headed "Wh" holds Wh: the original read it as kWh unless a unit column said otherwise.
    return -3 if normalise_header(value.name) == "wh" else 0
