"""DELETE /imports/{job_id}: the job, its file and the readings it wrote last go; a running job is
refused; readings another job overwrote since are kept."""

import boto3

from ingestion.store.readings import JOB_PARTS, READINGS_JOB_INDEX, ReadingCleaner
from tests.integration.helpers import call_route, get_job, import_csv, post_csv
from tests.support import SAMPLES, QueueDriver, hh_long_csv, readings_of


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


def index_parts(stack, job_id):
    """How many of the job's readings each key of the readings table's job-part-index holds."""
    ddb = boto3.client("dynamodb")
    counts = {}
    for part, key in enumerate(READINGS_JOB_INDEX.keys(job_id)):
        pages = ddb.get_paginator("query").paginate(
            TableName=stack.readings_table,
            IndexName=READINGS_JOB_INDEX.name,
            KeyConditionExpression="job_part = :p",
            ExpressionAttributeValues={":p": {"S": key}},
        )
        counts[part] = sum(len(page["Items"]) for page in pages)
    return counts


def test_a_jobs_readings_spread_over_the_index_parts_and_go_from_every_part(stack):
    first, _ = import_csv(stack, hh_long_csv(600, meters=2), throttle="small")
    second, _ = import_csv(stack, hh_long_csv(100, meters=1), throttle="small")  # rewrites 100 of them
    spread = index_parts(stack, first["job_id"])
    # Given: the 500 readings the first job still holds are on every part, none holding most.
    assert sum(spread.values()) == 500 and len(spread) == JOB_PARTS
    assert min(spread.values()) > 0 and max(spread.values()) < 100

    # When
    delete(first["job_id"])
    QueueDriver(stack.queue_url).drain()

    # Then: every part of the first job is empty; the second job's 100 readings are all there.
    assert set(index_parts(stack, first["job_id"]).values()) == {0}
    assert sum(index_parts(stack, second["job_id"]).values()) == 100
    assert len(readings_of(stack.readings_table)) == 100


def test_the_cleaner_deletes_a_page_at_most_at_a_time_and_says_0_only_when_every_part_is_empty(stack):
    job, _ = import_csv(stack, hh_long_csv(300, meters=3), throttle="small")
    cleaner = ReadingCleaner(table=stack.readings_table)

    pages = []
    while looked := cleaner.delete_page(job["job_id"], page_size=7):
        pages.append(looked)

    assert all(0 < n <= 7 for n in pages) and sum(pages) == 300
    assert readings_of(stack.readings_table) == {}
    assert cleaner.delete_page(job["job_id"], page_size=7) == 0


def test_deleting_a_sites_job_removes_the_sites_it_wrote(stack):
    job, _ = import_csv(stack, (SAMPLES / "sites.csv").read_bytes(), format="sites")
    sites = boto3.client("dynamodb").scan(TableName=stack.sites_table)["Items"]
    assert len(sites) == 5

    delete(job["job_id"])
    QueueDriver(stack.queue_url).drain()

    assert get_job(job["job_id"])["statusCode"] == 404
    assert boto3.client("dynamodb").scan(TableName=stack.sites_table)["Items"] == []


def test_a_running_job_must_be_cancelled_before_it_is_deleted(stack):
    job_id = post_csv(hh_long_csv(100))["json"]["job_id"]

    refused = delete(job_id)

    assert refused["statusCode"] == 409 and "cancel" in refused["json"]["message"]
    assert delete(job_id, user="mallory")["statusCode"] == 404
