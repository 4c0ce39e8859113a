"""Choosing how to read a file from its header: the delimiter, and the layout for the requested format."""

import logging
import re
from collections.abc import Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from decimal import Decimal
from typing import Any, Literal, Protocol, get_args
from zoneinfo import ZoneInfo

from ingestion.domain.formats.column_notes import ColumnRead, readings_columns, site_file_columns
from ingestion.domain.formats.daily import DailyLayout
from ingestion.domain.formats.half_hourly import Clock, LongLayout, Slot, WideLayout
from ingestion.domain.formats.headers import (
    Column,
    Field,
    Header,
    NameMeaning,
    check_header_size,
    flag_label,
    is_flag_name,
    join_readably,
    missing_column,
    normalise_header,
    period_range,
    readable_aliases,
    shown_name,
    time_label,
)
from ingestion.domain.formats.mapping import (
    DEFAULT_CALORIFIC_VALUE,
    DEFAULT_CHANNEL,
    VOLUME_CORRECTION,
    Mapping,
)
from ingestion.domain.formats.reading import Reading, ReadingColumns
from ingestion.domain.formats.row_errors import FileFormatError, InvalidValue, MappingError, quoted
from ingestion.domain.formats.rows import CommonColumns, ValueColumn
from ingestion.domain.formats.sites_layout import Site, SiteField, SitesLayout, site_columns
from ingestion.domain.formats.values import (
    KWH,
    Unit,
    date_order_of,
    date_parser,
    decimal_mark_of,
    is_end_of_day,
    number_parser,
    parse_date,
    parse_datetime,
    parse_meter,
    parse_number,
    unit_named,
    unit_parser,
)

# The formats a client may request: the one list (the API's schema and the CLI's choices come from it).
ImportFormat = Literal["hh", "daily", "sites", "auto"]
FORMATS: tuple[str, ...] = get_args(ImportFormat)

logger = logging.getLogger(__name__)

# Ties go to the earlier delimiter.
_DELIMITERS = (",", "\t", ";", "|")

# Columns only a readings file has. A file with any of them but no meter column is a readings file missing
# its meter column, even when it also has a column that could be a site name (e.g. "Site").
_READINGS_FIELDS = (
    Field.METER,
    Field.DATE,
    Field.TIME,
    Field.DATETIME,
    Field.VALUE,
    Field.START,
    Field.END,
    Field.PERIOD,
)


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


@dataclass(frozen=True)
class FileFacts:
    """What the lines around a header row say, for what the header alone cannot: the meter a
    preamble line names ("MPAN: 1234567890123"), and the first data rows (a sample), which show
    the dates' order, the decimal mark and whether times end their half hour (24:00)."""

    delimiter: str = ","
    preamble_meter: str | None = None
    sample: Sequence[Sequence[str]] = ()


@dataclass(frozen=True)
class Detected:
    """A file's layout, the mapping it reads with (every key resolved: what a job records and later
    segments read with), and the columns it does not read."""

    layout: AnyLayout
    mapping: Mapping  # its columns by number
    unused_columns: tuple[str, ...] = ()
    header: tuple[str, ...] = ()
    # What each column it reads is read as, by 0-based index (a preview's notes; the others: not read).
    columns_read: dict[int, ColumnRead] = dataclass_field(default_factory=dict)

    def shown_mapping(self) -> Mapping:
        """The mapping as people read it: each column by its header name where that names one
        column, else by number."""
        names = [shown_name(name) for name in self.header]

        def shown(ref: int | str) -> int | str:
            name = names[ref - 1] if isinstance(ref, int) and 0 < ref <= len(names) else None
            unique = name and names.count(name) == 1 and self.mapping.header_row != 0
            return name if unique and name is not None else ref

        columns = {field: shown(ref) for field, ref in self.mapping.columns.items()}
        return self.mapping.model_copy(
            update={"columns": columns, "ignore": [shown(r) for r in self.mapping.ignore]}
        )


def detect_layout(
    header: list[str], requested: str, mapping: Mapping | None = None, facts: FileFacts | None = None
) -> AnyLayout:
    """The layout for a file with this header row (resolve_layout's)."""
    return resolve_layout(header, requested, mapping, facts).layout


