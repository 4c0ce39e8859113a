"""csvimport: send meter-reading CSV files to the import service and follow their progress.

    csvimport upload FILE [--format FORMAT] [--throttle PRESET] [--dry-run] [--watch [--fail-on-errors]]
                          [--profile NAME] [--map FIELD=COLUMN ...] [--meter M] [--timestamps end] ...
    csvimport preview FILE [--format FORMAT] [--profile NAME] [--map FIELD=COLUMN ...] [--meter M] ...
    csvimport status JOB_ID [--watch [--fail-on-errors]]
    csvimport list [--status S] [--limit N]
    csvimport errors JOB_ID [--fix] [-o FILE]
    csvimport throttle JOB_ID PRESET|off|BATCH/DELAY
    csvimport readings METER --from DATE --to DATE [--channel C] [--csv]
    csvimport coverage JOB_ID [--all] [--json]
    csvimport profiles [show NAME | save NAME [--format F] [mapping options] | delete NAME]

Everything goes through the HTTP API in README.md; nothing here touches AWS directly.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

from cli.api import ApiClient, ApiError, ApiUnreachableError
from cli.formatting import (
    coverage_report,
    fit,
    format_bytes,
    format_count,
    format_duration,
    format_rows,
    format_timestamp,
    job_summary,
    jobs_table,
    preview_report,
    progress_line,
    readings_table,
    render_table,
    throttle_text,
)
from cli.mapping_options import add_mapping_options, mapping_from_args, mapping_text

PROG = "csvimport"
DEFAULT_API = "http://127.0.0.1:3000"  # the local stack (make run)
# The one local identity: the pages' sign-in box and make run's hints use it too (docs/local.md).
DEFAULT_TOKEN = "dev:alice"
# Larger files go through a presigned POST: the API takes direct bodies up to this size.
DIRECT_UPLOAD_MAX_BYTES = 5 * 1024 * 1024
POLL_INTERVAL_S = 2.0
# Without a terminal, a watched job prints a line when its status changes, or at most this often.
PLAIN_LINE_EVERY_S = 10.0
# A watch rides out this many failed polls in a row (network blips, 5xx) before giving up.
WATCH_RETRIES = 5

# The API contract's values. The CLI is a client of the contract, not of the layer, so it keeps its
# own copies: tests/cli/test_api_contract.py checks them against functions/status/openapi.json.
FORMATS = ("auto", "hh", "daily", "sites")
# A preset, or off: what --throttle and PATCH take (PATCH also a batch size and pause of one's own).
THROTTLE_CHOICES = ("off", "small", "medium", "large", "very_large")
# `upload --watch` says how to speed up an import that its throttle's pauses keep going this long.
LONG_ETA_S = 10 * 60
# GET /readings: its channels (the first the default), and the largest page it gives.
CHANNELS = ("import", "export", "reactive_import", "reactive_export")
READINGS_PAGE = 1000
# GET /imports/{id}/coverage: meters a page by default, and the most a page holds (--all asks for those).
COVERAGE_PAGE = 100
COVERAGE_PAGE_MAX = 500
STATUSES = ("awaiting_upload", "queued", "processing", "cancelling", "completed", "failed", "cancelled")

EXIT_OK = 0
EXIT_JOB_FAILED = 1
EXIT_ERROR = 2
EXIT_UNREACHABLE = 3
EXIT_ROWS_FAILED = 4  # --fail-on-errors: the job completed, but some of its rows failed
EXIT_INTERRUPTED = 130
EXIT_BY_FINAL_STATUS = {"completed": EXIT_OK, "failed": EXIT_JOB_FAILED, "cancelled": EXIT_JOB_FAILED}


class UsageError(Exception):
    """The command cannot run as given (a missing file, say): exit status 2."""


@dataclass
class Runtime:
    """What the commands touch outside themselves; tests pass their own."""

    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    columns: Callable[[], int] = lambda: shutil.get_terminal_size().columns

    def out(self, text: str = "") -> None:
        print(text, file=self.stdout)

    def err(self, text: str) -> None:
        print(text, file=self.stderr)


@dataclass(frozen=True)
class Defaults:
    """The global options' defaults, read once from the environment: CSVIMPORT_API/CSVIMPORT_TOKEN,
    else the local stack as its one default user (whoever runs the command, so the CLI and the
    pages see the same jobs)."""

    api: str
    token: str
    api_from_env: bool = False
    token_from_env: bool = False

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Defaults:
        api, token = environ.get("CSVIMPORT_API"), environ.get("CSVIMPORT_TOKEN")
        return cls(
            api=api or DEFAULT_API,
            token=token or DEFAULT_TOKEN,
            api_from_env=bool(api),
            token_from_env=bool(token),
        )


@dataclass(frozen=True)
class Hints:
    """Follow-up commands that work when pasted: they carry the --api and --token this command was
    given. A token is printed only when it is a local `dev:` name; a real bearer token never is
    (given with --token, the note asks for it again; from CSVIMPORT_TOKEN, the note names it, as it
    does CSVIMPORT_API, which stays set in this shell)."""

    prog: str
    options: tuple[str, ...] = ()
    note: str = ""

    @classmethod
    def of(cls, prog: str, defaults: Defaults, api: str | None, token: str | None) -> Hints:
        options: list[str] = []
        notes: list[str] = []
        from_env: list[str] = []
        if api is not None:
            options += ["--api", api]
        elif defaults.api_from_env:
            from_env.append("CSVIMPORT_API")
        if token is not None and token.startswith("dev:"):
            options += ["--token", token]
        elif token is not None:
            notes.append("add the --token you gave this command: a token is never printed")
        elif defaults.token_from_env:
            from_env.append("CSVIMPORT_TOKEN")
        if len(from_env) == 2:
            notes.append("run it where CSVIMPORT_API and CSVIMPORT_TOKEN are set as they are here")
        elif from_env:
            notes.append(f"run it where {from_env[0]} is set as it is here")
        return cls(prog, tuple(options), "; ".join(notes))

    def command(self, *words: str) -> str:
        return " ".join([self.prog, shlex.join([*words, *self.options])])  # (prog: "python -m cli")

    def show(self, write: Callable[[str], None], lead: str, *words: str, after: str = "") -> None:
        """``lead: COMMAND after``, then what the command needs that it does not say, if anything."""
        write(f"{lead}: {self.command(*words)}{after}")
        if self.note:
            write(f"  ({self.note})")


# ---- watching -----------------------------------------------------------------------------------


class ProgressDisplay:
    """A watched job's progress: one line redrawn in place on a terminal, plain lines otherwise."""

    def __init__(self, rt: Runtime, *, every: float = PLAIN_LINE_EVERY_S) -> None:
        self._rt = rt
        self._tty = rt.stdout.isatty()
        self._every = every
        self._drawn = 0
        self._printed: tuple[str | None, str, float] | None = None  # status, line, when

    def show(self, job: dict[str, Any]) -> None:
        line = progress_line(job)
        out = self._rt.stdout
        if self._tty:
            line = fit(line, self._rt.columns())
            out.write("\r" + line + " " * max(0, self._drawn - len(line)))
            out.flush()
            self._drawn = len(line)
            return
        status, now = job.get("status"), self._rt.clock()
        last = self._printed
        if last is None or status != last[0] or (line != last[1] and now - last[2] >= self._every):
            out.write(line + "\n")
            out.flush()
            self._printed = (status, line, now)

    def note(self, text: str) -> None:
        """A line of its own above the progress line (which is drawn again at the next show)."""
        if self._tty:
            self._rt.stdout.write("\r" + " " * self._drawn + "\r")
            self._drawn = 0
        self._rt.stdout.write(text + "\n")
        self._rt.stdout.flush()

    def close(self) -> None:
        if self._tty and self._drawn:
            self._rt.stdout.write("\n")
            self._drawn = 0


