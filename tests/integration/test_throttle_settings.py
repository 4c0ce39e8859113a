"""Throttle settings that operators change live (administrators only, saved with a version), new
jobs taking their throttle from them, and PATCH /imports/{job_id} changing a job's throttle, even
between two batches of a running import."""

from __future__ import annotations

import copy
import json
from typing import Any

import boto3
import pytest

from ingestion.domain.throttle import UNTHROTTLED_BATCH_SIZE
from ingestion.store.jobs import JobRepository
from ingestion.store.readings import ReadingWriter, WriteResult
from tests.integration.helpers import get_job, import_csv, post_csv, post_json
from tests.support import QueueDriver, call, handler_module, hh_long_csv, http_event, readings_of

SETTINGS = "/settings/import-throttle"
BUILT_IN = {
    "default": "auto",
    "presets": {
        "small": {"batch_size": 1000, "delay_ms": 0, "max_bytes": 199_999},
        "medium": {"batch_size": 100, "delay_ms": 100, "max_bytes": 799_999},
        "large": {"batch_size": 50, "delay_ms": 200, "max_bytes": 3_999_999},
        "very_large": {"batch_size": 25, "delay_ms": 300, "max_bytes": None},
    },
}


def signed_in(event: dict[str, Any], admin: bool) -> dict[str, Any]:
    if admin:  # as the JWT authorizer passes on a Cognito group claim
        event["requestContext"]["authorizer"]["jwt"]["claims"]["cognito:groups"] = "[admin]"
    return event


def get_settings(user: str = "admin", admin: bool = True) -> dict[str, Any]:
    return call("status", signed_in(http_event("GET", SETTINGS, user=user), admin))


def put_settings(document: dict[str, Any], user: str = "admin", admin: bool = True) -> dict[str, Any]:
    event = http_event("PUT", SETTINGS, user=user, body=json.dumps(document), content_type="application/json")
    return call("upload", signed_in(event, admin))


def settings(version: int = 0, default: str = "auto", **presets: dict[str, Any]) -> dict[str, Any]:
    """A settings document: the built-in values with some presets' values changed."""
    document = copy.deepcopy(BUILT_IN) | {"default": default, "version": version}
    for name, values in presets.items():
        document["presets"][name] |= values
    return document


def patch_job(job_id: str, body: Any, user: str = "alice", admin: bool = False) -> dict[str, Any]:
    event = http_event(
        "PATCH",
        f"/imports/{job_id}",
        user=user,
        route="PATCH /imports/{job_id}",
        path_parameters={"job_id": job_id},
        body=json.dumps(body),
        content_type="application/json",
    )
    return call("upload", signed_in(event, admin))


def throttle_of(job: dict[str, Any]) -> tuple[int, int, str | None]:
    return job["throttle"]["batch_size"], job["throttle"]["delay_ms"], job["throttle"]["preset"]


# ---- the settings ------------------------------------------------------------------------------


def test_someone_who_is_not_an_administrator_gets_403_for_reading_or_saving_them(stack):
    read = get_settings(user="alice", admin=False)
    save = put_settings(settings(default="off"), user="alice", admin=False)

    assert read["statusCode"] == save["statusCode"] == 403
    assert "only administrators" in read["json"]["message"]
    assert save["json"]["error"] == "Forbidden"
    assert get_settings()["json"]["default"] == "auto"  # nothing was saved


@pytest.mark.parametrize("groups", ["readonly,admin", "[readonly,admin]", "[Finance admin]", "[admins]"])
def test_a_member_of_a_group_whose_name_only_contains_admin_gets_403_for_saving_them(stack, groups):
    event = http_event(
        "PUT",
        SETTINGS,
        user="mallory",
        body=json.dumps(settings(default="off")),
        content_type="application/json",
    )
    event["requestContext"]["authorizer"]["jwt"]["claims"]["cognito:groups"] = groups

    saved = call("upload", event)

    assert saved["statusCode"] == 403, saved["json"]
    assert get_settings()["json"]["default"] == "auto"  # nothing was saved


def test_before_anyone_saves_them_they_are_the_built_in_presets_and_the_stacks_default(stack):
    response = get_settings()

    assert response["statusCode"] == 200
    assert response["json"] == BUILT_IN | {"version": 0, "updated_by": None, "updated_at": None}


