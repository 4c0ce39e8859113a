"""Cell values: dates, times, numbers, units, actual/estimated flags and meter ids.

Each parser takes the cell's text and returns the value or raises InvalidValue saying what was expected.
They run once per cell over millions of rows, so the fixed formats are parsed by hand rather than with
strptime, and values that repeat down a file (dates, times, meter ids, numbers, units, flags) are cached
(cell_cache.py): each cache holds a bounded number of keys of bounded length, so memory stays flat
however long the file, and however long its cells.
"""

import calendar
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache, partial
from typing import NamedTuple

from ingestion.domain.formats.cell_cache import CellCache
from ingestion.domain.formats.mapping import DEFAULT_CALORIFIC_VALUE, MJ_PER_KWH, VOLUME_CORRECTION
from ingestion.domain.formats.row_errors import InvalidValue, quoted

DATE_FORMATS = "YYYY-MM-DD, DD/MM/YYYY, DD-MM-YYYY, DD-Mon-YYYY or YYYY/MM/DD"
# How a date that does not start with its year reads: day first (the UK's), month first, or only
# year first (ISO, and YYYY/MM/DD) - the mapping's date_order.
DATE_ORDERS = ("dmy", "mdy", "ymd")
_MONTHS = {name: number for number, name in enumerate(calendar.month_abbr) if name}
_MONTHS.update({name.lower(): number for name, number in list(_MONTHS.items())})
_MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_name) if name})
# Readings older than this, or this far ahead, are typing mistakes; the bounds also keep every date
# well inside what datetime can shift by a day.
FIRST_YEAR = 1900
LAST_YEAR = 2100
MAX_METER_CHARS = 32

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)
MINUTES_PER_DAY = 24 * 60
# DynamoDB numbers hold 38 significant digits; a longer reading is a mistake, caught here as a row error
# rather than failing a whole write batch later.
_MAX_DIGITS = 38

# Powers of ten from a unit to kWh, by lowercased unit, and the channel a unit says.
_UNIT_SHIFTS: dict[str, tuple[int, str | None]] = {
    "wh": (-3, None),
    "kwh": (0, None),
    "mwh": (3, None),
    "kvarh": (0, "reactive_import"),
}
UNITS = "Wh, kWh, MWh, kVArh, m3, ft3 or hcf"

_ESTIMATED_BY_FLAG = {
    "": False,
    "a": False,
    "actual": False,
    "e": True,
    "estimated": True,
    "act": False,
    "est": True,
    "m": False,  # a manual read is a real read
    "manual": False,
}
FLAGS = "A, Actual, Act, E, Estimated, Est, M, Manual or blank"


_SCIENTIFIC = re.compile(r"\d+(\.\d+)?[eE]\+?\d+")


def read_meter(text: str) -> str:
    """A meter id (MPAN, serial or MPRN): stripped, 1..32 characters, nothing unprintable."""
    meter = text.strip()
    if not meter:
        raise InvalidValue("missing meter id")
    if len(meter) > MAX_METER_CHARS:
        raise InvalidValue(f"meter id {quoted(meter)} is too long (at most {MAX_METER_CHARS} characters)")
    if not meter.isprintable():
        raise InvalidValue(f"meter id {quoted(meter)} contains control or invisible characters")
    if _SCIENTIFIC.fullmatch(meter):
        raise InvalidValue(
            f"meter id {quoted(meter)} is a number a spreadsheet shortened to scientific notation, so its "
            "digits are lost: format the column as text and export again"
        )
    if "#" in meter:
        # (the readings table keys a meter's readings on other channels than import by "<meter>#<channel>")
        raise InvalidValue(
            f"meter id {quoted(meter)} contains '#', which a meter id may not hold: remove it from the "
            "meter column"
        )
    if meter[0] in "=+-@":
        raise InvalidValue(
            f"meter id {quoted(meter)} starts with {meter[0]}: a spreadsheet would run it as a formula"
        )
    return meter