def _transient(exc: Exception) -> bool:
    return isinstance(exc, ApiUnreachableError) or (
        isinstance(exc, ApiError) and (exc.status >= 500 or exc.status == 429)
    )


def slow_throttle_hint(job: dict[str, Any], hints: Hints) -> str | None:
    """How to speed up a job whose throttle's pauses make it take long, or None."""
    throttle, eta = job.get("throttle") or {}, job.get("eta_seconds")
    if job.get("status") != "processing" or not throttle.get("delay_ms") or not isinstance(eta, int | float):
        return None
    if eta <= LONG_ETA_S:
        return None
    return (
        f"The throttle {throttle_text(throttle)} makes this take about {format_duration(eta)}; "
        f"to speed it up: {hints.command('throttle', str(job.get('job_id')), 'off')}"
        + (f" ({hints.note})" if hints.note else "")
    )


def watch_job(
    client: ApiClient, job_id: str, rt: Runtime, interval: float, hint: Callable[[dict[str, Any]], str | None]
) -> dict[str, Any]:
    """Poll the job every ``interval`` seconds, showing its progress, until it has finished; the
    first hint `hint` has for it is printed once."""
    display = ProgressDisplay(rt)
    failures = 0
    hinted = False
    try:
        while True:
            try:
                job = client.get_job(job_id)
            except (ApiError, ApiUnreachableError) as exc:
                failures += 1
                if not _transient(exc) or failures > WATCH_RETRIES:
                    raise
                rt.sleep(interval)
                continue
            failures = 0
            if not hinted and (text := hint(job)):
                display.note(text)
                hinted = True
            display.show(job)
            if job.get("status") in EXIT_BY_FINAL_STATUS:
                return job
            rt.sleep(interval)
    finally:
        display.close()