def test_an_administrator_saves_them_and_reads_back_the_new_version(stack):
    saved = put_settings(settings(default="large", medium={"batch_size": 250, "delay_ms": 0}))

    assert saved["statusCode"] == 200, saved["json"]
    assert (saved["json"]["version"], saved["json"]["updated_by"]) == (1, "admin")
    assert saved["json"]["updated_at"].endswith("Z")
    assert saved["json"]["presets"]["medium"] == {"batch_size": 250, "delay_ms": 0, "max_bytes": 799_999}
    assert get_settings()["json"] == saved["json"]


def test_a_save_from_a_version_someone_else_saved_over_gets_409_and_changes_nothing(stack):
    assert put_settings(settings(version=0, default="small"))["statusCode"] == 200

    stale = put_settings(settings(version=0, default="off"), user="other-admin")

    assert stale["statusCode"] == 409
    assert "changed by someone else" in stale["json"]["message"]
    assert "version 1" in stale["json"]["message"] and "admin" in stale["json"]["message"]
    assert get_settings()["json"]["default"] == "small"
    assert put_settings(settings(version=1, default="off"))["json"]["version"] == 2


@pytest.mark.parametrize(
    ("document", "field", "words"),
    [
        (settings(small={"batch_size": 0}), "presets.small.batch_size", "greater than or equal to 1"),
        (settings(large={"batch_size": 10_001}), "presets.large.batch_size", "less than or equal to 10000"),
        (settings(medium={"delay_ms": 900_001}), "presets.medium.delay_ms", "less than or equal to 900000"),
        (settings(medium={"max_bytes": 1_000}), "presets", "size bands must ascend"),
        (settings(very_large={"max_bytes": 10**10}), "presets", "very_large.max_bytes must be null"),
        ({**settings(), "default": "warp"}, "default", "'auto', 'off'"),
        ({k: v for k, v in settings().items() if k != "version"}, "version", "Field required"),
    ],
)
def test_settings_that_make_no_sense_get_400_naming_the_field(stack, document, field, words):
    response = put_settings(document)

    assert response["statusCode"] == 400
    assert {d["field"] for d in response["json"]["details"]} == {field}
    assert words in response["json"]["message"]


def both_bodied_routes(body: Any, content_type: str | None, user: str | None = "admin") -> list[dict]:
    """The answers of PUT /settings/import-throttle (as an administrator) and PATCH /imports/x to
    this body."""
    sent = {"user": user, "body": body, "content_type": content_type}
    put = signed_in(http_event("PUT", SETTINGS, **sent), admin=user is not None)
    patch = http_event(
        "PATCH", "/imports/x", route="PATCH /imports/{job_id}", path_parameters={"job_id": "x"}, **sent
    )
    return [call("upload", put), call("upload", patch)]


@pytest.mark.parametrize(
    ("body", "content_type", "words"),
    [
        (b"\xff\xfe\x17\x90", "application/json", "body: Invalid JSON"),
        (b"not json", "application/json", "body: Invalid JSON"),
        (None, "application/json", "body: Field required"),
        (b"{}", "text/plain", "Content-Type: application/json"),
        (b'{"throttle": "small"}', None, "Content-Type: application/json"),
        (b"throttle=small", "application/x-www-form-urlencoded", "Content-Type: application/json"),
        (b'{"throttle": "small"}', "application/json-patch+json", "Content-Type: application/json"),
    ],
    ids=["not-utf8", "not-json", "no-body", "text", "no-content-type", "form", "another-json-type"],
)
def test_a_body_that_is_not_json_gets_400_not_a_server_error(stack, body, content_type, words):
    for response in both_bodied_routes(body, content_type):
        assert response["statusCode"] == 400
        assert response["json"]["error"] == "Bad Request"
        assert words in response["json"]["message"]
        if "body:" in words:  # a problem with what was sent names the body as the wrong field
            assert [d["field"] for d in response["json"]["details"]] == ["body"]


def test_someone_who_is_not_an_administrator_gets_403_whatever_the_body_holds(stack):
    event = http_event("PUT", SETTINGS, user="alice", body="nonsense", content_type="text/plain")

    assert call("upload", event)["statusCode"] == 403


