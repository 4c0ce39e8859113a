"""Least privilege, checked: template.yaml grants each function exactly the IAM rights its code
names (functions/<fn>/app.py RIGHTS, united from the stores' lists, store/rights.py), and every
call the code makes on AWS, in each function's flows run against moto, is among them; every right
is used by those flows."""

from __future__ import annotations

import json
import re
import time
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.client
import botocore.signers
import pytest

from devstack.template import load_template
from ingestion.services import coverage as coverage_service
from ingestion.store.clients import reset_clients
from ingestion.store.rights import Right
from tests.integration.helpers import get_job, post_csv, post_json, s3_created
from tests.support import SAMPLES, QueueDriver, call, handler_module, hh_long_csv, http_event, load_event

FUNCTIONS = {"UploadFunction": "upload", "IngestFunction": "ingest", "StatusFunction": "status"}
BUCKET_ARN = "arn:${AWS::Partition}:s3:::${AWS::StackName}-uploads-${AWS::AccountId}-${AWS::Region}"
EVENT_BUS_ARN = "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default"


# ---- what template.yaml grants ---------------------------------------------------------------------


def _resource_name(node: Any) -> str:
    """A policy statement's resource as store/rights.py names it (a logical id and a suffix)."""
    if isinstance(node, dict) and "Fn::GetAtt" in node and node["Fn::GetAtt"][1] == "Arn":
        return node["Fn::GetAtt"][0]
    if isinstance(node, dict) and isinstance(node.get("Fn::Sub"), str):
        text = node["Fn::Sub"].replace(BUCKET_ARN, "UploadBucket").replace(EVENT_BUS_ARN, "EventBus/default")
        return re.sub(r"\$\{(\w+)\.Arn\}", r"\1", text)
    return json.dumps(node)  # a shape this test does not know: it matches no right


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def granted(template: dict[str, Any], function: str) -> set[Right]:
    """Every (action, resource) the function's Policies allow. A SAM policy template (S3CrudPolicy,
    DynamoDBCrudPolicy, ...) grants more than any function here calls: it counts as a right of its
    own, which no code names."""
    found: set[Right] = set()
    for policy in template["Resources"][function]["Properties"].get("Policies", []):
        if not (isinstance(policy, dict) and set(policy) == {"Statement"}):
            found.add(Right(json.dumps(policy, sort_keys=True), "(a SAM policy template)"))
            continue
        for statement in policy["Statement"]:
            assert statement["Effect"] == "Allow" and "Condition" not in statement, statement
            found |= {
                Right(action, _resource_name(resource))
                for action in _listed(statement["Action"])
                for resource in _listed(statement["Resource"])
            }
    return found


def differences(template: dict[str, Any]) -> list[str]:
    problems = []
    for logical_id, folder in FUNCTIONS.items():
        needed = set(handler_module(folder).RIGHTS)
        given = granted(template, logical_id)
        problems += [
            f"{logical_id} is granted {r.action} on {r.resource}, which its code does not call"
            for r in sorted(given - needed)
        ]
        problems += [
            f"{logical_id} lacks {r.action} on {r.resource}, which its code calls"
            for r in sorted(needed - given)
        ]
    return problems


def test_each_function_is_granted_exactly_the_rights_its_code_names():
    assert differences(load_template()) == []


def test_a_right_more_or_less_than_the_code_names_is_caught():
    template = load_template()
    scan = {
        "Effect": "Allow",
        "Action": "dynamodb:Scan",
        "Resource": {"Fn::GetAtt": ["ReadingsTable", "Arn"]},
    }
    template["Resources"]["UploadFunction"]["Properties"]["Policies"].append({"Statement": [scan]})
    status = template["Resources"]["StatusFunction"]["Properties"]["Policies"][0]["Statement"]
    status[:] = [s for s in status if s["Sid"] != "JobsByOwner"]

    assert differences(template) == [
        "UploadFunction is granted dynamodb:Scan on ReadingsTable, which its code does not call",
        "StatusFunction lacks dynamodb:Query on JobsTable/index/owner-created-keys, which its code calls",
    ]