def _watch_and_report(
    client: ApiClient,
    job_id: str,
    args: argparse.Namespace,
    rt: Runtime,
    hint: Callable[[dict[str, Any]], str | None] = lambda job: None,
) -> int:
    try:
        job = watch_job(client, job_id, rt, args.interval, hint)
    except KeyboardInterrupt:
        args.hints.show(
            rt.err, "Stopped watching; the import goes on. Follow it again with", "status", job_id, "--watch"
        )
        return EXIT_INTERRUPTED
    rt.out()
    _print_summary(job, rt, args.hints)
    code = EXIT_BY_FINAL_STATUS[job["status"]]
    if code == EXIT_OK and args.fail_on_errors and job.get("failed_rows"):
        rt.err(
            f"{format_rows(job['failed_rows'])} failed: exit status {EXIT_ROWS_FAILED} (--fail-on-errors)."
        )
        return EXIT_ROWS_FAILED
    return code


def _print_summary(job: dict[str, Any], rt: Runtime, hints: Hints) -> None:
    rt.out(job_summary(job))
    if job.get("errors_url") and job.get("failed_rows"):  # ended, with rows to look at
        rt.out()
        after = " (with --fix: just the rows, to fix and import again)"
        hints.show(rt.out, "Every failed row", "errors", job["job_id"], after=after)


# ---- commands -----------------------------------------------------------------------------------


def _readable_size(path: Path) -> int:
    try:
        with path.open("rb"):
            pass
        size = path.stat().st_size
    except IsADirectoryError:
        raise UsageError(f"{path} is a directory, not a CSV file") from None
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    if size == 0:
        raise UsageError(f"{path} is empty: there is nothing to import")
    return size


def _created_job_id(created: dict[str, Any]) -> str:
    job_id = created.get("job_id")
    if not isinstance(job_id, str) or not job_id:
        raise ApiError(200, "the API's answer has no job_id")
    return job_id


def _mapping(args: argparse.Namespace) -> dict[str, Any] | None:
    try:
        return mapping_from_args(args)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def cmd_upload(args: argparse.Namespace, client: ApiClient, rt: Runtime) -> int:
    path = Path(args.file)
    size = _readable_size(path)
    options = {
        "format": args.format,
        "throttle": args.throttle,
        "dry_run": args.dry_run,
        "mapping": _mapping(args),
        "profile": args.profile,
    }
    if args.presigned or size > DIRECT_UPLOAD_MAX_BYTES:
        created = client.create_presigned_import(filename=path.name, size=size, **options)
        job_id = _created_job_id(created)
        upload = created.get("upload")
        if not isinstance(upload, dict) or not upload.get("url"):
            raise ApiError(201, "the API's answer has no upload target (upload.url)")
        try:
            client.upload_file(upload, path)
        except (ApiError, ApiUnreachableError):
            rt.err(f"Job {job_id} was created but its file did not arrive: it fails when the link expires.")
            raise
        how = "through a presigned upload"
        status = "uploaded; the import starts when storage reports the file"
    else:
        created = client.create_direct_import(path, **options)
        job_id = _created_job_id(created)
        how = "directly"
        status = str(created.get("status", "?"))
    rt.out(f"Sent {path.name} ({format_bytes(size)}) {how}{' as a dry run' if args.dry_run else ''}.")
    rt.out(f"Job:         {job_id}")
    rt.out(f"Status:      {status}")
    rt.out(f"Status URL:  {client.absolute(created.get('status_url') or f'/imports/{job_id}')}")
    if not args.watch:
        args.hints.show(rt.out, "Follow it with", "status", job_id, "--watch")
        return EXIT_OK
    rt.out()
    return _watch_and_report(client, job_id, args, rt, lambda job: slow_throttle_hint(job, args.hints))


