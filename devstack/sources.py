"""Event sources, as Lambda's pollers and AWS's services drive them: SQS event source mappings,
S3 notifications and the EventBridge schedule."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any

from devstack.lambdas import FunctionError, FunctionTimeout

log = logging.getLogger("devstack")
Invoke = Callable[[str, Any], Any]


def sqs_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    attributes = message.get("Attributes", {})
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {
            k: attributes[k]
            for k in (
                "ApproximateReceiveCount",
                "SentTimestamp",
                "SenderId",
                "ApproximateFirstReceiveTimestamp",
            )
            if k in attributes
        },
        "messageAttributes": {
            name: {
                "stringValue": value.get("StringValue"),
                "binaryValue": value.get("BinaryValue"),
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": value["DataType"],
            }
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


class QueuePoller(threading.Thread):
    """One poller of an SQS event source mapping: receive a batch, invoke, delete what succeeded.
    A failed or timed-out invocation deletes nothing: the messages come back after the visibility
    timeout, and SQS moves them to the DLQ after maxReceiveCount receives."""

    def __init__(
        self,
        *,
        sqs: Any,
        queue_url: str,
        function: str,
        batch_size: int,
        report_failures: bool,
        invoke: Invoke,
        stop: threading.Event,
        region: str,
    ) -> None:
        super().__init__(name=f"poller:{function}", daemon=True)
        self.sqs, self.queue_url, self.function = sqs, queue_url, function
        self.batch_size, self.report_failures, self.invoke = batch_size, report_failures, invoke
        self.stop_event, self.region = stop, region
        self.arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]

    def run(self) -> None:
        while not self.stop_event.is_set():
            try:
                self.poll_once()
            except Exception:  # the poller keeps going whatever one batch did, as Lambda's does
                if not self.stop_event.is_set():
                    log.exception("poller for %s", self.function)
                    self.stop_event.wait(1)

    def poll_once(self) -> None:
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=self.batch_size,
            WaitTimeSeconds=1,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return
        event = {"Records": [sqs_record(m, self.arn, self.region) for m in messages]}
        try:
            result = self.invoke(self.function, event)
        except (FunctionError, FunctionTimeout) as exc:
            if not self.stop_event.is_set():  # (stopping kills the environment mid-invocation)
                log.warning("%s failed on %d message(s): %s", self.function, len(messages), exc)
            return
        failed: set[str] = set()
        if self.report_failures and isinstance(result, dict):
            failed = {f["itemIdentifier"] for f in result.get("batchItemFailures") or []}
        for message in messages:
            if message["MessageId"] not in failed:
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])


class BucketNotifier(QueuePoller):
    """S3 notifications, delivered through an internal queue (moto sends S3 events to SQS) and
    handed to the function as the S3 event itself, as S3 invokes a Lambda function."""

    def poll_once(self) -> None:
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=1, WaitTimeSeconds=1
        ).get("Messages", [])
        for message in messages:
            try:
                self.invoke(self.function, json.loads(message["Body"]))
            except (FunctionError, FunctionTimeout) as exc:
                if not self.stop_event.is_set():
                    log.warning("%s failed on an S3 event: %s", self.function, exc)
                continue  # S3 retries asynchronous invocations: the message comes back
            self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])


class Scheduler(threading.Thread):
    """An EventBridge Scheduler rate schedule: invoke the function with its Input every interval."""

    def __init__(
        self, *, function: str, payload: Any, interval: float, invoke: Invoke, stop: threading.Event
    ) -> None:
        super().__init__(name=f"schedule:{function}", daemon=True)
        self.function, self.payload, self.interval, self.invoke = function, payload, interval, invoke
        self.stop_event = stop

    def run(self) -> None:
        while not self.stop_event.wait(self.interval):
            try:
                result = self.invoke(self.function, self.payload)
                # A run with nothing to do is no news (what it did do, the function logs per job).
                did = not isinstance(result, dict) or result.get("total") != 0
                log.log(
                    logging.INFO if did else logging.DEBUG,
                    "scheduled run of %s: %s",
                    self.function,
                    json.dumps(result)[:300],
                )
            except (FunctionError, FunctionTimeout) as exc:
                log.warning("scheduled run of %s failed: %s", self.function, exc)
