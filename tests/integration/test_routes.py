"""Each route is declared twice, as an HttpApi event in template.yaml (what API Gateway sends to a
function) and on the function's Powertools resolver (what the function answers): the two agree,
function by function. And a job id has one length limit everywhere it is taken in."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from pydantic import ValidationError

from devstack.template import http_routes, load_template
from ingestion.domain.job import JOB_ID_MAX_LENGTH
from ingestion.domain.messages import IngestMessage
from tests.support import call, handler_module, http_event

Routes = set[tuple[str, str]]


def folders(template: dict[str, Any]) -> dict[str, str]:
    """Each function's folder under functions/ (its CodeUri), by its logical id."""
    return {
        logical_id: Path(resource["Properties"]["CodeUri"]).name
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def template_routes(template: dict[str, Any]) -> dict[str, Routes]:
    """(method, path) of every function's HttpApi events, by the function's folder."""
    routes: dict[str, Routes] = {folder: set() for folder in folders(template).values()}
    for route in http_routes(template):
        routes[folders(template)[route.function]].add((route.method, route.path))
    return routes


def resolver_routes(function: str) -> Routes:
    """(method, path) of every route functions/<function>/app.py's resolver has, those left out of
    the OpenAPI document (the pages, /openapi.json) too, with paths written as the template writes
    them ({job_id}, not <job_id>). A function without a resolver has none."""
    app = getattr(handler_module(function), "app", None)
    if not isinstance(app, ApiGatewayResolver):
        return set()
    return {(route.method, route.openapi_path) for route in app._static_routes + app._dynamic_routes}


def disagreements(template: dict[str, Any]) -> list[str]:
    problems = []
    for function, declared in sorted(template_routes(template).items()):
        served = resolver_routes(function)
        problems += [
            f"{method} {path}: in template.yaml for functions/{function}, missing from its resolver"
            for method, path in sorted(declared - served)
        ]
        problems += [
            f"{method} {path}: on the resolver of functions/{function}, missing from template.yaml"
            for method, path in sorted(served - declared)
        ]
    return problems


def test_every_function_serves_exactly_the_routes_the_template_sends_it():
    template = load_template()

    assert disagreements(template) == [], "\n".join(disagreements(template))
    assert template_routes(template)["ingest"] == set()  # (the queue's worker: no HTTP at all)


def without_event(template: dict[str, Any], function: str, event: str) -> dict[str, Any]:
    changed = copy.deepcopy(template)
    del changed["Resources"][function]["Properties"]["Events"][event]
    return changed


def test_a_route_missing_from_the_template_is_named_with_its_function():
    template = without_event(load_template(), "UploadFunction", "UpdateImport")

    assert disagreements(template) == [
        "PATCH /imports/{job_id}: on the resolver of functions/upload, missing from template.yaml"
    ]


def test_a_route_the_template_sends_to_the_wrong_function_is_named_on_both_sides():
    template = load_template()
    moved = template["Resources"]["StatusFunction"]["Properties"]["Events"]["GetImport"]
    template = without_event(template, "StatusFunction", "GetImport")
    template["Resources"]["UploadFunction"]["Properties"]["Events"]["GetImport"] = moved

    assert disagreements(template) == [
        "GET /imports/{job_id}: on the resolver of functions/status, missing from template.yaml",
        "GET /imports/{job_id}: in template.yaml for functions/upload, missing from its resolver",
    ]


# ---- one job-id length -------------------------------------------------------------------------


def job_routes() -> list[tuple[str, str, str]]:
    """(function, method, path) of the API's routes that take a job id (those behind the authorizer:
    not the status page), from template.yaml, which the resolvers agree with (above)."""
    template = load_template()
    return [
        (folders(template)[route.function], route.method, route.path)
        for route in http_routes(template)
        if "{job_id}" in route.path and route.authorized
    ]


def call_with_job_id(function: str, method: str, route: str, job_id: str) -> dict[str, Any]:
    body = json.dumps({"throttle": "small"}) if method == "PATCH" else None
    event = http_event(
        method,
        route.replace("{job_id}", job_id),
        route=f"{method} {route}",
        path_parameters={"job_id": job_id},
        body=body,
        content_type="application/json" if body else None,
    )
    return call(function, event)


@pytest.mark.parametrize(("function", "method", "route"), job_routes())
def test_a_job_id_longer_than_any_job_gets_400_naming_it_and_one_of_the_longest_length_is_looked_up(
    stack, function, method, route
):
    too_long = call_with_job_id(function, method, route, "j" * (JOB_ID_MAX_LENGTH + 1))
    longest = call_with_job_id(function, method, route, "j" * JOB_ID_MAX_LENGTH)

    assert too_long["statusCode"] == 400
    assert [d["field"] for d in too_long["json"]["details"]] == ["path.job_id"]
    assert longest["statusCode"] == 404


def test_the_queue_message_takes_job_ids_up_to_the_same_length():
    assert IngestMessage(job_id="j" * JOB_ID_MAX_LENGTH).job_id == "j" * JOB_ID_MAX_LENGTH
    with pytest.raises(ValidationError, match="job_id"):
        IngestMessage(job_id="j" * (JOB_ID_MAX_LENGTH + 1))