def test_the_upload_function_cannot_delete_scan_or_change_acls_and_the_status_function_only_reads():
    upload = handler_module("upload").RIGHTS
    status = handler_module("status").RIGHTS

    # its one removal: a user's own saved profile (DELETE /profiles/{name})
    assert [r for r in upload if re.search(r"Delete|Scan|Acl|Lifecycle|Policy", r.action)] == [
        Right("dynamodb:DeleteItem", "ProfilesTable")
    ]
    assert "UploadBucket/uploads/*" not in {r.resource for r in status}
    # its only writes: an error report it assembles (a job cancelled between segments), and the
    # coverage of a job that ended without building it; or, for a large one, a message asking the
    # ingest function to build it (and a note of when it asked, beside the coverage)
    assert {r for r in status if not re.match(r"dynamodb:(Get|BatchGet|Query)|s3:(Get|List)", r.action)} == {
        Right("s3:PutObject", "UploadBucket/reports/*"),
        Right("s3:PutObject", "UploadBucket/coverage/*"),
        Right("sqs:SendMessage", "IngestQueue"),
    }


# ---- what the code calls ---------------------------------------------------------------------------

S3_ACTIONS = {
    "GetObject": "s3:GetObject",
    "HeadObject": "s3:GetObject",
    "PutObject": "s3:PutObject",
    "CreateMultipartUpload": "s3:PutObject",
    "UploadPart": "s3:PutObject",
    "CompleteMultipartUpload": "s3:PutObject",
    "DeleteObject": "s3:DeleteObject",
    "ListObjectsV2": "s3:ListBucket",
}


class CallRecorder:
    """Every AWS request (and every presigned one) made while a handler runs, as the IAM right it
    needs, by the function whose handler it was."""

    def __init__(self, stack) -> None:
        self.by_function: dict[str, set[Right]] = defaultdict(set)
        self.current: str | None = None
        self.tables = {
            stack.jobs_table: "JobsTable",
            stack.readings_table: "ReadingsTable",
            stack.sites_table: "SitesTable",
            stack.settings_table: "SettingsTable",
            stack.profiles_table: "ProfilesTable",
        }
        self.bucket = stack.bucket
        self.queue_url = stack.queue_url

    def note(self, service: str, operation: str, params: dict[str, Any]) -> None:
        if self.current is not None:
            self.by_function[self.current] |= self.rights_of(service, operation, params)

    def rights_of(self, service: str, operation: str, params: dict[str, Any]) -> set[Right]:
        if service == "dynamodb":
            tables = list(params["RequestItems"]) if "RequestItems" in params else [params["TableName"]]
            names = [self.tables.get(t, t) for t in tables]
            if "IndexName" in params:
                names = [f"{n}/index/{params['IndexName']}" for n in names]
            return {Right(f"dynamodb:{operation}", n) for n in names}
        if service == "s3":
            assert params["Bucket"] == self.bucket
            if operation == "ListObjectsV2":
                return {Right("s3:ListBucket", "UploadBucket")}
            keys = (
                [o["Key"] for o in params["Delete"]["Objects"]]
                if operation == "DeleteObjects"
                else [params["Key"]]
            )
            action = (
                "s3:DeleteObject"
                if operation == "DeleteObjects"
                else S3_ACTIONS.get(operation, f"s3:{operation}")
            )
            return {Right(action, f"UploadBucket/{key.split('/', 1)[0]}/*") for key in keys}
        if service == "sqs":
            assert params["QueueUrl"] == self.queue_url
            return {Right(f"sqs:{operation}", "IngestQueue")}
        if service == "events":
            return {
                Right(f"events:{operation}", f"EventBus/{e.get('EventBusName', 'default')}")
                for e in params["Entries"]
            }
        return {Right(f"{service}:{operation}", "?")}


