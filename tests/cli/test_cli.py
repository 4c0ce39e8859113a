"""The csvimport command line: pure formatting, the streamed multipart body, and the commands run
against a fake API (http.server on 127.0.0.1, port 0, in a thread) that also plays the presigned
POST target. Watching uses a fake clock whose sleep only advances time."""

from __future__ import annotations

import io
import json
import shlex
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest

from cli.csvimport import DIRECT_UPLOAD_MAX_BYTES, PLAIN_LINE_EVERY_S, Defaults, Runtime, main
from cli.formatting import (
    fit,
    format_duration,
    format_rate,
    format_timestamp,
    format_total,
    job_summary,
    jobs_table,
    progress_bar,
    progress_line,
    render_table,
)
from cli.multipart import MultipartFileBody

ROOT = Path(__file__).resolve().parents[2]
CSV = b"MPAN,Date,Value\n1200000000001,2024-05-01,12.5\n1200000000001,2024-05-02,13.0\n"
REPORT = (
    "\ufeffline,column,column_name,message,MPAN,Date,Value\r\n"
    "3,3,Value,not a number: 'x',1200000000001,2024-05-02,x\r\n"
).encode()
FIX = "\ufeffMPAN,Date,Value\r\n1200000000001,2024-05-02,x\r\n".encode()


def job(**changes: Any) -> dict[str, Any]:
    """A job as the API returns it, varied by keyword."""
    base: dict[str, Any] = {
        "job_id": "job-1",
        "filename": "readings.csv",
        "format": "auto",
        "layout": "daily",
        "dry_run": False,
        "status": "processing",
        "total_rows": 2000,
        "total_rows_exact": False,
        "processed_rows": 500,
        "imported_rows": 490,
        "failed_rows": 10,
        "readings_written": 490,
        "bytes_total": 80_000,
        "bytes_processed": 20_000,
        "percent": 25.0,
        "rows_per_sec": 125.0,
        "eta_seconds": 12,
        "success_rate": 0.98,
        "throttle": {"batch_size": 100, "delay_ms": 100, "preset": "medium"},
        "segments": 1,
        "created_at": "2024-05-01T10:00:00.000Z",
        "started_at": "2024-05-01T10:00:01.000Z",
        "updated_at": "2024-05-01T10:00:05.000Z",
        "completed_at": None,
        "error_message": None,
        "note": None,
        "errors": [],
        "status_url": "/imports/job-1",
    }
    return base | changes


def completed(**changes: Any) -> dict[str, Any]:
    return job(
        status="completed",
        percent=100.0,
        total_rows=2000,
        total_rows_exact=True,
        processed_rows=2000,
        imported_rows=1990,
        eta_seconds=0,
        completed_at="2024-05-01T10:02:06.000Z",
        **changes,
    )