def cmd_preview(args: argparse.Namespace, client: ApiClient, rt: Runtime) -> int:
    path = Path(args.file)
    _readable_size(path)
    try:
        shown = client.preview(path, format=args.format, mapping=_mapping(args), profile=args.profile)
    except ApiError as exc:
        if exc.status != 422:
            raise
        rt.err(f"An import of {path.name} would fail: {exc.message}")
        rt.err(
            "Say how to read it with the mapping options (--meter, --map FIELD=COLUMN, --date-order, "
            "--timestamps, ...: see preview --help), and preview it again."
        )
        return EXIT_JOB_FAILED
    rt.out(preview_report(shown, mapping_text(shown.get("mapping"))))
    rt.out()
    after = " with the options you gave here (or keep them: profiles save NAME)"
    args.hints.show(rt.out, "Import it", "upload", str(path), after=after)
    return EXIT_OK


def cmd_status(args: argparse.Namespace, client: ApiClient, rt: Runtime) -> int:
    if args.watch:
        return _watch_and_report(client, args.job_id, args, rt)
    _print_summary(client.get_job(args.job_id), rt, args.hints)
    return EXIT_OK


def cmd_list(args: argparse.Namespace, client: ApiClient, rt: Runtime) -> int:
    jobs = client.list_jobs(status=args.status, limit=args.limit)
    if not jobs:
        rt.out("No import jobs" + (f" with status {args.status}." if args.status else "."))
        return EXIT_OK
    rt.out(jobs_table(jobs))
    return EXIT_OK


def cmd_errors(args: argparse.Namespace, client: ApiClient, rt: Runtime) -> int:
    try:
        links = client.error_report_links(args.job_id)
    except ApiError as exc:
        if exc.status != 409:
            raise
        rt.err(f"Job {args.job_id} has not ended yet: its error report is ready once the import has ended.")
        args.hints.show(rt.err, "Follow it with", "status", args.job_id, "--watch")
        return EXIT_JOB_FAILED
    if links.get("failed_rows") == 0:
        rt.out(f"Job {args.job_id} has no failed rows: there is no error report to save.")
        return EXIT_OK
    kind, what = ("fix", "failed rows to fix") if args.fix else ("errors", "error report")
    url = links.get(f"{kind}_url")
    if not isinstance(url, str) or not url:
        raise ApiError(200, f"the API's answer has no {kind}_url")
    path = Path(args.output or f"{args.job_id}-{kind}.csv")
    size = _download(client, url, path)
    failed = links.get("failed_rows")
    rows = f"{format_count(failed)} failed {'row' if failed == 1 else 'rows'}"
    rt.out(f"Saved the {what} of job {args.job_id} ({rows}) to {path} ({format_bytes(size)}).")
    if args.fix and failed:
        args.hints.show(rt.out, "Correct the rows, then import the file again", "upload", str(path))
    return EXIT_OK


def cmd_throttle(args: argparse.Namespace, client: ApiClient, rt: Runtime) -> int:
    job = client.change_throttle(args.job_id, args.throttle)
    rt.out(f"Job {args.job_id} runs with {throttle_text(job.get('throttle'))} from its next batch.")
    args.hints.show(rt.out, "Follow it with", "status", args.job_id, "--watch")
    return EXIT_OK


def cmd_readings(args: argparse.Namespace, client: ApiClient, rt: Runtime) -> int:
    what = dict(first=args.first, last=args.last, channel=args.channel)
    if args.csv:
        rt.stdout.write(client.readings_csv(args.meter, **what))
        return EXIT_OK
    readings: list[dict[str, Any]] = []
    token: str | None = None
    seen: set[str] = set()
    while True:
        page = client.readings_page(args.meter, limit=READINGS_PAGE, next_token=token, **what)
        readings.extend(page.get("items") or [])
        token = page.get("next")
        if not token or token in seen:
            break
        seen.add(token)
    which = f"meter {args.meter} ({args.channel})"
    if not readings:
        rt.out(f"No readings of {which} from {args.first} to {args.last}.")
        return EXIT_OK
    rt.out(readings_table(readings))
    rt.out()
    count = f"{len(readings):,} {'reading' if len(readings) == 1 else 'readings'}"
    rt.out(f"{count} of {which}, {args.first} to {args.last}.")
    return EXIT_OK


