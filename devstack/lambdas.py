"""Invoking functions as Lambda does: each in its own worker process, warm between invocations,
killed when it runs past its Timeout (the next invocation gets a cold start)."""

from __future__ import annotations

import logging
import multiprocessing
import signal
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from devstack.template import Function
from devstack.worker import serve

log = logging.getLogger("devstack")
_spawn = multiprocessing.get_context("spawn")


class FunctionError(Exception):
    """The handler raised: Lambda reports an unhandled error."""


class FunctionTimeout(Exception):
    """The invocation ran past the function's Timeout and its environment was killed."""


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection


# Lambda gives a function's init phase 10 s of CPU of its own. Here every environment shares two
# cores: ten cold starts at once (a burst of uploads) each take several times longer on the wall
# clock, so the local limit is wall time with room for that; it still catches an init that hangs.
INIT_TIMEOUT_S = 60


class FunctionPool:
    """Execution environments of one function: reused when idle, one more when all are busy.

    `kill` is fault injection for tests: invocation numbers (1-based) whose environment is killed
    after `kill_after` seconds, exactly as if they had run past their Timeout."""

    def __init__(
        self,
        function: Function,
        layer_dirs: list[str],
        base_env: dict[str, str],
        kill: set[int] | None = None,
        kill_after: float = 0.0,
        verbose: bool = False,
    ) -> None:
        self.function = function
        self._verbose = verbose
        self._kill_numbers = kill or set()
        self._kill_after = kill_after
        self.invocations = 0
        self._layers = layer_dirs
        self._env = {
            **base_env,
            **function.environment,
            "AWS_LAMBDA_FUNCTION_NAME": function.logical_id,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory),
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(function.timeout),
        }
        self._idle: list[_Worker] = []
        self._all: list[_Worker] = []
        self._lock = threading.Lock()
        self.timeouts = 0

    def _start(self) -> _Worker:
        parent, child = _spawn.Pipe()
        f = self.function
        process = _spawn.Process(
            target=serve,
            args=(child, str(f.code_uri), f.handler, self._layers, self._env, f.logical_id, f.memory),
            kwargs={"verbose": self._verbose},
            name=f"lambda:{f.logical_id}",
            daemon=True,
        )
        # Ctrl-C reaches every process of the terminal's group: the environment starts with SIGINT
        # blocked (a child inherits the mask; the worker then ignores it), so only the runtime gets
        # it and stops them (stop, below): no KeyboardInterrupt traceback from a worker.
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            process.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        child.close()
        if not parent.poll(INIT_TIMEOUT_S) or parent.recv()[0] != "ready":
            process.kill()
            raise FunctionError(f"{f.logical_id}: init did not finish in {INIT_TIMEOUT_S} s")
        worker = _Worker(process, parent)
        with self._lock:
            self._all.append(worker)
        return worker

    def warm(self) -> None:
        """Start one environment ahead of the first request (it imports the handler at once)."""
        worker = self._start()
        with self._lock:
            self._idle.append(worker)

    def invoke(self, event: Any) -> Any:
        with self._lock:
            worker = self._idle.pop() if self._idle else None
        if worker is None or not worker.process.is_alive():
            worker = self._start()
        with self._lock:
            self.invocations += 1
            number = self.invocations
        timeout = self.function.timeout
        allowed = self._kill_after if number in self._kill_numbers else timeout
        worker.conn.send((event, time.time() + timeout))
        if not worker.conn.poll(allowed):
            self._kill(worker)
            self.timeouts += 1
            log.warning("%s invocation %d timed out: environment killed", self.function.logical_id, number)
            raise FunctionTimeout(f"{self.function.logical_id} timed out after {timeout} s")
        try:
            status, payload = worker.conn.recv()
        except EOFError:
            self._kill(worker)
            raise FunctionError(f"{self.function.logical_id}: the environment exited") from None
        with self._lock:
            self._idle.append(worker)
        if status == "error":
            raise FunctionError(f"{payload['errorType']}: {payload['errorMessage']}")
        return payload

    def _kill(self, worker: _Worker) -> None:
        worker.process.kill()
        worker.process.join(5)
        worker.conn.close()
        with self._lock:
            if worker in self._all:
                self._all.remove(worker)

    def stop(self) -> None:
        with self._lock:
            workers, self._all, self._idle = list(self._all), [], []
        for worker in workers:
            worker.process.kill()
        for worker in workers:
            worker.process.join(5)
