"""Readings as the readings table holds them: one item per meter, channel and local day.

A half-hourly day is one item keyed by its partition (the meter, with its channel where it is not
import: reading_partition) and `hh#<UK local date>`, holding each of that day's periods (1..46, 48
or 50, UK local period numbers) that has a reading: its value, whether it is estimated, and which
import wrote it last. A daily reading is one item keyed `day#<local date>`, holding one period (1).
The readings of a batch are grouped by day here; the store writes a day the batch holds whole as
one put, and the periods of a partial day as one update that sets only them (docs/design.md,
"Readings: one item per meter and day").

A job's per-batch log (what each day held before the batch wrote it) is planned here, and so is
the undo of a deleted job from it: each period the job wrote last goes back to what it replaced."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, NamedTuple

from ingestion.domain.formats.reading import HALF_HOURLY, Reading
from ingestion.domain.formats.uk_time import HALF_HOUR, local_date, local_midnight, periods_in_day

HH_PREFIX = "hh#"
DAY_PREFIX = "day#"
DAILY_PERIOD = 1  # the one "period" of a daily reading's item
MAX_PERIODS = 50  # the most a local day has (the clocks go back)

DayKind = Literal["hh", "day"]
DayKey = tuple[str, str]  # (partition, sort key) of a day item: ("1900...", "hh#2025-11-01")


class Period(NamedTuple):
    """One period of a day item: the value as written (a decimal's text, never rounded), its flag,
    and the job that wrote it last."""

    value: str
    estimated: bool
    writer: str


def day_sort_key(kind: str, day: date) -> str:
    return (HH_PREFIX if kind == HALF_HOURLY else DAY_PREFIX) + day.isoformat()


def day_of_sort_key(sort_key: str) -> tuple[DayKind, date]:
    """The kind and local date of a day item's sort key (day_sort_key's inverse)."""
    if sort_key.startswith(HH_PREFIX):
        return "hh", date.fromisoformat(sort_key[len(HH_PREFIX) :])
    return "day", date.fromisoformat(sort_key.removeprefix(DAY_PREFIX))


def expected_periods(kind: DayKind, day: date) -> int:
    """How many periods the day's item holds when it is whole: 46, 48 or 50, or 1 (daily)."""
    return periods_in_day(day) if kind == "hh" else 1


def period_start(day: date, period: int) -> datetime:
    """The UTC start of a UK local period (uk_time: period p starts (p - 1) half hours after local
    midnight)."""
    return local_midnight(day) + (period - 1) * HALF_HOUR


def day_key_of_reading_key(partition: str, reading_key: str) -> tuple[DayKey, int]:
    """The day item and period of a reading's natural key (Reading.key: "hh#<UTC start>Z" or
    "day#<local date>")."""
    if reading_key.startswith(HH_PREFIX):
        start = datetime.fromisoformat(reading_key[len(HH_PREFIX) :].replace("Z", "+00:00"))
        day = local_date(start)
        return (partition, day_sort_key(HALF_HOURLY, day)), (start - local_midnight(day)) // HALF_HOUR + 1
    return (partition, reading_key), DAILY_PERIOD


def reading_key_of(kind: DayKind, day: date, period: int) -> str:
    """A period's natural key (Reading.key), from its day and number."""
    if kind == "hh":
        return HH_PREFIX + period_start(day, period).isoformat()[:16] + "Z"
    return DAY_PREFIX + day.isoformat()


@dataclass
class MeterDay:
    """The periods one batch writes into one day item (a later reading of a period wins)."""

    partition: str
    kind: DayKind
    day: date
    periods: dict[int, tuple[str, bool]] = field(default_factory=dict)  # period -> (value, estimated)

    @property
    def key(self) -> DayKey:
        return self.partition, day_sort_key(HALF_HOURLY if self.kind == "hh" else "day", self.day)

    @property
    def whole(self) -> bool:
        """Every period of the day is here: the item can be put whole."""
        return len(self.periods) == expected_periods(self.kind, self.day)