def read_date_text(text: str, order: str = "dmy") -> date:
    """A calendar date in one of DATE_FORMATS (MM/DD/YYYY for order "mdy"); day and month may drop a
    leading zero, the year may not. A month may be named ("01-Jan-2024", "1 January 2024")."""
    value = text.strip()
    if not value:
        raise InvalidValue("missing date")
    parts = _date_parts(value, order)
    if parts is None:
        raise InvalidValue(f"invalid date {quoted(value)} (expected {_date_formats(order)})")
    year, month, day = parts
    check_calendar_date(value, year, month, day, month_note=_MONTH_NOTES[order])
    return date(year, month, day)


_MONTH_NOTES = {"dmy": "; dates are day first", "mdy": "; dates are month first", "ymd": ""}


def _date_formats(order: str) -> str:
    if order == "mdy":
        return "YYYY-MM-DD, MM/DD/YYYY, MM-DD-YYYY or YYYY/MM/DD"
    if order == "ymd":
        return "YYYY-MM-DD or YYYY/MM/DD"
    return DATE_FORMATS


# The cached parsers, as the layouts call them (parse_x(cell) is a dict lookup once the cell is known).
parse_meter: Callable[[str], str] = CellCache(read_meter, 4096).__getitem__
parse_date: Callable[[str], date] = CellCache(read_date_text, 4096).__getitem__
_DATE_PARSERS: dict[str, Callable[[str], date]] = {
    "dmy": parse_date,
    "mdy": CellCache(partial(read_date_text, order="mdy"), 4096).__getitem__,
    "ymd": CellCache(partial(read_date_text, order="ymd"), 4096).__getitem__,
}


def date_parser(order: str) -> Callable[[str], date]:
    """parse_date for dates in this order (DATE_ORDERS)."""
    return _DATE_PARSERS[order]


def date_order_of(cells: Iterable[str]) -> str | None:
    """ "mdy" when some of these dates read only month first (12/31/2024) and none only day first;
    "dmy" when some read only day first; None when every one reads either way (or year first)."""
    day_first = month_first = False
    for cell in cells:
        parts = _numbered_parts(cell.strip())
        if parts is None or len(parts[0]) == 4:
            continue
        first, middle = int(parts[0]), int(parts[1])
        day_first |= first > 12 >= middle
        month_first |= middle > 12 >= first
    if day_first:
        return "dmy"
    return "mdy" if month_first else None


def check_calendar_date(text: str, year: int, month: int, day: int, *, month_note: str = "") -> None:
    """InvalidValue naming what is wrong when (year, month, day), read from `text`, is no date
    the service takes (a year outside FIRST_YEAR..LAST_YEAR, month 13, 30 February)."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidValue(f"invalid date {quoted(text)} (the year must be {FIRST_YEAR} to {LAST_YEAR})")
    if not 1 <= month <= 12:
        raise InvalidValue(f"invalid date {quoted(text)} (there is no month {month}{month_note})")
    days_in_month = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days_in_month:
        raise InvalidValue(f"invalid date {quoted(text)} ({year}-{month:02d} has {days_in_month} days)")


def _numbered_parts(value: str) -> list[str] | None:
    for separator in "-/.":
        parts = value.split(separator)
        if len(parts) == 3:
            return parts if all(part.isascii() and part.isdigit() for part in parts) else None
    return None


def _date_parts(value: str, order: str = "dmy") -> tuple[int, int, int] | None:
    """(year, month, day) from a YYYY?MM?DD shape, or DD?MM?YYYY (MM?DD?YYYY for "mdy"), or a
    day, a month's name and a year ("01-Jan-2024", "1 Jan 2024"), or None."""
    parts = _numbered_parts(value)
    if parts is None:
        return _named_month_parts(value)
    first, middle, last = parts
    if len(first) == 4 and len(middle) <= 2 and len(last) <= 2:
        return int(first), int(middle), int(last)
    if len(last) == 4 and len(first) <= 2 and len(middle) <= 2 and order != "ymd":
        if order == "mdy":
            return int(last), int(first), int(middle)
        return int(last), int(middle), int(first)
    return None