# ---- the fake API -------------------------------------------------------------------------------


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class FakeApi:
    """Answers like the service's API. Tests script it: job states in order, list pages, failures."""

    base_url: str = ""
    received: list[Received] = field(default_factory=list)
    job_states: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    pages: dict[str | None, dict[str, Any]] = field(default_factory=dict)
    # (method, path) -> answers to give, in order, before the normal ones: (status, content type, body)
    failures: dict[tuple[str, str], list[tuple[int, str, bytes]]] = field(default_factory=dict)
    # path -> a file it serves, as the storage behind a presigned link does
    files: dict[str, bytes] = field(default_factory=dict)
    # GET /readings: the pages by the next token that asks for them (None: the first), and the CSV
    readings: dict[str | None, dict[str, Any]] = field(default_factory=dict)
    readings_csv: bytes = b""
    # name -> profile, as PUT /profiles/{name} saved it (the one caller's)
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    # POST /imports/preview: what it answers
    preview: dict[str, Any] = field(default_factory=dict)
    # GET /imports/{id}/coverage: job id -> {"summary", "meters"}, paged as the API pages it
    coverage: dict[str, dict[str, Any]] = field(default_factory=dict)

    def fail(
        self, method: str, path: str, status: int, body: Any, content_type: str = "application/json"
    ) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.failures.setdefault((method, path), []).append((status, content_type, raw))

    def requests_to(self, method: str, path: str) -> list[Received]:
        return [r for r in self.received if r.method == method and r.path == path]

    def answer(self, request: Received) -> tuple[int, str, bytes]:
        scripted = self.failures.get((request.method, request.path))
        if scripted:
            return scripted.pop(0)
        if request.path == "/readings" and request.headers.get("accept") == "text/csv":
            return 200, "text/csv; charset=utf-8", self.readings_csv
        if request.method == "GET" and request.path in self.files:
            return 200, "text/csv; charset=utf-8", self.files[request.path]
        status, body = self._route(request)
        return status, "application/json", b"" if body is None else json.dumps(body).encode()

    def _route(self, r: Received) -> tuple[int, Any]:
        if r.method == "POST" and r.path == "/imports/preview":
            return 200, self.preview
        if r.method == "POST" and r.path == "/imports":
            if r.headers.get("content-type") == "text/csv":
                return 202, {"job_id": "job-direct", "status": "queued", "status_url": "/imports/job-direct"}
            fields = {
                "key": "uploads/job-pre.csv",
                "Content-Type": "text/csv",
                "policy": "eyJ9",
                "x-amz-signature": "f00",
            }
            upload = {"url": f"{self.base_url}/bucket", "fields": fields}
            return 201, {
                "job_id": "job-pre",
                "status": "awaiting_upload",
                "status_url": "/imports/job-pre",
                "upload": upload,
            }
        if r.method == "POST" and r.path == "/bucket":
            return 204, None
        if r.method == "GET" and r.path.startswith("/imports/") and r.path.endswith("/errors"):
            job_id = r.path.split("/")[2]
            states = self.job_states.get(job_id)
            if not states:
                return 404, {"error": "Not Found", "message": f"no import job {job_id!r}"}
            if states[0]["status"] not in ("completed", "failed", "cancelled"):
                return 409, {"error": "Conflict", "message": f"the job is {states[0]['status']}"}
            self.files.setdefault(f"/reports/{job_id}/errors.csv", REPORT)
            self.files.setdefault(f"/reports/{job_id}/fix.csv", FIX)
            return 200, {
                "failed_rows": states[0]["failed_rows"],
                "errors_url": f"{self.base_url}/reports/{job_id}/errors.csv?X-Amz-Signature=abc",
                "fix_url": f"{self.base_url}/reports/{job_id}/fix.csv?X-Amz-Signature=def",
                "expires_in": 300,
            }
        if r.method == "GET" and r.path.startswith("/imports/") and r.path.endswith("/coverage"):
            return self._coverage(r, r.path.split("/")[2])
        if r.method == "GET" and r.path.startswith("/imports/"):
            states = self.job_states.get(r.path.removeprefix("/imports/"))
            if not states:
                return 404, {"error": "Not Found", "message": f"no import job {r.path.split('/')[-1]!r}"}
            return 200, states.pop(0) if len(states) > 1 else states[0]
        if r.method == "GET" and r.path == "/imports":
            return 200, self.pages.get(r.query.get("next"), {"items": [], "next": None})
        if r.method == "GET" and r.path == "/readings":
            return 200, self.readings[r.query.get("next")]
        if r.path == "/profiles" and r.method == "GET":
            return 200, {"items": [self.profiles[name] for name in sorted(self.profiles)]}
        if r.path.startswith("/profiles/"):
            return self._profile(r, unquote(r.path.removeprefix("/profiles/")))
        return 404, {"message": "Not Found"}

    def _coverage(self, r: Received, job_id: str) -> tuple[int, Any]:
        states = self.job_states.get(job_id)
        if not states:
            return 404, {"error": "Not Found", "message": f"no import job {job_id!r}"}
        waiting = {"job_id": job_id, "ready": False, "building": False, "summary": None, "meters": []}
        if states[0]["status"] not in ("completed", "failed", "cancelled"):
            return 200, waiting | {"next_cursor": None}
        document = self.coverage.get(job_id)
        if document is None:  # (an ended job's, being built by the ingest function)
            return 200, waiting | {"building": True, "next_cursor": None}
        first, size = int(r.query.get("cursor", "0")), int(r.query.get("limit", "100"))
        more = first + size < len(document["meters"])
        return 200, {
            "job_id": job_id,
            "ready": True,
            "building": False,
            "summary": document["summary"],
            "meters": document["meters"][first : first + size],
            "next_cursor": str(first + size) if more else None,
        }

    def _profile(self, r: Received, name: str) -> tuple[int, Any]:
        missing = 404, {"error": "Not Found", "message": f"you have no profile named {name!r}"}
        if r.method == "PUT":
            sent = json.loads(r.body)
            old = self.profiles.get(name)
            stamp = "2024-05-01T10:00:00.000Z"
            self.profiles[name] = {
                "name": name,
                "format": sent.get("format"),
                "mapping": sent["mapping"],
                "created_at": old["created_at"] if old else stamp,
                "updated_at": stamp,
            }
            return (200 if old else 201), self.profiles[name]
        if name not in self.profiles:
            return missing
        if r.method == "DELETE":
            del self.profiles[name]
            return 204, None
        return 200, self.profiles[name]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Any

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _handle(self) -> None:
        if self.headers.get("transfer-encoding"):  # like S3 and the local gateway: a length or nothing
            status, content_type, body = 411, "application/json", b'{"message": "Length Required"}'
            received = None
        else:
            length = int(self.headers.get("content-length") or 0)
            parts = urlsplit(self.path)
            received = Received(
                method=self.command,
                path=parts.path,
                query=dict(parse_qsl(parts.query)),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(length),
            )
            self.server.fake.received.append(received)
            status, content_type, body = self.server.fake.answer(received)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeApi]:
    for name in ("NO_PROXY", "no_proxy"):  # a proxy set in the environment must not catch 127.0.0.1
        monkeypatch.setenv(name, "127.0.0.1,localhost")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    fake = FakeApi(base_url=f"http://127.0.0.1:{server.server_address[1]}")
    server.fake = fake  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@dataclass
class FakeTime:
    now: float = 1000.0
    slept: list[float] = field(default_factory=list)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


@dataclass
class Run:
    code: int
    out: str
    err: str
    time: FakeTime


def run(
    api: FakeApi, *args: str, tty: bool = False, env: dict[str, str] | None = None, bare: bool = False
) -> Run:
    """The command against the fake API (CSVIMPORT_API names it; bare: nothing is in the environment
    but ``env``, so the command line says where the API is)."""
    stdout = Terminal() if tty else io.StringIO()
    stderr = io.StringIO()
    fake_time = FakeTime()
    runtime = Runtime(
        stdout=stdout,
        stderr=stderr,
        environ=(env or {}) if bare else {"CSVIMPORT_API": api.base_url, "USER": "alice", **(env or {})},
        sleep=fake_time.sleep,
        clock=fake_time.clock,
        columns=lambda: 200,
    )
    code = main(list(args), runtime)
    return Run(code, stdout.getvalue(), stderr.getvalue(), fake_time)


def multipart_parts(content_type: str, body: bytes) -> list[tuple[str, str | None, bytes]]:
    """(name, filename, content) of each part, in order, as a server would parse them."""
    message = BytesParser(policy=policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    assert message.is_multipart()
    return [
        (
            part.get_param("name", header="content-disposition"),
            part.get_filename(),
            part.get_payload(decode=True),
        )
        for part in message.iter_parts()
    ]


@pytest.fixture
def small_csv(tmp_path: Path) -> Path:
    path = tmp_path / "readings.csv"
    path.write_bytes(CSV)
    return path


# ---- formatting ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "?"),
        (0, "0s"),
        (45, "45s"),
        (59.6, "1m 00s"),
        (125, "2m 05s"),
        (3720, "1h 02m"),
        (97_200, "1d 03h"),
    ],
)
def test_durations_read_like_an_eta(seconds: float | None, text: str) -> None:
    assert format_duration(seconds) == text