def test_someone_not_signed_in_gets_401_whatever_the_body_holds(stack):
    for response in both_bodied_routes(b"nonsense", "text/plain", user=None):
        assert response["statusCode"] == 401


def test_a_settings_document_without_every_preset_gets_400(stack):
    document = settings()
    del document["presets"]["very_large"]

    response = put_settings(document)

    assert response["statusCode"] == 400
    assert "presets.very_large" in response["json"]["message"]


# ---- new jobs ----------------------------------------------------------------------------------


def test_a_new_job_takes_the_saved_default_and_the_saved_presets_values(stack):
    put_settings(settings(default="medium", medium={"batch_size": 333, "delay_ms": 7}, large={"delay_ms": 1}))

    by_default = post_csv(hh_long_csv(10))["json"]["job_id"]
    named = post_csv(hh_long_csv(10), throttle="large")["json"]["job_id"]

    assert throttle_of(get_job(by_default)["json"]) == (333, 7, "medium")
    assert throttle_of(get_job(named)["json"]) == (50, 1, "large")


def test_auto_picks_the_preset_by_the_saved_size_bands(stack):
    put_settings(settings(small={"max_bytes": 100}, medium={"batch_size": 40}))
    body = hh_long_csv(10)  # about 500 bytes: above the small band now

    direct = post_csv(body)["json"]["job_id"]
    presigned = post_json(json.dumps({"filename": "a.csv", "size": 50}))["json"]["job_id"]

    assert throttle_of(get_job(direct)["json"]) == (40, 100, "medium")
    assert throttle_of(get_job(presigned)["json"]) == (1000, 0, "small")


def test_off_gives_the_unthrottled_presets_batch_size_and_no_pause(stack):
    put_settings(settings(default="off", small={"delay_ms": 250}))

    job_id = post_csv(hh_long_csv(10))["json"]["job_id"]

    assert throttle_of(get_job(job_id)["json"]) == (UNTHROTTLED_BATCH_SIZE, 0, "small")


def test_a_job_that_brings_its_own_throttle_keeps_it(stack):
    put_settings(settings(default="very_large"))

    created = post_json(json.dumps({"filename": "a.csv", "throttle": {"batch_size": 29, "delay_ms": 3}}))

    assert throttle_of(get_job(created["json"]["job_id"])["json"]) == (29, 3, None)


# ---- PATCH /imports/{job_id} -------------------------------------------------------------------


def test_the_owner_changes_a_queued_jobs_throttle(stack):
    job_id = post_csv(hh_long_csv(10), throttle="small")["json"]["job_id"]

    response = patch_job(job_id, {"throttle": {"batch_size": 40, "delay_ms": 500}})

    assert response["statusCode"] == 200
    assert response["json"]["job_id"] == job_id and response["json"]["status"] == "queued"
    assert throttle_of(response["json"]) == (40, 500, None)
    assert throttle_of(get_job(job_id)["json"]) == (40, 500, None)


def test_a_preset_named_in_a_patch_takes_the_saved_presets_values(stack):
    put_settings(settings(large={"batch_size": 70, "delay_ms": 40}))
    job_id = post_csv(hh_long_csv(10), throttle="small")["json"]["job_id"]

    assert throttle_of(patch_job(job_id, {"throttle": "large"})["json"]) == (70, 40, "large")


def test_off_in_a_patch_turns_the_pauses_off_whatever_the_presets_say(stack):
    put_settings(settings(small={"delay_ms": 50}))
    job_id = post_csv(hh_long_csv(10), throttle="very_large")["json"]["job_id"]

    response = patch_job(job_id, {"throttle": "off"})

    assert response["statusCode"] == 200
    assert throttle_of(response["json"])[:2] == (UNTHROTTLED_BATCH_SIZE, 0)


def test_an_administrator_changes_anyones_job_and_a_stranger_gets_404(stack):
    job_id = post_csv(hh_long_csv(10), throttle="small")["json"]["job_id"]

    by_admin = patch_job(job_id, {"throttle": "very_large"}, user="admin", admin=True)
    by_stranger = patch_job(job_id, {"throttle": "small"}, user="bob")

    assert by_admin["statusCode"] == 200 and throttle_of(by_admin["json"]) == (25, 300, "very_large")
    assert by_stranger["statusCode"] == 404
    assert throttle_of(get_job(job_id)["json"]) == (25, 300, "very_large")


