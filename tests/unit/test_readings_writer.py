"""BatchWriteItem rules that moto does not enforce: 25 items a call, no duplicate keys in a call,
UnprocessedItems re-sent with growing, capped, jittered pauses."""

import datetime as dt
import random
from collections import Counter
from decimal import Decimal

import pytest

from ingestion.domain.errors import WriteThrottledError
from ingestion.domain.formats import Reading
from ingestion.store.readings import JOB_PARTS, MAX_ATTEMPTS, ReadingWriter, job_part


def reading(meter: str, minute: int, value: str = "1.5") -> Reading:
    start = dt.datetime(2025, 11, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=30 * minute)
    return Reading(meter, "hh", start, start.date(), minute + 1, Decimal(value), False)


class FakeDynamoDB:
    """Records each call; leaves the last `unprocess` items of the first `throttled_calls` calls."""

    def __init__(self, throttled_calls: int = 0, unprocess: int = 0) -> None:
        self.calls: list[list[dict]] = []
        self.throttled_calls = throttled_calls
        self.unprocess = unprocess

    def batch_write_item(self, RequestItems):
        ((table, requests),) = RequestItems.items()
        keys = [(r["PutRequest"]["Item"]["meter"]["S"], r["PutRequest"]["Item"]["sk"]["S"]) for r in requests]
        assert len(requests) <= 25 and len(set(keys)) == len(keys), "DynamoDB would reject this call"
        self.calls.append(requests)
        if len(self.calls) <= self.throttled_calls:
            return {"UnprocessedItems": {table: requests[-self.unprocess :]}}
        return {"UnprocessedItems": {}}


def writer(fake, slept):
    return ReadingWriter(table="readings", dynamodb=fake, sleep=slept.append, rng=random.Random(7))


def test_readings_go_25_to_a_call_with_duplicate_keys_collapsed_last_wins():
    fake, slept = FakeDynamoDB(), []
    batch = [reading("M1", i) for i in range(60)] + [reading("M1", 3, "9.9")]

    result = writer(fake, slept).upsert(batch, job_id="job-1", written_at="t")
    assert (result.written, result.resends) == (60, 0)
    assert [len(c) for c in fake.calls] == [25, 25, 10]
    values = {
        r["PutRequest"]["Item"]["sk"]["S"]: r["PutRequest"]["Item"]["value_kwh"]["N"]
        for c in fake.calls
        for r in c
    }
    assert values["hh#2025-11-01T01:30Z"] == "9.9"
    assert all(r["PutRequest"]["Item"]["job_id"]["S"] == "job-1" for c in fake.calls for r in c)
    assert slept == []


def test_unprocessed_items_are_sent_again_after_growing_jittered_pauses():
    fake, slept = FakeDynamoDB(throttled_calls=3, unprocess=5), []

    result = writer(fake, slept).upsert([reading("M1", i) for i in range(25)], job_id="j", written_at="t")

    assert [len(c) for c in fake.calls] == [25, 5, 5, 5]
    assert result.resends == 15
    assert len(slept) == 3
    assert all(0 <= s <= 0.05 * 2**i for i, s in enumerate(slept))


def test_items_still_unprocessed_after_every_try_raise_a_transient_error():
    fake, slept = FakeDynamoDB(throttled_calls=10**6, unprocess=1), []

    with pytest.raises(WriteThrottledError):
        writer(fake, slept).upsert([reading("M1", 0)], job_id="j", written_at="t")
    assert len(fake.calls) == MAX_ATTEMPTS


def test_each_reading_names_its_job_and_its_part_of_the_jobs_index_key():
    fake, slept = FakeDynamoDB(), []

    writer(fake, slept).upsert([reading("M1", i) for i in range(3)], job_id="job-1", written_at="t")

    items = [r["PutRequest"]["Item"] for r in fake.calls[0]]
    assert [i["job_id"]["S"] for i in items] == ["job-1"] * 3  # the conditional delete checks it
    assert [i["job_part"]["S"] for i in items] == [job_part("job-1", "M1", i["sk"]["S"]) for i in items]


def test_a_readings_part_is_a_stable_hash_of_its_whole_key_so_one_meter_spreads_over_every_part():
    # crc32, not hash(): every process, and every redelivery of a batch, gives a reading one part.
    assert job_part("job-1", "1900000000000", "hh#2025-11-01T00:00Z") == "job-1#08"
    # About what one shard writes in a second: one meter's next 1,000 half hours.
    second = [reading("1900000000000", i) for i in range(1000)]

    counts = Counter(job_part("j", r.meter, r.key) for r in second)

    assert sorted(counts) == [f"j#{n:02d}" for n in range(JOB_PARTS)]
    assert max(counts.values()) < 1.5 * 1000 / JOB_PARTS


def test_a_reading_on_another_channel_than_import_is_keyed_by_meter_and_channel():
    fake, slept = FakeDynamoDB(), []
    imported = reading("M1", 0)
    reactive = imported._replace(channel="reactive_import", value_kwh=Decimal("0.4"))

    result = writer(fake, slept).upsert([imported, reactive], job_id="job-1", written_at="t")

    items = [r["PutRequest"]["Item"] for r in fake.calls[0]]
    assert result.written == 2
    assert [(i["meter"]["S"], i["sk"]["S"], i["value_kwh"]["N"]) for i in items] == [
        ("M1", "hh#2025-11-01T00:00Z", "1.5"),
        ("M1#reactive_import", "hh#2025-11-01T00:00Z", "0.4"),
    ]
    # nothing more is stored: the key says the meter and the channel
    assert set(items[1]) == set(items[0])
    assert [i["job_part"]["S"] for i in items] == [
        job_part("job-1", "M1", "hh#2025-11-01T00:00Z"),
        job_part("job-1", "M1#reactive_import", "hh#2025-11-01T00:00Z"),
    ]