def test_total_rows_are_marked_approximate_until_exact() -> None:
    assert format_total(12_345, exact=False) == "~12,345"
    assert format_total(12_345, exact=True) == "12,345"
    assert format_total(None, exact=False) == "?"


def test_rates_show_a_decimal_only_when_slow() -> None:
    assert format_rate(2.25) == "2.2 rows/s"
    assert format_rate(1234.4) == "1,234 rows/s"
    assert format_rate(None) == "- rows/s"


def test_progress_bar_fills_in_proportion_and_stays_in_its_box() -> None:
    assert progress_bar(25.0, width=8) == "[##------]"
    assert progress_bar(100.0, width=8) == "[########]"
    assert progress_bar(None, width=8) == "[--------]"
    assert progress_bar(180.0, width=8) == "[########]"


def test_progress_line_has_percent_rows_rate_eta_and_status() -> None:
    line = progress_line(job(), width=4)
    assert line == "[#---]   25.0%  500/~2,000 rows  125 rows/s  ETA 12s  processing"


def test_progress_line_says_so_when_rate_and_eta_are_unknown() -> None:
    line = progress_line(
        job(status="queued", processed_rows=0, total_rows=None, rows_per_sec=None, eta_seconds=None)
    )
    assert "0/? rows  - rows/s  ETA ?  queued" in line


def test_a_line_is_cut_short_of_the_terminal_width() -> None:
    assert fit("x" * 100, 40) == "x" * 39
    assert fit("short", 40) == "short"


def test_summary_shows_the_counts_the_speed_and_the_success_rate() -> None:
    summary = job_summary(job())
    assert "Status:       processing" in summary
    assert "25.0%" in summary
    assert "500 processed of ~2,000: 490 imported, 10 failed" in summary
    assert "125 rows/s" in summary
    assert "ETA:          12s" in summary
    assert "Success rate: 98.0%" in summary
    assert "medium (100 rows per batch, 100 ms pause)" in summary


def test_summary_names_the_mapping_used_and_the_columns_not_read() -> None:
    summary = job_summary(
        completed(
            mapping={"columns": {"meter": "MPAN", "date": "Date", "value": "Reading"}, "header_row": 1},
            unused_columns=["Cost (p)", "Notes"],
            summary_rows=1,
            note="Skipped 1 summary row (Total) at line 4.",
        )
    )
    lines = summary.splitlines()
    mapping = 'Mapping:      meter: column "MPAN" · date: column "Date" · value: column "Reading"'
    mapping += " · header on line 1"
    assert lines[lines.index(mapping) + 1] == "Not read:     Cost (p), Notes"
    assert "Note:         Skipped 1 summary row (Total) at line 4." in lines
    assert "Not read" not in job_summary(completed(unused_columns=[]))


def test_summary_of_a_finished_job_shows_the_exact_total_the_duration_and_the_messages() -> None:
    summary = job_summary(completed(note="2 blank lines skipped", error_message=None))
    assert "2,000 processed of 2,000:" in summary
    assert "2024-05-01 10:02:06 UTC (took 2m 05s)" in summary
    assert "ETA" not in summary
    assert "Note:" in summary and "2 blank lines skipped" in summary
    assert "Error:" not in summary
    failed = job_summary(job(status="failed", error_message="Missing required column: MPAN"))
    assert "Error:        Missing required column: MPAN" in failed


def test_summary_lists_the_first_ten_errors_and_counts_the_rest() -> None:
    errors = [f"Line {n}: bad date" for n in range(2, 52)]
    summary = job_summary(job(errors=errors, failed_rows=75))
    assert "First 10 row errors:" in summary
    assert "Line 11: bad date" in summary
    assert "Line 12: bad date" not in summary
    assert "... and 65 more" in summary


def test_summary_with_few_errors_lists_them_all() -> None:
    summary = job_summary(job(errors=["Line 3: bad value 'x'"], failed_rows=1))
    assert "Row errors:\n  Line 3: bad value 'x'" in summary
    assert "more" not in summary


def test_summary_shows_the_warnings_apart_from_the_errors_and_how_the_file_was_read() -> None:
    warnings = [f"Line {n}, column 3 (Value): negative reading -1 kWh" for n in range(2, 9)]
    summary = job_summary(
        completed(warning_rows=12, warnings=warnings, encoding="Windows-1252", line_ending="CRLF")
    )
    assert "File:         readings.csv (78.1 KB, Windows-1252, CRLF)" in summary
    assert "Warnings:     12 rows imported with a warning" in summary
    assert "First 5 row warnings:\n  Line 2, column 3 (Value): negative reading -1 kWh" in summary
    assert "Line 7," not in summary
    assert "... and 7 more" in summary


def test_summary_says_so_when_no_row_has_a_warning_and_the_file_is_not_read_yet() -> None:
    summary = job_summary(job(warning_rows=0, warnings=[], encoding=None, line_ending=None))
    assert "Warnings:     none" in summary
    assert "File:         readings.csv (78.1 KB)\n" in summary


def test_summary_of_a_dry_run_says_what_it_would_insert_and_update() -> None:
    summary = job_summary(completed(dry_run=True, would_insert_rows=1, would_update_rows=1_989))
    assert "Dry run:      would insert 1 row, would update 1,989" in summary
    assert "Dry run:" not in job_summary(completed(would_insert_rows=None, would_update_rows=None))


def test_timestamps_are_shown_in_utc_and_odd_ones_unchanged() -> None:
    assert format_timestamp("2024-05-01T10:00:00.123Z") == "2024-05-01 10:00:00 UTC"
    assert format_timestamp("2024-05-01T11:00:00+01:00") == "2024-05-01 10:00:00 UTC"
    assert format_timestamp("yesterday") == "yesterday"
    assert format_timestamp(None) == "-"


def test_table_columns_line_up_under_their_headers() -> None:
    table = render_table(["A", "LONGER"], [["xxxx", "y"], ["z", "w"]])
    assert table.splitlines() == ["A     LONGER", "----  ------", "xxxx  y", "z     w"]