@pytest.fixture
def recorder(stack, monkeypatch) -> Iterator[CallRecorder]:
    """Records the calls of every handler from now on (the test harness's own calls are not)."""
    rec = CallRecorder(stack)
    make_api_call = botocore.client.BaseClient._make_api_call
    presign_url = botocore.signers.generate_presigned_url
    presign_post = botocore.signers.generate_presigned_post

    def recorded(client, operation, params):
        rec.note(client.meta.service_model.service_name, operation, params)
        return make_api_call(client, operation, params)

    def recorded_url(client, ClientMethod, Params=None, **kwargs):
        rec.note("s3", client.meta.method_to_api_mapping[ClientMethod], Params or {})
        return presign_url(client, ClientMethod, Params=Params, **kwargs)

    def recorded_post(client, Bucket, Key, **kwargs):
        rec.note("s3", "PutObject", {"Bucket": Bucket, "Key": Key})
        return presign_post(client, Bucket, Key, **kwargs)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recorded)
    monkeypatch.setattr(botocore.signers, "generate_presigned_url", recorded_url)
    monkeypatch.setattr(botocore.signers, "generate_presigned_post", recorded_post)
    reset_clients()  # clients built from now on carry the recording presigners
    for logical_id, folder in FUNCTIONS.items():
        module = handler_module(folder)

        def handler(event, context, _inner=module.handler, _name=logical_id):
            rec.current = _name
            try:
                return _inner(event, context)
            finally:
                rec.current = None

        monkeypatch.setattr(module, "handler", handler)
    yield rec
    reset_clients()


def scheduled_run(monkeypatch, seconds_later: float) -> dict:
    with monkeypatch.context() as m:
        later = time.time() + seconds_later
        m.setattr(handler_module("ingest").services, "clock", lambda: later)
        return call("ingest", load_event("scheduler_redrive.json"))


def as_admin(event: dict[str, Any]) -> dict[str, Any]:
    event["requestContext"]["authorizer"]["jwt"]["claims"]["cognito:groups"] = "[admin]"
    return event


def route(function: str, method: str, job_id: str, suffix: str = "", body: Any = None) -> dict[str, Any]:
    event = http_event(
        method,
        f"/imports/{job_id}{suffix}",
        route=f"{method} /imports/{{job_id}}{suffix}",
        path_parameters={"job_id": job_id},
        body=None if body is None else json.dumps(body),
        content_type=None if body is None else "application/json",
    )
    return call(function, event)