def _named_month_parts(value: str) -> tuple[int, int, int] | None:
    parts = value.replace("-", " ").split()
    if len(parts) != 3:
        return None
    day, month, year = parts
    number = _MONTHS.get(month.lower())
    if number is None or not (day.isascii() and day.isdigit() and len(day) <= 2):
        return None
    if not (year.isascii() and year.isdigit() and len(year) == 4):
        return None
    return int(year), number, int(day)


def read_time(text: str) -> time:
    """A time of day: H:MM, HH:MM or HH:MM:SS, or an Excel day fraction (0 <= x < 1) to the nearest minute."""
    value = text.strip()
    if not value:
        raise InvalidValue("missing time")
    clock = _clock_time(value)
    if clock is None:
        clock = _day_fraction(value)
    if clock is None:
        raise InvalidValue(
            f"invalid time {quoted(value)} (expected HH:MM, HH:MM:SS or an Excel day fraction such as 0.5)"
        )
    return clock


parse_time: Callable[[str], time] = CellCache(read_time, 1024).__getitem__


def _read_clock_time(value: str) -> time | None:
    parts = value.split(":")
    if len(parts) == 2:
        hour, minute = parts
        second, dot, fraction = "00", "", ""
    elif len(parts) == 3:
        hour, minute, seconds = parts
        second, dot, fraction = seconds.partition(".")
    else:
        return None
    if not (1 <= len(hour) <= 2 and len(minute) == 2 and len(second) == 2 and len(fraction) <= 6):
        return None
    if dot and not fraction:
        return None
    digits = hour + minute + second + fraction
    if not (digits.isascii() and digits.isdigit()):
        return None
    h, m, s = int(hour), int(minute), int(second)
    if h > 23 or m > 59 or s > 59:
        return None
    return time(h, m, s, int(fraction.ljust(6, "0")) if fraction else 0)


# (not stripping: a time inside a date and time is read exactly as it stands)
_clock_time: Callable[[str], time | None] = CellCache(_read_clock_time, 1024, strips=False).__getitem__