def test_jobs_table_has_one_row_a_job_and_shortens_long_filenames() -> None:
    table = jobs_table([job(), completed(job_id="job-2", filename="x" * 50, dry_run=True)], filename_width=20)
    lines = table.splitlines()
    assert lines[0].split() == [
        "JOB",
        "ID",
        "FILE",
        "STATUS",
        "PROGRESS",
        "ROWS",
        "FAILED",
        "CREATED",
        "(UTC)",
    ]
    assert lines[2].split()[:6] == ["job-1", "readings.csv", "processing", "25.0%", "500/~2,000", "10"]
    assert "x" * 17 + "..." in lines[3]
    assert "x" * 18 not in lines[3]
    assert "completed (dry run)" in lines[3]


# ---- the multipart body -------------------------------------------------------------------------


def test_multipart_body_has_the_fields_first_and_the_file_last(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(CSV)
    body = MultipartFileBody({"key": "uploads/a.csv", "policy": "p"}, path)
    parts = multipart_parts(body.content_type, body.read())
    assert parts == [("key", None, b"uploads/a.csv"), ("policy", None, b"p"), ("file", "data.csv", CSV)]


def test_multipart_body_knows_its_length_and_reads_in_small_pieces(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(CSV * 50)
    whole = MultipartFileBody({"key": "k"}, path, boundary="b").read()
    body = MultipartFileBody({"key": "k"}, path, boundary="b", chunk_size=7)
    pieces = list(iter(lambda: body.read(7), b""))
    assert b"".join(pieces) == whole
    assert len(body) == len(whole)
    assert max(len(p) for p in pieces) == 7


def test_multipart_body_escapes_quotes_in_the_filename(tmp_path: Path) -> None:
    path = tmp_path / 'odd"name.csv'
    path.write_bytes(CSV)
    body = MultipartFileBody({}, path)
    assert b'filename="odd%22name.csv"' in body.read()


# ---- defaults -----------------------------------------------------------------------------------


@pytest.mark.parametrize("environ", [{"USER": "root"}, {"USER": ""}, {}])
def test_the_local_stack_and_the_one_local_identity_are_the_defaults_whoever_runs_it(
    environ: dict[str, str],
) -> None:
    # The pages' sign-in box and every hint make run prints use dev:alice too: one identity.
    defaults = Defaults.from_environ(environ)
    assert (defaults.api, defaults.token) == ("http://127.0.0.1:3000", "dev:alice")


def test_the_environment_chooses_another_api_and_token() -> None:
    env = {"USER": "alice", "CSVIMPORT_API": "https://api.example.com", "CSVIMPORT_TOKEN": "eyJ.x.y"}
    defaults = Defaults.from_environ(env)
    assert (defaults.api, defaults.token) == ("https://api.example.com", "eyJ.x.y")


# ---- upload -------------------------------------------------------------------------------------


def test_a_small_file_is_sent_in_the_request_with_its_options(api: FakeApi, small_csv: Path) -> None:
    result = run(api, "upload", str(small_csv), "--format", "daily", "--throttle", "large", "--dry-run")

    assert result.code == 0
    [sent] = api.requests_to("POST", "/imports")
    assert sent.query == {
        "filename": "readings.csv",
        "format": "daily",
        "throttle": "large",
        "dry_run": "true",
    }
    assert sent.headers["content-type"] == "text/csv"
    assert sent.headers["authorization"] == "Bearer dev:alice"
    assert sent.body == CSV
    assert "job-direct" in result.out
    assert f"{api.base_url}/imports/job-direct" in result.out
    assert "status job-direct --watch" in result.out


def test_upload_sends_the_format_chosen(api: FakeApi, small_csv: Path) -> None:
    # (that the choices are the API's: test_api_contract.py)
    assert run(api, "upload", str(small_csv), "--format", "sites").code == 0
    assert api.requests_to("POST", "/imports")[0].query["format"] == "sites"


def test_without_options_the_direct_upload_sends_no_format_and_not_dry_run(
    api: FakeApi, small_csv: Path
) -> None:
    run(api, "upload", str(small_csv))
    [sent] = api.requests_to("POST", "/imports")
    # No format: the API's default (a --profile's format, else auto) applies.
    assert sent.query == {"filename": "readings.csv", "dry_run": "false"}


def test_a_file_over_5_mb_goes_through_the_presigned_post(api: FakeApi, tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    content = CSV + b"1200000000001,2024-05-03,1.0\n" * (DIRECT_UPLOAD_MAX_BYTES // 29 + 1)
    big.write_bytes(content)
    assert len(content) > DIRECT_UPLOAD_MAX_BYTES

    result = run(api, "upload", str(big), "--throttle", "very_large")

    assert result.code == 0, result.err
    [create] = api.requests_to("POST", "/imports")
    assert json.loads(create.body) == {
        "filename": "big.csv",
        "dry_run": False,
        "throttle": "very_large",
        "size": len(content),
    }
    [upload] = api.requests_to("POST", "/bucket")
    assert "authorization" not in upload.headers  # the presigned fields are the credentials
    assert int(upload.headers["content-length"]) == len(upload.body)
    parts = multipart_parts(upload.headers["content-type"], upload.body)
    assert [name for name, _, _ in parts] == ["key", "Content-Type", "policy", "x-amz-signature", "file"]
    assert parts[-1] == ("file", "big.csv", content)
    assert "job-pre" in result.out and "presigned" in result.out


def test_presigned_sends_a_small_file_through_storage_too(api: FakeApi, small_csv: Path) -> None:
    result = run(api, "upload", str(small_csv), "--presigned", "--dry-run")

    assert result.code == 0
    [create] = api.requests_to("POST", "/imports")
    assert json.loads(create.body) == {
        "filename": "readings.csv",
        "dry_run": True,
        "size": len(CSV),
    }
    [upload] = api.requests_to("POST", "/bucket")
    assert multipart_parts(upload.headers["content-type"], upload.body)[-1] == ("file", "readings.csv", CSV)


def test_a_refused_presigned_upload_shows_storage_s_reason_and_the_job(api: FakeApi, small_csv: Path) -> None:
    s3_error = (
        b"<?xml version='1.0'?><Error><Code>AccessDenied</Code><Message>Policy expired</Message></Error>"
    )
    api.fail("POST", "/bucket", 403, s3_error, content_type="application/xml")

    result = run(api, "upload", str(small_csv), "--presigned")

    assert result.code == 2
    assert "AccessDenied: Policy expired (HTTP 403)" in result.err
    assert "Job job-pre was created" in result.err
    assert "Traceback" not in result.err


def test_upload_with_watch_follows_the_job_to_the_end(api: FakeApi, small_csv: Path) -> None:
    api.job_states["job-direct"] = [
        job(job_id="job-direct", status="queued", percent=0.0, processed_rows=0, total_rows=None),
        job(job_id="job-direct"),
        completed(job_id="job-direct"),
    ]

    result = run(api, "upload", str(small_csv), "--watch", "--interval", "0.5")

    assert result.code == 0
    assert len(api.requests_to("GET", "/imports/job-direct")) == 3
    assert result.time.slept == [0.5, 0.5]
    assert "Status:       completed" in result.out


def test_a_missing_file_is_a_usage_error_before_any_request(api: FakeApi, tmp_path: Path) -> None:
    result = run(api, "upload", str(tmp_path / "nope.csv"))
    assert result.code == 2
    assert "nope.csv: no such file" in result.err
    assert api.received == []


def test_an_empty_file_is_refused_before_any_request(api: FakeApi, tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_bytes(b"")
    result = run(api, "upload", str(tmp_path / "empty.csv"))
    assert result.code == 2 and "empty" in result.err
    assert api.received == []


def test_the_api_s_refusal_is_printed_without_a_traceback(api: FakeApi, small_csv: Path) -> None:
    api.fail(
        "POST", "/imports", 413, {"error": "Request Entity Too Large", "message": "the body is 6 MB; ..."}
    )
    result = run(api, "upload", str(small_csv))
    assert result.code == 2
    assert result.err.strip() == "csvimport: error: the body is 6 MB; ... (HTTP 413)"
    assert result.out == ""


# ---- status -------------------------------------------------------------------------------------


def test_status_prints_the_job_and_succeeds_whatever_its_state(api: FakeApi) -> None:
    api.job_states["job-1"] = [job(status="failed", error_message="Missing required column: MPAN")]
    result = run(api, "status", "job-1")
    assert result.code == 0
    assert "Status:       failed" in result.out
    assert "Missing required column: MPAN" in result.out


def test_status_of_an_unknown_job_prints_the_api_s_message(api: FakeApi) -> None:
    result = run(api, "status", "job-x")
    assert result.code == 2
    assert "no import job 'job-x' (HTTP 404)" in result.err
    assert "Traceback" not in result.err


def test_a_rejected_token_says_which_setting_to_check(api: FakeApi) -> None:
    api.fail("GET", "/imports/job-1", 401, {"message": "Unauthorized"})
    result = run(api, "status", "job-1", "--token", "dev:")
    assert result.code == 2
    assert "Unauthorized (HTTP 401)" in result.err and "CSVIMPORT_TOKEN" in result.err
    assert api.received[0].headers["authorization"] == "Bearer dev:"


def test_an_error_without_a_json_message_shows_the_http_status(api: FakeApi) -> None:
    api.fail("GET", "/imports/job-1", 502, b"<html>Bad Gateway</html>", content_type="text/html")
    result = run(api, "status", "job-1")
    assert result.code == 2
    assert "HTTP 502 Bad Gateway" in result.err


def test_an_unreachable_api_exits_3_and_names_the_url(api: FakeApi) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = run(api, "status", "job-1", "--api", f"http://127.0.0.1:{port}")
    assert result.code == 3
    assert f"cannot reach http://127.0.0.1:{port}/imports/job-1: connection refused" in result.err
    assert "Traceback" not in result.err


def test_watch_exits_1_when_the_job_fails_and_shows_why(api: FakeApi) -> None:
    api.job_states["job-1"] = [
        job(),
        job(status="failed", percent=40.0, error_message="The uploaded file is not in storage any more"),
    ]
    result = run(api, "status", "job-1", "--watch")
    assert result.code == 1
    assert "not in storage any more" in result.out


def test_watch_exits_1_when_the_job_is_cancelled(api: FakeApi) -> None:
    api.job_states["job-1"] = [job(status="cancelled")]
    assert run(api, "status", "job-1", "--watch").code == 1


def test_watch_follows_a_cancelling_job_until_it_reads_cancelled(api: FakeApi) -> None:
    api.job_states["job-1"] = [job(), job(status="cancelling"), job(status="cancelled")]

    result = run(api, "status", "job-1", "--watch")

    assert result.code == 1 and result.time.slept == [2.0, 2.0]
    assert result.out.index("cancelling") < result.out.index("cancelled")


def test_the_list_takes_cancelling_as_a_status(api: FakeApi) -> None:
    assert run(api, "list", "--status", "cancelling").code == 0
    assert api.received[0].query["status"] == "cancelling"


def test_watch_on_a_terminal_redraws_one_line(api: FakeApi) -> None:
    api.job_states["job-1"] = [job(percent=10.0), job(percent=50.0), completed()]

    result = run(api, "status", "job-1", "--watch", tty=True)

    progress, _, summary = result.out.partition("\n")
    assert progress.count("\r") == 3
    assert "10.0%" in progress and "50.0%" in progress and "100.0%" in progress
    assert "Success rate" in summary
    assert result.time.slept == [2.0, 2.0]


def test_watch_without_a_terminal_prints_plain_lines_without_repeating_itself(api: FakeApi) -> None:
    # Five polls 2 s apart while processing: a line at the start and one once 10 s have passed.
    processing = [job(percent=10.0 + n) for n in range(6)]
    api.job_states["job-1"] = [job(status="queued", percent=0.0), *processing, completed()]

    result = run(api, "status", "job-1", "--watch")

    assert "\r" not in result.out
    lines = result.out.split("\n\n")[0].splitlines()
    assert [line.split()[-1] for line in lines] == ["queued", "processing", "processing", "completed"]
    assert "10.0%" in lines[1] and f"{10.0 + PLAIN_LINE_EVERY_S / 2:.1f}%" in lines[2]


def test_watch_rides_out_a_few_failed_polls(api: FakeApi) -> None:
    api.job_states["job-1"] = [job(), completed()]
    api.fail("GET", "/imports/job-1", 503, {"message": "Service Unavailable"})
    api.fail("GET", "/imports/job-1", 500, {"message": "something went wrong on our side; try again"})

    result = run(api, "status", "job-1", "--watch")

    assert result.code == 0
    assert len(api.requests_to("GET", "/imports/job-1")) == 4


def test_watch_gives_up_on_an_answer_that_will_not_change(api: FakeApi) -> None:
    api.fail("GET", "/imports/job-1", 403, {"message": "Forbidden"})
    result = run(api, "status", "job-1", "--watch")
    assert result.code == 2
    assert len(api.requests_to("GET", "/imports/job-1")) == 1


def test_status_of_an_ended_job_with_failed_rows_points_to_its_error_report(api: FakeApi) -> None:
    api.job_states["job-1"] = [completed(errors_url="/imports/job-1/errors")]
    result = run(api, "status", "job-1")
    assert (
        "Every failed row: csvimport errors job-1 (with --fix: just the rows, to fix and import again)\n"
        in result.out
    )
    api.job_states["job-2"] = [completed(job_id="job-2", failed_rows=0, errors_url="/imports/job-2/errors")]
    assert "csvimport errors" not in run(api, "status", "job-2").out


# ---- hints that work when pasted ----------------------------------------------------------------


def pasted(api: FakeApi, hint: str) -> Run:
    """Run a printed hint as a person pasting it would: in a shell with nothing set."""
    words = shlex.split(hint)
    assert words[0] == "csvimport"
    return run(api, *words[1:], bare=True)


def hint_after(text: str, lead: str) -> str:
    [line] = [line for line in text.splitlines() if line.startswith(lead)]
    return line.removeprefix(lead).split(" (")[0].strip()


def test_the_errors_hint_carries_the_api_and_token_the_command_was_given(
    api: FakeApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.job_states["job-1"] = [completed(errors_url="/imports/job-1/errors")]
    monkeypatch.chdir(tmp_path)  # (the pasted command saves job-1-errors.csv where it runs)

    result = run(api, "status", "job-1", "--api", api.base_url, "--token", "dev:bob", bare=True)

    hint = hint_after(result.out, "Every failed row:")
    assert hint == f"csvimport errors job-1 --api {api.base_url} --token dev:bob"
    api.received.clear()
    assert pasted(api, hint).code == 0
    assert api.received[0].headers["authorization"] == "Bearer dev:bob"


def test_the_follow_hint_after_an_upload_talks_to_the_same_stack_as_the_same_user(
    api: FakeApi, small_csv: Path
) -> None:
    api.job_states["job-direct"] = [completed(job_id="job-direct")]

    result = run(api, "--api", api.base_url, "--token", "dev:bob", "upload", str(small_csv), bare=True)

    hint = hint_after(result.out, "Follow it with:")
    assert hint == f"csvimport status job-direct --watch --api {api.base_url} --token dev:bob"
    api.received.clear()
    assert pasted(api, hint).code == 0
    assert [r.headers["authorization"] for r in api.received] == ["Bearer dev:bob"]


def test_the_fix_hint_quotes_the_file_and_carries_the_connection(api: FakeApi, tmp_path: Path) -> None:
    api.job_states["job-1"] = [completed(failed_rows=1)]
    target = tmp_path / "to fix.csv"

    result = run(
        api,
        "errors",
        "job-1",
        "--fix",
        "-o",
        str(target),
        "--api",
        api.base_url,
        "--token",
        "dev:bob",
        bare=True,
    )

    hint = hint_after(result.out, "Correct the rows, then import the file again:")
    assert shlex.split(hint) == [
        "csvimport", "upload", str(target), "--api", api.base_url, "--token", "dev:bob"
    ]  # fmt: skip


def test_hints_never_print_a_token_from_the_environment_and_say_where_it_comes_from(api: FakeApi) -> None:
    api.job_states["job-1"] = [completed(errors_url="/imports/job-1/errors")]
    secret = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl"

    result = run(api, "status", "job-1", env={"CSVIMPORT_TOKEN": secret})

    assert secret not in result.out + result.err
    assert hint_after(result.out, "Every failed row:") == "csvimport errors job-1"
    assert "where CSVIMPORT_API and CSVIMPORT_TOKEN are set as they are here" in result.out


def test_a_real_token_given_with_token_is_not_printed_in_a_hint(api: FakeApi) -> None:
    api.job_states["job-1"] = [completed(errors_url="/imports/job-1/errors")]
    secret = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl"

    result = run(api, "status", "job-1", "--api", api.base_url, "--token", secret, bare=True)

    assert secret not in result.out + result.err
    assert hint_after(result.out, "Every failed row:") == f"csvimport errors job-1 --api {api.base_url}"
    assert "add the --token you gave this command" in result.out


def test_an_api_from_the_environment_is_named_in_the_hint_not_repeated(api: FakeApi) -> None:
    api.job_states["job-1"] = [completed(errors_url="/imports/job-1/errors")]

    result = run(api, "status", "job-1")  # CSVIMPORT_API set, the default token

    assert hint_after(result.out, "Every failed row:") == "csvimport errors job-1"
    assert "where CSVIMPORT_API is set as it is here" in result.out
    assert "CSVIMPORT_TOKEN" not in result.out


# ---- --fail-on-errors ---------------------------------------------------------------------------


def test_fail_on_errors_exits_4_when_the_watched_job_completed_with_failed_rows(
    api: FakeApi, small_csv: Path
) -> None:
    api.job_states["job-direct"] = [completed(job_id="job-direct", failed_rows=10)]
    result = run(api, "upload", str(small_csv), "--watch", "--fail-on-errors")
    assert result.code == 4
    assert "Status:       completed" in result.out
    assert "10 rows failed" in result.err


def test_fail_on_errors_exits_0_when_no_row_failed_and_without_it_failed_rows_exit_0(
    api: FakeApi, small_csv: Path
) -> None:
    api.job_states["job-direct"] = [completed(job_id="job-direct", failed_rows=0)]
    assert run(api, "upload", str(small_csv), "--watch", "--fail-on-errors").code == 0
    api.job_states["job-direct"] = [completed(job_id="job-direct", failed_rows=10)]
    assert run(api, "upload", str(small_csv), "--watch").code == 0


def test_fail_on_errors_keeps_1_for_a_job_that_failed(api: FakeApi) -> None:
    api.job_states["job-1"] = [job(status="failed", failed_rows=3, error_message="Missing column: MPAN")]
    assert run(api, "status", "job-1", "--watch", "--fail-on-errors").code == 1


def test_fail_on_errors_without_watch_is_a_usage_error(
    api: FakeApi, small_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(api, "upload", str(small_csv), "--fail-on-errors")
    assert result.code == 2
    assert "--fail-on-errors needs --watch" in capsys.readouterr().err
    assert api.received == []


def test_help_says_which_status_fail_on_errors_exits_with(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["upload", "--help"], Runtime(environ={})) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--fail-on-errors" in text and "exit with status 4" in text


# ---- errors -------------------------------------------------------------------------------------


def test_errors_saves_the_report_as_the_job_s_errors_csv_and_says_how_many_rows_failed(
    api: FakeApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.job_states["job-1"] = [completed()]
    monkeypatch.chdir(tmp_path)

    result = run(api, "errors", "job-1")

    assert result.code == 0, result.err
    assert (tmp_path / "job-1-errors.csv").read_bytes() == REPORT
    saved = f"Saved the error report of job job-1 (10 failed rows) to job-1-errors.csv ({len(REPORT)} bytes)."
    assert result.out == saved + "\n"
    [links] = api.requests_to("GET", "/imports/job-1/errors")
    assert links.headers["authorization"] == "Bearer dev:alice"
    [download] = api.requests_to("GET", "/reports/job-1/errors.csv")
    assert download.query == {"X-Amz-Signature": "abc"}
    assert "authorization" not in download.headers  # the link is the credential
    assert sorted(p.name for p in tmp_path.iterdir()) == ["job-1-errors.csv"]


def test_errors_with_fix_saves_the_failed_rows_where_asked(api: FakeApi, tmp_path: Path) -> None:
    api.job_states["job-1"] = [completed(failed_rows=1)]
    target = tmp_path / "to-fix.csv"

    result = run(api, "errors", "job-1", "--fix", "-o", str(target))

    assert result.code == 0, result.err
    assert target.read_bytes() == FIX
    assert f"Saved the failed rows to fix of job job-1 (1 failed row) to {target}" in result.out
    assert f"csvimport upload {target}" in result.out
    assert api.requests_to("GET", "/reports/job-1/errors.csv") == []


def test_errors_of_a_job_still_running_says_it_has_not_ended_and_exits_1(
    api: FakeApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.job_states["job-1"] = [job(status="processing")]
    monkeypatch.chdir(tmp_path)

    result = run(api, "errors", "job-1")

    assert result.code == 1
    assert "Job job-1 has not ended yet" in result.err
    assert "csvimport status job-1 --watch" in result.err
    assert list(tmp_path.iterdir()) == []


def test_errors_of_someone_else_s_job_prints_the_api_s_message(api: FakeApi) -> None:
    result = run(api, "errors", "job-x")
    assert result.code == 2
    assert "no import job 'job-x' (HTTP 404)" in result.err


def test_an_expired_link_is_reported_and_leaves_no_file_behind(api: FakeApi, tmp_path: Path) -> None:
    api.job_states["job-1"] = [completed()]
    expired = (
        b"<?xml version='1.0'?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"
    )
    api.fail("GET", "/reports/job-1/errors.csv", 403, expired, content_type="application/xml")

    result = run(api, "errors", "job-1", "-o", str(tmp_path / "report.csv"))

    assert result.code == 2
    assert "AccessDenied: Request has expired (HTTP 403)" in result.err
    assert list(tmp_path.iterdir()) == []


def test_a_report_that_cannot_be_written_is_a_usage_error(api: FakeApi, tmp_path: Path) -> None:
    api.job_states["job-1"] = [completed()]
    result = run(api, "errors", "job-1", "-o", str(tmp_path / "no-such-folder" / "report.csv"))
    assert result.code == 2
    assert "cannot write" in result.err and "No such file or directory" in result.err
    assert "Traceback" not in result.err


# ---- list ---------------------------------------------------------------------------------------


def test_list_follows_next_only_until_it_has_enough(api: FakeApi) -> None:
    api.pages[None] = {"items": [job(job_id="j1"), job(job_id="j2")], "next": "t1"}
    api.pages["t1"] = {"items": [job(job_id="j3"), job(job_id="j4")], "next": "t2"}

    result = run(api, "list", "--limit", "3", "--status", "processing")

    assert result.code == 0
    sent = api.requests_to("GET", "/imports")
    assert [r.query for r in sent] == [
        {"limit": "3", "status": "processing"},
        {"limit": "1", "status": "processing", "next": "t1"},
    ]
    rows = result.out.splitlines()[2:]
    assert [row.split()[0] for row in rows] == ["j1", "j2", "j3"]


def test_list_asks_for_pages_of_at_most_100(api: FakeApi) -> None:
    run(api, "list", "--limit", "250")
    assert api.requests_to("GET", "/imports")[0].query == {"limit": "100"}


def test_list_with_no_jobs_says_so(api: FakeApi) -> None:
    result = run(api, "list", "--status", "failed")
    assert (result.code, result.out) == (0, "No import jobs with status failed.\n")


# ---- the command line itself --------------------------------------------------------------------


def test_connection_options_work_after_the_command_too(api: FakeApi) -> None:
    api.job_states["job-1"] = [job()]
    result = run(api, "status", "job-1", "--token", "dev:bob")
    assert result.code == 0
    assert api.received[0].headers["authorization"] == "Bearer dev:bob"


@pytest.mark.parametrize(
    "args",
    [
        ["upload", "x.csv", "--format", "xlsx"],
        ["upload", "x.csv", "--throttle", "huge"],
        ["list", "--limit", "0"],
        ["status", "job-1", "--watch", "--interval", "0"],
        ["--api", "localhost:3000", "list"],
        ["errors"],
        [],
    ],
)
def test_usage_errors_exit_2_without_calling_the_api(
    api: FakeApi, args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(api, *args).code == 2
    assert "usage:" in capsys.readouterr().err
    assert api.received == []


def test_help_lists_the_commands_and_the_exit_statuses(
    api: FakeApi, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(api, "--help").code == 0
    text = capsys.readouterr().out
    assert all(
        word in text for word in ("upload", "status", "list", "errors", "exit status", "CSVIMPORT_TOKEN")
    )


def test_python_m_cli_runs_the_command(api: FakeApi) -> None:
    api.job_states["job-1"] = [completed()]
    done = subprocess.run(
        [sys.executable, "-m", "cli", "--api", api.base_url, "status", "job-1", "--watch"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Status:       completed" in done.stdout


# ---- readings -----------------------------------------------------------------------------------


def reading(start: str, **changes: Any) -> dict[str, Any]:
    base = {
        "start": start,
        "end": start.replace(":00:00Z", ":30:00Z"),
        "local_date": start[:10],
        "period": int(start[11:13]) * 2 + 1,
        "kind": "hh",
        "value_kwh": "0.507",
        "estimated": False,
        "job_id": "job-1",
    }
    return base | changes


def two_pages(api: FakeApi) -> None:
    first = [reading("2025-11-03T00:00:00Z"), reading("2025-11-03T01:00:00Z", estimated=True)]
    day = reading(
        "2025-11-04T00:00:00Z", kind="daily", period=None, end="2025-11-05T00:00:00Z", value_kwh="31.25"
    )
    api.readings = {
        None: {"meter": "1900000000001", "channel": "import", "items": first, "next": "page-2"},
        "page-2": {"meter": "1900000000001", "channel": "import", "items": [day], "next": None},
    }


def test_readings_prints_every_page_as_a_table(api: FakeApi) -> None:
    two_pages(api)

    result = run(api, "readings", "1900000000001", "--from", "2025-11-03", "--to", "2025-11-04")

    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].split() == [
        "START",
        "(UTC)",
        "END",
        "(UTC)",
        "LOCAL",
        "DATE",
        "PERIOD",
        "KIND",
        "KWH",
        "ESTIMATED",
        "JOB",
    ]
    assert lines[2].split() == [
        "2025-11-03",
        "00:00",
        "2025-11-03",
        "00:30",
        "2025-11-03",
        "1",
        "hh",
        "0.507",
        "no",
        "job-1",
    ]
    assert lines[3].split()[-2:] == ["yes", "job-1"]
    assert lines[4].split() == [
        "2025-11-04",
        "00:00",
        "2025-11-05",
        "00:00",
        "2025-11-04",
        "-",
        "daily",
        "31.25",
        "no",
        "job-1",
    ]
    assert lines[-1] == "3 readings of meter 1900000000001 (import), 2025-11-03 to 2025-11-04."
    asked = api.requests_to("GET", "/readings")
    assert [r.query for r in asked] == [
        {
            "meter": "1900000000001",
            "from": "2025-11-03",
            "to": "2025-11-04",
            "channel": "import",
            "limit": "1000",
        },
        {
            "meter": "1900000000001",
            "from": "2025-11-03",
            "to": "2025-11-04",
            "channel": "import",
            "limit": "1000",
            "next": "page-2",
        },
    ]


def test_readings_of_a_range_without_any_says_so(api: FakeApi) -> None:
    api.readings = {None: {"meter": "m", "channel": "export", "items": [], "next": None}}

    result = run(api, "readings", "m", "--from", "2025-11-03", "--to", "2025-11-04", "--channel", "export")

    assert result.code == 0
    assert result.out.strip() == "No readings of meter m (export) from 2025-11-03 to 2025-11-04."
    assert api.requests_to("GET", "/readings")[0].query["channel"] == "export"


def test_readings_with_csv_prints_the_api_s_csv_to_stdout(api: FakeApi) -> None:
    api.readings_csv = (
        b"start,end,local_date,period,kind,value_kwh,estimated,job_id\r\n"
        b"2025-11-03T00:00:00Z,2025-11-03T00:30:00Z,2025-11-03,1,hh,0.507,false,job-1\r\n"
    )

    result = run(api, "readings", "m", "--from", "2025-11-03", "--to", "2025-11-03", "--csv")

    assert result.code == 0
    assert result.out == api.readings_csv.decode()  # as served: RFC 4180's CRLF
    [asked] = api.requests_to("GET", "/readings")
    assert asked.headers["accept"] == "text/csv"
    assert "next" not in asked.query and "limit" not in asked.query


def test_readings_refused_by_the_api_print_its_reason(api: FakeApi) -> None:
    api.fail("GET", "/readings", 400, {"message": "to is before from (2025-11-01 < 2025-11-03): ..."})

    result = run(api, "readings", "m", "--from", "2025-11-03", "--to", "2025-11-01")

    assert result.code == 2
    assert "to is before from" in result.err


def test_readings_needs_the_dates(api: FakeApi, capsys: pytest.CaptureFixture[str]) -> None:
    result = run(api, "readings", "m", "--from", "2025-11-03")

    assert result.code == 2
    assert "the following arguments are required: --to" in capsys.readouterr().err
    assert api.requests_to("GET", "/readings") == []
