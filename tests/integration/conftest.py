"""Every integration test runs against a fresh moto account holding the stack built from template.yaml."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from devstack.provision import StackResources
from tests.integration.helpers import fresh_stack


@pytest.fixture
def stack() -> Iterator[StackResources]:
    with fresh_stack() as resources:
        yield resources


@pytest.fixture
def no_sleep(monkeypatch) -> list[float]:
    """Throttle pauses are recorded instead of slept."""
    from tests.support import handler_module

    slept: list[float] = []
    monkeypatch.setattr(handler_module("ingest").services, "sleep", slept.append)
    return slept


@pytest.fixture
def function_output(monkeypatch) -> io.StringIO:
    """What the functions' log handler writes (it is bound to the process's stdout, which the test
    runner may have swapped since): once every function has wired the layer's logger."""
    from tests.support import handler_module

    for function in ("upload", "ingest", "status"):
        handler_module(function)  # (each wires the layer's logger at import: all of them first)
    output = io.StringIO()
    for handler in logging.getLogger("ingestion").handlers:
        monkeypatch.setattr(handler, "stream", output)
    return output
