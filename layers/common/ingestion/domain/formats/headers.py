"""Header names: normalisation, the alias table, and finding the columns a layout reads."""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from ingestion.domain.formats.row_errors import FileFormatError, RowError, quoted

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
# A half-hour period's column, by number: HH01, HH1, P1, SP1, Period 1, Settlement Period 1, HH Period 1.
_PERIOD_NAME = re.compile(r"(?:hh|p|sp|period|settlementperiod|hhperiod|halfhour)(\d{1,2})")

FIRST_PERIOD = 1
LAST_PERIOD = 50  # the longest UK day, when the clocks go back

# What a header row may hold. The job item stores the header (every segment reads the rows with
# it), and an item holds at most 400 KB: these keep it to a few KB (docs/design.md, "The job item").
# Real files are far inside them: a wide half-hourly file has 50 to 100 columns, a sites file about
# 20, and column names are a few words ("Meter Serial Number").
MAX_HEADER_COLUMNS = 200
MAX_COLUMN_NAME_CHARS = 100
MAX_HEADER_BYTES = 4096  # all the names together, in UTF-8 (a character for plain ASCII names)


def shown_name(cell: str) -> str:
    """A header cell as a column's name is shown: without a byte-order mark or surrounding spaces."""
    return cell.replace("\ufeff", "").strip()


def normalise_header(name: str) -> str:
    """A header name as aliases are matched: BOM stripped, trimmed, lowercased, only [a-z0-9] kept."""
    return _NOT_ALNUM.sub("", name.lower().replace("³", "3"))


class Field(StrEnum):
    """What a column holds; the value is how error messages name it."""

    METER = "meter id"
    DATE = "date"
    TIME = "time"
    DATETIME = "date and time"
    VALUE = "reading value"
    UNIT = "unit"
    FLAG = "actual/estimated flag"
    START = "start of the interval"
    END = "end of the interval"
    PERIOD = "settlement period"
    CHANNEL = "measurement type"


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
        "mpan number",
        "mprn number",
        "meter number",
        "meter point",
        "meter point reference",
        "supply point",
    ),
    Field.DATE: (
        "date",
        "read date",
        "reading date",
        "period date",
        "bill date",
        "insert date",
        "settlement date",
        "consumption date",
        "day",
    ),
    Field.TIME: ("time", "read time", "reading time", "period time"),
    Field.DATETIME: ("datetime", "timestamp", "read datetime", "reading datetime"),
    Field.VALUE: (
        "reading",
        "read value",
        "value",
        "consumption",
        "energy",
        "usage",
        "volume",
        "kwh",
        "wh",
        "mwh",
        "kvarh",
        "m3",
    ),
    Field.UNIT: ("unit", "units", "uom"),
    Field.FLAG: (
        "reading type",
        "type",
        "status",
        "a/e",
        "actual/estimated",
        "estimate",
        "act/est",
        "read type",
    ),
    Field.START: (
        "start",
        "reading start",
        "interval start",
        "period start",
        "from",
        "start datetime",
        "interval start time",
    ),
    Field.END: (
        "end",
        "reading end",
        "interval end",
        "period end",
        "period ending",
        "to",
        "end datetime",
        "interval end time",
    ),
    Field.PERIOD: ("period", "settlement period", "sp", "hh period", "half hour", "period number"),
    Field.CHANNEL: ("measurement type", "measurement quantity", "meas type", "channel", "register", "flow"),
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


# What a value column's name may say besides "value": its unit ("Consumption (kWh)", "Usage Wh",
# "Volume (m³)") and its channel ("Export kWh", "kVArh"). Longest first, so "kwh" is not read as "wh".
UNITS_IN_NAMES: dict[str, str] = {
    "kvarh": "kVArh",
    "mwh": "MWh",
    "kwh": "kWh",
    "wh": "Wh",
    "m3": "m3",
    "ft3": "ft3",
    "hcf": "hcf",
}
CHANNELS_IN_NAMES: dict[str, str] = {
    "activeimport": "import",
    "activeexport": "export",
    "reactiveimport": "reactive_import",
    "reactiveexport": "reactive_export",
    "import": "import",
    "export": "export",
    "generation": "export",
}
_VALUE_NAMES = {normalise_header(alias) for alias in ALIASES[Field.VALUE]}
# Time columns whose name ends in "UTC" ("Timestamp (UTC)", "Start UTC") hold UTC times.
_ZONED_FIELDS = (Field.DATETIME, Field.START, Field.END, Field.TIME, Field.DATE)


@dataclass(frozen=True, slots=True)
class NameMeaning:
    """What a header name says: the field, and for a value or time column what its name adds."""

    field: Field
    unit: str | None = None  # a value column's unit, as UNIT_NAMES / "kVArh" spell it
    channel: str | None = None  # a value column's channel
    utc: bool = False  # a time column's name says its times are UTC


def meaning_of(name: str) -> NameMeaning | None:
    """What a column with this normalised name holds, or None when it is no known field."""
    field = _FIELD_BY_NAME.get(name)
    if field is not None:
        unit = UNITS_IN_NAMES.get(name) if field is Field.VALUE else None
        return NameMeaning(field, unit, "reactive_import" if unit == "kVArh" else None)
    if name.endswith("utc"):
        zoned = _FIELD_BY_NAME.get(name[:-3])
        if zoned in _ZONED_FIELDS:
            return NameMeaning(zoned, utc=True)
    return _value_meaning(name)


