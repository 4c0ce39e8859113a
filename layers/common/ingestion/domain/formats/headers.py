"""Header names: normalisation, the alias table, and finding the columns a layout reads."""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from ingestion.domain.formats.row_errors import FileFormatError, RowError, quoted

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_PERIOD_NAME = re.compile(r"hh(\d{1,2})")

FIRST_PERIOD = 1
LAST_PERIOD = 50  # the longest UK day, when the clocks go back

# What a header row may hold. The job item stores the header (every segment reads the rows with
# it), and an item holds at most 400 KB: these keep it to a few KB (docs/design.md, "The job item").
# Real files are far inside them: a wide half-hourly file has 50 to 100 columns, a sites file about
# 20, and column names are a few words ("Meter Serial Number").
MAX_HEADER_COLUMNS = 200
MAX_COLUMN_NAME_CHARS = 100
MAX_HEADER_BYTES = 4096  # all the names together, in UTF-8 (a character for plain ASCII names)


def normalise_header(name: str) -> str:
    """A header name as aliases are matched: BOM stripped, trimmed, lowercased, only [a-z0-9] kept."""
    return _NOT_ALNUM.sub("", name.lower())


class Field(StrEnum):
    """What a column holds; the value is how error messages name it."""

    METER = "meter id"
    DATE = "date"
    TIME = "time"
    DATETIME = "date and time"
    VALUE = "reading value"
    UNIT = "unit"
    FLAG = "actual/estimated flag"


# The one alias table. Written readably for error messages; matched after normalise_header, so
# "MPAN Core", "mpan_core" and "MPANCORE" all match "mpan core".
ALIASES: dict[Field, tuple[str, ...]] = {
    Field.METER: (
        "mpan",
        "mpan core",
        "meter code",
        "meter",
        "meter id",
        "meter reference",
        "meter ref",
        "meter serial",
        "meter serial number",
        "serial",
        "serial number",
        "supply number",
        "mprn",
    ),
    Field.DATE: ("date", "read date", "reading date", "period date", "bill date", "insert date"),
    Field.TIME: ("time", "read time", "reading time", "period time"),
    Field.DATETIME: ("datetime", "timestamp", "read datetime", "reading datetime"),
    Field.VALUE: ("reading", "read value", "value", "consumption", "kwh", "wh", "usage"),
    Field.UNIT: ("unit", "units", "uom"),
    Field.FLAG: ("reading type", "type", "status", "a/e", "actual/estimated", "estimate"),
}

_FIELD_BY_NAME: dict[str, Field] = {
    normalise_header(alias): field for field, aliases in ALIASES.items() for alias in aliases
}


def join_readably(items: Sequence[str], last_joint: str = "or") -> str:
    """["a", "b", "c"] -> "a, b or c"."""
    *most, last = items
    return f"{', '.join(most)} {last_joint} {last}" if most else last


def readable_aliases(field: Field) -> str:
    """The header names accepted for a field, as a sentence fragment: "unit, units or uom"."""
    return join_readably(ALIASES[field])


def field_of(name: str) -> str:
    """What a column with this normalised name holds, for messages: "reading value", "period 3"."""
    field = _FIELD_BY_NAME.get(name)
    if field is not None:
        return str(field)
    match = _PERIOD_NAME.fullmatch(name)
    return f"half hour {int(match[1])}" if match else name


def missing_column(field: Field, alternative: str = "") -> FileFormatError:
    """The error for a file without a column for `field`, listing the header names that would do."""
    message = f"Missing required column for the {field}: none of the headers matches "
    message += readable_aliases(field)
    return FileFormatError(f"{message} ({alternative})" if alternative else message)


def _listed(columns: "Sequence[Column]", most: int = 5) -> list[str]:
    """Columns as a message lists them: the first few, then how many more."""
    shown = [column.describe() for column in columns[:most]]
    return shown if len(columns) <= most else [*shown, f"{len(columns) - most:,} more"]


