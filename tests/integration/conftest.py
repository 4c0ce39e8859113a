"""Every integration test runs against a fresh moto account holding the stack built from template.yaml."""

from __future__ import annotations

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
