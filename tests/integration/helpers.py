"""Steps the integration tests share: create an import the way a client does, run the queue."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from moto import mock_aws

from devstack.provision import StackResources, provision
from ingestion.store.clients import reset_clients
from ingestion.store.tables import reset_connections
from tests.support import FakeContext, QueueDriver, call, http_event


@contextmanager
def fresh_stack() -> Iterator[StackResources]:
    """A new, empty moto account with the stack's tables, bucket and queues."""
    with mock_aws():
        reset_clients()
        reset_connections()
        try:
            yield provision()
        finally:
            reset_clients()
            reset_connections()


def get_job(job_id: str, user: str = "alice") -> dict[str, Any]:
    return call(
        "status",
        http_event(
            "GET",
            f"/imports/{job_id}",
            user=user,
            route="GET /imports/{job_id}",
            path_parameters={"job_id": job_id},
        ),
    )


def call_route(function: str, method: str, path: str, route: str, user: str = "alice", **params: str) -> dict:
    """Call a route with path parameters, as API Gateway does (e.g. DELETE /imports/{job_id})."""
    return call(
        function, http_event(method, path, user=user, route=f"{method} {route}", path_parameters=params)
    )


def post_csv(body: bytes, user: str = "alice", **query: str) -> dict[str, Any]:
    query.setdefault("filename", "readings.csv")
    return call(
        "upload", http_event("POST", "/imports", user=user, body=body, content_type="text/csv", query=query)
    )


def post_json(payload: str, user: str = "alice") -> dict[str, Any]:
    return call(
        "upload", http_event("POST", "/imports", user=user, body=payload, content_type="application/json")
    )


def s3_created(stack: StackResources, key: str) -> dict[str, Any]:
    """The S3 notification for an object, with the real event shape (the key URL-encoded)."""
    from urllib.parse import quote_plus

    from tests.support import load_event

    head = boto3.client("s3").head_object(Bucket=stack.bucket, Key=key)
    event = load_event("s3_object_created.json")
    record = event["Records"][0]["s3"]
    record["bucket"]["name"] = stack.bucket
    record["object"]["key"] = quote_plus(key, safe="/")
    record["object"]["size"] = head["ContentLength"]
    record["object"]["eTag"] = head["ETag"].strip('"')  # (S3 events carry it unquoted)
    return call("upload", event)


def import_csv(
    stack: StackResources,
    body: bytes,
    *,
    context_factory=FakeContext,
    duplicate: bool = False,
    user: str = "alice",
    **query: str,
) -> tuple[dict[str, Any], QueueDriver]:
    """Upload directly, run the queue dry, return the finished job and the driver."""
    created = post_csv(body, user=user, **query)
    assert created["statusCode"] == 202, created
    driver = QueueDriver(stack.queue_url, context_factory=context_factory, duplicate_every_delivery=duplicate)
    driver.drain()
    job = get_job(created["json"]["job_id"], user=user)
    assert job["statusCode"] == 200
    return job["json"], driver
