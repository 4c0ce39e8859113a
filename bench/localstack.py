"""The local stack (`make run`'s LocalRuntime) started in this process, with its moto server wrapped
to count the DynamoDB requests it serves: by caller, operation and table, with the server's time.

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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from unittest import mock

import boto3
from moto.moto_api._internal.models import moto_api_backend
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

import devstack.runtime
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


class RequestCounter:
    """WSGI middleware: counts DynamoDB requests (X-Amz-Target DynamoDB_*) and the time moto spent on them."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app
        self.counts: Counter[RequestKey] = Counter()
        self.seconds: dict[str, float] = {}  # server time by operation
        # UpdateItem requests on a table that ADD imported_rows: the ingest loop's batch commits.
        self.commits: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._callers = {access_key(f): f for f in FUNCTIONS} | {BENCH_KEY: "bench"}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if not target.startswith("DynamoDB_"):
            return self.app(environ, start_response)
        operation = target.partition(".")[2]
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        request = json.loads(body or b"{}")
        tables = request.get("RequestItems") or request.get("TransactItems") or {}
        table = request.get("TableName") or "+".join(sorted(tables) if isinstance(tables, dict) else ())
        credential = environ.get("HTTP_AUTHORIZATION", "").partition("Credential=")[2].partition("/")[0]
        caller = self._callers.get(credential, credential or "anonymous")
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
        with self._lock:
            self.counts[RequestKey(caller, operation, table, ok)] += 1
            self.seconds[operation] = self.seconds.get(operation, 0.0) + elapsed
            if commit:
                self.commits[f"{caller}:{table}"] += 1
        return response

    def snapshot(self) -> RequestSnapshot:
        with self._lock:
            return RequestSnapshot(Counter(self.counts), dict(self.seconds), Counter(self.commits))


@dataclass(frozen=True)
class RequestSnapshot:
    counts: Counter[RequestKey]
    seconds: dict[str, float]
    commits: Counter[str]

    def since(self, earlier: RequestSnapshot) -> RequestSnapshot:
        seconds = {op: s - earlier.seconds.get(op, 0.0) for op, s in self.seconds.items()}
        return RequestSnapshot(
            self.counts - earlier.counts,
            {op: s for op, s in seconds.items() if s > 0},
            self.commits - earlier.commits,
        )

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
