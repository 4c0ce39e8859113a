"""A worker killed mid-import (SIGKILL, as Lambda kills an environment out of memory) on the local
stack: its lease runs out within a minute, the scheduled run re-drives the job, and it completes
with exact counts, the whole within two minutes of the death. The schedule runs every 10 s here
instead of every minute (the lease is the production one); the path back is the production one:
the queue returns the dead invocation's message only after 30 minutes."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
import requests

from tests.e2e.conftest import start_local_stack, stop_local_stack, wait_for_job
from tests.e2e.test_local_stack import upload
from tests.support import hh_long_csv


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    stack = start_local_stack(tmp_path_factory.mktemp("killed"), "--schedule-seconds", "10", name="killed")
    try:
        yield stack
    finally:
        stop_local_stack(stack.process)


def ingest_environments(stack_pid: int) -> list[int]:
    """The ingest function's worker processes: the local stack's children working in its code."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cwd = os.readlink(entry / "cwd")
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile, or not ours to read
        if parent == stack_pid and cwd.endswith(os.path.join("functions", "ingest")):
            found.append(int(entry.name))
    return found


def reading(stack, job_id: str) -> dict:
    response = requests.get(f"{stack.api_url}/imports/{job_id}", headers=stack.headers(), timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def counts(job: dict) -> tuple[int, int, int]:
    return job["processed_rows"], job["imported_rows"], job["failed_rows"]


def test_a_worker_killed_mid_import_resumes_and_completes_within_two_minutes_with_exact_counts(stack):
    job_id = upload(stack, hh_long_csv(3000, bad_every=100), throttle="large")  # 50 rows, 200 ms pauses
    running = wait_for_job(stack, job_id, until=("processing",))
    while running["processed_rows"] < 300:
        assert running["status"] == "processing", running
        running = reading(stack, job_id)
    workers = ingest_environments(stack.process.pid)
    assert workers, "no ingest worker process found"
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    killed_at = time.monotonic()
    time.sleep(1)  # (a commit in flight when the process died has landed or never will)

    dead = reading(stack, job_id)
    frozen = [dead]
    while (now := reading(stack, job_id))["processed_rows"] == dead["processed_rows"]:
        assert time.monotonic() - killed_at < 120, now
        frozen.append(now)
        time.sleep(0.5)
    resumed_after = time.monotonic() - killed_at
    done = wait_for_job(stack, job_id, timeout=max(1.0, 120 - (time.monotonic() - killed_at)))

    assert 0 < dead["processed_rows"] < 3000 and dead["status"] == "processing"
    assert {counts(job) for job in frozen} == {counts(dead)}  # nothing moves while it waits
    assert resumed_after < 90, resumed_after  # the lease (60 s), then the next scheduled run
    assert (done["status"], *counts(done)) == ("completed", 3000, 2970, 30)
    assert done["readings_written"] == 2970 and done["total_rows"] == 3000
    assert [e.split(",")[0] for e in done["errors"][:3]] == ["Line 101", "Line 201", "Line 301"]
