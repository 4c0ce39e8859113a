"""Day items (domain/meter_days.py, store/day_items.py): a batch grouped by day, what a day costs in
bytes, the log of a write and the undo planned from it, the coverage counted from it."""

import datetime as dt
from decimal import Decimal

from ingestion.domain.formats import Reading
from ingestion.domain.formats.uk_time import period_starts
from ingestion.domain.meter_days import (
    Coverage,
    LoggedDay,
    MeterDay,
    Period,
    day_key_of_reading_key,
    group_by_day,
    log_of,
    plan_undo,
    reading_key_of,
)
from ingestion.store.day_items import StoredDay, decode, item_bytes, undo_update, whole_item, writer_tag

DAY = dt.date(2025, 11, 3)


def readings(day=DAY, periods=None, value="0.123", meter="2200042817552") -> list[Reading]:
    starts = period_starts(day)
    chosen = range(1, len(starts) + 1) if periods is None else periods
    return [Reading(meter, "hh", starts[p - 1], day, p, Decimal(value), p == 2) for p in chosen]


def test_a_batch_is_grouped_by_meter_and_day_and_a_day_is_whole_only_with_every_period():
    batch = readings(periods=range(1, 49)) + readings(DAY + dt.timedelta(days=1), periods=[1, 2])
    days = group_by_day(batch)
    assert [(d.key, d.whole, len(d.periods)) for d in days.values()] == [
        (("2200042817552", "hh#2025-11-03"), True, 48),
        (("2200042817552", "hh#2025-11-04"), False, 2),
    ]
    spring, autumn = dt.date(2025, 3, 30), dt.date(2025, 10, 26)
    assert group_by_day(readings(spring))["2200042817552", "hh#2025-03-30"].whole
    assert not group_by_day(readings(autumn, periods=range(1, 49)))["2200042817552", "hh#2025-10-26"].whole


def test_a_readings_key_and_its_day_and_period_go_both_ways_across_the_clock_changes():
    for day in (DAY, dt.date(2025, 3, 30), dt.date(2025, 10, 26)):
        for r in readings(day):
            assert day_key_of_reading_key("M", r.key) == (("M", f"hh#{day}"), r.period)
            assert reading_key_of("hh", day, r.period) == r.key
    assert day_key_of_reading_key("M", "day#2025-11-03") == (("M", "day#2025-11-03"), 1)


def test_a_full_day_fits_one_write_unit_even_with_long_values_and_50_periods():
    job = "0b7e6a51-3c1d-4f7e-9a43-5e2f0d8c9b11"  # a job id as the service makes them
    usual = whole_item(group_by_day(readings())["2200042817552", "hh#2025-11-03"], job)
    keys = len("meter") + 13 + len("sk") + len("hh#2025-11-03")
    periods = 9 * (1 + len("0.123|abcde")) + 39 * (2 + len("0.123|abcde"))  # names "1".."48", values
    writer = len("wabcde") + len(job)
    assert item_bytes(usual) == keys + periods + writer == 690  # (docs/design.md: the bytes of a day)
    autumn = dt.date(2025, 10, 26)
    long_values = whole_item(
        group_by_day(readings(autumn, value="12345.678", meter="2200042817552#reactive_export"))[
            "2200042817552#reactive_export", "hh#2025-10-26"
        ],
        job,
    )
    assert item_bytes(long_values) <= 1024


def test_an_item_reads_back_as_written():
    day = group_by_day(readings())["2200042817552", "hh#2025-11-03"]
    stored = decode(whole_item(day, "job-1"))
    assert stored.periods[2] == Period("0.123", True, "job-1") and stored.periods[48] == Period(
        "0.123", False, "job-1"
    )
    assert stored.tags == {writer_tag("job-1"): "job-1"}


def test_a_clashing_tag_takes_the_next_salted_one():
    other = StoredDay(tags={writer_tag("job-1"): "job-2"})
    assert other.tag_for("job-1") == writer_tag("job-1", 1) != writer_tag("job-1")
    assert StoredDay(tags={writer_tag("job-1"): "job-1"}).tag_for("job-1") == writer_tag("job-1")


def _day(periods: dict[int, str]) -> MeterDay:
    return MeterDay("M", "hh", DAY, {p: (v, False) for p, v in periods.items()})


def test_a_log_says_what_each_period_replaced_and_which_were_the_jobs_own_already():
    current = {1: Period("5", False, "alice"), 2: Period("6", True, "bob")}
    entry = log_of(_day({1: "1", 2: "2", 3: "3"}), current, "bob")
    assert entry.before == {1: Period("5", False, "alice")}
    assert entry.mine == {2} and dict(entry.wrote) == {1: False, 2: False, 3: False}


def test_undo_puts_back_what_the_jobs_last_write_replaced_and_leaves_what_others_wrote_since():
    first = LoggedDay(
        "M", "hh#2025-11-03", {1: False, 2: False, 3: False}, {1: Period("5", False, "alice")}, frozenset()
    )
    # (a later batch of the same job wrote period 2 again, after carol had written it)
    second = LoggedDay("M", "hh#2025-11-03", {2: False}, {2: Period("7", True, "carol")}, frozenset())
    retry = LoggedDay("M", "hh#2025-11-03", {3: False}, {}, frozenset({3}))  # found its own write
    now = {
        1: Period("1", False, "bob"),
        2: Period("2", False, "bob"),
        3: Period("3", False, "bob"),
        4: Period("9", False, "dave"),
    }
    assert plan_undo([first, second, retry], now, "bob") == {
        1: Period("5", False, "alice"),
        2: Period("7", True, "carol"),
        3: None,
    }
    # dave wrote period 1 after bob: it is left as it is
    assert 1 not in plan_undo([first], {**now, 1: Period("8", False, "dave")}, "bob")


def test_the_undo_of_a_day_sets_back_removes_or_deletes_conditionally():
    tag = writer_tag("bob")
    stored = decode(
        {
            "meter": {"S": "M"},
            "sk": {"S": "hh#2025-11-03"},
            "1": {"S": f"1|{tag}"},
            "2": {"S": f"2|{tag}"},
            "w" + tag: {"S": "bob"},
        }
    )
    restore = undo_update(("M", "hh#2025-11-03"), stored, {1: Period("5", True, "alice"), 2: None}, "bob")
    assert restore["delete"] is False
    alice = writer_tag("alice")
    assert restore["ExpressionAttributeValues"][":p1"] == {"S": f"5~{alice}"}
    assert "REMOVE" in restore["UpdateExpression"] and restore["ExpressionAttributeValues"][":c1"] == {
        "S": f"1|{tag}"
    }
    gone = undo_update(("M", "hh#2025-11-03"), stored, {1: None, 2: None}, "bob")
    assert gone["delete"] is True and "attribute_not_exists(#p3)" in gone["ConditionExpression"]


def test_coverage_counts_written_and_estimated_periods_the_later_write_winning():
    first = LoggedDay("M", "hh#2025-10-26", {1: True, 2: False}, {}, frozenset())
    later = LoggedDay("M", "hh#2025-10-26", {1: False, 3: True}, {}, frozenset())
    coverage = Coverage()
    coverage.add([first])
    coverage.add([later])  # (a part at a time, as the log is read)
    ((key, covered),) = coverage.days.items()
    assert key == ("M", "hh#2025-10-26") and covered.expected == 50
    assert (covered.written, covered.estimated) == (3, 1) and covered.estimated_bits == 1 << 3