def group_by_day(readings: Iterable[Reading]) -> dict[DayKey, MeterDay]:
    """A batch's readings by day item, in the order first met; a period given twice keeps the later
    reading (as the per-reading upsert did)."""
    days: dict[DayKey, MeterDay] = {}
    for r in readings:
        hh = r.kind == HALF_HOURLY
        key = (r.partition, (HH_PREFIX if hh else DAY_PREFIX) + r.local_date.isoformat())
        found = days.get(key)
        if found is None:
            found = days[key] = MeterDay(key[0], "hh" if hh else "day", r.local_date)
        found.periods[r.period if hh and r.period is not None else DAILY_PERIOD] = (
            str(r.value_kwh),
            r.estimated,
        )
    return days


def readings_in(days: Iterable[MeterDay]) -> int:
    return sum(len(d.periods) for d in days)


# ---- the log of a batch, and undo ----------------------------------------------------------------


@dataclass(frozen=True)
class LoggedDay:
    """What one batch of a job did to one day item: the periods it wrote (with their estimated
    flag, for the coverage), and for each what it replaced: another import's period (`before`),
    nothing (a period in neither `before` nor `mine`), or one this job had written already (`mine`:
    an earlier batch's log, or an earlier attempt's, holds what that replaced)."""

    partition: str
    sort_key: str
    wrote: Mapping[int, bool]  # period -> estimated
    before: Mapping[int, Period]
    mine: frozenset[int]

    @property
    def key(self) -> DayKey:
        return self.partition, self.sort_key


def log_of(day: MeterDay, current: Mapping[int, Period] | None, job_id: str) -> LoggedDay:
    """The log entry of writing `day` over what its item holds now (`current`; None: no item)."""
    current = current or {}
    before = {p: current[p] for p in day.periods if p in current and current[p].writer != job_id}
    mine = frozenset(p for p in day.periods if p in current and current[p].writer == job_id)
    wrote = {p: estimated for p, (_, estimated) in day.periods.items()}
    return LoggedDay(day.partition, day.key[1], wrote, before, mine)


# A period's change on undo: its previous Period back, or None (it had none: remove it).
type Undo = dict[int, Period | None]


def plan_undo(entries: Iterable[LoggedDay], current: Mapping[int, Period], job_id: str) -> Undo:
    """What undoing a job's writes to one day item changes, from the job's log entries for it (in
    file order) and what the item holds now: each period the job still wrote last goes back to what
    its last write of it replaced; a period another import wrote since is left as it is.

    (An entry that found the period this job's already, `mine`, says nothing of what was there
    before: an earlier attempt at the same batch, or an earlier batch, logged that.)"""
    changes: Undo = {}
    for entry in reversed(list(entries)):
        for period in entry.wrote:
            if period in entry.mine or period in changes:
                continue
            now = current.get(period)
            if now is None or now.writer != job_id:
                continue
            changes[period] = entry.before.get(period)
    return changes


# ---- coverage -----------------------------------------------------------------------------------


@dataclass(slots=True)
class DayCoverage:
    """The periods of a day a job wrote, and which of them estimated, as bits (period p is bit p):
    a job of 10 million readings covers some 200,000 days, and a set of periods each would be
    hundreds of MB where two ints are tens."""

    expected: int
    written_bits: int = 0
    estimated_bits: int = 0

    @property
    def written(self) -> int:
        return self.written_bits.bit_count()

    @property
    def estimated(self) -> int:
        return self.estimated_bits.bit_count()


class Coverage:
    """The coverage of a job's writes, fed its log entries in file order (the later write of a
    period wins its estimated flag), a part at a time."""

    def __init__(self) -> None:
        self.days: dict[DayKey, DayCoverage] = {}

    def add(self, entries: Iterable[LoggedDay]) -> None:
        for entry in entries:
            covered = self.days.get(entry.key)
            if covered is None:
                kind, day = day_of_sort_key(entry.sort_key)
                covered = self.days[entry.key] = DayCoverage(expected_periods(kind, day))
            for period, estimated in entry.wrote.items():
                bit = 1 << period
                covered.written_bits |= bit
                if estimated:
                    covered.estimated_bits |= bit
                else:
                    covered.estimated_bits &= ~bit
