"""The local stack (`make run`'s LocalRuntime) started in this process, with its moto server wrapped
to count the requests it serves: DynamoDB's by caller, operation and table, with the server's time
and the write units each write is billed (from moto's own items before and after it), and S3's by
caller, method and key prefix.

The runtime is the same one `python -m devstack` runs: moto, the pollers and the gateway in one
process, each function in its own worker processes. Each function gets its own access key id
(moto accepts any), so every request can be attributed to the function that sent it."""

from __future__ import annotations

import io
import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from unittest import mock

import boto3
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.moto_api._internal.models import moto_api_backend
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

import devstack.runtime
from bench.cost import item_size, write_units
from devstack.provision import StackResources
from devstack.runtime import REGION, LocalRuntime, Options

FUNCTIONS = ("IngestFunction", "UploadFunction", "StatusFunction")
BENCH_KEY = "bench"  # this process's own clients
# A scheduled re-drive run during a measurement would add its queries to the ingest function's count.
NO_SCHEDULE_S = 10 * 24 * 3600.0


def access_key(function: str) -> str:
    return f"bench-{function}"


@dataclass(frozen=True)
class RequestKey:
    caller: str  # a function's logical id, "bench", or the access key as sent
    operation: str  # e.g. BatchWriteItem
    table: str  # the table, or the tables joined with "+" for a batch call over several
    ok: bool  # answered 2xx


# The writes DynamoDB bills in write units, item by item (a transaction would bill twice: none is used).
WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"})