def test_every_call_each_function_makes_is_among_its_rights_and_every_right_is_used(
    stack, recorder, monkeypatch
):
    s3 = boto3.client("s3")
    drain = QueueDriver(stack.queue_url).drain
    ingest = handler_module("ingest").services
    split = ingest.settings.model_copy(update={"shard_min_bytes": 1, "max_shards": 2})
    monkeypatch.setattr(ingest, "settings", split)

    # Presigned: the form, the file landing, the import (split in two shards), its error report.
    created = post_json(json.dumps({"filename": "a.csv"}))["json"]
    key = created["upload"]["fields"]["key"]
    s3.put_object(Bucket=stack.bucket, Key=key, Body=hh_long_csv(300, bad_every=7))
    s3_created(stack, key)
    drain()
    job_id = created["job_id"]
    assert get_job(job_id)["json"]["status"] == "completed"
    assert route("status", "GET", job_id, "/errors")["statusCode"] == 200
    assert call("status", http_event("GET", "/imports"))["statusCode"] == 200
    dates = {"meter": "1900000000000", "from": "2025-11-01", "to": "2025-11-03"}
    assert call("status", http_event("GET", "/readings", query=dates))["json"]["items"]
    # Its coverage, built as it completed; then as if it had ended without (built from the log).
    assert route("status", "GET", job_id, "/coverage")["json"]["ready"]
    s3.delete_object(Bucket=stack.bucket, Key=f"coverage/{job_id}.json")
    assert route("status", "GET", job_id, "/coverage")["json"]["summary"]["meters"] == 3
    # And as if it were too large to build on a request: the ingest function is asked to.
    s3.delete_object(Bucket=stack.bucket, Key=f"coverage/{job_id}.json")
    with monkeypatch.context() as m:
        m.setattr(coverage_service, "builds_in_a_request", lambda rows: False)
        assert route("status", "GET", job_id, "/coverage")["json"]["building"]
    drain()
    assert route("status", "GET", job_id, "/coverage")["json"]["summary"]["meters"] == 3

    # Direct and synchronous imports of both kinds, real and dry runs; a throttle change, a cancel.
    for name, query in (
        ("daily.csv", {"mode": "sync"}),
        ("hh_long_with_errors.csv", {"mode": "sync"}),  # (days with gaps: partly set)
        ("hh_long_with_errors.csv", {"mode": "sync", "dry_run": "true"}),
        ("sites.csv", {"mode": "sync"}),
        ("sites_one_bad_row.csv", {"mode": "sync", "dry_run": "true"}),
        ("sites.csv", {"dry_run": "true"}),
        ("hh_long_with_errors.csv", {"dry_run": "true"}),
    ):
        assert post_csv((SAMPLES / name).read_bytes(), **query)["statusCode"] in (200, 202)
    sites_job = post_csv((SAMPLES / "sites_one_bad_row.csv").read_bytes())["json"]["job_id"]
    waiting = post_csv((SAMPLES / "daily.csv").read_bytes())["json"]["job_id"]
    assert route("upload", "PATCH", waiting, body={"throttle": "large"})["statusCode"] == 200
    assert route("upload", "POST", waiting, "/cancel")["statusCode"] == 200
    drain()
    # Cancelled before it ran: the status function assembles its (empty) report on demand.
    assert route("status", "GET", waiting, "/errors")["statusCode"] == 200

    # The throttle settings, read and saved by an administrator.
    read = call("status", as_admin(http_event("GET", "/settings/import-throttle", user="admin")))["json"]
    document = json.dumps({"default": "auto", "version": 0, "presets": read["presets"]})
    put = http_event(
        "PUT", "/settings/import-throttle", user="admin", body=document, content_type="application/json"
    )
    assert call("upload", as_admin(put))["statusCode"] == 200

    # Profiles: saved (counted first), listed, read, named by an import, deleted.
    profile = {"route": "PUT /profiles/{name}", "path_parameters": {"name": "supplier"}}
    saved = http_event(
        "PUT",
        "/profiles/supplier",
        body='{"mapping": {"unit": "Wh"}}',
        content_type="application/json",
        **profile,
    )
    assert call("upload", saved)["statusCode"] == 201
    assert call("status", http_event("GET", "/profiles"))["statusCode"] == 200
    one = http_event(
        "GET", "/profiles/supplier", route="GET /profiles/{name}", path_parameters={"name": "supplier"}
    )
    assert call("status", one)["statusCode"] == 200
    assert post_json(json.dumps({"filename": "p.csv", "profile": "supplier"}))["statusCode"] == 201
    gone = http_event(
        "DELETE", "/profiles/supplier", route="DELETE /profiles/{name}", path_parameters={"name": "supplier"}
    )
    assert call("upload", gone)["statusCode"] == 204

    # The scheduled run: an upload that never came, and one whose S3 event was lost.
    post_json(json.dumps({"filename": "never.csv"}))
    lost = post_json(json.dumps({"filename": "lost.csv"}))["json"]["upload"]["fields"]["key"]
    s3.put_object(Bucket=stack.bucket, Key=lost, Body=(SAMPLES / "daily.csv").read_bytes())
    scheduled_run(monkeypatch, seconds_later=3600)
    drain()

    # Deleting a job of each kind: its records, its file, its reports, its record.
    for deleted in (job_id, sites_job):
        assert route("upload", "DELETE", deleted)["statusCode"] == 202
    drain()
    assert get_job(job_id)["statusCode"] == get_job(sites_job)["statusCode"] == 404

    lacking = [
        f"{function} calls {r.action} on {r.resource} without the right to"
        for function, called in sorted(recorder.by_function.items())
        for r in sorted(called - set(handler_module(FUNCTIONS[function]).RIGHTS))
    ]
    unused = [
        f"{function} holds {r.action} on {r.resource} and none of its flows used it"
        for function, folder in FUNCTIONS.items()
        for r in sorted(set(handler_module(folder).RIGHTS) - recorder.by_function[function])
    ]
    assert (lacking, unused) == ([], [])