def test_a_job_that_has_ended_gets_409(stack):
    job, _ = import_csv(stack, hh_long_csv(10), throttle="small")

    response = patch_job(job["job_id"], {"throttle": "large"})

    assert response["statusCode"] == 409
    assert "completed" in response["json"]["message"]


@pytest.mark.parametrize(
    "body",
    [{"throttle": "warp"}, {"throttle": {"batch_size": 0, "delay_ms": 0}}, {}, {"throttle": "small", "x": 1}],
)
def test_a_patch_that_makes_no_sense_gets_400(stack, body):
    job_id = post_csv(hh_long_csv(10), throttle="small")["json"]["job_id"]

    assert patch_job(job_id, body)["statusCode"] == 400


def test_a_new_throttle_drops_the_services_own_slow_down(stack):
    job_id = post_csv(hh_long_csv(10), throttle="small")["json"]["job_id"]
    # The state a job is in while DynamoDB throttles its writes (see test_write_throttling).
    boto3.client("dynamodb").update_item(
        TableName=stack.jobs_table,
        Key={"job_id": {"S": job_id}},
        UpdateExpression="SET effective_throttle = :slow, throttled = :t, throttled_reason = :why",
        ExpressionAttributeValues={
            ":slow": {"M": {"batch_size": {"N": "10"}, "delay_ms": {"N": "5000"}}},
            ":t": {"BOOL": True},
            ":why": {"S": "DynamoDB is throttling writes"},
        },
    )

    response = patch_job(job_id, {"throttle": "medium"})

    assert (response["json"]["throttled"], response["json"]["throttled_reason"]) == (False, None)
    job = JobRepository().get(job_id)
    assert job is not None and job.effective_throttle is None
    assert job.running_throttle.batch_size == 100


class PatchingWriter(ReadingWriter):
    """Writes readings as usual, records each batch's size, and runs a step after a given batch."""

    def __init__(self, after_batch: int, step) -> None:
        super().__init__()
        self.sizes: list[int] = []
        self.after_batch = after_batch
        self.step = step

    def upsert(self, readings, *, job_id, written_at, read=None):
        readings = list(readings)
        self.sizes.append(len(readings))
        result = super().upsert(readings, job_id=job_id, written_at=written_at, read=read)
        if len(self.sizes) == self.after_batch:
            self.step(job_id)
        return result


def test_a_running_import_takes_a_new_throttle_from_its_next_batch(stack, monkeypatch, no_sleep):
    """Given an import running with medium (100 rows, 100 ms), when its owner PATCHes 250 rows and
    no pause while the second batch is being written, then every later batch of the same segment
    has 250 rows and there is no pause after the second batch, and no row is lost or doubled."""
    answers = []
    writer = PatchingWriter(
        after_batch=2,
        step=lambda job_id: answers.append(
            patch_job(job_id, {"throttle": {"batch_size": 250, "delay_ms": 0}})
        ),
    )
    monkeypatch.setattr(handler_module("ingest").services, "readings", writer)
    job_id = post_csv(hh_long_csv(1000), throttle="medium")["json"]["job_id"]

    driver = QueueDriver(stack.queue_url)
    driver.drain()

    assert answers[0]["statusCode"] == 200 and answers[0]["json"]["status"] == "processing"
    assert writer.sizes == [100, 100, 250, 250, 250, 50]
    assert driver.invocations == 1  # all in one segment: the running loop picked the change up
    assert no_sleep == [0.1]  # the pause after the first batch only
    job = get_job(job_id)["json"]
    assert (job["status"], job["processed_rows"], job["imported_rows"]) == ("completed", 1000, 1000)
    assert throttle_of(job) == (250, 0, None)
    assert len(readings_of(stack.readings_table)) == 1000


class ThrottledWhilePatchedWriter(PatchingWriter):
    """As PatchingWriter, and DynamoDB pushed back on that same batch (3 items re-sent)."""

    def upsert(self, readings, *, job_id, written_at, read=None):
        result = super().upsert(readings, job_id=job_id, written_at=written_at, read=read)
        if len(self.sizes) == self.after_batch:
            return WriteResult(result.written, resends=3)
        return result


