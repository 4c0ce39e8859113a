"""The day-item writer against a recording DynamoDB: whole days are puts, 25 a call (BatchWriteItem
rules moto does not enforce: no duplicate keys in a call, UnprocessedItems re-sent with growing,
capped, jittered pauses); a partial day is one update of its periods only; the log comes first."""

import datetime as dt
import random
from decimal import Decimal

import pytest

from ingestion.domain.errors import WriteThrottledError
from ingestion.domain.formats import Reading
from ingestion.domain.formats.uk_time import period_starts
from ingestion.store.batch_calls import MAX_ATTEMPTS
from ingestion.store.day_items import decode, writer_tag
from ingestion.store.readings import ReadingWriter


def day_readings(
    meter: str, day: dt.date, value: str = "1.5", periods=None, channel="import"
) -> list[Reading]:
    starts = period_starts(day)
    chosen = range(1, len(starts) + 1) if periods is None else periods
    return [
        Reading(meter, "hh", starts[p - 1], day, p, Decimal(value), p % 5 == 0, channel=channel)
        for p in chosen
    ]


class FakeDynamoDB:
    """Records each call (in one list with the log's, to see their order); holds no items; leaves
    the last `unprocess` items of the first `throttled_calls` BatchWriteItem calls unprocessed."""

    class exceptions:
        class ConditionalCheckFailedException(Exception):
            pass

    def __init__(self, calls: list, throttled_calls: int = 0, unprocess: int = 0) -> None:
        self.calls = calls
        self.throttled_calls = throttled_calls
        self.unprocess = unprocess
        self.writes = 0

    def batch_get_item(self, RequestItems):
        ((table, request),) = RequestItems.items()
        assert len(request["Keys"]) <= 100
        self.calls.append(("get", len(request["Keys"])))
        return {"Responses": {table: []}}

    def batch_write_item(self, RequestItems):
        ((table, requests),) = RequestItems.items()
        keys = [(r["PutRequest"]["Item"]["meter"]["S"], r["PutRequest"]["Item"]["sk"]["S"]) for r in requests]
        assert len(requests) <= 25 and len(set(keys)) == len(keys), "DynamoDB would reject this call"
        self.calls.append(("put", requests))
        self.writes += 1
        if self.writes <= self.throttled_calls:
            return {"UnprocessedItems": {table: requests[-self.unprocess :]}}
        return {"UnprocessedItems": {}}

    def update_item(self, **arguments):
        self.calls.append(("update", arguments))
        return {}


class FakeLog:
    def __init__(self, calls: list) -> None:
        self.calls = calls

    def write(self, job_id, entries):
        self.calls.append(("log", job_id, list(entries)))


def writer(calls, slept, **fake):
    return ReadingWriter(
        table="readings",
        dynamodb=FakeDynamoDB(calls, **fake),
        log=FakeLog(calls),
        sleep=slept.append,
        rng=random.Random(7),
    )


def puts(calls):
    return [item["PutRequest"]["Item"] for kind, *rest in calls if kind == "put" for item in rest[0]]


def test_whole_days_go_25_to_a_call_each_one_item_and_a_period_given_twice_keeps_the_later():
    calls, slept = [], []
    days = [dt.date(2025, 1, 1) + dt.timedelta(days=n) for n in range(60)]
    batch = [r for day in days for r in day_readings("M1", day)] + day_readings("M1", days[3], "9.9", [7])

    result = writer(calls, slept).upsert(batch, job_id="job-1", written_at="t")

    assert (result.written, result.resends) == (60 * 48, 0)
    assert [len(rest[0]) for kind, *rest in calls if kind == "put"] == [25, 25, 10]
    items = {item["sk"]["S"]: decode(item) for item in puts(calls)}
    assert len(items) == 60 and set(items) == {f"hh#{day}" for day in days}
    fourth = items["hh#2025-01-04"]
    assert fourth.periods[7].value == "9.9" and fourth.periods[6].value == "1.5"
    assert fourth.periods[5].estimated and not fourth.periods[6].estimated
    assert {p.writer for item in items.values() for p in item.periods.values()} == {"job-1"}
    assert slept == []


def test_the_log_is_written_before_anything_and_after_the_items_are_read():
    calls = []
    writer(calls, []).upsert(day_readings("M1", dt.date(2025, 1, 1)), job_id="job-1", written_at="t")
    assert [c[0] for c in calls] == ["get", "log", "put"]
    ((_, job, entries),) = [c for c in calls if c[0] == "log"]
    assert job == "job-1" and len(entries) == 1 and entries[0].before == {} and len(entries[0].wrote) == 48


def test_a_partial_day_is_one_update_that_sets_only_its_periods_under_the_jobs_tag():
    calls = []
    result = writer(calls, []).upsert(
        day_readings("M1", dt.date(2025, 1, 1), periods=[3, 4, 40]), job_id="job-1", written_at="t"
    )

    assert result.written == 3 and not puts(calls)
    ((_, update),) = [c for c in calls if c[0] == "update"]
    assert update["Key"] == {"meter": {"S": "M1"}, "sk": {"S": "hh#2025-01-01"}}
    names = update["ExpressionAttributeNames"]
    assert sorted(v for k, v in names.items() if k.startswith("#p")) == ["3", "4", "40"]
    tag = writer_tag("job-1")
    assert (
        names["#w"] == "w" + tag and update["ConditionExpression"] == "attribute_not_exists(#w) OR #w = :job"
    )
    assert update["ExpressionAttributeValues"][":p3"] == {"S": f"1.5|{tag}"}
    assert update["ExpressionAttributeValues"][":p40"] == {"S": f"1.5~{tag}"}  # (40 % 5 == 0: estimated)


def test_clock_change_days_are_whole_at_46_and_50_periods_and_a_channel_is_its_own_partition():
    calls = []
    spring, autumn = dt.date(2025, 3, 30), dt.date(2025, 10, 26)
    batch = day_readings("M1", spring) + day_readings("M1", autumn, channel="export")

    writer(calls, []).upsert(batch, job_id="job-1", written_at="t")

    items = {(i["meter"]["S"], i["sk"]["S"]): decode(i) for i in puts(calls)}
    assert set(items) == {("M1", "hh#2025-03-30"), ("M1#export", "hh#2025-10-26")}
    assert (
        len(items["M1", "hh#2025-03-30"].periods) == 46
        and len(items["M1#export", "hh#2025-10-26"].periods) == 50
    )


def test_unprocessed_items_are_sent_again_after_growing_jittered_pauses():
    calls, slept = [], []
    days = [dt.date(2025, 1, 1) + dt.timedelta(days=n) for n in range(25)]
    batch = [r for day in days for r in day_readings("M1", day)]

    result = writer(calls, slept, throttled_calls=3, unprocess=5).upsert(batch, job_id="j", written_at="t")

    assert [len(rest[0]) for kind, *rest in calls if kind == "put"] == [25, 5, 5, 5]
    assert result.resends == 15
    assert len(slept) == 3
    assert all(0 <= s <= 0.05 * 2**i for i, s in enumerate(slept))


def test_items_still_unprocessed_after_every_try_raise_a_transient_error():
    calls = []
    with pytest.raises(WriteThrottledError):
        writer(calls, [], throttled_calls=10**6, unprocess=1).upsert(
            day_readings("M1", dt.date(2025, 1, 1)), job_id="j", written_at="t"
        )
    assert len([c for c in calls if c[0] == "put"]) == MAX_ATTEMPTS