def _coverage(client: ApiClient, job_id: str, every: bool) -> dict[str, Any]:
    """The job's coverage: its first page, or with ``every`` all its meters as one answer."""
    answer = client.coverage_page(job_id, limit=COVERAGE_PAGE_MAX if every else COVERAGE_PAGE)
    seen: set[str] = set()
    while every and (cursor := answer.get("next_cursor")) and cursor not in seen:
        seen.add(cursor)
        page = client.coverage_page(job_id, limit=COVERAGE_PAGE_MAX, cursor=cursor)
        answer = page | {"meters": [*(answer.get("meters") or []), *(page.get("meters") or [])]}
    return answer


def cmd_coverage(args: argparse.Namespace, client: ApiClient, rt: Runtime) -> int:
    answer = _coverage(client, args.job_id, args.all)
    if args.json:
        rt.out(json.dumps(answer, indent=2, ensure_ascii=False))
    if not answer.get("ready") and answer.get("building"):
        rt.err(f"Job {args.job_id} has ended and its coverage is being built: ask again in a minute.")
        return EXIT_JOB_FAILED
    if not answer.get("ready"):
        rt.err(f"Job {args.job_id} has not ended yet: its coverage is ready once the import has ended.")
        args.hints.show(rt.err, "Follow it with", "status", args.job_id, "--watch")
        return EXIT_JOB_FAILED
    if args.json:
        return EXIT_OK
    meters, summary = answer.get("meters") or [], answer.get("summary") or {}
    if not summary.get("meters"):
        rt.out(f"Job {args.job_id} wrote no readings.")
        return EXIT_OK
    rt.out(f"Job {args.job_id}: {coverage_report(meters, summary, rt.columns())}")
    if answer.get("next_cursor"):
        rt.out()
        shown = f"{len(meters):,} of {summary['meters']:,} meters"
        args.hints.show(rt.out, f"Shown: {shown}. Every one", "coverage", args.job_id, "--all")
    return EXIT_OK


def cmd_profiles(args: argparse.Namespace, client: ApiClient, rt: Runtime) -> int:
    profiles = client.list_profiles()
    if not profiles:
        rt.out("No profiles yet.")
        args.hints.show(rt.out, "Save one with", "profiles", "save", "NAME", "--map", "meter=MPAN")
        return EXIT_OK
    rows = [
        [
            str(p.get("name")),
            str(p.get("format") or "-"),
            mapping_text(p.get("mapping")),
            format_timestamp(p.get("updated_at")).removesuffix(" UTC"),
        ]
        for p in profiles
    ]
    rt.out(render_table(["NAME", "FORMAT", "MAPPING", "UPDATED"], rows))
    return EXIT_OK


def _print_profile(profile: dict[str, Any], rt: Runtime) -> None:
    rt.out(f"Profile:  {profile.get('name')}")
    rt.out(f"Format:   {profile.get('format') or 'none (an import' + chr(39) + 's own, else auto)'}")
    rt.out(f"Mapping:  {mapping_text(profile.get('mapping'))}")
    rt.out(f"Created:  {format_timestamp(profile.get('created_at'))}")
    rt.out(f"Updated:  {format_timestamp(profile.get('updated_at'))}")
    rt.out()
    rt.out(json.dumps(profile.get("mapping") or {}, indent=2, ensure_ascii=False))


def cmd_profile_show(args: argparse.Namespace, client: ApiClient, rt: Runtime) -> int:
    _print_profile(client.get_profile(args.name), rt)
    return EXIT_OK


def cmd_profile_save(args: argparse.Namespace, client: ApiClient, rt: Runtime) -> int:
    profile, created = client.save_profile(args.name, _mapping(args) or {}, args.format)
    rt.out(f"{'Saved the new' if created else 'Replaced the'} profile {args.name}.")
    _print_profile(profile, rt)
    rt.out()
    args.hints.show(rt.out, "Import with it", "upload", "FILE", "--profile", args.name)
    return EXIT_OK


def cmd_profile_delete(args: argparse.Namespace, client: ApiClient, rt: Runtime) -> int:
    client.delete_profile(args.name)
    rt.out(f"Deleted the profile {args.name}. Imports that used it keep the mapping they were given.")
    return EXIT_OK


def _download(client: ApiClient, url: str, path: Path) -> int:
    """The link's file at ``path``, written whole or not at all (a .part file until it has arrived)."""
    partial = path.with_name(path.name + ".part")
    try:
        with partial.open("wb") as out:
            size = client.download(url, out)
        partial.replace(path)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        partial.unlink(missing_ok=True)  # gone already when the file arrived whole
    return size


