"""One Lambda execution environment: a process that imports a function's handler once (the cold
start) and then serves invocations sent over a pipe. Only the function's CodeUri, the layer and the
installed packages (standing in for the layer's dependencies) are importable, as in Lambda."""

from __future__ import annotations

import importlib
import os
import signal
import sys
import time
import traceback
import uuid
import warnings
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from devstack.console import EventLines


@dataclass
class Context:
    """The parts of Lambda's context object that code reads."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    aws_request_id: str
    deadline: float
    log_group_name: str = ""
    log_stream_name: str = ""
    function_version: str = "$LATEST"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.time()) * 1000))


def _isolate(code_uri: str, layer_dirs: list[str]) -> None:
    """Keep the standard library and installed packages; drop the repository and tests."""
    installed = (sys.base_prefix, sys.prefix, sys.exec_prefix)
    kept = [p for p in sys.path if p and p.startswith(installed)]
    sys.path[:] = [code_uri, *layer_dirs, *kept]


def serve(
    conn: Connection,
    code_uri: str,
    handler: str,
    layer_dirs: list[str],
    environment: dict[str, str],
    function_name: str,
    memory: int,
    verbose: bool = False,
) -> None:
    # Ctrl-C is the runtime's to handle: it stops the environments (lambdas.py also starts them
    # with SIGINT blocked, so that none arrives before this line either).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.update(environment)
    # Before the handler is imported: its logger writes to the sys.stdout it finds then.
    events = None if verbose else EventLines(sys.stdout)
    if events is not None:
        sys.stdout = events  # type: ignore[assignment]
    # Powertools warns on every invocation that records no metric (pages, stray messages): noise.
    warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)
    os.chdir(code_uri)
    _isolate(code_uri, layer_dirs)
    module_name, function = handler.rsplit(".", 1)
    try:
        entry = getattr(importlib.import_module(module_name), function)
    except Exception as exc:  # an init error is reported on every invocation, as Lambda does
        init_error: dict[str, Any] | None = {"errorType": type(exc).__name__, "errorMessage": str(exc)}
        traceback.print_exc()
    else:
        init_error = None
    conn.send(("ready", None))  # init is over: Lambda does not count it against the Timeout
    arn = f"arn:aws:lambda:{os.environ.get('AWS_REGION', 'eu-west-2')}:123456789012:function:{function_name}"
    while True:
        try:
            event, deadline = conn.recv()
        except EOFError:
            return
        if init_error is not None:
            conn.send(("error", init_error))
            continue
        context = Context(function_name, memory, arn, str(uuid.uuid4()), deadline)
        try:
            result = entry(event, context)
        except Exception as exc:
            traceback.print_exc()
            answer: tuple[str, Any] = ("error", {"errorType": type(exc).__name__, "errorMessage": str(exc)})
        else:
            answer = ("ok", result)
        if events is not None:
            events.end_invocation()
        conn.send(answer)