def _day_fraction(value: str) -> time | None:
    if _NUMBER.fullmatch(value) is None:
        return None
    fraction = Decimal(value)
    if not 0 <= fraction < 1:
        return None
    minutes = int((fraction * MINUTES_PER_DAY).to_integral_value(ROUND_HALF_UP))
    if minutes == MINUTES_PER_DAY:  # 23:59:30 or later rounds to the next midnight
        return None
    return time(minutes // 60, minutes % 60)


def parse_datetime(
    text: str, dates: Callable[[str], date] = parse_date
) -> tuple[date, time, timezone | None]:
    """A date and a time joined by a space or "T", optionally ending in "Z" or a ±HH:MM offset
    ("+0100" too); "24:00" is the end of the day, the next day's midnight. The date as `dates`
    reads it (parse_date: day first).

    Returns the date, the time and the offset; no offset means the file's zone (UK local time).
    """
    value = text.strip()
    if not value:
        raise InvalidValue("missing date and time")
    cut = value.find(" ")
    if cut < 0:
        cut = value.find("T")
    if cut < 0:
        raise InvalidValue(
            f"invalid date and time {quoted(value)} (expected a date and a time such as "
            "2024-11-09 00:30, 09/11/2024 00:30:00 or 2024-11-09T00:30:00Z)"
        )
    date_text, time_text = value[:cut], value[cut + 1 :]
    offset: timezone | None = None
    if time_text[-1:] in ("Z", "z"):
        offset, time_text = UTC, time_text[:-1]
    elif len(time_text) > 6 and time_text[-6] in "+-" and time_text[-3] == ":":
        offset = _utc_offset(time_text[-6:])
        if offset is None:
            shown = quoted(time_text[-6:])
            raise InvalidValue(f"invalid UTC offset {shown} in {quoted(value)} (expected ±HH:MM)")
        time_text = time_text[:-6]
    elif len(time_text) > 5 and time_text[-5] in "+-" and time_text[-4:].isdigit() and ":" in time_text[:-5]:
        offset = _utc_offset(f"{time_text[-5:-2]}:{time_text[-2:]}")
        if offset is None:
            shown = quoted(time_text[-5:])
            raise InvalidValue(f"invalid UTC offset {shown} in {quoted(value)} (expected ±HH:MM)")
        time_text = time_text[:-5]
    clock = _clock_time(time_text)
    if clock is None:
        if time_text.strip() in END_OF_DAY:
            return dates(date_text) + ONE_DAY, _MIDNIGHT, offset
        raise InvalidValue(
            f"invalid time {quoted(time_text)} in {quoted(value)} "
            "(expected HH:MM or HH:MM:SS, optionally followed by Z or ±HH:MM)"
        )
    return dates(date_text), clock, offset


END_OF_DAY = ("24:00", "24:00:00")  # the end of a day, which only a half hour's end can be
ONE_DAY = timedelta(days=1)
_MIDNIGHT = time(0, 0)


def is_end_of_day(text: str) -> bool:
    """A time cell (or a date and time cell's time) that says 24:00, which only a period's end can be."""
    value = text.strip()
    return value.endswith(END_OF_DAY) or " 24:00" in value or "T24:00" in value


@lru_cache(maxsize=64)
def _utc_offset(text: str) -> timezone | None:
    """A "+01:00" style offset, or None when the text is not one."""
    hours, minutes = text[1:3], text[4:6]
    if not (hours + minutes).isascii() or not (hours + minutes).isdigit():
        return None
    if int(hours) > 23 or int(minutes) > 59:
        return None
    offset = timedelta(hours=int(hours), minutes=int(minutes))
    return timezone(-offset if text[0] == "-" else offset)


def read_number(text: str) -> Decimal | None:
    """A reading as a decimal number with a decimal point (optional sign, optional exponent:
    "1.5e3" is 1500, "0E-20" is 0), or None when the cell is blank.

    "1,234", NaN and Infinity are rejected: Decimal alone would accept the last two.
    (Sharing a cached Decimal is safe: they are immutable.)
    """
    if len(text) <= _MAX_DIGITS // 2 and text.isascii() and text.replace(".", "", 1).isdigit():
        # The usual cell, ASCII digits with at most one point (no sign, space or exponent): one the
        # full rules pass as it is, too short to hold too many digits. 1.0 µs a cell the cache has
        # not seen against 1.6 through the regex (a file of few distinct values hardly misses).
        return Decimal(text)
    return _checked_number(text)


def _checked_number(text: str, shown: str | None = None, mark: str = ".") -> Decimal | None:
    """The number a cell's text holds; `shown`: the cell as messages quote it, when `text` is that
    cell rewritten (read_decimal_comma_number)."""
    value = text.strip()
    if not value:
        return None
    if _NUMBER.fullmatch(value) is not None:
        number = Decimal(value)
    elif _EXPONENT.fullmatch(value) is not None:
        number = _plain(Decimal(value))
    else:
        raise _invalid_number(value if shown is None else shown, mark)
    if len(number.as_tuple().digits) > _MAX_DIGITS and (
        len(value) > _MAX_DIGITS // 2 or "e" in value.lower()
    ):
        shown = value if shown is None else shown
        raise InvalidValue(f"invalid reading value {quoted(shown)} (more than {_MAX_DIGITS} digits)")
    return number


def _invalid_number(value: str, mark: str = ".") -> InvalidValue:
    if mark == ",":
        return InvalidValue(
            f"invalid reading value {quoted(value)} (this file's numbers have a decimal comma, such as "
            "12,5 or 1.234,5)"
        )
    return InvalidValue(
        f"invalid reading value {quoted(value)} (expected a number such as 12.5, "
        "without thousands separators or units)"
    )


def _plain(number: Decimal) -> Decimal:
    """A number written with an exponent, in plain digits (1.5E+3 -> 1500, 0E-20 -> 0), so it is
    stored and shown as any other reading. Its exponent has at most 2 digits (_EXPONENT): a larger
    one is more digits than a store holds, or smaller than its least number."""
    if not number:
        return _ZERO
    return Decimal(format(number, "f"))


_ZERO = Decimal(0)
_EXPONENT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)[eE][+-]?\d{1,2}", re.ASCII)
# Digits grouped in threes by a separator: "1.234", "12.345.678" (the first group 1 to 3 digits).
_GROUPED = {sep: re.compile(rf"\d{{1,3}}(?:{re.escape(sep)}\d{{3}})+", re.ASCII) for sep in ".,"}


