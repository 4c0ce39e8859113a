"""schemathesis against the local stack: generated requests for every operation in the served
OpenAPI document; no 5xx, and every response conforms to the document."""

import schemathesis
from hypothesis import HealthCheck, settings

import pytest


@pytest.fixture(scope="module")
def api_schema(local_stack):
    return schemathesis.openapi.from_url(f"{local_stack.api_url}/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_honours_its_document(case, local_stack):
    case.call_and_validate(base_url=local_stack.api_url, headers=local_stack.headers("schemathesis"), timeout=30)
