"""The HTTP contract of the upload and status functions."""

import json

import boto3
import pytest

from tests.integration.helpers import get_job, import_csv, post_csv, post_json, s3_created
from tests.support import SAMPLES, QueueDriver, call, hh_long_csv, http_event, load_event

DAILY = (SAMPLES / "daily.csv").read_bytes()


def list_jobs(user="alice", **query):
    return call("status", http_event("GET", "/imports", user=user, query=query or None))


# ---- the presigned flow -----------------------------------------------------------------------


def test_a_json_request_creates_an_awaiting_job_with_a_presigned_post_for_a_server_chosen_key(stack):
    created = post_json(json.dumps({"filename": "../../etc/passwd.csv", "format": "daily", "size": 318}))

    assert created["statusCode"] == 201
    body = created["json"]
    assert body["status"] == "awaiting_upload"
    assert body["status_url"] == f"/imports/{body['job_id']}"
    assert body["upload"]["fields"]["key"] == f"uploads/{body['job_id']}.csv"
    # the bucket's regional virtual host: the global endpoint redirects new buckets' browser POSTs
    assert body["upload"]["url"] == f"https://{stack.bucket}.s3.eu-west-2.amazonaws.com/"
    assert "policy" in body["upload"]["fields"] and "x-amz-signature" in body["upload"]["fields"]
    assert get_job(body["job_id"])["json"]["filename"] == "../../etc/passwd.csv"


def test_the_presigned_policy_caps_the_size_at_the_configured_maximum(stack):
    import base64

    created = post_json(json.dumps({"filename": "a.csv"}))
    policy = json.loads(base64.b64decode(created["json"]["upload"]["fields"]["policy"]))
    assert ["content-length-range", 1, 1024**3] in policy["conditions"]


def test_the_uploaded_file_queues_the_job_once_and_it_completes(stack):
    job_id = post_json(json.dumps({"filename": "daily.csv", "format": "daily"}))["json"]["job_id"]
    boto3.client("s3").put_object(Bucket=stack.bucket, Key=f"uploads/{job_id}.csv", Body=DAILY)

    assert s3_created(stack, f"uploads/{job_id}.csv")["results"] == ["queued"]
    assert s3_created(stack, f"uploads/{job_id}.csv")["results"] == [
        "ignored: no job is awaiting this upload"
    ]
    assert get_job(job_id)["json"]["status"] == "queued"
    QueueDriver(stack.queue_url).drain()

    job = get_job(job_id)["json"]
    assert (job["status"], job["processed_rows"], job["imported_rows"], job["failed_rows"]) == (
        "completed",
        10,
        10,
        0,
    )
    assert job["bytes_total"] == len(DAILY) and job["percent"] == 100.0


def test_s3_test_events_and_foreign_keys_are_ignored(stack):
    assert call("upload", load_event("s3_test_event.json"))["results"] == ["ignored: test event"]
    boto3.client("s3").put_object(Bucket=stack.bucket, Key="uploads/nobody.csv", Body=b"x")
    assert s3_created(stack, "uploads/nobody.csv")["results"] == ["ignored: no job is awaiting this upload"]


# ---- direct uploads ---------------------------------------------------------------------------


def test_a_csv_body_is_stored_under_the_job_id_and_queued(stack):
    created = post_csv(DAILY, filename="my file.csv", format="daily")

    assert created["statusCode"] == 202
    assert created["json"]["status"] == "queued"
    keys = [o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket=stack.bucket)["Contents"]]
    assert keys == [f"uploads/{created['json']['job_id']}.csv"]


def test_sync_mode_imports_a_small_file_inside_the_request(stack):
    done = post_csv(DAILY, filename="daily.csv", mode="sync")

    assert done["statusCode"] == 200
    assert (done["json"]["status"], done["json"]["imported_rows"], done["json"]["layout"]) == (
        "completed",
        10,
        "daily",
    )


def test_sync_mode_refuses_a_file_of_5000_rows_and_says_to_use_async(stack):
    refused = post_csv(hh_long_csv(5000), mode="sync")

    assert refused["statusCode"] == 422
    assert "mode=async" in refused["json"]["message"]
    assert "Contents" not in boto3.client("s3").list_objects_v2(Bucket=stack.bucket)


