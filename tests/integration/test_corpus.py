"""Every file of the messy-CSV corpus (tests/corpus) runs through the real pipeline against moto and
ends in the state its case demands: the job's status, counts, messages and framing, and exactly the
records stored."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import boto3
import pytest

from devstack.provision import StackResources
from tests.corpus.case import Case
from tests.corpus.cases import CASES
from tests.integration.helpers import get_job, import_csv, post_csv, post_json, s3_created
from tests.integration.test_profiles import put_profile
from tests.support import QueueDriver, readings_of


def _params() -> list[Any]:
    """One test per case, named after it; a case whose demand the pipeline does not meet yet is a
    strict xfail, so it turns red the day it is fixed and its mark can go."""
    params = []
    for case in CASES:
        marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
        params.append(pytest.param(case, id=case.name, marks=marks))
    return params


def import_presigned(
    stack: StackResources, body: bytes, format: str, options: dict[str, str]
) -> dict[str, Any]:
    """The presigned path: create the job, put the bytes as the browser would, let S3 tell us."""
    request: dict[str, Any] = {"filename": "upload.csv", "format": format, "throttle": "small"}
    if "mapping" in options:
        request["mapping"] = json.loads(options["mapping"])
    if "profile" in options:
        request["profile"] = options["profile"]
    created = post_json(json.dumps(request))
    assert created["statusCode"] == 201, created
    job_id = created["json"]["job_id"]
    key = f"uploads/{job_id}.csv"
    boto3.client("s3").put_object(Bucket=stack.bucket, Key=key, Body=body)
    s3_created(stack, key)
    QueueDriver(stack.queue_url).drain()
    return get_job(job_id)["json"]


def import_options(case: Case) -> dict[str, str]:
    """The case's mapping and profile as the direct upload's query takes them (the profile saved
    first, as its user would have)."""
    options: dict[str, str] = {}
    if case.profile is not None:
        name, profile = case.profile
        saved = put_profile(name, dict(profile))
        assert saved["statusCode"] == 201, saved
        options["profile"] = name
    if case.mapping is not None:
        options["mapping"] = json.dumps(case.mapping)
    return options


def run_case(stack: StackResources, case: Case) -> dict[str, Any]:
    body = case.body()
    options = import_options(case)
    if case.presigned:
        return import_presigned(stack, body, case.format, options)
    if case.refused is None:
        job, _ = import_csv(
            stack, body, format=case.format, throttle="small", filename="upload.csv", **options
        )
        return job
    refused = post_csv(body, format=case.format, throttle="small", **options)
    assert refused["statusCode"] == 400 and case.refused in refused["json"]["message"], refused["json"]
    return import_presigned(stack, body, case.format, options)


def stored_readings(stack: StackResources) -> tuple[dict[tuple[str, str], Decimal], set[tuple[str, str]]]:
    found = readings_of(stack.readings_table)
    values = {key: Decimal(value) for key, (value, _) in found.items()}
    return values, {key for key, (_, estimated) in found.items() if estimated}


def stored_sites(stack: StackResources) -> dict[str, dict[str, Any]]:
    """Every site by its key, each attribute's value without its DynamoDB type."""
    pages = boto3.client("dynamodb").get_paginator("scan").paginate(TableName=stack.sites_table)
    items = [item for page in pages for item in page["Items"]]
    return {
        item["site_key"]["S"]: {name: next(iter(v.values())) for name, v in item.items()} for item in items
    }


def assert_messages(found: list[str], expected: tuple[str, ...], kind: str) -> None:
    assert len(found) == len(expected), f"{kind}: {found}"
    for message, prefix in zip(found, expected, strict=True):
        assert message.startswith(prefix), f"{kind}: {message!r} does not start with {prefix!r}"


def expected_summary(case: Case) -> dict[str, Any]:
    summary = {
        "status": case.status,
        "processed_rows": case.processed,
        "imported_rows": case.imported,
        "failed_rows": case.failed,
        "warning_rows": case.warned,
    }
    framing = {"layout": case.layout, "encoding": case.encoding, "line_ending": case.line_ending}
    return summary | {name: value for name, value in framing.items() if value is not None}


@pytest.mark.parametrize("case", _params())
def test_a_corpus_file_ends_in_the_state_its_case_demands(stack, case: Case):
    job = run_case(stack, case)

    expected = expected_summary(case)
    assert {name: job[name] for name in expected} == expected
    assert_messages(job["errors"], case.errors, "errors")
    assert_messages(job["warnings"], case.warnings, "warnings")
    if case.error_message:
        assert all(fragment in (job["error_message"] or "") for fragment in case.error_message), job[
            "error_message"
        ]
    else:
        assert job["error_message"] is None
    if case.note is not None:
        assert case.note in (job["note"] or ""), job["note"]
    else:
        assert job["note"] is None
    if case.unused_columns is not None:
        assert tuple(job["unused_columns"]) == case.unused_columns

    readings, estimated = stored_readings(stack)
    sites = stored_sites(stack)
    if case.readings is not None:
        assert readings == {key: Decimal(value) for key, value in case.readings.items()}
        assert estimated == case.estimated
    if case.sites is not None:
        assert set(sites) == set(case.sites)
        for key, attributes in case.sites.items():
            assert {name: sites[key].get(name) for name in attributes} == attributes, key
    if case.expected_records is not None:
        assert len(readings) + len(sites) == case.expected_records == job["readings_written"]
