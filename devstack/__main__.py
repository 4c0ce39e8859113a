"""`python -m devstack` (what `make run` starts): the whole service on this machine."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import time

from devstack.gateway import ADMIN_USER
from devstack.runtime import LocalRuntime, Options

# The one local identity: the CLI's default token and the pages' sign-in box are the same one.
DEFAULT_USER_TOKEN = "dev:alice"
ADMIN_TOKEN = f"dev:{ADMIN_USER}"


def _pairs(values: list[str], what: str) -> dict[str, str]:
    pairs = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise SystemExit(f"{what} takes NAME=VALUE, not {item!r}")
        pairs[key] = value
    return pairs


def _kills(values: list[str]) -> dict[str, object]:
    kill: dict[str, set[int]] = {}
    after = 1.0
    for name, spec in _pairs(values, "--kill").items():
        numbers, _, seconds = spec.partition("@")
        kill[name] = {int(n) for n in numbers.split(",")}
        after = float(seconds or after)
    return {"kill": kill, "kill_after": after}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--api-port", type=int, default=3000, help="the HTTP API and pages (0: any free port)"
    )
    parser.add_argument(
        "--aws-port", type=int, default=4566, help="the embedded AWS, moto (0: any free port)"
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="[FUNCTION.]VAR=VALUE",
        help="override a function's environment variable (all functions without FUNCTION.)",
    )
    parser.add_argument(
        "--timeout",
        action="append",
        default=[],
        metavar="FUNCTION=SECONDS",
        help="override a function's Timeout (its queue keeps VisibilityTimeout at 6x)",
    )
    parser.add_argument(
        "--parameter", action="append", default=[], metavar="NAME=VALUE", help="a template parameter"
    )
    parser.add_argument("--schedule-seconds", type=float, help="run the schedules this often instead")
    parser.add_argument("--sqs-concurrency", type=int, default=2, help="pollers per SQS event source")
    parser.add_argument(
        "--kill",
        action="append",
        default=[],
        metavar="FUNCTION=N[,N...]@SECONDS",
        help="fault injection: kill these invocations of FUNCTION after SECONDS, as a timeout would",
    )
    parser.add_argument("--quiet", action="store_true", help="only warnings from the runtime itself")
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="the functions' full JSON log lines and metrics, instead of one short line per job event",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO, format="devstack: %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    logging.getLogger("moto").setLevel(logging.ERROR)  # it names each template resource it skips

    started = time.monotonic()
    runtime = LocalRuntime(
        Options(
            host=args.host,
            api_port=args.api_port,
            aws_port=args.aws_port,
            env=_pairs(args.env, "--env"),
            timeouts={k: int(v) for k, v in _pairs(args.timeout, "--timeout").items()},
            parameters=_pairs(args.parameter, "--parameter"),
            schedule_seconds=args.schedule_seconds,
            sqs_concurrency=args.sqs_concurrency,
            verbose=args.verbose,
            **_kills(args.kill),
        )
    )
    # Ctrl-C and SIGTERM stop everything, even when started in the background (where a shell
    # starts programs with SIGINT ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        runtime.start()
        api = runtime.api_url
        print(
            f"""
CSV import service, running locally (no AWS account, no Docker)

  Pages      {api}/admin/imports/new   (upload)   {api}/admin/imports/jobs   (jobs)
  API        {api}/imports
  AWS        {runtime.aws_url}   (moto: tables, bucket and queues from template.yaml)
  Sign in    {DEFAULT_USER_TOKEN}: the local default user, for the pages, the CLI and curl alike
             (any dev:<name> is another user; {ADMIN_TOKEN} is an administrator)
  Throttle   {runtime.stack.parameters["DefaultThrottle"]} for jobs that choose none (deployed stacks: auto)
  Try        curl -H "Authorization: Bearer {DEFAULT_USER_TOKEN}" {api}/imports
  Log        a line per job event; make run RUN_ARGS=--verbose for the functions' JSON lines

ready: api={api} aws={runtime.aws_url} in {time.monotonic() - started:.1f} s. Ctrl-C stops everything.
""",
            flush=True,
        )
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("stopping...", file=sys.stderr, flush=True)
    finally:
        runtime.stop()
    print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
