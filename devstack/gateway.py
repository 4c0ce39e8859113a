"""The HTTP API, locally: routes from the template's HttpApi events, payload format 2.0 events,
and the JWT authorizer's claims for `Authorization: Bearer dev:<user>` (`dev:admin` is a member of the
stack's AdminGroup). Claims are text, as the real authorizer passes them on: numbers as strings, an
array flattened to "[a b]". A `dev:` token is no JWT, so the functions read the flattened claim."""

from __future__ import annotations

import base64
import json
import logging
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from devstack.lambdas import FunctionError, FunctionTimeout
from devstack.template import Route

log = logging.getLogger("devstack")
MAX_BODY = 10 * 1024 * 1024  # the HTTP API's payload limit
TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript")
ADMIN_USER = "admin"


def claims_for(
    authorization: str | None, issuer: str, audience: str, admin_group: str = "admin"
) -> dict[str, str] | None:
    """What the JWT authorizer would pass on for a valid token; None for no or a bad token."""
    if not authorization or not authorization.startswith("Bearer dev:"):
        return None
    user = authorization.removeprefix("Bearer dev:").strip()
    if not user or len(user) > 128 or not user.replace("-", "").replace("_", "").replace(".", "").isalnum():
        return None
    now = int(time.time())
    claims = {
        "sub": user,
        "username": user,
        "iss": issuer,
        "aud": audience,
        "iat": str(now),
        "exp": str(now + 3600),
        "token_use": "access",
    }
    if user == ADMIN_USER:
        claims["cognito:groups"] = f"[{admin_group}]"
    return claims


def build_event(
    route: Route,
    method: str,
    target: str,
    headers: dict[str, str],
    body: bytes,
    path_parameters: dict[str, str],
    claims: dict[str, str] | None,
) -> dict[str, Any]:
    parts = urlsplit(target)
    query: dict[str, str] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        query[key] = f"{query[key]},{value}" if key in query else value
    content_type = headers.get("content-type", "")
    is_text = content_type.startswith(TEXT_TYPES)
    if is_text:
        try:
            text_body: str | None = body.decode("utf-8")
        except UnicodeDecodeError:
            is_text = False
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": f"{route.method} {route.path}",
        "rawPath": parts.path,
        "rawQueryString": parts.query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": headers.get("host", "127.0.0.1"),
            "domainPrefix": "local",
            "http": {
                "method": method,
                "path": parts.path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": uuid.uuid4().hex,
            "routeKey": f"{route.method} {route.path}",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": False,
    }
    if query:
        event["queryStringParameters"] = query
    if path_parameters:
        event["pathParameters"] = path_parameters
    if "cookie" in headers:
        event["cookies"] = [c.strip() for c in headers["cookie"].split(";")]
    if claims is not None:
        event["requestContext"]["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    if body:
        if is_text:
            event["body"] = text_body
        else:
            event["body"] = base64.b64encode(body).decode()
            event["isBase64Encoded"] = True
    return event


class Gateway(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        routes: list[Route],
        invoke: Callable[[str, dict[str, Any]], Any],
        issuer: str,
        audience: str,
        admin_group: str = "admin",
    ) -> None:
        super().__init__(address, _Handler)
        self.admin_group = admin_group
        self.routes = routes
        self.invoke = invoke
        self.issuer = issuer
        self.audience = audience


class _Handler(BaseHTTPRequestHandler):
    server: Gateway
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("http %s", format % args)

    def _answer(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        # JSON unless the function says otherwise; an empty body (a 204, a 304) goes without a type.
        headers = ({"content-type": "application/json"} if body else {}) | (headers or {})
        headers["content-length"] = str(len(body))
        headers.setdefault("access-control-allow-origin", "*")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _message(self, status: int, message: str) -> None:
        self._answer(status, json.dumps({"message": message}).encode())

    def _dispatch(self) -> None:
        method = self.command
        path = urlsplit(self.path).path
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_BODY:
            self._message(413, "Request Entity Too Large")
            return
        body = self.rfile.read(length) if length else b""
        if method == "OPTIONS":  # CORS preflight, answered by API Gateway itself
            self._answer(
                204,
                b"",
                {
                    "access-control-allow-methods": "GET,POST,PUT,PATCH,DELETE,OPTIONS",
                    "access-control-allow-headers": "authorization,content-type",
                    "access-control-max-age": "600",
                },
            )
            return
        for route in self.server.routes:
            params = route.match(method, path)
            if params is not None:
                break
        else:
            self._message(404, "Not Found")
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        claims = claims_for(
            headers.get("authorization"), self.server.issuer, self.server.audience, self.server.admin_group
        )
        if route.authorized and claims is None:
            self._message(401, "Unauthorized")
            return
        event = build_event(
            route, method, self.path, headers, body, params, claims if route.authorized else None
        )
        try:
            result = self.server.invoke(route.function, event)
        except FunctionTimeout:
            self._message(503, "Service Unavailable")
            return
        except FunctionError:
            self._message(500, "Internal Server Error")
            return
        self._respond(result)

    def _respond(self, result: Any) -> None:
        if not isinstance(result, dict) or "statusCode" not in result:
            self._answer(200, json.dumps(result).encode())  # payload 2.0 infers a JSON 200
            return
        raw = result.get("body") or ""
        body = base64.b64decode(raw) if result.get("isBase64Encoded") else raw.encode("utf-8")
        headers = {k.lower(): str(v) for k, v in (result.get("headers") or {}).items()}
        for name, values in (result.get("multiValueHeaders") or {}).items():
            headers[name.lower()] = ",".join(str(v) for v in values)
        self._answer(int(result["statusCode"]), body, headers)

    def __getattr__(self, name: str) -> Any:
        # Every method reaches the routes, as at API Gateway: an undeclared one is answered 404.
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)