def _value_meaning(name: str) -> NameMeaning | None:
    """A value column named for its unit and/or channel: "consumptionkwh", "exportkwh", "importvalue"."""
    unit = None
    for suffix, unit_name in UNITS_IN_NAMES.items():
        if name.endswith(suffix):
            name, unit = name[: -len(suffix)], unit_name
            break
    channel = None
    for prefix, channel_name in CHANNELS_IN_NAMES.items():
        if name.startswith(prefix):
            name, channel = name[len(prefix) :], channel_name
            break
    if unit is None and channel is None:
        return None
    if name and name not in _VALUE_NAMES:
        return None
    if unit == "kVArh" and channel is None:
        channel = "reactive_import"
    elif unit == "kVArh" and channel in ("import", "export"):
        channel = f"reactive_{channel}"
    return NameMeaning(Field.VALUE, unit, channel)


def field_of(name: str) -> str:
    """What a column with this normalised name holds, for messages: "reading value", "period 3"."""
    meaning = meaning_of(name)
    if meaning is not None:
        return str(meaning.field)
    match = _PERIOD_NAME.fullmatch(name)
    return f"half hour {int(match[1])}" if match else name


# A column named by a time of day: the half hour it starts ("00:00") or ends ("00:30", "24:00"), or
# both ("00:00-00:30", "00:00 to 00:30"); and a flag column beside one ("00:00_Act_Est", "00:00 A/E").
_CLOCK = r"([01]?\d|2[0-4])[:.]?([0-5]\d)(?::00)?"
_TIME_NAME = re.compile(rf"\s*{_CLOCK}\s*", re.ASCII)
_RANGE_NAME = re.compile(rf"\s*{_CLOCK}\s*(?:-|–|to)\s*{_CLOCK}\s*", re.ASCII)
_TIME_FLAG_NAME = re.compile(
    rf"\s*{_CLOCK}(?:\s*(?:-|–|to)\s*{_CLOCK})?[\s_-]*(act[\s_/-]*est|a/?e|flag|status|est|type|quality)\s*",
    re.ASCII | re.IGNORECASE,
)
_FLAG_NAMES = {normalise_header(alias) for alias in ALIASES[Field.FLAG]} | {
    "ae",
    "e",
    "flag",
    "est",
    "quality",
}


@dataclass(frozen=True, slots=True)
class TimeLabel:
    """A column named by a time of day: the minute of the day its name gives, and whether it is a
    range (a range's first time is the half hour's start)."""

    minute: int  # 0..1440 (1440: "24:00", the end of the day)
    is_range: bool
    range_end: int | None = None


def time_label(name: str) -> TimeLabel | None:
    """The time a column's name gives ("00:30", "0030", "00:00-00:30"), or None."""
    if (match := _TIME_NAME.fullmatch(name)) is not None:
        minute = _minute(match[1], match[2])
        return None if minute is None or minute % 30 else TimeLabel(minute, False)
    if (match := _RANGE_NAME.fullmatch(name)) is not None:
        first, last = _minute(match[1], match[2]), _minute(match[3], match[4])
        if first is None or last is None or first % 30 or (last - first) % 1440 != 30:
            return None
        return TimeLabel(first, True, last)
    return None


def flag_label(name: str) -> int | None:
    """The minute of the day a per-period flag column's name gives ("00:00_Act_Est": 0), or None."""
    match = _TIME_FLAG_NAME.fullmatch(name)
    if match is None:
        return None
    minute = _minute(match[1], match[2])
    return None if minute is None or minute % 30 else minute


def is_flag_name(name: str) -> bool:
    """A column name that says a flag, for a per-period flag column with no time of its own ("A/E")."""
    return normalise_header(name) in _FLAG_NAMES


def _minute(hours: str, minutes: str) -> int | None:
    value = int(hours) * 60 + int(minutes)
    return value if value <= 1440 else None


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
    """A file's header row: what each column's name says (fields, half-hour periods, times)."""

    columns: tuple[Column, ...]
    normalised: tuple[str, ...]
    fields: dict[Field, Column]  # for each field, the first matching column in file order
    meanings: dict[int, NameMeaning]  # by column index, every column whose name is a known field
    periods: dict[int, list[Column]]  # HHnn columns by number, out-of-range numbers (HH00, HH51) included
    times: list[tuple[TimeLabel, Column]]  # columns named by a time of day, in file order

    @classmethod
    def read(cls, cells: Sequence[str]) -> "Header":
        columns = tuple(Column(index, shown_name(cell)) for index, cell in enumerate(cells))
        normalised = tuple(normalise_header(cell) for cell in cells)
        fields: dict[Field, Column] = {}
        meanings: dict[int, NameMeaning] = {}
        periods: dict[int, list[Column]] = {}
        times: list[tuple[TimeLabel, Column]] = []
        for column, name in zip(columns, normalised, strict=True):
            meaning = meaning_of(name)
            if meaning is not None:
                fields.setdefault(meaning.field, column)
                meanings[column.index] = meaning
            elif (match := _PERIOD_NAME.fullmatch(name)) is not None:
                periods.setdefault(int(match[1]), []).append(column)
            elif (label := time_label(column.name)) is not None:
                times.append((label, column))
        return cls(columns, normalised, fields, meanings, periods, times)

    @property
    def width(self) -> int:
        return len(self.columns)

    def get(self, field: Field) -> Column | None:
        return self.fields.get(field)

    def all_of(self, field: Field) -> list[Column]:
        """Every column whose name says this field, in file order."""
        return [self.columns[index] for index, meaning in self.meanings.items() if meaning.field is field]

    def meaning(self, column: Column) -> NameMeaning | None:
        return self.meanings.get(column.index)

    def known(self) -> int:
        """How many columns have a name the service knows (a field, a period or a time of day)."""
        return len(self.meanings) + sum(map(len, self.periods.values())) + len(self.times)

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