# ---- command line -------------------------------------------------------------------------------


def _api_url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise argparse.ArgumentTypeError(f"{text!r} is not an http:// or https:// URL")
    return text.rstrip("/")


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return int(text)


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds above 0")
    return value


def _throttle(text: str) -> str | dict[str, int]:
    """A preset, off, or BATCH/DELAY: rows per batch and the pause after each, in milliseconds."""
    if text in THROTTLE_CHOICES:
        return text
    batch, slash, delay = text.partition("/")
    if slash and batch.isdigit() and delay.isdigit() and int(batch) >= 1:
        return {"batch_size": int(batch), "delay_ms": int(delay)}
    raise argparse.ArgumentTypeError(
        f"{text!r} is neither {', '.join(THROTTLE_CHOICES)} nor BATCH/DELAY (rows per batch / "
        "milliseconds of pause after each, e.g. 200/50)"
    )


EPILOG = """\
examples:
  %(prog)s upload readings.csv --watch
  %(prog)s upload big.csv --format hh --throttle medium
  %(prog)s status 3f0c2a4e-... --watch
  %(prog)s list --status failed --limit 50
  %(prog)s errors 3f0c2a4e-... --fix -o to-fix.csv
  %(prog)s throttle 3f0c2a4e-... off
  %(prog)s readings 1200000000001 --from 2024-10-01 --to 2024-10-31 --csv > october.csv
  %(prog)s coverage 3f0c2a4e-... --all
  %(prog)s profiles save "Octopus export" --map meter=MPAN --map value=3 --date-order mdy
  %(prog)s upload export.csv --profile "Octopus export" --meter 1900000000001

The API and token come from --api/--token, else CSVIMPORT_API/CSVIMPORT_TOKEN, else the local
stack (http://127.0.0.1:3000) as dev:alice, its one default user (the pages' too). The commands it
suggests carry the --api and --token given (a token only when it is a dev: name; never one from
CSVIMPORT_TOKEN).

exit status:
  0  done: the job completed (or, without --watch, the request succeeded); errors: also when
     the job has no failed rows (nothing is saved then)
  1  the watched job ended failed or cancelled; errors, coverage: the job has not ended yet
  2  a usage error, or the API refused the request (its message goes to stderr)
  3  the API (or the upload target) could not be reached
  4  with --watch --fail-on-errors: the job completed, but some rows failed
"""


def _add_connection_options(parser: argparse.ArgumentParser, top: bool) -> None:
    """--api and --token, None unless given (main fills in the defaults, and knows what was given).
    The subcommands take them too (as SUPPRESS, so they only override)."""
    group = parser.add_argument_group("connection")
    group.add_argument(
        "--api",
        metavar="URL",
        type=_api_url,
        default=None if top else argparse.SUPPRESS,
        help=f"the API's base URL (default: $CSVIMPORT_API, else the local stack at {DEFAULT_API})",
    )
    group.add_argument(
        "--token",
        metavar="TOKEN",
        default=None if top else argparse.SUPPRESS,
        help=f"bearer token (default: $CSVIMPORT_TOKEN, else {DEFAULT_TOKEN}: the local default user)",
    )


def _add_watch_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--watch",
        action="store_true",
        help="show live progress until the job completes, fails or is cancelled, then its summary",
    )
    parser.add_argument(
        "--interval",
        metavar="SECONDS",
        type=_positive_seconds,
        default=POLL_INTERVAL_S,
        help=f"seconds between polls with --watch (default: {POLL_INTERVAL_S:g})",
    )
    parser.add_argument(
        "--fail-on-errors",
        action="store_true",
        help=f"with --watch, for scripts: exit with status {EXIT_ROWS_FAILED} when the job completed but "
        "some rows failed (a failed or cancelled job exits 1 either way)",
    )


