"""The whole service on one machine: moto as AWS, the stack's resources from template.yaml, the
functions in worker processes, the HTTP API, the queues' pollers, S3 notifications, the schedule."""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from devstack.gateway import Gateway
from devstack.lambdas import FunctionPool
from devstack.provision import provision
from devstack.sources import BucketNotifier, QueuePoller, Scheduler
from devstack.template import LocalStack, rate_seconds, read_stack

log = logging.getLogger("devstack")
REGION = "eu-west-2"
S3_EVENTS_QUEUE = "csv-import-local-s3-events"


@dataclass
class Options:
    host: str = "127.0.0.1"
    api_port: int = 3000
    aws_port: int = 4566
    # Per-function or global environment overrides: {"IngestFunction.SEGMENT_SAFETY_MS": "1000"}.
    env: dict[str, str] = field(default_factory=dict)
    # Function timeouts in seconds; the queues feeding a function keep VisibilityTimeout = 6x.
    timeouts: dict[str, int] = field(default_factory=dict)
    parameters: dict[str, str] = field(default_factory=dict)
    schedule_seconds: float | None = None
    sqs_concurrency: int = 2
    warm: bool = True
    # Fault injection for tests: {"IngestFunction": {2}} kills the 2nd invocation after kill_after s.
    kill: dict[str, set[int]] = field(default_factory=dict)
    kill_after: float = 1.0
    # The functions' JSON log lines as they are, instead of a short line per job event (console.py).
    verbose: bool = False


class LocalRuntime:
    def __init__(self, options: Options) -> None:
        self.options = options
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.pools: dict[str, FunctionPool] = {}

    # ---- start ------------------------------------------------------------------------------

    def start(self) -> None:
        o = self.options
        self.moto = ThreadedMotoServer(ip_address=o.host, port=o.aws_port, verbose=False)
        self.moto.start()
        host, port = self.moto.get_host_and_port()
        self.aws_url = f"http://{host}:{port}"
        session = boto3.session.Session(
            aws_access_key_id="local", aws_secret_access_key="local", region_name=REGION
        )
        self.clients = {
            name: session.client(name, endpoint_url=self.aws_url) for name in ("cloudformation", "sqs", "s3")
        }
        self.resources = provision(self.clients["cloudformation"], region=REGION)
        physical = self.resources.physical
        self.stack: LocalStack = read_stack(physical, parameters=o.parameters, region=REGION)
        self._apply_overrides(physical)
        base_env = {
            "AWS_ENDPOINT_URL": self.aws_url,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "POWERTOOLS_TRACE_DISABLED": "true",  # no X-Ray daemon locally
            "PYTHONUNBUFFERED": "1",
        }
        layers = [str(d) for d in self.stack.layer_dirs]
        self.pools = {
            name: FunctionPool(fn, layers, base_env, o.kill.get(name), o.kill_after, verbose=o.verbose)
            for name, fn in self.stack.functions.items()
        }
        if o.warm:  # start the environments side by side: ready sooner
            warmers = [threading.Thread(target=pool.warm) for pool in self.pools.values()]
            for thread in warmers:
                thread.start()
            for thread in warmers:
                thread.join()
        self._start_sources(physical)
        self.gateway = Gateway(
            (o.host, o.api_port),
            self.stack.routes,
            self.invoke,
            issuer=self.stack.parameters["JwtIssuer"],
            audience=self.stack.parameters["JwtAudience"],
            admin_group=self.stack.parameters["AdminGroup"],
        )
        self.api_url = f"http://{o.host}:{self.gateway.server_address[1]}"
        thread = threading.Thread(target=self.gateway.serve_forever, name="gateway", daemon=True)
        thread.start()
        self._threads.append(thread)

    def _apply_overrides(self, physical: dict[str, str]) -> None:
        o = self.options
        for key, value in o.env.items():
            target, _, name = key.rpartition(".")
            for fn in self.stack.functions.values():
                if target in ("", fn.logical_id):
                    fn.environment[name] = value
        for name, seconds in o.timeouts.items():
            self.stack.functions[name].timeout = seconds
            for source in self.stack.queues:
                if source.function == name:  # Lambda requires VisibilityTimeout >= 6x Timeout
                    self.clients["sqs"].set_queue_attributes(
                        QueueUrl=physical[source.queue_logical_id],
                        Attributes={"VisibilityTimeout": str(6 * seconds)},
                    )

    def _start_sources(self, physical: dict[str, str]) -> None:
        o, sqs, s3 = self.options, self.clients["sqs"], self.clients["s3"]
        for source in self.stack.queues:
            for _ in range(max(1, min(o.sqs_concurrency, source.max_concurrency))):
                self._run(
                    QueuePoller(
                        sqs=sqs,
                        queue_url=physical[source.queue_logical_id],
                        function=source.function,
                        batch_size=source.batch_size,
                        report_failures=source.report_item_failures,
                        invoke=self.invoke,
                        stop=self._stop,
                        region=REGION,
                    )
                )
        if self.stack.buckets:
            queue_url = sqs.create_queue(QueueName=S3_EVENTS_QUEUE)["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
                "QueueArn"
            ]
            for bucket in {b.bucket_logical_id for b in self.stack.buckets}:
                configs = [
                    {
                        "QueueArn": arn,
                        "Events": b.events,
                        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": b.prefix}]}},
                    }
                    for b in self.stack.buckets
                    if b.bucket_logical_id == bucket
                ]
                s3.put_bucket_notification_configuration(
                    Bucket=physical[bucket], NotificationConfiguration={"QueueConfigurations": configs}
                )
            function = self.stack.buckets[0].function
            self._run(
                BucketNotifier(
                    sqs=sqs,
                    queue_url=queue_url,
                    function=function,
                    batch_size=1,
                    report_failures=False,
                    invoke=self.invoke,
                    stop=self._stop,
                    region=REGION,
                )
            )
        for schedule in self.stack.schedules:
            interval = o.schedule_seconds or rate_seconds(schedule.expression)
            self._run(
                Scheduler(
                    function=schedule.function,
                    payload=json.loads(schedule.input),
                    interval=interval,
                    invoke=self.invoke,
                    stop=self._stop,
                )
            )

    def _run(self, thread: threading.Thread) -> None:
        thread.start()
        self._threads.append(thread)

    # ---- use --------------------------------------------------------------------------------

    def invoke(self, function: str, event: Any) -> Any:
        return self.pools[function].invoke(event)

    def stop(self) -> None:
        self._stop.set()
        if hasattr(self, "gateway"):
            self.gateway.shutdown()
            self.gateway.server_close()
        for thread in self._threads:
            thread.join(5)
        for pool in self.pools.values():
            pool.stop()
        if hasattr(self, "moto"):
            self.moto.stop()
