"""The web pages the status function serves: public, identical for everyone, locked down by headers."""

import json
import re

import pytest

from ingestion.domain.formats.detect import FORMATS
from ingestion.domain.job import NOT_ENDED, JobStatus
from tests.integration.helpers import post_json
from tests.support import ROOT, call, http_event

PAGES = ["/admin/imports/jobs", "/admin/imports/new", "/admin/imports/status/5d1f8f0e-2b7c-4c1d-9d8e"]
WEB = ROOT / "functions" / "status" / "web"


def get(path: str, *, user: str | None = None, headers: dict[str, str] | None = None) -> dict:
    event = http_event("GET", path, user=user)
    event["headers"].update(headers or {})
    return call("status", event)


def directives(policy: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in (part.strip() for part in policy.split(";")) if d}


@pytest.mark.parametrize("path", PAGES)
def test_a_page_is_served_as_html_without_a_token(path):
    page = get(path, user=None)

    assert page["statusCode"] == 200
    assert page["headers"]["Content-Type"] == "text/html; charset=utf-8"
    assert page["body"].startswith("<!doctype html>")


@pytest.mark.parametrize("path", PAGES)
def test_a_page_is_never_cached_and_never_sniffed(path):
    headers = get(path)["headers"]

    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


def test_the_content_security_policy_allows_only_our_scripts_and_the_api_plus_the_upload_bucket():
    policy = directives(get("/admin/imports/jobs")["headers"]["Content-Security-Policy"])

    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    # The presigned POST goes to the bucket's own origin, as boto3 signs it for this stack.
    self_origin, bucket_origin = policy["connect-src"]
    assert self_origin == "'self'"
    assert re.fullmatch(
        r"https://csv-import-uploads-123456789012-eu-west-2\.s3[\w.-]*\.amazonaws\.com", bucket_origin
    )


def test_a_page_holds_no_ones_data_even_for_a_signed_in_caller_looking_at_their_own_job(stack):
    created = post_json(json.dumps({"filename": "alice-secret-readings.csv", "size": 100}))["json"]
    job_id = created["job_id"]

    page = get(f"/admin/imports/status/{job_id}", user="alice")

    assert page["statusCode"] == 200
    assert job_id not in page["body"]
    assert "alice" not in page["body"]
    assert page["body"] == get("/admin/imports/status/another-id", user=None)["body"]


@pytest.mark.parametrize("path", PAGES)
def test_a_page_runs_no_inline_script_and_loads_only_files_we_serve(path):
    body = get(path)["body"]
    scripts = re.findall(r"<script\b([^>]*)>", body)
    assets = re.findall(r'(?:src|href)="(/admin/static/[^"]+)"', body)

    assert scripts and all('src="/admin/static/' in attributes for attributes in scripts)
    assert "style=" not in body and "<style" not in body
    assert len(assets) == 3  # the icon, the stylesheet and the page's module
    for asset in assets:
        assert get(asset)["statusCode"] == 200, asset


@pytest.mark.parametrize(
    ("name", "content_type"),
    [("app.js", "text/javascript; charset=utf-8"), ("app.css", "text/css; charset=utf-8")],
)
def test_a_static_file_is_served_with_its_type_and_never_sniffed(name, content_type):
    answer = get(f"/admin/static/{name}")

    assert answer["statusCode"] == 200
    assert answer["headers"]["Content-Type"] == content_type
    assert answer["headers"]["X-Content-Type-Options"] == "nosniff"
    assert answer["body"] == (WEB / name).read_text(encoding="utf-8")


def test_a_static_file_the_browser_already_has_is_answered_not_modified():
    etag = get("/admin/static/app.js")["headers"]["ETag"]

    again = get("/admin/static/app.js", headers={"if-none-match": etag})

    assert again["statusCode"] == 304
    assert again["body"] == ""
    assert get("/admin/static/app.js", headers={"if-none-match": '"stale"'})["statusCode"] == 200


@pytest.mark.parametrize("name", ["missing.js", "layout.html", "jobs.html", "..%2Fapp.py", "app.py"])
def test_only_the_static_files_are_served_by_name(name):
    answer = get(f"/admin/static/{name}")

    assert answer["statusCode"] == 404
    assert answer["json"]["error"] == "Not Found"


def test_the_api_still_needs_a_caller_while_the_pages_do_not(stack):
    assert get("/imports", user=None)["statusCode"] == 401
    assert get("/admin/imports/jobs", user=None)["statusCode"] == 200


@pytest.mark.parametrize("script", sorted(p.name for p in WEB.glob("*.js")))
def test_the_scripts_put_data_into_the_page_as_text_only(script):
    source = (WEB / script).read_text(encoding="utf-8")

    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in source, f"{script} uses {sink}"


def test_the_new_import_page_offers_every_format_the_api_accepts_and_no_other():
    body = get("/admin/imports/new")["body"]
    select = re.search(r'<select id="format".*?</select>', body, re.S)

    assert select is not None
    assert sorted(re.findall(r'<option value="([^"]*)"', select.group(0))) == sorted(FORMATS)


def test_the_pages_know_every_status_and_follow_a_job_until_it_reads_a_final_one():
    body = get("/admin/imports/jobs")["body"]
    select = re.search(r'<select id="status".*?</select>', body, re.S)
    script = (WEB / "app.js").read_text()
    labels = re.search(r"STATUS_LABELS = \{(.*?)\};", script, re.S)
    followed = re.search(r"ACTIVE_STATUSES = new Set\(\[(.*?)\]\)", script, re.S)

    assert select is not None and labels is not None and followed is not None
    assert re.findall(r'<option value="([^"]+)"', select.group(0)) == [s.value for s in JobStatus]
    assert re.findall(r"^\s*(\w+):", labels.group(1), re.M) == [s.value for s in JobStatus]
    assert sorted(re.findall(r'"(\w+)"', followed.group(1))) == sorted(s.value for s in NOT_ENDED)