def resolve_layout(
    header: list[str], requested: str, mapping: Mapping | None = None, facts: FileFacts | None = None
) -> Detected:
    """The layout for a file with this header row, requested as "hh", "daily", "sites" or "auto",
    read as the mapping says where it says, else as detected from the header and the facts.

    "auto" picks sites when there is a site name column and no column only a readings file has (meter,
    date, time, value, HHnn); else half-hourly wide when there are columns a half hour (HH01, P1, SP1,
    "00:00"), else half-hourly long when there is a value and a when (a date and time, a start, a
    date and a time, a date and a settlement period), else daily. FileFormatError when no layout
    fits, or when the header holds more than any real file's (headers.check_header_size).
    """
    if requested not in FORMATS:
        raise FileFormatError(f"Unknown format {quoted(requested)}: expected {join_readably(FORMATS)}")
    check_header_size(header)
    while len(header) > 1 and not header[-1].strip():
        header = header[:-1]  # a trailing delimiter names no column: rows may have it or not
    mapping = mapping or Mapping()
    facts = facts or FileFacts()
    try:
        detected = _Resolver(Header.read(header), requested, mapping, facts).resolve()
        detected = replace(detected, header=tuple(header))
    except FileFormatError as exc:
        if mapping.header_row != 0 and not mapping.mentions_columns and looks_like_data(header):
            shown = ", ".join(quoted(cell) for cell in header[:4]) + (", ..." if len(header) > 4 else "")
            raise FileFormatError(
                f"The file has no header row: its first line ({shown}) looks like data. Add a first line "
                f"naming the columns (for example MPAN,Date,Reading) and upload it again, or import it "
                f"with header_row 0 and its columns mapped by number. ({exc})"
            ) from None
        raise
    logger.info("layout detected", extra={"layout": detected.layout.name, "columns": len(header)})
    return detected


def numbered_header(width: int) -> list[str]:
    """The header of a file without one (mapping header_row 0): its columns by number."""
    return [f"Column {number}" for number in range(1, width + 1)]


def header_score(cells: Sequence[str]) -> int:
    """How many of a line's cells name a column the service knows (a field, a half hour, a site
    column): how a header row is found below a preamble. 0 for a line that looks like data."""
    if looks_like_data(list(cells)):
        return 0
    columns = Header.read(cells)
    return columns.known() + len(site_columns(columns))


_METER_LINE = re.compile(
    r"\s*(?:mpan(?:\s*core)?|mprn|meter(?:\s*(?:point|serial|id|number|reference|ref))*|supply\s*number)"
    r"\s*(?:\(?s\)?)?\s*[:=#]?\s*[,;\t|]*\s*(\S.*?)[,;\t|\s]*",
    re.IGNORECASE,
)


def preamble_meter(lines: Iterable[str]) -> str | None:
    """The meter a preamble line names ("MPAN: 1234567890123", "Meter,E10BG12345"), or None; the
    first such line wins."""
    for line in lines:
        match = _METER_LINE.fullmatch(line.strip().replace('"', ""))
        if match is None:
            continue
        with suppress(InvalidValue):
            return parse_meter(match[1])
    return None


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


