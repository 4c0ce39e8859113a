"""DELETE /imports/{job_id}: the job, its file and the readings it wrote last go; a running job is
refused; readings another job overwrote since are kept."""

import boto3

from tests.integration.helpers import call_route, get_job, import_csv, post_csv
from tests.support import QueueDriver, hh_long_csv, readings_of


def delete(job_id, user="alice"):
    return call_route("upload", "DELETE", f"/imports/{job_id}", "/imports/{job_id}", user, job_id=job_id)


def test_deleting_a_finished_job_removes_it_its_file_and_its_readings(stack):
    keep, _ = import_csv(stack, hh_long_csv(300, meters=1), throttle="small")
    gone, _ = import_csv(stack, hh_long_csv(600, meters=2, start_day=20), throttle="small")
    # the first 100 rows of meter 1900000000000 in `gone` overwrite... nothing: different days
    before = readings_of(stack.readings_table)

    answer = delete(gone["job_id"])
    QueueDriver(stack.queue_url).drain()

    assert answer["statusCode"] == 202
    assert get_job(gone["job_id"])["statusCode"] == 404
    after = readings_of(stack.readings_table)
    assert len(after) == len(before) - 600 and len(after) == 300
    keys = [o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket=stack.bucket).get("Contents", [])]
    assert not [key for key in keys if gone["job_id"] in key]  # its file and its error report
    assert f"uploads/{keep['job_id']}.csv" in keys and f"reports/{keep['job_id']}/errors.csv" in keys


def test_readings_that_another_job_overwrote_since_are_kept(stack):
    first, _ = import_csv(stack, hh_long_csv(200, meters=1), throttle="small")
    second, _ = import_csv(stack, hh_long_csv(100, meters=1), throttle="small")  # rewrites 100 of them

    delete(first["job_id"])
    QueueDriver(stack.queue_url).drain()

    remaining = readings_of(stack.readings_table)
    assert len(remaining) == 100  # those the second job wrote last
    items = boto3.client("dynamodb").scan(TableName=stack.readings_table)["Items"]
    assert {i["job_id"]["S"] for i in items} == {second["job_id"]}


def test_a_running_job_must_be_cancelled_before_it_is_deleted(stack):
    job_id = post_csv(hh_long_csv(100))["json"]["job_id"]

    refused = delete(job_id)

    assert refused["statusCode"] == 409 and "cancel" in refused["json"]["message"]
    assert delete(job_id, user="mallory")["statusCode"] == 404
