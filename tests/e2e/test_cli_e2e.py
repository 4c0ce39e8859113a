"""The csvimport command against the local stack."""

import re
import subprocess
import sys

from tests.support import hh_long_csv


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


def test_a_failed_import_exits_non_zero_with_its_reason(local_stack, tmp_path):
    path = tmp_path / "shapes.csv"
    path.write_bytes(b"colour,shape\r\nred,round\r\n")  # neither readings nor sites

    result = csvimport(local_stack, "upload", str(path), "--watch", "--interval", "0.5")

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


def test_errors_downloads_the_error_report_of_an_import_with_a_bad_row(local_stack, tmp_path):
    path = tmp_path / "two-bad.csv"
    path.write_bytes(hh_long_csv(20, bad_every=10))
    uploaded = csvimport(local_stack, "upload", str(path), "--watch", "--interval", "0.5", user="heidi")
    job_id = re.search(r"^Job:\s+(\S+)", uploaded.stdout, re.M).group(1)
    assert f"cli errors {job_id}" in uploaded.stdout  # the summary points to the command
    report = tmp_path / "report.csv"

    result = csvimport(local_stack, "errors", job_id, "-o", str(report), user="heidi")

    assert result.returncode == 0, result.stderr
    assert f"(2 failed rows) to {report}" in result.stdout
    lines = report.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "line,column,column_name,message,MPAN,ReadDateTime,ReadValue,Unit,ReadingType"
    assert [line.split(",")[:3] for line in lines[1:]] == [["11", "3", "ReadValue"], ["21", "3", "ReadValue"]]
