"""The column-mapping options of the commands that read a file (upload, profiles save, and preview),
and the API's mapping object they make: one place, so every command takes the same options.

    --map FIELD=COLUMN (repeatable; digits: a column number)   --meter M   --timestamps start|end
    --date-order dmy|mdy|ymd   --timezone ZONE   --unit U   --calorific-value CV   --header-row N
    --decimal-mark .|,
    --profile NAME (not on `profiles save`)

The CLI must not import the service's layer, so it keeps its own copies of the mapping's fixed
choices; tests/cli/test_api_contract.py checks them against functions/status/openapi.json."""

from __future__ import annotations

import argparse
from typing import Any

MAPPED_FIELDS = (
    "meter", "date", "time", "datetime", "start", "end", "period", "value", "unit", "flag", "channel",
)  # fmt: skip
TIMESTAMPS = ("start", "end")
DATE_ORDERS = {"dmy": "day/month/year", "mdy": "month/day/year", "ymd": "year/month/day"}
UNITS = ("kWh", "Wh", "MWh", "kVArh", "m3", "ft3", "hcf")
DECIMAL_MARKS = (".", ",")
MAX_COLUMN = 200
# Option dest -> the mapping's key, for the options that are one key each.
MAPPING_KEYS = {
    "map_meter": "meter",
    "map_timestamps": "timestamps",
    "map_date_order": "date_order",
    "map_timezone": "timezone",
    "map_unit": "unit",
    "map_calorific_value": "calorific_value",
    "map_volume_correction": "volume_correction",
    "map_header_row": "header_row",
    "map_decimal_mark": "decimal_mark",
}


def _column(text: str) -> tuple[str, int | str]:
    """FIELD=COLUMN: a field and its column, a number when it is all digits, else a header name."""
    field, equals, column = (part.strip() for part in text.partition("="))
    if not equals or not field or not column:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not FIELD=COLUMN (e.g. meter=MPAN, or value=3 for the third column)"
        )
    if field not in MAPPED_FIELDS:
        raise argparse.ArgumentTypeError(
            f"{field!r} is not a field a column can be mapped to: {', '.join(MAPPED_FIELDS)}"
        )
    if not column.isdigit():
        return field, column
    if not 1 <= int(column) <= MAX_COLUMN:
        raise argparse.ArgumentTypeError(f"column numbers start at 1 and go up to {MAX_COLUMN}, not {column}")
    return field, int(column)


def _ignored_column(text: str) -> int | str:
    column = text.strip()
    if not column:
        raise argparse.ArgumentTypeError("give the column's header name or number")
    if column.isdigit() and not 1 <= int(column) <= MAX_COLUMN:
        raise argparse.ArgumentTypeError(f"column numbers start at 1 and go up to {MAX_COLUMN}, not {column}")
    return int(column) if column.isdigit() else column


def _volume_correction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.9 <= value <= 1.1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a volume correction factor from 0.9 to 1.1")
    return value