def check_header_size(cells: Sequence[str]) -> None:
    """FileFormatError when a header row holds more than any real file's (MAX_HEADER_COLUMNS
    columns, MAX_COLUMN_NAME_CHARS a name, MAX_HEADER_BYTES in all): such a first line is not a
    header row, or its file is not split into columns as it was meant to be."""
    if len(cells) > MAX_HEADER_COLUMNS:
        raise FileFormatError(
            f"The header row has {len(cells):,} columns; at most {MAX_HEADER_COLUMNS:,} are read. "
            "Check the delimiter (the file's columns separated by commas, tabs, semicolons or |) and "
            "that its first line is the header row, or remove the columns the import does not need, "
            "and upload it again."
        )
    for index, name in enumerate(cells):
        if len(name) > MAX_COLUMN_NAME_CHARS:
            raise FileFormatError(
                f"Column {index + 1} has a name of {len(name):,} characters; at most "
                f"{MAX_COLUMN_NAME_CHARS} are read. It starts {quoted(name[:20])}. Check that the first "
                "line of the file is the header row naming the columns (for example MPAN,Date,Reading), "
                "or shorten that name, and upload it again."
            )
    total = sum(len(name.encode("utf-8", "surrogatepass")) for name in cells)
    if total > MAX_HEADER_BYTES:
        raise FileFormatError(
            f"The header row's column names come to {total:,} bytes; at most {MAX_HEADER_BYTES:,} are read. "
            "Remove the columns the import does not need, or shorten their names, and upload it again."
        )


def period_range() -> str:
    return f"HH{FIRST_PERIOD:02d} to HH{LAST_PERIOD}"


@dataclass(frozen=True, slots=True)
class Column:
    """A column a layout reads."""

    index: int  # 0-based position in a row
    name: str  # the header text as in the file, without BOM or surrounding spaces

    def error(self, message: str) -> RowError:
        return RowError(message, column=self.index + 1, column_name=self.name)

    def describe(self) -> str:
        return f"{quoted(self.name)} (column {self.index + 1})"


@dataclass(frozen=True, slots=True)
class Header:
    """A file's header row, with the columns each field and each half-hour period would be read from."""

    columns: tuple[Column, ...]
    normalised: tuple[str, ...]
    fields: dict[Field, Column]  # for each field, the first matching column in file order
    periods: dict[int, list[Column]]  # HHnn columns by number, out-of-range numbers (HH00, HH51) included

    @classmethod
    def read(cls, cells: Sequence[str]) -> "Header":
        columns = tuple(Column(index, cell.replace("\ufeff", "").strip()) for index, cell in enumerate(cells))
        normalised = tuple(normalise_header(cell) for cell in cells)
        fields: dict[Field, Column] = {}
        periods: dict[int, list[Column]] = {}
        for column, name in zip(columns, normalised, strict=True):
            field = _FIELD_BY_NAME.get(name)
            if field is not None:
                fields.setdefault(field, column)
            elif (match := _PERIOD_NAME.fullmatch(name)) is not None:
                periods.setdefault(int(match[1]), []).append(column)
        return cls(columns, normalised, fields, periods)

    @property
    def width(self) -> int:
        return len(self.columns)

    def get(self, field: Field) -> Column | None:
        return self.fields.get(field)

    def require(self, field: Field, alternative: str = "") -> Column:
        """The column for a field, or FileFormatError listing the header names it could have had."""
        column = self.fields.get(field)
        if column is None:
            raise missing_column(field, alternative)
        return column

    def reject_duplicates(self, columns: Iterable[Column]) -> None:
        """FileFormatError when a column a layout reads shares its normalised name with another column."""
        for column in columns:
            name = self.normalised[column.index]
            twins = [self.columns[index] for index, other in enumerate(self.normalised) if other == name]
            if len(twins) > 1:
                listed = join_readably(_listed(twins), "and")
                raise FileFormatError(
                    f"Duplicate columns {listed}: they all read as {name!r}, so it is unclear which "
                    f"holds the {field_of(name)}; rename or remove all but one"
                )

    def period_columns(self) -> list[tuple[int, Column]]:
        """The HHnn columns as (period, column), in period order.

        FileFormatError for a number outside 1..50 (so an HH00..HH47 file is never read half an hour out)
        and for two columns of one period (HH01 and HH1).
        """
        for number, columns in sorted(self.periods.items()):
            if not FIRST_PERIOD <= number <= LAST_PERIOD:
                raise FileFormatError(
                    f"Column {columns[0].describe()} is not a half-hour period: "
                    f"half-hourly columns run from {period_range()}, HH01 being the half hour from midnight"
                )
            if len(columns) > 1:
                raise FileFormatError(
                    f"Duplicate columns {join_readably(_listed(columns), 'and')}: "
                    f"they are all half hour {number}; rename or remove all but one"
                )
        return [(number, columns[0]) for number, columns in sorted(self.periods.items())]
