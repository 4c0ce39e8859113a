"""The ingest queue's maxReceiveCount and the functions' MAX_RECEIVE_COUNT are one template value:
the delivery the function treats as the last is the one after which SQS dead-letters the message."""

from __future__ import annotations

import json

import boto3

from devstack.template import read_stack


def test_the_queue_and_the_functions_agree_on_the_last_delivery(stack):
    sqs = boto3.client("sqs", region_name="eu-west-2")
    attributes = sqs.get_queue_attributes(QueueUrl=stack.queue_url, AttributeNames=["RedrivePolicy"])
    queue_count = int(json.loads(attributes["Attributes"]["RedrivePolicy"])["maxReceiveCount"])
    functions = read_stack(stack.physical).functions
    counts = {name: f.environment["MAX_RECEIVE_COUNT"] for name, f in functions.items()}
    assert queue_count == 5  # the parameter's default
    assert set(counts.values()) == {str(queue_count)}, counts
