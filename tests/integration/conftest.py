"""Every integration test runs against a fresh moto account holding the stack built from template.yaml."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

from devstack.provision import StackResources, provision
from ingestion.aws import reset_clients
from ingestion.store.tables import reset_connections


@pytest.fixture
def stack() -> Iterator[StackResources]:
    with mock_aws():
        reset_clients()
        reset_connections()
        yield provision()
    reset_clients()
    reset_connections()
