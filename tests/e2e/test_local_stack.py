"""End to end, over real HTTP, against the local stack (what `make run` starts)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.e2e.conftest import start_local_stack, stop_local_stack, wait_for_job
from tests.support import hh_long_csv


def upload(stack, body: bytes, user: str = "alice", **query: str) -> str:
    query.setdefault("filename", "readings.csv")
    response = requests.post(
        f"{stack.api_url}/imports",
        params=query,
        data=body,
        headers={**stack.headers(user), "Content-Type": "text/csv"},
        timeout=30,
    )
    assert response.status_code == 202, response.text
    return response.json()["job_id"]


def test_every_route_needs_a_token(local_stack):
    assert requests.get(f"{local_stack.api_url}/imports", timeout=10).status_code == 401
    bad = requests.get(f"{local_stack.api_url}/imports", headers={"Authorization": "Bearer nope"}, timeout=10)
    assert bad.status_code == 401


def test_an_upload_shows_progress_while_it_runs_and_ends_with_exact_counts(local_stack):
    job_id = upload(local_stack, hh_long_csv(2000, bad_every=400), throttle="large")  # 50 rows / 200 ms

    running = wait_for_job(local_stack, job_id, until=("processing",))
    deadline = time.monotonic() + 60
    while not (0 < running["percent"] < 100 and running["processed_rows"] > 0):
        assert time.monotonic() < deadline, running
        running = wait_for_job(local_stack, job_id, until=("processing", "completed"))
    done = wait_for_job(local_stack, job_id)

    assert running["status"] == "processing" and running["completed_at"] is None
    assert (done["status"], done["processed_rows"], done["imported_rows"], done["failed_rows"]) == (
        "completed",
        2000,
        1995,
        5,
    )
    assert done["percent"] == 100.0 and done["total_rows_exact"] is True
    assert [e.split(",")[0] for e in done["errors"]] == [
        "Line 401",
        "Line 801",
        "Line 1201",
        "Line 1601",
        "Line 2001",
    ]


def upload_presigned(stack, body: bytes, **options) -> str:
    created = requests.post(
        f"{stack.api_url}/imports",
        json={"filename": "big.csv", "format": "hh", "size": len(body), **options},
        headers=stack.headers(),
        timeout=30,
    )
    assert created.status_code == 201, created.text
    form = created.json()["upload"]
    posted = requests.post(form["url"], data=form["fields"], files={"file": ("big.csv", body)}, timeout=60)
    assert posted.status_code in (200, 204), posted.text
    return created.json()["job_id"]


def test_the_presigned_upload_goes_to_s3_and_starts_the_job(local_stack):
    done = wait_for_job(local_stack, upload_presigned(local_stack, hh_long_csv(300)))
    assert (done["status"], done["processed_rows"], done["imported_rows"]) == ("completed", 300, 300)


def test_five_imports_at_once_from_two_owners_complete_exactly_and_stay_private(local_stack):
    files = {n: hh_long_csv(n, meters=2, start_day=1 + n % 20) for n in (700, 900, 1100, 1300, 1500)}
    owners = ["carol", "dave", "carol", "dave", "carol"]
    with ThreadPoolExecutor(5) as pool:
        ids = list(
            pool.map(
                lambda a: upload(local_stack, files[a[0]], user=a[1], throttle="small"),
                zip(files, owners, strict=True),
            )
        )
    for job_id, rows, owner in zip(ids, files, owners, strict=True):
        done = wait_for_job(local_stack, job_id, user=owner)
        assert (done["status"], done["processed_rows"], done["imported_rows"]) == ("completed", rows, rows)

    for owner in ("carol", "dave"):
        listed = requests.get(
            f"{local_stack.api_url}/imports",
            params={"limit": "100"},
            headers=local_stack.headers(owner),
            timeout=10,
        ).json()["items"]
        mine = {job_id for job_id, who in zip(ids, owners, strict=True) if who == owner}
        assert {j["job_id"] for j in listed} == mine
        other = next(job_id for job_id, who in zip(ids, owners, strict=True) if who != owner)
        assert (
            requests.get(
                f"{local_stack.api_url}/imports/{other}", headers=local_stack.headers(owner), timeout=10
            ).status_code
            == 404
        )


def test_a_200000_row_file_completes_and_shows_rate_and_eta_while_it_runs(local_stack):
    job_id = upload_presigned(local_stack, hh_long_csv(200_000, meters=40), throttle="small")

    seen_rate = None
    deadline = time.monotonic() + 600
    while True:
        job = wait_for_job(local_stack, job_id, until=("processing", "completed", "failed"))
        if job["status"] != "processing":
            break
        if job["rows_per_sec"] and job["eta_seconds"] is not None and 0 < job["percent"] < 100:
            seen_rate = job
        assert time.monotonic() < deadline, job
        time.sleep(1)

    assert (job["status"], job["processed_rows"], job["imported_rows"]) == ("completed", 200_000, 200_000)
    assert seen_rate is not None, "no rows/sec and ETA were shown while the job ran"
    assert seen_rate["rows_per_sec"] > 0 and seen_rate["eta_seconds"] >= 0


@pytest.fixture(scope="module")
def fragile_stack(tmp_path_factory):
    """A stack whose ingest function times out at 2 s (queue visibility 12 s) and whose 2nd ingest
    invocation is killed after 0.5 s, as a timeout kills it, in the middle of its work."""
    stack = start_local_stack(
        tmp_path_factory.mktemp("fragile"),
        "--timeout",
        "IngestFunction=2",
        "--env",
        "IngestFunction.SEGMENT_SAFETY_MS=1000",
        "--kill",
        "IngestFunction=2@0.5",
        name="fragile",
    )
    try:
        yield stack
    finally:
        stop_local_stack(stack.process)


def test_a_worker_killed_by_its_timeout_mid_import_resumes_and_ends_with_exact_counts(fragile_stack):
    job_id = upload(fragile_stack, hh_long_csv(1500), throttle="large")  # 50 rows, 200 ms pauses

    done = wait_for_job(fragile_stack, job_id, timeout=180)

    assert (done["status"], done["processed_rows"], done["imported_rows"], done["failed_rows"]) == (
        "completed",
        1500,
        1500,
        0,
    )
    assert "invocation 2 timed out" in fragile_stack.log()


def test_twenty_imports_at_once_from_four_owners_all_end_with_exact_counts(local_stack):
    owners = ["ann", "ben", "cat", "dan"]
    plan = [(owners[i % 4], 200 + 37 * i, i % 7 + 1) for i in range(20)]  # owner, rows, start day
    with ThreadPoolExecutor(10) as pool:
        ids = list(
            pool.map(
                lambda p: upload(
                    local_stack,
                    hh_long_csv(p[1], meters=2, start_day=p[2], bad_every=50),
                    user=p[0],
                    throttle="small",
                ),
                plan,
            )
        )
    for job_id, (owner, rows, _) in zip(ids, plan, strict=True):
        done = wait_for_job(local_stack, job_id, user=owner, timeout=300)
        assert (done["status"], done["processed_rows"], done["failed_rows"]) == (
            "completed",
            rows,
            rows // 50,
        )
        assert done["imported_rows"] == rows - rows // 50
