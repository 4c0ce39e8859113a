"""A column mapping: what a user tells the service about a file, where detection would guess.

Every key is optional. What is given wins over detection; what is not given is detected. The same
object arrives in POST /imports (JSON), in the direct upload's `mapping` query parameter, in a
saved profile and in a preview; a job records the one it was asked for and the one it used, every
key resolved (`Mapping.resolved`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

# What a column may be mapped to (the keys of "columns").
MappedField = Literal[
    "meter", "date", "time", "datetime", "start", "end", "period", "value", "unit", "flag", "channel"
]
MAPPED_FIELDS: tuple[str, ...] = get_args(MappedField)
Timestamps = Literal["start", "end"]
DateOrder = Literal["dmy", "mdy", "ymd"]
UnitName = Literal["kWh", "Wh", "MWh", "kVArh", "m3", "ft3", "hcf"]
UNIT_NAMES: tuple[str, ...] = get_args(UnitName)
Channel = Literal["import", "export", "reactive_import", "reactive_export"]
CHANNELS: tuple[str, ...] = get_args(Channel)
DEFAULT_CHANNEL: Channel = "import"

# Lines a header row may be preceded by (titles, blank lines, "MPAN: ..."): it is looked for on
# the first MAX_PREAMBLE_LINES + 1 lines.
MAX_PREAMBLE_LINES = 20
# Gas: a volume in m³ is energy = volume x correction factor x calorific value (MJ/m³) / 3.6. The
# correction factor is the UK's standard one (temperature and pressure); the calorific value the
# supplier's bill states, near 39.5 MJ/m³ on the UK grid, and this when the user gives none.
VOLUME_CORRECTION = Decimal("1.02264")
DEFAULT_CALORIFIC_VALUE = Decimal("39.5")
MJ_PER_KWH = Decimal("3.6")

# The usual value of each key of a resolved mapping (what most files resolve to).
RESOLVED_DEFAULTS: dict[str, object] = {
    "timestamps": "start",
    "date_order": "dmy",
    "timezone": "Europe/London",
    "unit": "kWh",
    "header_row": 1,
    "decimal_mark": ".",
}

# A header name (as in the file, at most as long as headers.MAX_COLUMN_NAME_CHARS), or a 1-based
# column number (at most headers.MAX_HEADER_COLUMNS).
ColumnName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
# (strict: true is no column number, nor false a header row)
ColumnNumber = Annotated[int, Field(ge=1, le=200, strict=True)]
ColumnRef = ColumnNumber | ColumnName
MeterId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]


class Mapping(BaseModel):
    """How to read a file, as far as the user says (every key optional)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    columns: dict[MappedField, ColumnRef] = Field(
        default_factory=dict,
        description="which column holds each field: its header name, or its 1-based number",
    )
    ignore: list[ColumnRef] = Field(
        default_factory=list,
        max_length=200,
        description="columns never read, though their names look like a field's: header names or numbers",
    )
    meter: MeterId | None = Field(default=None, description="the meter of a file without a meter column")
    timestamps: Timestamps | None = Field(
        default=None, description="whether a reading's time is the start (usual) or the end of its half hour"
    )
    date_order: DateOrder | None = Field(
        default=None, description="how dates like 01/02/2024 read: dmy (the default), mdy or ymd"
    )
    timezone: str | None = Field(
        default=None,
        max_length=64,
        description="the IANA zone of times without an offset (default Europe/London)",
    )
    unit: UnitName | None = Field(
        default=None, description="the unit of the values when the file does not say"
    )
    calorific_value: Annotated[Decimal, Field(ge=Decimal(20), le=Decimal(60))] | None = Field(
        default=None,
        description=f"MJ/m³, to turn gas volumes into kWh (default {DEFAULT_CALORIFIC_VALUE})",
    )
    volume_correction: Annotated[Decimal, Field(ge=Decimal("0.9"), le=Decimal("1.1"))] | None = Field(
        default=None,
        description=f"the volume correction factor of gas volumes (default {VOLUME_CORRECTION}, the UK's; "
        "1 for volumes already corrected)",
    )
    header_row: Annotated[int, Field(ge=0, le=MAX_PREAMBLE_LINES + 1, strict=True)] | None = Field(
        default=None,
        description="the header row's line number; 0: the file has none, columns are read by number",
    )
    decimal_mark: Literal[".", ","] | None = Field(
        default=None,
        description="the decimal mark of the values: '.' or ',' (only in files not split by commas)",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str | None) -> str | None:
        if name is None:
            return None
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {name!r} (expected an IANA name such as Europe/London)"
            ) from None
        return name

    @field_validator("meter")
    @classmethod
    def _printable_meter(cls, meter: str | None) -> str | None:
        if meter is not None and not meter.isprintable():
            raise ValueError("the meter id contains control or invisible characters")
        if meter is not None and "#" in meter:
            raise ValueError("a meter id may not hold '#'")
        return meter

    def over(self, base: Mapping | None) -> Mapping:
        """This mapping given beside `base` (a profile's): each key given here wins, the others are
        base's; "columns" key by key."""
        if base is None:
            return self
        given = self.model_dump(exclude_unset=True, exclude_none=True)
        columns = {**base.columns, **self.columns}
        return base.model_copy(update={**given, "columns": columns})

    @property
    def mentions_columns(self) -> bool:
        return bool(self.columns or self.ignore)

    def is_empty(self) -> bool:
        return not self.model_dump(exclude_none=True, exclude_defaults=True)
