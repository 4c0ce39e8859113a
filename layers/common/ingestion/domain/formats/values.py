"""Cell values: dates, times, numbers, units, actual/estimated flags and meter ids.

Each parser takes the cell's text and returns the value or raises InvalidValue saying what was expected.
They run once per cell over millions of rows, so the fixed formats are parsed by hand rather than with
strptime, and values that repeat down a file (dates, times, meter ids, numbers, units, flags) are cached
(cell_cache.py): each cache holds a bounded number of keys of bounded length, so memory stays flat
however long the file, and however long its cells.
"""

import calendar
import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from ingestion.domain.formats.cell_cache import CellCache
from ingestion.domain.formats.row_errors import InvalidValue, quoted

DATE_FORMATS = "YYYY-MM-DD, DD/MM/YYYY, DD-MM-YYYY or YYYY/MM/DD"
# Readings older than this, or this far ahead, are typing mistakes; the bounds also keep every date
# well inside what datetime can shift by a day.
FIRST_YEAR = 1900
LAST_YEAR = 2100
MAX_METER_CHARS = 32

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)
_MINUTES_PER_DAY = 24 * 60
# DynamoDB numbers hold 38 significant digits; a longer reading is a mistake, caught here as a row error
# rather than failing a whole write batch later.
_MAX_DIGITS = 38

# Powers of ten from a unit to kWh, by lowercased unit.
_UNIT_SHIFTS = {"wh": -3, "kwh": 0, "mwh": 3}
UNITS = "Wh, kWh or MWh"

_ESTIMATED_BY_FLAG = {
    "": False,
    "a": False,
    "actual": False,
    "e": True,
    "estimated": True,
    "m": False,  # a manual read is a real read
    "manual": False,
}
FLAGS = "A, Actual, E, Estimated, M, Manual or blank"


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


def read_date_text(text: str) -> date:
    """A calendar date in one of DATE_FORMATS; day and month may drop a leading zero, the year may not."""
    value = text.strip()
    if not value:
        raise InvalidValue("missing date")
    parts = _date_parts(value)
    if parts is None:
        raise InvalidValue(f"invalid date {quoted(value)} (expected {DATE_FORMATS})")
    year, month, day = parts
    check_calendar_date(value, year, month, day, month_note="; dates are day first")
    return date(year, month, day)


# The cached parsers, as the layouts call them (parse_x(cell) is a dict lookup once the cell is known).
parse_meter: Callable[[str], str] = CellCache(read_meter, 4096).__getitem__
parse_date: Callable[[str], date] = CellCache(read_date_text, 4096).__getitem__


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


def _date_parts(value: str) -> tuple[int, int, int] | None:
    """(year, month, day) from a YYYY?MM?DD or DD?MM?YYYY shape, or None."""
    for separator in "-/":
        parts = value.split(separator)
        if len(parts) == 3:
            break
    else:
        return None
    first, middle, last = parts
    if not all(part.isascii() and part.isdigit() for part in parts):
        return None
    if len(first) == 4 and len(middle) <= 2 and len(last) <= 2:
        return int(first), int(middle), int(last)
    if len(last) == 4 and len(first) <= 2 and len(middle) <= 2:
        return int(last), int(middle), int(first)
    return None


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
    minutes = int((fraction * _MINUTES_PER_DAY).to_integral_value(ROUND_HALF_UP))
    if minutes == _MINUTES_PER_DAY:  # 23:59:30 or later rounds to the next midnight
        return None
    return time(minutes // 60, minutes % 60)


def parse_datetime(text: str) -> tuple[date, time, timezone | None]:
    """A date and a time joined by a space or "T", optionally ending in "Z" or a ±HH:MM offset.

    Returns the date, the time and the offset; no offset means UK local time.
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
    clock = _clock_time(time_text)
    if clock is None:
        raise InvalidValue(
            f"invalid time {quoted(time_text)} in {quoted(value)} "
            "(expected HH:MM or HH:MM:SS, optionally followed by Z or ±HH:MM)"
        )
    return parse_date(date_text), clock, offset


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
    """A reading as a plain decimal number (optional sign), or None when the cell is blank.

    "1,234", exponents, NaN and Infinity are rejected: Decimal alone would accept the last three.
    (Sharing a cached Decimal is safe: they are immutable.)
    """
    if len(text) <= _MAX_DIGITS // 2 and text.isascii() and text.replace(".", "", 1).isdigit():
        # The usual cell, ASCII digits with at most one point (no sign, space or exponent): one the
        # full rules pass as it is, too short to hold too many digits. 1.0 µs a cell the cache has
        # not seen against 1.6 through the regex (a file of few distinct values hardly misses).
        return Decimal(text)
    return _checked_number(text)


def _checked_number(text: str) -> Decimal | None:
    value = text.strip()
    if not value:
        return None
    if _NUMBER.fullmatch(value) is None:
        raise InvalidValue(
            f"invalid reading value {quoted(value)} (expected a number such as 12.5, "
            "without thousands separators or units)"
        )
    number = Decimal(value)
    if len(value) > _MAX_DIGITS // 2 and len(number.as_tuple().digits) > _MAX_DIGITS:
        raise InvalidValue(f"invalid reading value {quoted(value)} (more than {_MAX_DIGITS} digits)")
    return number


parse_number: Callable[[str], Decimal | None] = CellCache(read_number, 4096).__getitem__


def read_unit(text: str) -> int | None:
    """The power of ten that turns a reading in this unit into kWh; None for a blank cell."""
    value = text.strip()
    if not value:
        return None
    return word_in(_UNIT_SHIFTS, value, f"unknown unit {quoted(value)} (expected {UNITS})")


_unit_shift = CellCache(read_unit, 256).__getitem__


def parse_unit(text: str, default_shift: int = 0) -> int:
    """The power of ten that turns a reading in this unit into kWh; a blank cell means the default."""
    shift = _unit_shift(text)
    return default_shift if shift is None else shift


def to_kwh(value: Decimal, shift: int) -> Decimal:
    # scaleb moves the decimal point exactly; dividing by 1000 would round at the context precision.
    return value.scaleb(shift) if shift else value


def read_flag(text: str) -> bool:
    """True when an actual/estimated flag says estimated; blank means actual."""
    value = text.strip()
    problem = f"unknown actual/estimated flag {quoted(value)} (expected {FLAGS})"
    return word_in(_ESTIMATED_BY_FLAG, value, problem)


parse_flag: Callable[[str], bool] = CellCache(read_flag, 256).__getitem__


def word_in[T](table: Mapping[str, T], word: str, problem: str) -> T:
    """What a word means by the table (lower-cased), or InvalidValue(problem) when it is not there."""
    meaning = table.get(word.lower())
    if meaning is None:
        raise InvalidValue(problem)
    return meaning