def _header_row(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a line number of 0 or more (0: no header row)")
    return int(text)


def _calorific_value(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a calorific value in MJ/m³ (e.g. 39.5)")
    return value


def add_mapping_options(parser: argparse.ArgumentParser, *, profile: bool = True) -> None:
    """The mapping options, in a group of their own (with --profile unless `profile` is False)."""
    group = parser.add_argument_group(
        "column mapping", "how to read the file, where detection would guess (what is not given is detected)"
    )
    group.add_argument(
        "--map",
        metavar="FIELD=COLUMN",
        dest="map_columns",
        type=_column,
        action="append",
        default=[],
        help=f"read FIELD from COLUMN: its header name, or its number (1 is the first); repeatable. "
        f"Fields: {', '.join(MAPPED_FIELDS)}",
    )
    group.add_argument(
        "--ignore",
        metavar="COLUMN",
        dest="map_ignore",
        type=_ignored_column,
        action="append",
        default=[],
        help="never read COLUMN (its header name, or its number), though its name looks like a field's; "
        "repeatable",
    )
    group.add_argument(
        "--meter", dest="map_meter", metavar="M", help="the meter of a file with no meter column"
    )
    group.add_argument(
        "--timestamps",
        dest="map_timestamps",
        choices=TIMESTAMPS,
        help="whether a reading's time is the start (usual) or the end of its half hour",
    )
    group.add_argument(
        "--date-order",
        dest="map_date_order",
        choices=tuple(DATE_ORDERS),
        help="how dates like 01/02/2024 read (default: dmy, day first)",
    )
    group.add_argument(
        "--timezone",
        dest="map_timezone",
        metavar="ZONE",
        help="the IANA zone of times without an offset (default: Europe/London)",
    )
    group.add_argument(
        "--unit", dest="map_unit", choices=UNITS, help="the values' unit when the file does not say"
    )
    group.add_argument(
        "--calorific-value",
        dest="map_calorific_value",
        metavar="CV",
        type=_calorific_value,
        help="MJ/m³, to turn gas volumes into kWh (default: the service's, 39.5)",
    )
    group.add_argument(
        "--volume-correction",
        dest="map_volume_correction",
        metavar="VCF",
        type=_volume_correction,
        help="gas volumes' correction factor (default: the UK's, 1.02264; 1 for corrected volumes)",
    )
    group.add_argument(
        "--header-row",
        dest="map_header_row",
        metavar="N",
        type=_header_row,
        help="the header's line number (0: no header row; then --map columns by number)",
    )
    group.add_argument(
        "--decimal-mark",
        dest="map_decimal_mark",
        choices=DECIMAL_MARKS,
        help="the values' decimal mark (',' only in files not split by commas; default: detected)",
    )
    if profile:
        group.add_argument(
            "--profile",
            metavar="NAME",
            help="start from your saved profile NAME (csvimport profiles); the options above override it",
        )


def mapping_from_args(args: argparse.Namespace) -> dict[str, Any] | None:
    """The API's mapping object from the parsed options; None when none was given. ValueError when a
    field is mapped twice."""
    mapping: dict[str, Any] = {}
    columns: dict[str, int | str] = {}
    for field, column in getattr(args, "map_columns", None) or []:
        if field in columns:
            raise ValueError(f"--map {field} is given twice: map each field to one column")
        columns[field] = column
    if columns:
        mapping["columns"] = columns
    if getattr(args, "map_ignore", None):
        mapping["ignore"] = list(args.map_ignore)
    for dest, key in MAPPING_KEYS.items():
        value = getattr(args, dest, None)
        if value is not None:
            mapping[key] = value
    return mapping or None


def mapping_text(mapping: dict[str, Any] | None) -> str:
    """A mapping in one plain line, as the status page shows it."""
    mapping = mapping or {}
    parts = [
        f"{field}: column {column}" if isinstance(column, int) else f'{field}: column "{column}"'
        for field, column in (mapping.get("columns") or {}).items()
    ]
    header_row = mapping.get("header_row")
    ignored = ", ".join(
        f"column {c}" if isinstance(c, int) else f'"{c}"' for c in mapping.get("ignore") or []
    )
    parts += [
        f"not read: {ignored}" if ignored else "",
        f"meter {mapping['meter']} for every row" if mapping.get("meter") else "",
        "no header row" if header_row == 0 else f"header on line {header_row}" if header_row else "",
        "times mark the end of each period" if mapping.get("timestamps") == "end" else "",
        f"dates {DATE_ORDERS.get(mapping['date_order'], mapping['date_order'])}"
        if mapping.get("date_order")
        else "",
        f"time zone {mapping['timezone']}" if mapping.get("timezone") else "",
        f"unit {mapping['unit']}" if mapping.get("unit") else "",
        f"calorific value {mapping['calorific_value']} MJ/m³" if mapping.get("calorific_value") else "",
        f"volume correction {mapping['volume_correction']}" if mapping.get("volume_correction") else "",
    ]
    return " · ".join(p for p in parts if p) or "nothing given: everything is detected"
