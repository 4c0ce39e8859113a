"""The csvimport command against the local stack."""

import subprocess
import sys

from tests.support import SAMPLES, hh_long_csv


def csvimport(stack, *args: str, user: str = "erin") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli", "--api", stack.api_url, "--token", stack.token(user), *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_upload_with_watch_follows_the_job_to_the_end_and_exits_0(local_stack, tmp_path):
    path = tmp_path / "readings.csv"
    path.write_bytes(hh_long_csv(600, bad_every=300))

    result = csvimport(
        local_stack, "upload", str(path), "--throttle", "medium", "--watch", "--interval", "0.5"
    )

    assert result.returncode == 0, result.stderr
    assert "completed" in result.stdout and "600" in result.stdout
    assert "Line 301" in result.stdout


def test_a_large_file_goes_through_the_presigned_upload(local_stack, tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(hh_long_csv(1000))

    result = csvimport(local_stack, "upload", str(path), "--presigned", "--watch", "--interval", "0.5")

    assert result.returncode == 0, result.stderr
    assert "completed" in result.stdout


def test_a_failed_import_exits_non_zero_with_its_reason(local_stack):
    result = csvimport(
        local_stack, "upload", str(SAMPLES / "Test_Sites_Data.csv"), "--watch", "--interval", "0.5"
    )

    assert result.returncode == 1
    assert "failed" in result.stdout and "mpan" in (result.stdout + result.stderr).lower()


def test_list_and_status_show_only_the_callers_jobs(local_stack, tmp_path):
    path = tmp_path / "one.csv"
    path.write_bytes(hh_long_csv(10))
    csvimport(local_stack, "upload", str(path), "--watch", "--interval", "0.5", user="frank")

    mine = csvimport(local_stack, "list", user="frank")
    theirs = csvimport(local_stack, "list", user="grace")

    assert mine.returncode == 0 and "one.csv" in mine.stdout
    assert "one.csv" not in theirs.stdout
