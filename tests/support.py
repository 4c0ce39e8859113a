"""Builders for real event shapes, a fake Lambda context, and a driver that plays the SQS event
source for the ingest function against moto's queue."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3

from devstack.handlers import load_handler_module
from ingestion.store.day_items import decode
from ingestion.store.reading_queries import stored_readings

ROOT = Path(__file__).resolve().parents[1]
EVENTS = Path(__file__).resolve().parent / "events"
SAMPLES = ROOT / "samples"


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


def handler_module(function: str) -> ModuleType:
    """functions/<function>/app.py, imported as Lambda imports it (see devstack.handlers)."""
    return load_handler_module(function)


@dataclass
class FakeContext:
    """A Lambda context whose remaining time is given by a function (default: plenty)."""

    remaining: Callable[[], int] = lambda: 300_000
    function_name: str = "csv-import-fn"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = "arn:aws:lambda:eu-west-2:123456789012:function:csv-import-fn"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining()


def ticking_budget(total_ms: int, per_call_ms: int) -> Callable[[], int]:
    """Remaining time that drops by per_call_ms each time it is asked: a segment sees its clock
    run down batch by batch, deterministically."""
    calls = {"n": 0}

    def remaining() -> int:
        calls["n"] += 1
        return total_ms - per_call_ms * calls["n"]

    return remaining


def http_event(
    method: str,
    path: str,
    *,
    user: str | None = "alice",
    body: str | bytes | None = None,
    content_type: str | None = None,
    query: dict[str, str] | None = None,
    route: str | None = None,
    path_parameters: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An API Gateway HTTP API (payload 2.0) event, as the JWT authorizer passes it on."""
    event = copy.deepcopy(load_event("http_api_post_imports.json"))
    route = route or f"{method} {path}"
    event["routeKey"] = event["requestContext"]["routeKey"] = route
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = method
    event["rawQueryString"] = "&".join(f"{k}={v}" for k, v in (query or {}).items())
    if query:
        event["queryStringParameters"] = dict(query)
    if path_parameters:
        event["pathParameters"] = path_parameters
    headers = event["headers"]
    headers.pop("content-type", None)
    headers.pop("content-length", None)
    if content_type:
        headers["content-type"] = content_type
    if user is None:
        del event["requestContext"]["authorizer"]
        headers.pop("authorization")
    else:
        event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = user
        event["requestContext"]["authorizer"]["jwt"]["claims"]["username"] = user
    if body is None:
        event.pop("body", None)
        event["isBase64Encoded"] = False
    elif isinstance(body, bytes):
        import base64

        event["body"] = base64.b64encode(body).decode()
        event["isBase64Encoded"] = True
    else:
        event["body"] = body
        event["isBase64Encoded"] = False
    return event


def call(function: str, event: dict[str, Any], context: FakeContext | None = None) -> dict[str, Any]:
    """Invoke a handler; for HTTP answers, decode the JSON body into response["json"]."""
    response = handler_module(function).handler(event, context or FakeContext())
    if isinstance(response, dict) and "statusCode" in response:
        body = response.get("body") or ""
        response["json"] = json.loads(body) if body and body.lstrip().startswith(("{", "[")) else None
    return response


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """An SQS event with the real record shape, from messages received from moto."""
    template = load_event("sqs_ingest_message.json")["Records"][0]
    records = []
    for m in messages:
        record = copy.deepcopy(template)
        record["messageId"] = m["MessageId"]
        record["receiptHandle"] = m["ReceiptHandle"]
        record["body"] = m["Body"]
        record["md5OfBody"] = m["MD5OfBody"]
        record["eventSourceARN"] = queue_arn
        record["attributes"]["ApproximateReceiveCount"] = m.get("Attributes", {}).get(
            "ApproximateReceiveCount", "1"
        )
        records.append(record)
    return {"Records": records}


