"""The parts of a row every layout reads the same way: its shape, meter id, date, value, unit and flag."""

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from functools import partial
from itertools import repeat
from typing import cast

from ingestion.domain.formats.headers import Column
from ingestion.domain.formats.row_errors import InvalidValue, RowError
from ingestion.domain.formats.values import (
    parse_date,
    parse_flag,
    parse_meter,
    parse_number,
    parse_unit,
    to_kwh,
)


class CommonColumns:
    """Reads the columns every readings layout shares (meter, unit, flag) and checks a row's shape,
    with column positions fixed when the layout is detected."""

    __slots__ = ("_default_unit_shift", "_flag", "_meter", "_unit", "_width")

    def __init__(
        self,
        width: int,
        meter: Column,
        read: Sequence[Column | None],
        unit: Column | None = None,
        flag: Column | None = None,
        default_unit_shift: int = 0,
    ) -> None:
        self._width = width
        self._meter = meter
        self._unit = unit
        self._flag = flag
        self._default_unit_shift = default_unit_shift

    def check_shape(self, cells: Sequence[str]) -> None:
        check_shape(cells, self._width)

    def columns(self, rows: list[list[str]]) -> list[tuple[str, ...]] | None:
        """A batch's columns, when it has rows and each has exactly as many cells as the header
        (the usual batch); None otherwise (its rows are read one by one)."""
        if not rows or not all(map(self._width.__eq__, map(len, rows))):
            return None
        return list(zip(*rows, strict=True))

    def read_columns(
        self, columns: Sequence[Sequence[str]], value: Column
    ) -> tuple[list[str], list[Decimal], list[bool] | None]:
        """The meters, values in kWh and estimated flags (None: no row is) of a batch's rows, from
        its columns. InvalidValue as soon as one cell is not valid, or a value is missing: the rows
        are then read one by one, which says which row and why. (Meter ids, units and flags repeat
        down a file: each distinct cell is read once.)"""
        meters = _each(parse_meter, columns[self._meter.index])
        found = list(map(parse_number, columns[value.index]))
        # By identity: `None in found` compares each Decimal with None, which is slow (11 % of the
        # parse + validate pass; docs/performance.md "Speed tricks that stay").
        if any(number is None for number in found):
            raise InvalidValue("missing reading value")
        values = cast(list[Decimal], found)
        if self._unit is not None:
            default = self._default_unit_shift
            shifts = _table(partial(parse_unit, default_shift=default), columns[self._unit.index])
            if any(shifts.values()):
                values = list(map(to_kwh, values, map(shifts.__getitem__, columns[self._unit.index])))
        elif self._default_unit_shift:
            values = list(map(to_kwh, values, repeat(self._default_unit_shift)))
        estimated = None
        if self._flag is not None:
            flags = _table(parse_flag, columns[self._flag.index])
            if any(flags.values()):
                estimated = list(map(flags.__getitem__, columns[self._flag.index]))
        return meters, values, estimated

    def meter(self, cells: Sequence[str]) -> str:
        try:
            return parse_meter(cells[self._meter.index])
        except InvalidValue as exc:
            if is_blank(cells):
                raise RowError("empty row") from None
            raise self._meter.error(str(exc)) from None

    def unit_shift(self, cells: Sequence[str]) -> int:
        """The power of ten that turns this row's values into kWh."""
        if self._unit is None:
            return self._default_unit_shift
        try:
            return parse_unit(cells[self._unit.index], self._default_unit_shift)
        except InvalidValue as exc:
            raise self._unit.error(str(exc)) from None

    def estimated(self, cells: Sequence[str]) -> bool:
        if self._flag is None:
            return False
        try:
            return parse_flag(cells[self._flag.index])
        except InvalidValue as exc:
            raise self._flag.error(str(exc)) from None


def read_date(cells: Sequence[str], column: Column) -> date:
    try:
        return parse_date(cells[column.index])
    except InvalidValue as exc:
        raise column.error(str(exc)) from None


def read_kwh(cells: Sequence[str], column: Column, unit_shift: int) -> Decimal:
    """A required reading value, in kWh."""
    try:
        value = parse_number(cells[column.index])
    except InvalidValue as exc:
        raise column.error(str(exc)) from None
    if value is None:
        raise column.error("missing reading value")
    return to_kwh(value, unit_shift)


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
