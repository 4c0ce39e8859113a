"""What each column of a file is read as, in words: a field of the mapping, a half hour of a wide
file or its flag, a column of a sites file. What a preview shows beside each column (a column with
no note here is not read)."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ingestion.domain.formats.half_hourly import Slot
from ingestion.domain.formats.headers import Column
from ingestion.domain.formats.mapping import DEFAULT_CHANNEL
from ingestion.domain.formats.rows import ValueColumn

NOT_READ = "not read"


@dataclass(frozen=True, slots=True)
class ColumnRead:
    """What one column is read as: the mapping's field (None: no field, such as a half hour of a
    wide file, its flag or a site's column), and a note that says it."""

    field: str | None
    note: str


_FIELD_NOTES = {
    "meter": "the meter",
    "date": "the date",
    "time": "the time of day",
    "datetime": "the date and time",
    "start": "the start of the half hour",
    "end": "the end of the half hour (checked)",
    "period": "the settlement period",
    "unit": "the unit of each value",
    "flag": "actual or estimated",
    "channel": "the channel (import, export, reactive)",
}


def readings_columns(
    row_columns: Mapping[str, Column],
    values: Sequence[ValueColumn],
    slots: Sequence[Slot] = (),
    *,
    ending: bool = False,
) -> dict[int, ColumnRead]:
    """A readings file's columns (by 0-based index): its row fields, its value columns (each with
    its unit and channel), or for a wide file each half hour and its flag."""
    read: dict[int, ColumnRead] = {}
    for field, column in row_columns.items():
        note = _FIELD_NOTES.get(field, field)
        if field in ("datetime", "time") and ending:
            note += " the half hour ends"
        elif field == "end" and "start" not in row_columns:
            note = "the date and time the half hour ends"  # (its only time: a period-ending one)
        read[column.index] = ColumnRead(field, note)
    if slots:
        for slot in slots:
            read[slot.column.index] = ColumnRead(None, _half_hour(slot, ending))
            if slot.flag is not None:
                read[slot.flag.index] = ColumnRead(None, f"flag of {slot.column.name}")
        return read
    for value in values:
        note = f"the reading, in {value.unit.name}"
        if value.channel != DEFAULT_CHANNEL:
            note += f", {value.channel.replace('_', ' ')}"
        read[value.column.index] = ColumnRead("value", note)
    return read


def site_file_columns(columns: Iterable[tuple[str, Column]]) -> dict[int, ColumnRead]:
    """A sites file's columns: (what each holds, its column)."""
    return {column.index: ColumnRead(None, f"the {what}") for what, column in columns}


def _half_hour(slot: Slot, ending: bool) -> str:
    if slot.period is not None:
        return f"half-hour period {slot.period}"
    assert slot.minute is not None
    if ending:
        end = slot.minute + 30
        note = f"half hour ending {end // 60:02d}:{end % 60:02d}"
    else:
        note = f"half hour {slot.label}"
    return note + (" (its second, on the day the clocks go back)" if slot.occurrence else "")