class _Resolver:
    """Works out one file's layout: the columns each field is read from (the mapping's, else the
    header's), then the layout, then the options the header and sample settle."""

    def __init__(self, columns: Header, requested: str, mapping: Mapping, facts: FileFacts) -> None:
        self.columns = columns
        self.requested = requested
        self.mapping = mapping
        self.facts = facts
        self.mapped: dict[str, Column] = {
            name: self._column(name, ref) for name, ref in mapping.columns.items()
        }
        taken = {column.index for column in self.mapped.values()}
        self.ignored = {self._column("ignored column", ref).index for ref in mapping.ignore}
        taken |= self.ignored
        self.taken = taken
        self.used: set[int] = set()

    # ---- columns -----------------------------------------------------------------------------------

    def _column(self, field: str, ref: int | str) -> Column:
        """The column a mapping names, by number or by header name."""
        columns = self.columns.columns
        if isinstance(ref, int):
            if ref > len(columns):
                raise MappingError(
                    f"The mapping reads the {field} from column {ref}, but the file has {len(columns)} "
                    f"columns: {self._listing()}"
                )
            return columns[ref - 1]
        for column in columns:
            if column.name == ref:
                return column
        wanted = normalise_header(ref)
        for column in columns:
            if wanted and self.columns.normalised[column.index] == wanted:
                return column
        raise MappingError(
            f"The mapping reads the {field} from a column {quoted(ref)}, but the file has no such column. "
            f"Its columns: {self._listing()}"
        )

    def _listing(self) -> str:
        names = [
            quoted(c.name) if c.name else f"(column {c.index + 1}, unnamed)" for c in self.columns.columns
        ]
        return ", ".join(names[:30]) + (f" and {len(names) - 30} more" if len(names) > 30 else "")

    def get(self, name: str, field: Field | None = None) -> Column | None:
        """The column of a mapped field: the mapping's, else the header's (unless the mapping
        put that column to another use)."""
        if name in self.mapped:
            return self.mapped[name]
        if field is None:
            return None
        column = self.columns.get(field)
        if column is not None and column.index in self.taken:
            return next((c for c in self.columns.all_of(field) if c.index not in self.taken), None)
        return column

    def use(self, *columns: Column | None) -> None:
        self.used.update(column.index for column in columns if column is not None)

    # ---- the layout --------------------------------------------------------------------------------

    def resolve(self) -> Detected:
        columns, requested = self.columns, self.requested
        if requested == "sites" or (requested == "auto" and not self.mapped and _is_sites_header(columns)):
            # (a sites file reads its own columns: a readings mapping's columns mean nothing to it)
            layout = SitesLayout.from_header(columns)
            read = site_file_columns((what.value, column) for what, column in site_columns(columns).items())
            return Detected(layout, self.mapping.model_copy(update={"columns": {}}), columns_read=read)
        meter_column, fixed_meter = self._meter()
        if requested != "daily":
            slots = self._slots()
            if slots:
                return self._wide(meter_column, fixed_meter, slots)
            values = self._values()
            if values and self._has_when():
                return self._long(meter_column, fixed_meter, values)
            if requested == "hh":
                raise self._missing_half_hourly_column()
        return self._daily(meter_column, fixed_meter)

    def _meter(self) -> tuple[Column | None, str | None]:
        given = self.mapping.meter
        column = None if given is not None and "meter" not in self.mapped else self.get("meter", Field.METER)
        if column is not None:
            self.use(column)
            return column, None
        meter = given or self.facts.preamble_meter
        if meter is None:
            raise FileFormatError(
                "The file has no meter column (none of the headers matches "
                f"{readable_aliases(Field.METER)}). If it holds one meter's readings, give the meter "
                "with the import (the mapping's meter, or --meter in the CLI), or add a line such as "
                "'MPAN: 1234567890123' above the header row; if a column holds the meter, map it "
                "(the mapping's columns.meter)"
            )
        return None, meter

    def _has_when(self) -> bool:
        if any(
            self.get(name, field) for name, field in (("datetime", Field.DATETIME), ("start", Field.START))
        ):
            return True
        if self.get("end", Field.END) is not None:
            return True
        date = self.get("date", Field.DATE)
        return date is not None and (
            self.get("time", Field.TIME) is not None or self.get("period", Field.PERIOD) is not None
        )

    def _values(self) -> list[ValueColumn]:
        """The value columns: the mapped one, else one a channel (energy before volume)."""
        unit = self._given_unit()
        if "value" in self.mapped:
            column = self.mapped["value"]
            meaning = self.columns.meaning(column)
            return [self._value_column(column, meaning, unit)]
        found = [c for c in self.columns.all_of(Field.VALUE) if c.index not in self.taken]
        best: dict[str, ValueColumn] = {}
        for column in found:
            value = self._value_column(column, self.columns.meaning(column), unit)
            held = best.get(value.channel)
            if held is None or (held.unit.is_volume and not value.unit.is_volume):
                best[value.channel] = value
        return list(best.values())

    def _given_unit(self) -> Unit | None:
        if self.mapping.unit is None:
            return None
        return unit_named(self.mapping.unit, self._calorific_value(), self._volume_correction())

    def _value_column(self, column: Column, meaning: NameMeaning | None, given: Unit | None) -> ValueColumn:
        named = None
        if meaning is not None and meaning.unit is not None:
            named = unit_named(meaning.unit, self._calorific_value(), self._volume_correction())
        unit = given or named or KWH
        channel = (meaning.channel if meaning is not None else None) or unit.channel or DEFAULT_CHANNEL
        return ValueColumn(column, unit, channel)

    def _calorific_value(self) -> Decimal:
        return self.mapping.calorific_value or DEFAULT_CALORIFIC_VALUE

    def _volume_correction(self) -> Decimal:
        return self.mapping.volume_correction or VOLUME_CORRECTION

    def _reads_gas(self, values: Sequence[ValueColumn]) -> bool:
        """Whether the file holds gas volumes: a value column's, or the first rows' unit cells."""
        if any(value.unit.is_volume for value in values):
            return True
        units = unit_parser(self._calorific_value(), self._volume_correction())
        for cell in self._sample_column(self.get("unit", Field.UNIT)):
            with suppress(InvalidValue):
                if (unit := units(cell)) is not None and unit.is_volume:
                    return True
        return False

    def _common(
        self,
        meter: Column | None,
        fixed_meter: str | None,
        values: Sequence[ValueColumn],
        read: Sequence[Column],
        *,
        row_flag: bool = True,
    ) -> CommonColumns:
        unit = self.get("unit", Field.UNIT)
        flag = self.get("flag", Field.FLAG) if row_flag or "flag" in self.mapped else None
        channel = self.get("channel", Field.CHANNEL)
        self.use(unit, flag, channel, *read, *(value.column for value in values))
        reject = [
            c for c in (meter, unit, flag, channel, *read) if c is not None and c not in self.mapped.values()
        ]
        if values and "value" not in self.mapped and len(values) == 1:
            reject.append(values[0].column)
        self.columns.reject_duplicates(reject)
        first = values[0] if values else None
        return CommonColumns(
            self.columns.width,
            meter,
            read,
            unit,
            flag,
            first.unit if first is not None else KWH,
            fixed_meter=fixed_meter,
            channel=channel,
            default_channel=first.channel if first is not None else DEFAULT_CHANNEL,
            numbers=number_parser(self._decimal_mark(values)),
            units=unit_parser(self._calorific_value(), self._volume_correction()),
            dates=date_parser(self._date_order()),
        )

    def _long(self, meter: Column | None, fixed_meter: str | None, values: list[ValueColumn]) -> Detected:
        when = self.get("datetime", Field.DATETIME)
        start, end = self.get("start", Field.START), self.get("end", Field.END)
        date = time = period = None
        ending = self.mapping.timestamps == "end"
        if when is None and start is not None:
            when = start
        elif when is None and end is not None:
            when, end, ending = end, None, self.mapping.timestamps != "start"
        if when is None:
            date = self.get("date", Field.DATE)
            time = self.get("time", Field.TIME)
            period = None if time is not None else self.get("period", Field.PERIOD)
        else:
            end = end if start is not None and when is start else None
        if self.mapping.timestamps is None and not ending and period is None:
            ending = self._sample_ends_days(when or time)
        read = [c for c in (when, date, time, period, end) if c is not None]
        row = self._common(meter, fixed_meter, values, read)
        clock = Clock(self._zone(when or time or start), ending)
        layout = LongLayout(row, values, when, date, time, period_column=period, end_column=end, clock=clock)
        timestamps = None if period is not None else ("end" if ending else "start")
        return self._detected(layout, values, timestamps, clock)

    def _wide(self, meter: Column | None, fixed_meter: str | None, slots: list[Slot]) -> Detected:
        date = self.get("date", Field.DATE)
        if date is None:
            raise missing_column(Field.DATE, f"half-hourly columns {period_range()} need a date column")
        values = [ValueColumn(slot.column, self._given_unit() or KWH, DEFAULT_CHANNEL) for slot in slots]
        flagged = any(slot.flag is not None for slot in slots)
        row = self._common(meter, fixed_meter, values, [date], row_flag=not flagged)
        self.use(*(slot.flag for slot in slots))
        by_time = slots[0].period is None
        timestamps = self._wide_timestamps if by_time else None
        zone = self._zone(date) if by_time else None
        clock = Clock(zone) if by_time else None
        return self._detected(WideLayout(row, date, slots, zone), values, timestamps, clock, slots)

    def _daily(self, meter: Column | None, fixed_meter: str | None) -> Detected:
        if self.requested == "auto":
            datetimes = readable_aliases(Field.DATETIME)
            date_alternative = f"or, for half-hourly readings, a date and time column: {datetimes}"
            value_alternative = f"or half-hourly columns {period_range()}"
        else:
            date_alternative = value_alternative = ""
        date = self.get("date", Field.DATE)
        if date is None:
            raise missing_column(Field.DATE, date_alternative)
        values = self._values()
        if not values:
            raise missing_column(Field.VALUE, value_alternative)
        row = self._common(meter, fixed_meter, values, [date])
        return self._detected(DailyLayout(row, date, values), values, None, None)

    def _missing_half_hourly_column(self) -> FileFormatError:
        """Why a file requested as half-hourly has neither layout's columns."""
        if not self._values():
            return missing_column(Field.VALUE, f"or half-hourly columns {period_range()}")
        if self.get("date", Field.DATE) is not None:
            return missing_column(
                Field.TIME, f"or one date and time column: {readable_aliases(Field.DATETIME)}"
            )
        dates, times = readable_aliases(Field.DATE), readable_aliases(Field.TIME)
        return missing_column(Field.DATETIME, f"or separate date and time columns: {dates}; and {times}")

    # ---- wide files --------------------------------------------------------------------------------

    _wide_timestamps: str | None = None

    def _slots(self) -> list[Slot]:
        """A wide file's half-hour columns: by period number, else by time of day."""
        columns = self.columns
        if columns.periods:
            periods = [(number, c) for number, c in columns.period_columns() if c.index not in self.taken]
            flags = self._slot_flags([column for _, column in periods])
            return [Slot(column, period=number, flag=flags.get(column.index)) for number, column in periods]
        times = [(label, column) for label, column in columns.times if column.index not in self.taken]
        if len(times) < 2:
            return []
        ending = self.mapping.timestamps == "end" or (
            self.mapping.timestamps is None
            and not any(label.is_range for label, _ in times)
            and (
                any(label.minute == 1440 for label, _ in times)
                or min(label.minute for label, _ in times) == 30
            )
        )
        self._wide_timestamps = "end" if ending else "start"
        flags = self._slot_flags([column for _, column in times])
        seen: dict[int, int] = {}
        slots = []
        for label, column in times:
            minute = (label.minute - 30) % 1440 if ending else label.minute % 1440
            occurrence = seen.get(minute, 0)
            if occurrence > 1:
                raise FileFormatError(
                    f"Column {column.describe()} is the third column for the half hour at "
                    f"{minute // 60:02d}:{minute % 60:02d}; a day has it at most twice (when the clocks go "
                    "back)"
                )
            seen[minute] = occurrence + 1
            slots.append(Slot(column, minute=minute, occurrence=occurrence, flag=flags.get(column.index)))
        return slots

    def _slot_flags(self, value_columns: list[Column]) -> dict[int, Column]:
        """Each half-hour column's own flag column, if the file has them: the column just after it,
        named by the same time with a flag word ("00:00_Act_Est"), or a flag name ("A/E")."""
        found: dict[int, Column] = {}
        columns = self.columns.columns
        for column in value_columns:
            following = column.index + 1
            if following >= len(columns):
                continue
            beside = columns[following]
            label = flag_label(beside.name)
            own = time_label(column.name)
            same_time = label is not None and (own is None or label == own.minute)
            if same_time or (label is None and is_flag_name(beside.name)):
                found[column.index] = beside
        if found and len(found) != len(value_columns):
            return {}  # flags beside some half hours only: not a layout of flag columns
        return found

    # ---- options the sample settles ---------------------------------------------------------------

    def _sample_column(self, column: Column | None) -> list[str]:
        if column is None:
            return []
        return [row[column.index] for row in self.facts.sample if column.index < len(row)]

    def _sample_ends_days(self, column: Column | None) -> bool:
        """Whether the sample's times show they end their half hour: a "24:00"."""
        return any(is_end_of_day(cell) for cell in self._sample_column(column))

    def _date_order(self) -> str:
        if self.mapping.date_order is not None:
            return self.mapping.date_order
        cells = []
        for name, field in (("date", Field.DATE), ("datetime", Field.DATETIME), ("start", Field.START)):
            cells += [
                cell.strip().split(" ")[0].split("T")[0]
                for cell in self._sample_column(self.get(name, field))
            ]
        if date_order_of(cells) == "mdy":
            example = next(cell for cell in cells if date_order_of([cell]) == "mdy")
            raise FileFormatError(
                f"The dates read month first ({quoted(example)} is not a day-first date): dates are read "
                "day first unless told otherwise. Import the file with the date order mdy (the "
                "mapping's date_order, or --date-order mdy in the CLI)"
            )
        return "dmy"

    def _decimal_mark(self, values: Sequence[ValueColumn]) -> str:
        if self.mapping.decimal_mark is not None:
            return self.mapping.decimal_mark
        cells = [cell for value in values for cell in self._sample_column(value.column)]
        return decimal_mark_of(cells, self.facts.delimiter)

    def _zone(self, column: Column | None) -> ZoneInfo | None:
        if self.mapping.timezone is not None:
            return None if self.mapping.timezone == UK_ZONE else ZoneInfo(self.mapping.timezone)
        meaning = self.columns.meaning(column) if column is not None else None
        return ZoneInfo("UTC") if meaning is not None and meaning.utc else None

    # ---- the resolved mapping ---------------------------------------------------------------------

    def _detected(
        self,
        layout: AnyLayout,
        values: Sequence[ValueColumn],
        timestamps: str | None,
        clock: Clock | None,
        slots: Sequence[Slot] = (),
    ) -> Detected:
        row_columns = {
            name: column
            for name, field in _MAPPED
            if (column := self.get(name, field)) is not None and column.index in self.used
        }
        if layout.name != "hh-wide" and len(values) == 1:
            row_columns["value"] = values[0].column  # (several, one a channel: each found by its name)
        mapping = Mapping.model_validate(
            {
                "columns": {name: self._ref(column) for name, column in row_columns.items()},
                "meter": self.mapping.meter if "meter" not in row_columns else None,
                "timestamps": timestamps,
                "date_order": self._date_order(),
                "timezone": clock.zone.key if clock is not None and clock.zone is not None else UK_ZONE,
                "unit": values[0].unit.name if values else "kWh",
                "calorific_value": self._calorific_value() if self._reads_gas(values) else None,
                "volume_correction": self._volume_correction() if self._reads_gas(values) else None,
                "header_row": self.mapping.header_row,
                "decimal_mark": self._decimal_mark(values),
                "ignore": [self._ref(self.columns.columns[i]) for i in sorted(self.ignored)],
            }
        )
        if mapping.meter is None and "meter" not in row_columns:
            mapping = mapping.model_copy(update={"meter": self.facts.preamble_meter})
        unused = tuple(
            column.name or f"column {column.index + 1}"
            for column in self.columns.columns
            if column.index not in self.used and column.name
        )
        read = readings_columns(row_columns, values, slots, ending=timestamps == "end")
        return Detected(layout, mapping, unused, columns_read=read)

    def _ref(self, column: Column) -> int:
        """How the resolved mapping names a column: by number (short in the job item, and exact
        whatever the names; Detected.shown_mapping names them)."""
        return column.index + 1


UK_ZONE = "Europe/London"
_MAPPED: tuple[tuple[str, Field | None], ...] = (
    ("meter", Field.METER),
    ("date", Field.DATE),
    ("time", Field.TIME),
    ("datetime", Field.DATETIME),
    ("start", Field.START),
    ("end", Field.END),
    ("period", Field.PERIOD),
    ("unit", Field.UNIT),
    ("flag", Field.FLAG),
    ("channel", Field.CHANNEL),
)


def _is_sites_header(columns: Header) -> bool:
    if columns.periods or columns.times or any(columns.get(field) is not None for field in _READINGS_FIELDS):
        return False
    return SiteField.NAME in site_columns(columns)
