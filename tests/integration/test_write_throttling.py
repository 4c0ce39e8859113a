"""Under sustained write throttling an import slows itself, says so on the job, speeds up again
when it clears, and loses no row."""

import random

import boto3

from ingestion.store.readings import ReadingWriter
from tests.integration.helpers import get_job, post_csv
from tests.support import FakeContext, QueueDriver, handler_module, hh_long_csv, readings_of


class ThrottlingDynamoDB:
    """DynamoDB that leaves the last items of a call unprocessed (not written) for a while."""

    def __init__(self, throttled_calls: int) -> None:
        self.real = boto3.client("dynamodb", region_name="eu-west-2")
        self.throttled_calls = throttled_calls

    def batch_write_item(self, RequestItems):
        ((table, requests),) = RequestItems.items()
        if self.throttled_calls > 0 and len(requests) > 3:
            self.throttled_calls -= 1
            self.real.batch_write_item(RequestItems={table: requests[:-3]})
            return {"UnprocessedItems": {table: requests[-3:]}}
        return self.real.batch_write_item(RequestItems=RequestItems)

    def __getattr__(self, name):
        return getattr(self.real, name)  # (reads, updates of partial days, its exceptions)


def test_an_import_slows_down_under_throttling_says_why_and_recovers_without_losing_rows(stack, monkeypatch):
    services = handler_module("ingest").services
    dynamodb = ThrottlingDynamoDB(throttled_calls=3)  # (a 1,000-row batch is one call: ~21 whole days)
    monkeypatch.setattr(
        services, "readings", ReadingWriter(dynamodb=dynamodb, sleep=lambda s: None, rng=random.Random(1))
    )
    monkeypatch.setattr(services, "sleep", lambda seconds: None)
    job_id = post_csv(hh_long_csv(4000), throttle="small")["json"]["job_id"]
    seen = []

    class Watching(FakeContext):
        def get_remaining_time_in_millis(self) -> int:
            job = get_job(job_id)["json"]
            seen.append((job["throttled"], job["throttled_reason"], job["processed_rows"]))
            return 300_000

    QueueDriver(stack.queue_url, context_factory=Watching).drain()

    job = get_job(job_id)["json"]
    assert (job["status"], job["processed_rows"], job["imported_rows"]) == ("completed", 4000, 4000)
    assert len(readings_of(stack.readings_table)) == 4000
    slowed = [reason for throttled, reason, _ in seen if throttled]
    assert slowed and "throttling writes" in slowed[0]
    assert job["throttled"] is False and job["throttled_reason"] is None  # recovered by the end
    assert dynamodb.throttled_calls == 0