def read_decimal_comma_number(text: str) -> Decimal | None:
    """A reading in a file whose decimal mark is a comma (its delimiter is not one): "0,507",
    "1.234,5" (a point groups digits in threes), "1.234" (1234), "1,5E+03"; blank is None."""
    value = text.strip()
    if "," not in value and "." not in value:
        return read_number(value)
    sign = value[:1] if value[:1] in "+-" else ""
    digits = value[len(sign) :]
    whole, comma, fraction = digits.partition(",")
    if "," in fraction:
        raise _invalid_number(value, ",")
    if "." in whole and not _GROUPED["."].fullmatch(whole):
        raise _invalid_number(value, ",")
    plain = whole.replace(".", "") + ("." + fraction if comma else "")
    return _checked_number(sign + plain, value, ",")


def number_shape(text: str) -> str | None:
    """What a number cell says of its file's decimal mark: "," (a decimal comma: "0,5",
    "1.234,5"), "." (a decimal point: "0.5", "1,234.5", "1.2345"), or None (either: "12", "1.234")."""
    value = text.strip().lstrip("+-")
    if "," in value:
        whole, _, fraction = value.rpartition(",")
        if "." in fraction:
            return "."  # 1,234.5
        return "," if fraction.isdigit() and (not whole or whole.replace(".", "").isdigit()) else None
    if "." in value:
        return None if _GROUPED["."].fullmatch(value) else "."
    return None


parse_number: Callable[[str], Decimal | None] = CellCache(read_number, 4096).__getitem__
_parse_decimal_comma_number = CellCache(read_decimal_comma_number, 4096).__getitem__
DECIMAL_MARKS = (".", ",")


def number_parser(mark: str) -> Callable[[str], Decimal | None]:
    """parse_number for a file whose decimal mark is `mark` ("." or ",")."""
    return parse_number if mark == "." else _parse_decimal_comma_number


def decimal_mark_of(cells: Iterable[str], delimiter: str) -> str:
    """A file's decimal mark from some of its value cells: "," when they hold decimal commas and no
    decimal point, in a file not split by commas; else ".". (A cell like 1.234 says neither: it
    reads 1234 in a file of decimal commas, 1.234 in the others.)"""
    if delimiter == ",":
        return "."
    shapes = {number_shape(cell) for cell in cells}
    return "," if "," in shapes and "." not in shapes else "."


class Unit(NamedTuple):
    """How a value in one unit becomes kWh, and the channel the unit says (kVArh: reactive)."""

    conversion: int | Decimal  # int: a power of ten (exact); Decimal: a factor (a gas volume)
    channel: str | None = None
    name: str = "kWh"

    @property
    def is_volume(self) -> bool:
        """A gas volume (m³, ft³, hcf): converted with a calorific value, not by a power of ten."""
        return type(self.conversion) is not int


KWH = Unit(0)
# Gas volumes, in m³ of the unit: a cubic foot, and a hundred of them ("hcf").
_CUBIC_METRES = {"m3": Decimal(1), "ft3": Decimal("0.028316846592"), "hcf": Decimal("2.8316846592")}
_MICRO = Decimal("0.000001")  # gas energy is kept to the milliwatt-hour


def gas_factor(unit: str, calorific_value: Decimal, correction: Decimal = VOLUME_CORRECTION) -> Decimal:
    """kWh per unit of a gas volume: m³ x the volume correction factor x calorific value / 3.6."""
    return _CUBIC_METRES[unit] * correction * calorific_value / MJ_PER_KWH