def test_a_new_throttle_wins_over_the_slow_down_of_the_batch_it_arrived_during(stack, monkeypatch, no_sleep):
    """Given a batch DynamoDB throttled, when the owner PATCHes while it is being written, then its
    commit's slow-down does not overwrite the new throttle: the next batches run with it."""
    writer = ThrottledWhilePatchedWriter(
        after_batch=2, step=lambda job_id: patch_job(job_id, {"throttle": {"batch_size": 250, "delay_ms": 0}})
    )
    monkeypatch.setattr(handler_module("ingest").services, "readings", writer)
    job_id = post_csv(hh_long_csv(1000), throttle="medium")["json"]["job_id"]

    QueueDriver(stack.queue_url).drain()

    assert writer.sizes == [100, 100, 250, 250, 250, 50]
    job = get_job(job_id)["json"]
    assert (job["status"], job["processed_rows"], job["throttled"]) == ("completed", 1000, False)
    assert throttle_of(job) == (250, 0, None)


# ---- the smallest batch: every commit rewrites the job item, so no client asks for one a row ----


def post_import(body: dict[str, Any], user: str = "alice", admin: bool = False) -> dict[str, Any]:
    event = http_event("POST", "/imports", user=user, body=json.dumps(body), content_type="application/json")
    return call("upload", signed_in(event, admin))


@pytest.mark.parametrize("route", ["POST /imports", "PATCH /imports/{job_id}"])
def test_a_user_asking_for_batches_under_the_minimum_is_told_the_minimum(stack, route):
    one_a_row = {"throttle": {"batch_size": 1, "delay_ms": 0}}
    if route.startswith("POST"):
        response = post_import({"filename": "a.csv", **one_a_row})
    else:
        job_id = post_csv(hh_long_csv(10), throttle="small")["json"]["job_id"]
        response = patch_job(job_id, one_a_row)
        assert throttle_of(get_job(job_id)["json"]) == (UNTHROTTLED_BATCH_SIZE, 0, "small")

    assert response["statusCode"] == 400
    assert response["json"]["message"].startswith("batch_size must be at least 25 rows")


def test_the_minimum_itself_is_accepted(stack):
    created = post_import({"filename": "a.csv", "throttle": {"batch_size": 25, "delay_ms": 0}})

    assert created["statusCode"] == 201
    assert throttle_of(get_job(created["json"]["job_id"])["json"]) == (25, 0, None)


def test_an_administrator_may_ask_for_smaller_batches_on_any_job(stack):
    created = post_import(
        {"filename": "a.csv", "throttle": {"batch_size": 1, "delay_ms": 0}}, "ops", admin=True
    )
    assert created["statusCode"] == 201
    assert throttle_of(get_job(created["json"]["job_id"], user="ops")["json"]) == (1, 0, None)

    alices = post_csv(hh_long_csv(10), throttle="small")["json"]["job_id"]
    patched = patch_job(alices, {"throttle": {"batch_size": 5, "delay_ms": 0}}, user="ops", admin=True)
    assert patched["statusCode"] == 200
    assert throttle_of(patched["json"]) == (5, 0, None)


def test_the_minimum_is_the_stacks_setting(stack, monkeypatch):
    services = handler_module("upload").services
    monkeypatch.setattr(services, "settings", services.settings.model_copy(update={"min_batch_size": 100}))

    refused = post_import({"filename": "a.csv", "throttle": {"batch_size": 99, "delay_ms": 0}})
    assert refused["statusCode"] == 400
    assert "at least 100 rows" in refused["json"]["message"]
    assert (
        post_import({"filename": "a.csv", "throttle": "very_large"})["statusCode"] == 201
    )  # presets: admins'


def test_a_new_import_may_ask_for_throttling_off_as_a_change_may(stack):
    """ "off" is accepted wherever a throttle is named: a direct upload, a presigned form, a PATCH."""
    direct = post_csv(hh_long_csv(5), throttle="off")
    assert direct["statusCode"] == 202, direct
    assert get_job(direct["json"]["job_id"])["json"]["throttle"]["delay_ms"] == 0
    presigned = post_json(json.dumps({"filename": "big.csv", "throttle": "off"}))
    assert presigned["statusCode"] == 201, presigned
    assert get_job(presigned["json"]["job_id"])["json"]["throttle"]["delay_ms"] == 0