@dataclass
class QueueDriver:
    """Plays Lambda's SQS event source: receive, invoke the ingest handler, delete what succeeded."""

    queue_url: str
    context_factory: Callable[[], FakeContext] = FakeContext
    duplicate_every_delivery: bool = False
    # Called when a delivery failed (the handler raised or reported the record): by default the
    # message simply stays in flight until its visibility timeout, as on AWS.
    on_failure: Callable[[dict[str, Any]], None] | None = None
    invocations: int = 0
    bodies: list[str] = field(default_factory=list)

    def drain(self, max_invocations: int = 10_000) -> int:
        """Deliver until the queue is empty; fail if that takes more than max_invocations."""
        if self.step(max_invocations):
            raise AssertionError(f"queue not drained after {max_invocations} invocations")
        return self.invocations

    def step(self, deliveries: int) -> bool:
        """Deliver at most this many messages; True if messages may remain."""
        limit = self.invocations + deliveries
        sqs = boto3.client("sqs", region_name="eu-west-2")
        arn = sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        while self.invocations < limit:
            got = sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=1, AttributeNames=["ApproximateReceiveCount"]
            ).get("Messages", [])
            if not got:
                return False
            deliveries = 2 if self.duplicate_every_delivery else 1
            failed: set[str] = set()
            for _ in range(deliveries):
                self.invocations += 1
                self.bodies.append(got[0]["Body"])
                try:
                    result = call("ingest", sqs_event(got, arn), self.context_factory())
                except Exception:  # the invocation failed: Lambda returns the whole batch to the queue
                    failed |= {m["MessageId"] for m in got}
                    continue
                failed |= {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
            for m in got:
                if m["MessageId"] not in failed:
                    sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"])
                elif self.on_failure is not None:
                    self.on_failure(m)
        return True


def hh_long_csv(rows: int, *, meters: int = 3, bad_every: int | None = None, start_day: int = 1) -> bytes:
    """A half-hourly long-format file: `rows` data rows spread over `meters` meters, from November
    (keep rows/meters under ~7,000 to stay clear of the March clock change)
    (no clock change). With bad_every=N, every Nth data row has a non-numeric value."""
    import datetime as dt

    out = ["MPAN,ReadDateTime,ReadValue,Unit,ReadingType"]
    base = dt.datetime(2025, 11, start_day)
    per_meter = -(-rows // meters)
    n = 0
    for m in range(meters):
        for i in range(per_meter):
            if n == rows:
                break
            n += 1
            stamp = (base + dt.timedelta(minutes=30 * i)).strftime("%Y-%m-%d %H:%M:%S")
            value = "oops" if bad_every and n % bad_every == 0 else f"{(i % 97) / 10:.1f}"
            out.append(f"19000000000{m:02d},{stamp},{value},kWh,{'E' if i % 5 == 0 else 'A'}")
    return ("\r\n".join(out) + "\r\n").encode()


def readings_of(table: str) -> dict[tuple[str, str], tuple[str, bool]]:
    """Every reading's natural key, (partition, Reading.key), with its value and flag (who wrote it
    left out), read from the day items through the store's own decoding. The partition is the
    meter id for active import and `<meter>#<channel>` for the other channels, so a test sees
    the channel."""
    found: dict[tuple[str, str], tuple[str, bool]] = {}
    for partition, key, reading in stored_items(table):
        assert (partition, key) not in found
        found[partition, key] = (reading.value_kwh, reading.estimated)
    return found


def stored_items(table: str) -> list[tuple[str, str, Any]]:
    """(partition, Reading.key, StoredReading) of every reading the table's day items hold."""
    ddb = boto3.client("dynamodb", region_name="eu-west-2")
    found = []
    for page in ddb.get_paginator("scan").paginate(TableName=table):
        for item in page["Items"]:
            partition = item["meter"]["S"]
            for key, reading in stored_readings(partition, item["sk"]["S"], decode(item)):
                found.append((partition, key, reading))
    return found