def build_parser(prog: str = PROG) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Import energy-meter CSV files through the CSV import service, and follow the imports.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_connection_options(parser, top=True)
    common = argparse.ArgumentParser(add_help=False)
    _add_connection_options(common, top=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    upload = commands.add_parser(
        "upload",
        parents=[common],
        help="import a CSV file",
        description=(
            "Import a CSV file. Files up to 5 MB are sent in the request; larger ones (or any, with "
            "--presigned) are uploaded to storage through a presigned POST, streamed from disk."
        ),
    )
    upload.add_argument("file", metavar="FILE", help="the CSV file")
    upload.add_argument(
        "--format",
        choices=FORMATS,
        help="hh: half-hourly readings, daily: daily readings, sites: a row per site, "
        "auto: decide from the header (default: the --profile's format, else auto)",
    )
    upload.add_argument(
        "--throttle",
        choices=THROTTLE_CHOICES,
        help="pace the import: off (no pauses), or a preset; built in: small (1,000-row batches, no pause), "
        "medium (100 rows/100 ms), large (50/200 ms), very_large (25/300 ms), which operators may change; "
        "default: the service's",
    )
    upload.add_argument(
        "--dry-run", action="store_true", help="validate every row and report errors, but write nothing"
    )
    upload.add_argument(
        "--presigned", action="store_true", help="use the presigned upload even for a file under 5 MB"
    )
    _add_watch_options(upload)
    add_mapping_options(upload)
    upload.set_defaults(run=cmd_upload)

    preview = commands.add_parser(
        "preview",
        parents=[common],
        help="show how a CSV file would be imported, importing nothing",
        description=(
            "Send the file's first MiB to the service and show what an import of it would do: the layout "
            "found, what each column is read as, the first readings, and the errors, warnings and notes "
            "of those rows. Nothing is imported. Try the mapping options until it reads right, then "
            "upload with the same options (or save them with profiles save)."
        ),
    )
    preview.add_argument("file", metavar="FILE", help="the CSV file")
    preview.add_argument(
        "--format",
        choices=FORMATS,
        help="hh, daily, sites or auto (default: the --profile's format, else auto)",
    )
    add_mapping_options(preview)
    preview.set_defaults(run=cmd_preview)

    status = commands.add_parser(
        "status",
        parents=[common],
        help="show a job's progress and errors",
        description="Show a job: status, progress, rows, speed, ETA, success rate, first errors, warnings.",
    )
    status.add_argument("job_id", metavar="JOB_ID")
    _add_watch_options(status)
    status.set_defaults(run=cmd_status)

    listing = commands.add_parser(
        "list",
        parents=[common],
        help="list your jobs, newest first",
        description="List your import jobs, newest first.",
    )
    listing.add_argument("--status", choices=STATUSES, help="only jobs with this status")
    listing.add_argument(
        "--limit", metavar="N", type=_positive_int, default=20, help="show at most N jobs (default: 20)"
    )
    listing.set_defaults(run=cmd_list)

    errors = commands.add_parser(
        "errors",
        parents=[common],
        help="download an ended job's error report, or its failed rows to fix",
        description=(
            "Download an ended job's error report (a CSV of every failed row: line, column, column name, "
            "message, then the row's cells) or, with --fix, just its failed rows in the file's own "
            "columns, to correct and import again. A job with no failed rows has no report: that is "
            "said, nothing is saved, and it ends with exit status 0."
        ),
    )
    errors.add_argument("job_id", metavar="JOB_ID")
    errors.add_argument(
        "--fix", action="store_true", help="download the failed rows to fix instead of the error report"
    )
    errors.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="where to save it (default: JOB_ID-errors.csv, or JOB_ID-fix.csv with --fix)",
    )
    errors.set_defaults(run=cmd_errors)

    throttle = commands.add_parser(
        "throttle",
        parents=[common],
        help="change the throttle of a job that has not ended",
        description=(
            "Give a queued or running job a new throttle; a running import takes it from its next "
            "batch. off: no pauses; a preset: small (no pause), medium (100 rows/100 ms), large "
            "(50/200 ms), very_large (25/300 ms), as operators have set them; BATCH/DELAY: your own "
            "rows per batch and milliseconds of pause after each (e.g. 200/50; batches of at least "
            "25 rows unless you are an administrator)."
        ),
    )
    throttle.add_argument("job_id", metavar="JOB_ID")
    throttle.add_argument(
        "throttle", metavar="PRESET|off|BATCH/DELAY", type=_throttle, help="the new throttle"
    )
    throttle.set_defaults(run=cmd_throttle)

    shown = commands.add_parser(
        "readings",
        parents=[common],
        help="show a meter's readings over a range of days",
        description=(
            "Show a meter's half-hourly and daily readings, in time order, from one UK local date to "
            "another (both included, at most 366 days): a table, or with --csv the CSV file. Readings "
            "are shared: any user may read any meter's."
        ),
    )
    shown.add_argument("meter", metavar="METER", help="the meter id (MPAN, MPRN or serial)")
    shown.add_argument(
        "--from", dest="first", metavar="DATE", required=True, help="the first day, YYYY-MM-DD"
    )
    shown.add_argument(
        "--to", dest="last", metavar="DATE", required=True, help="the last day (included), YYYY-MM-DD"
    )
    shown.add_argument(
        "--channel", choices=CHANNELS, default=CHANNELS[0], help="which energy (default: import, consumption)"
    )
    shown.add_argument(
        "--csv",
        action="store_true",
        help="print the CSV (start,end,local_date,period,kind,value_kwh,estimated,job_id)",
    )
    shown.set_defaults(run=cmd_readings)

    coverage = commands.add_parser(
        "coverage",
        parents=[common],
        help="show which half hours an ended import wrote, meter by meter and day by day",
        description=(
            "Show an ended import's coverage: for each meter and channel it wrote, its UK local days "
            "from the first to the last, a character a day (# complete, + partial, . nothing written; "
            "E and e where some readings are estimated), under a summary of the whole job. The first "
            f"{COVERAGE_PAGE} meters, or with --all every one. A dry run or a sites import has none."
        ),
    )
    coverage.add_argument("job_id", metavar="JOB_ID")
    coverage.add_argument(
        "--all", action="store_true", help=f"every meter, not only the first {COVERAGE_PAGE}"
    )
    coverage.add_argument(
        "--json",
        action="store_true",
        help="print the API's answer as JSON (with --all, every page's meters in one answer)",
    )
    coverage.set_defaults(run=cmd_coverage)
    _add_profile_commands(commands, common)
    return parser


