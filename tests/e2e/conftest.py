"""The local stack (`python -m devstack`, what `make run` starts) as a test fixture: a real
process on free loopback ports, spoken to over HTTP only."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class LocalStackProcess:
    api_url: str
    aws_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def token(self, user: str) -> str:
        return f"dev:{user}"

    def headers(self, user: str = "alice") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(user)}"}

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_local_stack(
    tmp: Path, *extra: str, name: str = "stack", quiet: bool = True, unset: tuple[str, ...] = ()
) -> LocalStackProcess:
    """`python -m devstack` on free ports (quiet=False: with the output `make run` shows; unset:
    environment variables it starts without)."""
    log_path = tmp / f"{name}.log"
    log = log_path.open("wb")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "JOBS_", "READINGS_", "UPLOAD_", "INGEST_")) and k not in unset
    }
    quieter = ["--quiet"] if quiet else []
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack", "--api-port", "0", "--aws-port", "0", *quieter, *extra],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = re.search(r"ready: api=(\S+) aws=(\S+)", log_path.read_text(errors="replace"))
        if found:
            return LocalStackProcess(found.group(1), found.group(2), process, log_path)
        if process.poll() is not None:
            break
        time.sleep(0.1)
    stop_local_stack(process)
    raise RuntimeError(f"the local stack did not start:\n{log_path.read_text(errors='replace')}")


def stop_local_stack(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)  # the runtime stops its workers and servers itself
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStackProcess]:
    stack = start_local_stack(tmp_path_factory.mktemp("local-stack"))
    try:
        yield stack
    finally:
        stop_local_stack(stack.process)


def wait_for_job(
    stack: LocalStackProcess,
    job_id: str,
    user: str = "alice",
    timeout: float = 120,
    until: tuple[str, ...] = ("completed", "failed", "cancelled"),
) -> dict:
    """Poll the job over HTTP until it reaches one of `until` (fails with the last state seen)."""
    deadline = time.monotonic() + timeout
    job: dict = {}
    while time.monotonic() < deadline:
        response = requests.get(f"{stack.api_url}/imports/{job_id}", headers=stack.headers(user), timeout=10)
        assert response.status_code == 200, response.text
        job = response.json()
        if job["status"] in until:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not reach {until} in {timeout} s; last seen: {job}")