@pytest.mark.parametrize(
    ("request_", "status", "words"),
    [
        (lambda: post_json('{"filename": "a.csv", "format": "xml"}'), 400, "format"),
        (lambda: post_json('{"format": "hh"}'), 400, "filename"),
        (lambda: post_json('{"filename": "a.csv", "throttle": "ludicrous"}'), 400, "throttle"),
        (lambda: post_json("not json"), 400, "invalid"),
        (lambda: post_json(json.dumps({"filename": "a.csv", "size": 2 * 1024**3})), 413, "largest"),
        (lambda: post_csv(b""), 400, "empty"),
        (lambda: post_csv(b"PK\x03\x04\x14\x00\x06\x00"), 400, "ZIP"),
        (lambda: post_csv(b"a,b\n\x00\x01\x02"), 400, "binary"),
        (lambda: post_csv(DAILY, format="xml"), 400, "format"),
        (
            lambda: call(
                "upload", http_event("POST", "/imports", body=DAILY.decode(), content_type="text/csv")
            ),
            400,
            "filename",
        ),
        (lambda: post_csv(b"x" * (5 * 1024 * 1024 + 1)), 413, "presigned"),
        (
            lambda: call(
                "upload", http_event("POST", "/imports", body="<x/>", content_type="application/xml")
            ),
            400,
            "text/csv",
        ),
    ],
    ids=[
        "unknown-format",
        "missing-filename",
        "unknown-throttle",
        "not-json",
        "too-large-json",
        "empty-body",
        "xlsx-body",
        "binary-body",
        "unknown-format-csv",
        "csv-without-filename",
        "csv-over-5mb",
        "wrong-type",
    ],
)
def test_bad_input_gets_a_4xx_that_says_what_is_wrong(stack, request_, status, words):
    response = request_()

    assert response["statusCode"] == status
    assert words.lower() in response["json"]["message"].lower()
    assert "Traceback" not in response["body"]


# ---- identity and visibility ------------------------------------------------------------------


def test_a_request_without_a_verified_caller_gets_401(stack):
    assert post_csv(DAILY, user=None)["statusCode"] == 401
    assert list_jobs(user=None)["statusCode"] == 401


def test_a_job_is_visible_only_to_its_owner(stack):
    job_id = post_csv(DAILY, user="alice")["json"]["job_id"]

    assert get_job(job_id, user="alice")["statusCode"] == 200
    hidden = get_job(job_id, user="mallory")
    assert hidden["statusCode"] == 404
    assert get_job("no-such-job")["statusCode"] == 404
    assert hidden["json"] == get_job("no-such-job")["json"] | {"message": hidden["json"]["message"]}


def test_the_list_shows_the_callers_jobs_newest_first_a_page_at_a_time(stack):
    mine = [post_csv(DAILY, user="alice", filename=f"f{i}.csv")["json"]["job_id"] for i in range(5)]
    post_csv(DAILY, user="bob")

    first = list_jobs(limit="2")["json"]
    second = list_jobs(limit="2", next=first["next"])["json"]
    third = list_jobs(limit="2", next=second["next"])["json"]

    seen = [j["job_id"] for page in (first, second, third) for j in page["items"]]
    assert seen == list(reversed(mine))
    assert third["next"] is None
    assert [j["job_id"] for j in list_jobs(user="bob")["json"]["items"]] not in ([], mine)


def test_the_list_filters_by_status(stack):
    post_json(json.dumps({"filename": "waiting.csv"}))
    queued = post_csv(DAILY)["json"]["job_id"]

    items = list_jobs(status="queued")["json"]["items"]
    assert [j["job_id"] for j in items] == [queued]


@pytest.mark.parametrize(
    "query", [{"status": "lost"}, {"limit": "0"}, {"limit": "1000"}, {"next": "garbage!"}]
)
def test_bad_list_parameters_get_400(stack, query):
    response = list_jobs(**query)
    assert response["statusCode"] == 400
    assert response["json"]["message"]


def test_progress_is_visible_while_a_job_runs(stack):
    from tests.support import FakeContext, ticking_budget

    created = post_csv(hh_long_csv(4000), throttle="small")
    QueueDriver(stack.queue_url, context_factory=lambda: FakeContext(ticking_budget(25_000, 10_000))).step(1)

    job = get_job(created["json"]["job_id"])["json"]
    assert job["status"] == "processing"
    assert 0 < job["percent"] < 100
    assert 0 < job["processed_rows"] < 4000
    assert job["total_rows_exact"] is False
    assert abs(job["total_rows"] - 4000) < 40
    assert job["started_at"] and job["completed_at"] is None


def test_a_finished_import_reports_exact_totals(stack):
    job, _ = import_csv(stack, hh_long_csv(1200, bad_every=100), throttle="small")
    assert (job["total_rows"], job["total_rows_exact"], job["success_rate"]) == (1200, True, 0.99)