def unit_named(
    name: str, calorific_value: Decimal = DEFAULT_CALORIFIC_VALUE, correction: Decimal = VOLUME_CORRECTION
) -> Unit:
    """The Unit of a unit's name as the mapping and header names spell it (UNIT_NAMES, kVArh)."""
    key = name.lower()
    if key in _CUBIC_METRES:
        return Unit(gas_factor(key, calorific_value, correction), None, name)
    shift, channel = _UNIT_SHIFTS[key]
    return Unit(shift, channel, name)


def read_unit(
    text: str, calorific_value: Decimal = DEFAULT_CALORIFIC_VALUE, correction: Decimal = VOLUME_CORRECTION
) -> Unit | None:
    """The unit a unit cell names; None for a blank cell."""
    value = text.strip()
    if not value:
        return None
    key = _UNIT_WORDS.get(value.lower().replace("³", "3").replace(" ", ""))
    if key is None:
        raise InvalidValue(f"unknown unit {quoted(value)} (expected {UNITS})")
    return unit_named(key, calorific_value, correction)


_UNIT_WORDS = {
    "wh": "Wh",
    "kwh": "kWh",
    "mwh": "MWh",
    "kvarh": "kVArh",
    "m3": "m3",
    "cubicmetres": "m3",
    "cubicmeters": "m3",
    "ft3": "ft3",
    "cubicfeet": "ft3",
    "hcf": "hcf",
}


@lru_cache(maxsize=16)
def unit_parser(
    calorific_value: Decimal = DEFAULT_CALORIFIC_VALUE, correction: Decimal = VOLUME_CORRECTION
) -> Callable[[str], Unit | None]:
    """read_unit for a file's gas calorific value and volume correction, cached by cell."""
    reader = partial(read_unit, calorific_value=calorific_value, correction=correction)
    return CellCache(reader, 256).__getitem__


def to_kwh(value: Decimal, conversion: int | Decimal) -> Decimal:
    """A value in kWh. A power of ten moves the decimal point exactly (scaleb; dividing by 1000 would
    round at the context precision); a gas factor multiplies, kept to the milliwatt-hour."""
    if not conversion:
        return value
    if type(conversion) is int:
        return value.scaleb(conversion)
    return (value * conversion).quantize(_MICRO).normalize() or _ZERO


def read_flag(text: str) -> bool:
    """True when an actual/estimated flag says estimated; blank means actual."""
    value = text.strip()
    problem = f"unknown actual/estimated flag {quoted(value)} (expected {FLAGS})"
    return word_in(_ESTIMATED_BY_FLAG, value, problem)


parse_flag: Callable[[str], bool] = CellCache(read_flag, 256).__getitem__


_CHANNEL_WORDS = {
    "ai": "import",
    "ae": "export",
    "ri": "reactive_import",
    "re": "reactive_export",
    "import": "import",
    "export": "export",
    "activeimport": "import",
    "activeexport": "export",
    "reactiveimport": "reactive_import",
    "reactiveexport": "reactive_export",
    "kwh": "import",
    "kvarh": "reactive_import",
    "generation": "export",
}
CHANNEL_WORDS = "AI, AE, RI, RE, Import, Export, Reactive Import or Reactive Export"


def read_channel(text: str, default: str = "import") -> str:
    """The channel a measurement-type cell names (AI, AE, RI, RE; Import, Export); blank: the default."""
    value = text.strip()
    if not value:
        return default
    key = value.lower().replace(" ", "").replace("_", "").replace("-", "")
    channel = _CHANNEL_WORDS.get(key)
    if channel is None:
        raise InvalidValue(f"unknown measurement type {quoted(value)} (expected {CHANNEL_WORDS})")
    return channel


@lru_cache(maxsize=1024)
def parse_channel(text: str, default: str = "import") -> str:
    return read_channel(text, default)


def word_in[T](table: Mapping[str, T], word: str, problem: str) -> T:
    """What a word means by the table (lower-cased), or InvalidValue(problem) when it is not there."""
    meaning = table.get(word.lower())
    if meaning is None:
        raise InvalidValue(problem)
    return meaning
