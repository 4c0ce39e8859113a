"""The web pages and their assets, read once per container. Public and the same for everyone: the
HTML holds no one's data; the pages' scripts read the token from localStorage and call the API."""

from __future__ import annotations

import hashlib
from functools import cache
from http import HTTPStatus
from pathlib import Path
from string import Template
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from aws_lambda_powertools.event_handler import Response

from ingestion.http.error_answers import error_response
from ingestion.store.objects import ObjectStore, upload_key

HERE = Path(__file__).resolve().parent
WEB = HERE / "web"
_LAYOUT = Template((WEB / "layout.html").read_text(encoding="utf-8"))
_PAGE_TITLES = {
    "jobs": "Your imports",
    "status": "Import status",
    "new": "New import",
    "settings": "Throttle settings",
}
PAGES = {
    name: _LAYOUT.substitute(
        title=title, script=f"{name}.js", main=(WEB / f"{name}.html").read_text(encoding="utf-8")
    )
    for name, title in _PAGE_TITLES.items()
}
_STATIC_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
OPENAPI_DOCUMENT = (HERE / "openapi.json").read_text(encoding="utf-8")


class StaticFile(NamedTuple):
    content_type: str
    body: str
    etag: str


def _static_file(path: Path) -> StaticFile:
    body = path.read_text(encoding="utf-8")
    etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'
    return StaticFile(_STATIC_TYPES[path.suffix], body, etag)


STATIC = {path.name: _static_file(path) for path in sorted(WEB.iterdir()) if path.suffix in _STATIC_TYPES}
_COMMON_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


@cache
def upload_origin() -> str:
    """The origin browsers POST files to, taken from a presigned POST exactly as boto3 signs it
    (the bucket's virtual host in AWS, the endpoint's origin on a local stack). Signing is local:
    no request is made."""
    url = ObjectStore().presigned_post(upload_key("origin-probe"), max_bytes=1, expires_in=60)["url"]
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@cache
def content_security_policy() -> str:
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self'",
            # The API shares the pages' origin; the file itself goes straight to the bucket.
            f"connect-src 'self' {upload_origin()}",
            "form-action 'self'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        )
    )


def page(name: str) -> Response[str]:
    headers = {
        **_COMMON_HEADERS,
        "Content-Security-Policy": content_security_policy(),
        "Cache-Control": "no-store",
        "X-Frame-Options": "DENY",
    }
    return Response(HTTPStatus.OK.value, "text/html; charset=utf-8", PAGES[name], headers)


def static_file(name: str, if_none_match: str | None) -> Response[Any]:
    if name not in STATIC:
        return error_response(HTTPStatus.NOT_FOUND, f"no static file {name!r}")
    file = STATIC[name]
    # Unversioned names: the browser keeps a copy but asks each time, and a deploy shows at once.
    headers = {**_COMMON_HEADERS, "Cache-Control": "no-cache", "ETag": file.etag}
    if if_none_match == file.etag:
        return Response(HTTPStatus.NOT_MODIFIED.value, None, "", headers)
    return Response(HTTPStatus.OK.value, file.content_type, file.body, headers)


def openapi_document() -> Response[str]:
    return Response(HTTPStatus.OK.value, "application/json", OPENAPI_DOCUMENT, {"Cache-Control": "no-cache"})
