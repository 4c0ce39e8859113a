"""Daily readings: one row per meter and UK local date."""

from ingestion.domain.formats.headers import Column
from ingestion.domain.formats.reading import DAILY, Reading, ReadingColumns, day_number, new_reading
from ingestion.domain.formats.row_errors import InvalidValue
from ingestion.domain.formats.rows import CommonColumns, read_date, read_kwh
from ingestion.domain.formats.uk_time import local_midnight
from ingestion.domain.formats.values import parse_date


class DailyLayout:
    """meter, date, value; optionally unit and actual/estimated flag."""

    __slots__ = ("_date", "_row", "_value")
    name = "daily"

    def __init__(self, row: CommonColumns, date_column: Column, value_column: Column) -> None:
        self._row = row
        self._date = date_column
        self._value = value_column

    def parse_row(self, cells: list[str]) -> list[Reading]:
        row = self._row
        row.check_shape(cells)
        meter = row.meter(cells)
        day = read_date(cells, self._date)
        value = read_kwh(cells, self._value, row.unit_shift(cells))
        return [new_reading(meter, DAILY, local_midnight(day), day, None, value, row.estimated(cells))]

    def parse_batch(self, rows: list[list[str]]) -> ReadingColumns | None:
        """parse_row of every row at once, column by column, for a batch of valid rows (None: some
        row is not; read the rows one by one)."""
        row = self._row
        columns = row.columns(rows)
        if columns is None:
            return None
        try:
            meters, values, estimated = row.read_columns(columns, self._value)
            days = list(map(parse_date, columns[self._date.index]))
        except InvalidValue:
            return None
        starts = list(map(local_midnight, days))
        numbers = list(map(day_number, days))
        return ReadingColumns(DAILY, meters, starts, days, numbers, None, values, estimated, None)

    def value_column(self, reading: Reading) -> Column:
        return self._value