def _add_profile_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    profiles = commands.add_parser(
        "profiles",
        parents=[common],
        help="list, show, save or delete your saved column mappings (profiles)",
        description=(
            "A profile is a column mapping (and optionally a format) saved under a name: `upload --profile "
            "NAME` imports with it, any mapping option given beside it overriding it. Without a "
            "subcommand: list your profiles."
        ),
    )
    profiles.set_defaults(run=cmd_profiles)
    actions = profiles.add_subparsers(dest="action", metavar="ACTION")
    show = actions.add_parser("show", parents=[common], help="show one profile and its mapping")
    show.add_argument("name", metavar="NAME")
    show.set_defaults(run=cmd_profile_show)
    save = actions.add_parser(
        "save",
        parents=[common],
        help="save a profile (replacing one of that name whole)",
        description="Save the mapping the options give under NAME: 1 to 64 letters, digits, spaces, _ . -.",
    )
    save.add_argument("name", metavar="NAME")
    save.add_argument(
        "--format", choices=FORMATS, help="the format of imports with this profile that give none"
    )
    add_mapping_options(save, profile=False)
    save.set_defaults(run=cmd_profile_save)
    delete = actions.add_parser("delete", parents=[common], help="delete a profile")
    delete.add_argument("name", metavar="NAME")
    delete.set_defaults(run=cmd_profile_delete)


def main(argv: Sequence[str] | None = None, runtime: Runtime | None = None, prog: str = PROG) -> int:
    """Run one csvimport command; returns the exit status."""
    rt = runtime or Runtime()
    defaults = Defaults.from_environ(rt.environ)
    parser = build_parser(prog)
    try:
        args = parser.parse_args(argv)
        if getattr(args, "fail_on_errors", False) and not args.watch:
            parser.error("--fail-on-errors needs --watch: without it the command does not wait for the end")
    except SystemExit as stop:  # --help (0) or a usage error (2), already printed by argparse
        return stop.code if isinstance(stop.code, int) else EXIT_ERROR
    args.hints = Hints.of(prog, defaults, args.api, args.token)
    client = ApiClient(args.api or defaults.api, args.token or defaults.token)
    try:
        code: int = args.run(args, client, rt)
        return code
    except UsageError as exc:
        rt.err(f"{prog}: error: {exc}")
        return EXIT_ERROR
    except ApiError as exc:
        rt.err(f"{prog}: error: {exc.message} (HTTP {exc.status})")
        if exc.status in (401, 403):
            rt.err("Check --token or CSVIMPORT_TOKEN (the local stack takes dev:<user>).")
        return EXIT_ERROR
    except ApiUnreachableError as exc:
        rt.err(f"{prog}: error: cannot reach {exc.url}: {exc.reason}")
        if exc.url.startswith(client.base_url):
            rt.err("Is the service running there (make run for the local stack)? Choose another with --api.")
        return EXIT_UNREACHABLE
    except KeyboardInterrupt:
        rt.err("Interrupted.")
        return EXIT_INTERRUPTED