def _written(operation: str, request: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """(table, attributes holding the item's key) of each item a write request writes."""
    if operation == "BatchWriteItem":
        return [
            (table, r["PutRequest"]["Item"] if "PutRequest" in r else r["DeleteRequest"]["Key"])
            for table, requests in request.get("RequestItems", {}).items()
            for r in requests
        ]
    return [(request["TableName"], request["Item"] if operation == "PutItem" else request["Key"])]


def _moto_table(name: str) -> Any:
    """moto's own table of that name, in whichever account and region holds it (None: none does)."""
    for account in list(dynamodb_backends.values()):
        for backend in list(dict.values(account)):
            table = backend.tables.get(name)
            if table is not None:
                return table
    return None


def _stored_size(name: str, attributes: Mapping[str, Any]) -> int:
    """The size of the item with these key attributes as moto holds it now (0: there is none)."""
    table = _moto_table(name)
    if table is None:
        return 0
    hash_key = attributes.get(table.hash_key_attr)
    range_key = attributes.get(table.range_key_attr) if table.range_key_attr else None
    if hash_key is None or (table.range_key_attr and range_key is None):
        return 0
    item = table.get_item(DynamoType(hash_key), DynamoType(range_key) if range_key is not None else None)
    return 0 if item is None else item_size(item.to_json()["Attributes"])


class RequestCounter:
    """WSGI middleware: counts DynamoDB requests (X-Amz-Target DynamoDB_*), the time moto spent on
    them and the write units of each write; and S3 requests (a SigV4 credential scoped to s3).

    A write is billed, per item, the larger of the item's size before and after it, rounded up to
    1 KB (DynamoDB developer guide, "Capacity unit consumption for writes"; a failed conditional
    write too, on the item as it is). Index entries are not counted: the readings table has none,
    and the jobs table's figures are its items' alone."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app
        self.counts: Counter[RequestKey] = Counter()
        self.seconds: dict[str, float] = {}  # server time by operation
        # UpdateItem requests on a table that ADD imported_rows: the ingest loop's batch commits.
        self.commits: Counter[str] = Counter()
        self.units_billed: Counter[tuple[str, str, str]] = Counter()  # (caller, operation, table)
        self.s3: Counter[tuple[str, str]] = Counter()  # (caller, "METHOD prefix")
        self._lock = threading.Lock()
        self._callers = {access_key(f): f for f in FUNCTIONS} | {BENCH_KEY: "bench"}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        scope = environ.get("HTTP_AUTHORIZATION", "").partition("Credential=")[2].partition(",")[0]
        credential, _, rest = scope.partition("/")
        if not target.startswith("DynamoDB_"):
            if rest.split("/")[2:3] == ["s3"]:
                self._count_s3(self._callers.get(credential, credential), environ)
            return self.app(environ, start_response)
        operation = target.partition(".")[2]
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        request = json.loads(body or b"{}")
        tables = request.get("RequestItems") or request.get("TransactItems") or {}
        table = request.get("TableName") or "+".join(sorted(tables) if isinstance(tables, dict) else ())
        caller = self._callers.get(credential, credential or "anonymous")
        written = _written(operation, request) if operation in WRITES else []
        before = [_stored_size(name, attributes) for name, attributes in written]
        status: list[str] = []

        def recording_start_response(code: str, headers: Any, *args: Any) -> Any:
            status.append(code)
            return start_response(code, headers, *args)

        started = time.perf_counter()
        response = self.app(environ, recording_start_response)
        elapsed = time.perf_counter() - started
        ok = bool(status) and status[0].startswith("2")
        # (imported_rows: only a batch commit ADDs it; completing a split job reads processed_rows)
        commit = operation == "UpdateItem" and ok and b'"imported_rows"' in body
        units: Counter[str] = Counter()
        for (name, attributes), size in zip(written, before, strict=True):
            units[name] += write_units(max(size, _stored_size(name, attributes)))
        with self._lock:
            self.counts[RequestKey(caller, operation, table, ok)] += 1
            for name, n in units.items():
                self.units_billed[caller, operation, name] += n
            self.seconds[operation] = self.seconds.get(operation, 0.0) + elapsed
            if commit:
                self.commits[f"{caller}:{table}"] += 1
        return response

    def _count_s3(self, caller: str, environ: dict[str, Any]) -> None:
        # Path-style requests (the local endpoint): /bucket/key. A key is named by its first part
        # (logs, coverage, reports, uploads...), a request on the bucket by its query (a listing).
        key = environ.get("PATH_INFO", "").lstrip("/").partition("/")[2]
        listing = "list-type" in environ.get("QUERY_STRING", "")
        prefix = key.partition("/")[0] if key else "(list)" if listing else "(bucket)"
        with self._lock:
            self.s3[caller, f"{environ.get('REQUEST_METHOD', '?')} {prefix}"] += 1

    def snapshot(self) -> RequestSnapshot:
        with self._lock:
            return RequestSnapshot(
                Counter(self.counts),
                dict(self.seconds),
                Counter(self.commits),
                Counter(self.units_billed),
                Counter(self.s3),
            )


@dataclass(frozen=True)
class RequestSnapshot:
    counts: Counter[RequestKey]
    seconds: dict[str, float]
    commits: Counter[str]
    units_billed: Counter[tuple[str, str, str]]
    s3: Counter[tuple[str, str]]

    def since(self, earlier: RequestSnapshot) -> RequestSnapshot:
        seconds = {op: s - earlier.seconds.get(op, 0.0) for op, s in self.seconds.items()}
        return RequestSnapshot(
            self.counts - earlier.counts,
            {op: s for op, s in seconds.items() if s > 0},
            self.commits - earlier.commits,
            self.units_billed - earlier.units_billed,
            self.s3 - earlier.s3,
        )

    def units(self, caller: str | None = None, table: str | None = None) -> int:
        """Write units billed for the writes of a caller, on a table."""
        return sum(
            n
            for (who, _, name), n in self.units_billed.items()
            if (caller is None or who == caller) and (table is None or name == table)
        )

    def units_breakdown(self, caller: str, table: str | None = None) -> dict[str, int]:
        """ "Operation table" -> write units, for one caller (on one table: "Operation")."""
        return {
            op if table else f"{op} {name}": n
            for (who, op, name), n in sorted(self.units_billed.items())
            if who == caller and table in (None, name)
        }

    def s3_breakdown(self, caller: str) -> dict[str, int]:
        """ "METHOD prefix" -> S3 requests, for one caller."""
        return {what: n for (who, what), n in sorted(self.s3.items()) if who == caller}

    def requests(
        self, caller: str | None = None, operation: str | None = None, table: str | None = None
    ) -> int:
        return sum(
            n
            for k, n in self.counts.items()
            if (caller is None or k.caller == caller)
            and (operation is None or k.operation == operation)
            and (table is None or k.table == table)
        )

    def breakdown(self, caller: str) -> dict[str, int]:
        """ "Operation table" -> requests, for one caller (failed requests marked)."""
        out: Counter[str] = Counter()
        for k, n in self.counts.items():
            if k.caller == caller:
                out[f"{k.operation} {k.table}" + ("" if k.ok else " (error)")] += n
        return dict(sorted(out.items()))


class CountingMotoServer(ThreadedMotoServer):
    """moto's ThreadedMotoServer with the request counter in front of its WSGI app (moto 5.2's
    _server_entry, with the app wrapped)."""

    counter: RequestCounter

    def _server_entry(self) -> None:
        self.counter = RequestCounter(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(
            self._ip_address, self._port, self.counter, True, request_handler=MotoRequestHandler
        )
        self._server_ready_event.set()
        self._server.serve_forever()


@dataclass
class BenchStack:
    runtime: LocalRuntime
    counter: RequestCounter
    session: boto3.session.Session

    @property
    def aws_url(self) -> str:
        return self.runtime.aws_url

    @property
    def api_url(self) -> str:
        return self.runtime.api_url

    @property
    def resources(self) -> StackResources:
        return self.runtime.resources

    def client(self, service: str) -> Any:
        # service is a runtime name, so no typed overload of client() applies.
        return self.session.client(service, endpoint_url=self.aws_url)  # type: ignore[call-overload]

    def worker_pids(self, function: str = "IngestFunction") -> list[int]:
        """The function's live execution environments (processes)."""
        pool = self.runtime.pools[function]
        return [w.process.pid for w in list(pool._all) if w.process.pid is not None]

    def function_environment(self) -> dict[str, str]:
        """What a process needs to use the stack as the ingest function does (tables, bucket, queue)."""
        return {
            **self.resources.environment(),
            "AWS_ENDPOINT_URL": self.aws_url,
            "AWS_ACCESS_KEY_ID": BENCH_KEY,
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "POWERTOOLS_TRACE_DISABLED": "true",
        }


