"""The local runtime's reading of template.yaml and its API Gateway emulation (pure parts)."""

import base64

import pytest

from devstack.gateway import build_event, claims_for
from devstack.template import Route, rate_seconds, read_stack

PHYSICAL = {
    "JobsTable": "csv-import-jobs",
    "ReadingsTable": "csv-import-readings",
    "SitesTable": "csv-import-sites",
    "SettingsTable": "csv-import-settings",
    "ProfilesTable": "csv-import-profiles",
    "UploadBucket": "csv-import-uploads-123456789012-eu-west-2",
    "IngestQueue": "http://127.0.0.1:4566/123456789012/csv-import-ingest",
    "IngestDLQ": "http://127.0.0.1:4566/123456789012/csv-import-ingest-dlq",
}


def test_functions_get_the_templates_environment_resolved_to_local_resources():
    stack = read_stack(PHYSICAL)
    ingest = stack.functions["IngestFunction"]

    assert ingest.timeout == 300 and ingest.handler == "app.handler"
    assert ingest.code_uri.name == "ingest" and stack.layer_dirs[0].name == "common"
    assert ingest.environment["JOBS_TABLE"] == "csv-import-jobs"
    assert ingest.environment["INGEST_QUEUE_URL"] == PHYSICAL["IngestQueue"]
    assert ingest.environment["UPLOAD_BUCKET"] == PHYSICAL["UploadBucket"]
    assert ingest.environment["DEFAULT_THROTTLE"] == "off"  # locally; deployed stacks default to auto


def test_the_local_stack_runs_without_throttling_unless_told_otherwise():
    assert read_stack(PHYSICAL).functions["UploadFunction"].environment["DEFAULT_THROTTLE"] == "off"
    told = read_stack(PHYSICAL, parameters={"DefaultThrottle": "auto"})
    assert told.functions["UploadFunction"].environment["DEFAULT_THROTTLE"] == "auto"


def test_event_sources_come_from_the_template():
    stack = read_stack(PHYSICAL, parameters={"RedriveLimit": "3"})

    (queue,) = stack.queues
    assert (queue.function, queue.batch_size, queue.report_item_failures) == ("IngestFunction", 1, True)
    (bucket,) = stack.buckets
    assert (bucket.function, bucket.prefix) == ("UploadFunction", "uploads/")
    (schedule,) = stack.schedules
    assert schedule.input == '{"once": true, "limit": 3}' and rate_seconds(schedule.expression) == 60
    routes = {(r.method, r.path): (r.function, r.authorized) for r in stack.routes}
    assert routes[("POST", "/imports")] == ("UploadFunction", True)
    assert routes[("GET", "/admin/imports/new")] == ("StatusFunction", False)


def test_routes_match_paths_and_extract_parameters():
    route = Route("GET", "/imports/{job_id}", "StatusFunction", True)
    assert route.match("GET", "/imports/abc-1") == {"job_id": "abc-1"}
    assert route.match("GET", "/imports/abc/extra") is None
    assert route.match("POST", "/imports/abc") is None


@pytest.mark.parametrize(
    ("header", "user"),
    [
        ("Bearer dev:alice", "alice"),
        ("Bearer dev:admin", "admin"),
        ("Bearer dev:", None),
        ("Bearer x", None),
        (None, None),
        ("Bearer dev:a b", None),
    ],
)
def test_dev_tokens_stand_for_signed_in_users(header, user):
    claims = claims_for(header, "https://issuer", "aud")
    assert (claims or {}).get("sub") == user
    if user == "admin":
        assert claims["cognito:groups"] == "[admin]"


def test_events_have_the_http_api_payload_2_shape():
    route = Route("POST", "/imports", "UploadFunction", True)
    headers = {"content-type": "text/csv", "host": "127.0.0.1:3000"}
    event = build_event(route, "POST", "/imports?filename=a.csv&x=1&x=2", headers, b"a,b\n", {}, {"sub": "u"})

    assert event["version"] == "2.0" and event["routeKey"] == "POST /imports"
    assert event["queryStringParameters"] == {"filename": "a.csv", "x": "1,2"}
    assert event["body"] == "a,b\n" and event["isBase64Encoded"] is False
    assert event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] == "u"

    binary = build_event(route, "POST", "/imports", {"content-type": "text/csv"}, b"\xff\x00", {}, None)
    assert binary["isBase64Encoded"] is True and base64.b64decode(binary["body"]) == b"\xff\x00"
    assert "authorizer" not in binary["requestContext"]


def test_the_dev_admin_is_a_member_of_the_stacks_admin_group_flattened_as_the_authorizer_does():
    claims = claims_for("Bearer dev:admin", "https://issuer", "aud", admin_group="import-admins")
    assert claims is not None and claims["cognito:groups"] == "[import-admins]"
    assert "cognito:groups" not in (claims_for("Bearer dev:alice", "https://issuer", "aud") or {})
