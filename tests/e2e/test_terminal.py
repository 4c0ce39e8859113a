"""What a person sees in the terminal running `make run` (`python -m devstack`, not --quiet): the
banner's sign-in hint works as printed, an import shows one short line per event (not the
functions' JSON), and Ctrl-C stops everything with no traceback and says "stopped"."""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Iterator

import pytest
import requests

from tests.e2e.conftest import LocalStackProcess, start_local_stack, stop_local_stack, wait_for_job
from tests.support import hh_long_csv

# How long after a job ends its upload's S3 notification has surely been handled (a warm function,
# a poller that waits at most 1 s): what a line about it would have been printed by.
NOTIFICATION_SETTLED_S = 3.0


def direct_upload(stack: LocalStackProcess, body: bytes, filename: str) -> str:
    response = requests.post(
        f"{stack.api_url}/imports",
        params={"filename": filename},
        data=body,
        headers={**stack.headers(), "Content-Type": "text/csv"},
        timeout=30,
    )
    assert response.status_code == 202, response.text
    return response.json()["job_id"]


def wait_for_line(stack: LocalStackProcess, pattern: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(pattern, stack.log(), re.M)
        if found:
            return found.group(0)
        time.sleep(0.1)
    raise AssertionError(f"no line matching {pattern!r} in:\n{stack.log()}")


@pytest.fixture(scope="module")
def terminal_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStackProcess]:
    # USER unset, as in some containers: every hint must work without it.
    stack = start_local_stack(tmp_path_factory.mktemp("terminal"), quiet=False, unset=("USER",))
    try:
        yield stack
    finally:
        stop_local_stack(stack.process)


def test_the_banner_names_the_one_local_identity_and_its_curl_hint_works_as_printed(terminal_stack):
    banner = terminal_stack.log()
    assert "dev:alice" in banner and "dev:admin" in banner
    header = re.search(r'curl -H "Authorization: ([^"]+)" (\S+)', banner)
    assert header, banner

    response = requests.get(header.group(2), headers={"Authorization": header.group(1)}, timeout=10)

    assert response.status_code == 200, response.text


def test_an_import_shows_one_short_line_per_event_and_no_json(terminal_stack):
    job_id = direct_upload(terminal_stack, hh_long_csv(40), "short-lines.csv")
    wait_for_job(terminal_stack, job_id)
    short = job_id[:8]

    started = wait_for_line(terminal_stack, rf"^.*job {short} started: short-lines\.csv.*$")
    segment = wait_for_line(terminal_stack, rf"^.*job {short} segment 1: 40 rows in .* rows/s.*$")
    ended = wait_for_line(terminal_stack, rf"^.*job {short} completed: 40 rows imported, 0 failed.*$")
    time.sleep(NOTIFICATION_SETTLED_S)

    output = terminal_stack.log()
    assert output.index(started) < output.index(segment) < output.index(ended)
    assert all(len(line) <= 120 for line in (started, segment, ended))
    assert not [line for line in output.splitlines() if line.lstrip().startswith("{")], output
    assert "no job is awaiting this upload" not in output


def test_ctrl_c_stops_the_workers_without_a_traceback_and_says_stopped(tmp_path):
    stack = start_local_stack(tmp_path, quiet=False, name="ctrl-c")
    try:
        job_id = direct_upload(stack, hh_long_csv(10), "before-ctrl-c.csv")
        wait_for_job(stack, job_id)

        os.killpg(stack.process.pid, signal.SIGINT)  # as Ctrl-C does: the whole process group
        code = stack.process.wait(30)
    finally:
        stop_local_stack(stack.process)

    output = stack.log()
    assert code == 0, output
    assert "Traceback" not in output and "KeyboardInterrupt" not in output, output
    assert output.rstrip().splitlines()[-1] == "stopped", output
