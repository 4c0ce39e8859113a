"""The parts of a row every layout reads the same way: its shape, meter id, date, value, unit and flag."""

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from functools import partial
from typing import NamedTuple, cast

from ingestion.domain.formats.headers import Column
from ingestion.domain.formats.mapping import DEFAULT_CHANNEL
from ingestion.domain.formats.row_errors import InvalidValue, RowError
from ingestion.domain.formats.summary_rows import any_blank_cell, any_summary_cell, row_summary_label
from ingestion.domain.formats.values import (
    KWH,
    Unit,
    parse_channel,
    parse_date,
    parse_flag,
    parse_meter,
    parse_number,
    to_kwh,
    unit_parser,
)


class ValueColumn(NamedTuple):
    """A column of reading values: its own unit (from its name, or the default) and channel."""

    column: Column
    unit: Unit
    channel: str


class CommonColumns:
    """Reads the columns every readings layout shares (meter, unit, flag, channel) and checks a row's
    shape, with column positions fixed when the layout is detected.

    A file without a meter column (one meter a file, as supplier exports are) has its meter given
    (`fixed_meter`: the mapping's, or a preamble line's). Values are read with the file's decimal
    mark (`numbers`); a unit cell, or else the value column's own unit (`default_unit`), turns them
    into kWh; the channel is the channel column's, else the unit's, else `default_channel`."""

    __slots__ = (
        "_channel",
        "_dates",
        "_default_channel",
        "_default_unit",
        "_fixed_meter",
        "_flag",
        "_meter",
        "_numbers",
        "_unit",
        "_units",
        "_width",
    )

    def __init__(
        self,
        width: int,
        meter: Column | None,
        read: Sequence[Column | None],
        unit: Column | None = None,
        flag: Column | None = None,
        default_unit: Unit = KWH,
        *,
        fixed_meter: str | None = None,
        channel: Column | None = None,
        default_channel: str = DEFAULT_CHANNEL,
        numbers: Callable[[str], Decimal | None] = parse_number,
        units: Callable[[str], Unit | None] | None = None,
        dates: Callable[[str], date] = parse_date,
    ) -> None:
        if meter is None and fixed_meter is None:
            raise ValueError("a layout needs a meter column or a meter for the whole file")
        self._width = width
        self._meter = meter
        self._fixed_meter = fixed_meter
        self._unit = unit
        self._flag = flag
        self._channel = channel
        self._default_unit = default_unit
        self._default_channel = default_channel
        self._numbers = numbers
        self._units = units or unit_parser()
        self._dates = dates

    @property
    def dates(self) -> Callable[[str], date]:
        return self._dates

    @property
    def numbers(self) -> Callable[[str], Decimal | None]:
        return self._numbers

    @property
    def meter_column(self) -> Column | None:
        return self._meter

    def check_shape(self, cells: Sequence[str]) -> None:
        check_shape(cells, self._width)

    def columns(self, rows: list[list[str]]) -> list[tuple[str, ...]] | None:
        """A batch's columns, when it has rows, each has exactly as many cells as the header and
        none is a summary row (the usual batch); None otherwise (its rows are read one by one)."""
        if not rows or not all(map(self._width.__eq__, map(len, rows))):
            return None
        columns = list(zip(*rows, strict=True))
        return None if self._has_summary_row(rows, columns) else columns

    def _has_summary_row(self, rows: list[list[str]], columns: list[tuple[str, ...]]) -> bool:
        """Whether a row of the batch may be a summary row that its columns would read as valid
        ("Total" is a valid meter id): its first cell or meter cell holds a summary word, or its
        first non-blank cell does. (A summary word in a date or value cell fails the batch anyway.)"""
        distinct = set(columns[0])
        if self._meter is not None and self._meter.index:
            distinct.update(columns[self._meter.index])
        if any_summary_cell(distinct):
            return True
        if any_blank_cell(columns[0]):
            return any(row_summary_label(cells, ()) is not None for cells in rows if not cells[0].strip())
        return False

    def read_columns(
        self, columns: Sequence[Sequence[str]], value: Column
    ) -> tuple[Sequence[str], list[Decimal], list[bool] | None, Sequence[str] | None]:
        """The meters, values in kWh, estimated flags (None: no row is) and channels (None: every
        row is on the default channel) of a batch's rows, from its columns. InvalidValue as soon as
        one cell is not valid, or a value is missing: the rows are then read one by one, which says
        which row and why. (Meter ids, units and flags repeat down a file: each distinct cell is
        read once.)"""
        found = list(map(self._numbers, columns[value.index]))
        # By identity: `None in found` compares each Decimal with None, which is slow (11 % of the
        # parse + validate pass; docs/performance.md "Speed tricks that stay").
        if any(number is None for number in found):
            raise InvalidValue("missing reading value")
        meters, conversions, estimated, channels = self.read_rows(columns)
        values = cast(list[Decimal], found)
        if conversions is not None:
            values = list(map(to_kwh, values, conversions))
        return meters, values, estimated, channels

    def read_rows(
        self, columns: Sequence[Sequence[str]]
    ) -> tuple[Sequence[str], Sequence[int | Decimal] | None, list[bool] | None, Sequence[str] | None]:
        """What read_columns reads of each row but its value: the meters, the unit conversions to
        kWh (None: no row's converts), the estimated flags and the channels (None as there)."""
        rows = len(columns[0])
        if self._meter is not None:
            meters: Sequence[str] = _each(parse_meter, columns[self._meter.index])
        else:
            meters = [cast(str, self._fixed_meter)] * rows
        conversions: Sequence[int | Decimal] | None = None
        channels: Sequence[str] | None = None
        if self._unit is not None:
            default = self._default_unit
            cells = columns[self._unit.index]
            units = {cell: unit or default for cell, unit in _table(self._units, cells).items()}
            if any(unit.conversion for unit in units.values()):
                conversions = [units[cell].conversion for cell in cells]
            if any(unit.channel for unit in units.values()) and self._channel is None:
                default_channel = self._default_channel
                channels = [units[cell].channel or default_channel for cell in cells]
        elif self._default_unit.conversion:
            conversions = [self._default_unit.conversion] * rows
        if self._channel is not None:
            named = _table(
                partial(parse_channel, default=self._default_channel), columns[self._channel.index]
            )
            channels = list(map(named.__getitem__, columns[self._channel.index]))
        elif channels is None and self._default_channel != DEFAULT_CHANNEL:
            channels = [self._default_channel] * rows
        if channels is not None and all(channel == DEFAULT_CHANNEL for channel in channels):
            channels = None
        estimated = None
        if self._flag is not None:
            flags = _table(parse_flag, columns[self._flag.index])
            if any(flags.values()):
                estimated = list(map(flags.__getitem__, columns[self._flag.index]))
        return meters, conversions, estimated, channels

    def meter(self, cells: Sequence[str]) -> str:
        if self._meter is None:
            if is_blank(cells):
                raise RowError("empty row")
            return cast(str, self._fixed_meter)
        try:
            return parse_meter(cells[self._meter.index])
        except InvalidValue as exc:
            if is_blank(cells):
                raise RowError("empty row") from None
            raise self._meter.error(str(exc)) from None

    def unit(self, cells: Sequence[str]) -> Unit:
        """This row's unit: its unit cell's, or the default."""
        if self._unit is None:
            return self._default_unit
        try:
            return self._units(cells[self._unit.index]) or self._default_unit
        except InvalidValue as exc:
            raise self._unit.error(str(exc)) from None

    def channel(self, cells: Sequence[str], unit: Unit) -> str:
        """This row's channel: its channel cell's, else its unit's, else the default."""
        if self._channel is not None:
            try:
                return parse_channel(cells[self._channel.index], self._default_channel)
            except InvalidValue as exc:
                raise self._channel.error(str(exc)) from None
        return unit.channel or self._default_channel

    def estimated(self, cells: Sequence[str]) -> bool:
        if self._flag is None:
            return False
        try:
            return parse_flag(cells[self._flag.index])
        except InvalidValue as exc:
            raise self._flag.error(str(exc)) from None

    def read_date(self, cells: Sequence[str], column: Column) -> date:
        try:
            return self._dates(cells[column.index])
        except InvalidValue as exc:
            raise column.error(str(exc)) from None

    def read_kwh(self, cells: Sequence[str], column: Column, unit: Unit) -> Decimal:
        """A required reading value, in kWh."""
        try:
            value = self._numbers(cells[column.index])
        except InvalidValue as exc:
            raise column.error(str(exc)) from None
        if value is None:
            raise column.error("missing reading value")
        return to_kwh(value, unit.conversion)


def is_blank(cells: Sequence[str]) -> bool:
    return not "".join(cells).strip()  # (the cells are all blank when they are all blank together)


def check_shape(cells: Sequence[str], width: int) -> None:
    """A row has as many cells as the header; extra cells are allowed only when they are blank
    (a trailing delimiter). Anything else is a ragged row: its cells may have slid out of their
    columns, so none of it is trusted."""
    count = len(cells)
    if is_blank(cells):
        raise RowError("empty row")
    if count == width or (count > width and is_blank(cells[width:])):
        return
    few = "too few" if count < width else "too many"
    raise RowError(f"{few} cells: the header has {width} columns, this row has {count}")


def _table[T](parse: Callable[[str], T], cells: Sequence[str]) -> dict[str, T]:
    """Each distinct cell, parsed."""
    return {cell: parse(cell) for cell in set(cells)}


def _each[T](parse: Callable[[str], T], cells: Sequence[str]) -> list[T]:
    """Every cell, parsed (each distinct cell once). A dict lookup a cell, against a call of the
    cached parser a cell: with _table for units and flags, 7 % of the parse + validate pass."""
    return list(map(_table(parse, cells).__getitem__, cells))