@contextmanager
def bench_stack(sqs_concurrency: int = 2, shards: int = 1) -> Iterator[BenchStack]:
    """The local stack on free ports, as `make run` starts it, with no scheduled runs and every
    function identified by its own access key. With `shards` > 1 every file is split into that
    many byte ranges, and as many ingest invocations run at once."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    logging.getLogger("moto").setLevel(logging.ERROR)
    logging.getLogger("devstack").setLevel(logging.WARNING)
    servers: list[CountingMotoServer] = []

    def server(**kwargs: Any) -> CountingMotoServer:
        servers.append(CountingMotoServer(**kwargs))
        return servers[-1]

    options = Options(
        api_port=0,
        aws_port=0,
        env={f"{f}.AWS_ACCESS_KEY_ID": access_key(f) for f in FUNCTIONS}
        | {"SHARD_MIN_BYTES": "1" if shards > 1 else "0", "MAX_SHARDS": str(shards)},
        schedule_seconds=NO_SCHEDULE_S,
        sqs_concurrency=max(sqs_concurrency, shards),
    )
    runtime = LocalRuntime(options)
    # moto keeps its state per process: a second stack in this process starts from empty.
    moto_api_backend.reset()
    try:
        with mock.patch.object(devstack.runtime, "ThreadedMotoServer", server):
            runtime.start()
        session = boto3.session.Session(
            aws_access_key_id=BENCH_KEY, aws_secret_access_key="local", region_name=REGION
        )
        yield BenchStack(runtime, servers[0].counter, session)
    finally:
        runtime.stop()


def clone_table(ddb: Any, source: str, name: str) -> str:
    """A new, empty table with the source table's keys, indexes and billing mode."""
    table = ddb.describe_table(TableName=source)["Table"]
    spec: dict[str, Any] = {
        "TableName": name,
        "KeySchema": table["KeySchema"],
        "AttributeDefinitions": table["AttributeDefinitions"],
        "BillingMode": table.get("BillingModeSummary", {}).get("BillingMode", "PAY_PER_REQUEST"),
    }
    indexes = [
        {"IndexName": i["IndexName"], "KeySchema": i["KeySchema"], "Projection": i["Projection"]}
        for i in table.get("GlobalSecondaryIndexes", [])
    ]
    if indexes:
        spec["GlobalSecondaryIndexes"] = indexes
    ddb.create_table(**spec)
    ddb.get_waiter("table_exists").wait(TableName=name)
    return name


def count_items(ddb: Any, table: str) -> int:
    """Items in a table. moto answers DescribeTable's ItemCount from what it holds, exactly and at
    once (AWS refreshes it about every 6 hours: this is for the local stack only). A Scan would be
    exact too, but takes moto about a minute over 200,000 items."""
    return int(ddb.describe_table(TableName=table)["Table"]["ItemCount"])
