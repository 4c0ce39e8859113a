"""Daily readings: one row per meter and UK local date."""

from collections.abc import Sequence

from ingestion.domain.formats.headers import Column
from ingestion.domain.formats.reading import DAILY, Reading, ReadingColumns, day_number, new_reading
from ingestion.domain.formats.row_errors import InvalidValue, RowError
from ingestion.domain.formats.rows import CommonColumns, ValueColumn
from ingestion.domain.formats.summary_rows import check_not_summary
from ingestion.domain.formats.uk_time import local_midnight


class DailyLayout:
    """meter (or one for the whole file), date, value (or one a channel); optionally unit and
    actual/estimated flag."""

    __slots__ = ("_by_channel", "_date", "_keys", "_row", "_values")
    name = "daily"

    def __init__(self, row: CommonColumns, date_column: Column, values: Sequence[ValueColumn]) -> None:
        self._row = row
        self._date = date_column
        self._values = tuple(values)
        self._by_channel = {value.channel: value.column for value in self._values}
        meter = row.meter_column
        self._keys = (date_column.index,) if meter is None else (meter.index, date_column.index)

    def parse_row(self, cells: list[str]) -> list[Reading]:
        row = self._row
        check_not_summary(cells, self._keys)
        row.check_shape(cells)
        meter = row.meter(cells)
        day = row.read_date(cells, self._date)
        estimated = row.estimated(cells)
        start = local_midnight(day)
        if len(self._values) == 1:
            column = self._values[0].column
            unit = row.unit(cells)
            value = row.read_kwh(cells, column, unit)
            return [
                new_reading(meter, DAILY, start, day, None, value, estimated, False, row.channel(cells, unit))
            ]
        readings = []
        for value_column in self._values:
            if not cells[value_column.column.index].strip():
                continue
            value = row.read_kwh(cells, value_column.column, value_column.unit)
            readings.append(
                new_reading(meter, DAILY, start, day, None, value, estimated, False, value_column.channel)
            )
        if not readings:
            raise RowError("no readings in row")
        return readings

    def parse_batch(self, rows: list[list[str]]) -> ReadingColumns | None:
        """parse_row of every row at once, column by column, for a batch of valid rows (None: some
        row is not, or a row holds more than one reading; read the rows one by one)."""
        row = self._row
        if len(self._values) != 1 or (columns := row.columns(rows)) is None:
            return None
        try:
            meters, values, estimated, channels = row.read_columns(columns, self._values[0].column)
            days = list(map(row.dates, columns[self._date.index]))
        except InvalidValue:
            return None
        starts = list(map(local_midnight, days))
        numbers = list(map(day_number, days))
        return ReadingColumns(DAILY, meters, starts, days, numbers, None, values, estimated, None, channels)

    def value_column(self, reading: Reading) -> Column:
        return self._by_channel.get(reading.channel, self._values[0].column)
