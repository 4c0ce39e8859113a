"""Quotas: a user may have at most MAX_ACTIVE_IMPORTS (20) imports awaiting their file, queued or
running; beyond that POST /imports answers 429 until one ends. The HTTP API throttles every route."""

from __future__ import annotations

import json

from devstack.template import load_template
from tests.integration.helpers import get_job, post_csv, post_json
from tests.support import SAMPLES, QueueDriver

DAILY = (SAMPLES / "daily.csv").read_bytes()


def test_the_21st_import_a_user_has_going_gets_429_and_one_ending_makes_room(stack):
    queued = post_csv(DAILY, filename="daily.csv")  # queued, not yet run
    assert queued["statusCode"] == 202, queued["json"]
    for n in range(19):  # awaiting their upload: each holds a live upload form
        created = post_json(json.dumps({"filename": f"file-{n}.csv"}))
        assert created["statusCode"] == 201, created["json"]

    refused = post_json(json.dumps({"filename": "one-too-many.csv"}))
    refused_csv = post_csv(DAILY, filename="one-too-many.csv")
    someone_else = post_json(json.dumps({"filename": "bob.csv"}), user="bob")

    assert refused["statusCode"] == refused_csv["statusCode"] == 429, refused["json"]
    assert refused["json"]["error"] == "Too Many Requests"
    message = refused["json"]["message"]
    assert "20 imports" in message and "at most 20" in message and "cancel" in message
    assert someone_else["statusCode"] == 201  # the quota is per user

    QueueDriver(stack.queue_url).drain()  # the queued import runs and completes
    assert get_job(queued["json"]["job_id"])["json"]["status"] == "completed"

    accepted = post_json(json.dumps({"filename": "now-there-is-room.csv"}))
    assert accepted["statusCode"] == 201, accepted["json"]
    assert post_json(json.dumps({"filename": "and-full-again.csv"}))["statusCode"] == 429


def test_every_route_of_the_http_api_is_throttled_from_two_stack_parameters():
    template = load_template()
    settings = template["Resources"]["HttpApi"]["Properties"]["DefaultRouteSettings"]

    assert settings == {
        "ThrottlingBurstLimit": {"Ref": "ApiThrottleBurstLimit"},
        "ThrottlingRateLimit": {"Ref": "ApiThrottleRateLimit"},
    }
    parameters = template["Parameters"]
    assert parameters["ApiThrottleBurstLimit"]["Default"] > 0
    assert parameters["ApiThrottleRateLimit"]["Default"] > 0
    assert template["Globals"]["Function"]["Environment"]["Variables"]["MAX_ACTIVE_IMPORTS"] == {
        "Ref": "MaxActiveImports"
    }
