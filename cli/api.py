"""The HTTP API as the client sees it: one method per route, errors turned into two exceptions."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

import requests

from cli.multipart import MultipartFileBody

# (connect, read) seconds. The read timeout is per socket read, so long uploads are not cut short.
TIMEOUT = (10.0, 120.0)
DOWNLOAD_CHUNK_BYTES = 64 * 1024
USER_AGENT = "csvimport-cli/0.1"
# A preview is of a file's first MiB (the API's largest preview body: tests/cli/test_api_contract.py).
PREVIEW_BYTES = 1024 * 1024


class ApiError(Exception):
    """The API (or the upload target) answered with an error status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class ApiUnreachableError(Exception):
    """Nothing usable came back from ``url``: refused, unresolvable, timed out, cut off."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"cannot reach {url}: {reason}")
        self.url = url
        self.reason = reason


def _reason(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.ConnectTimeout):
        return "the connection timed out"
    if isinstance(exc, requests.Timeout):
        return "no answer in time"
    if isinstance(exc, requests.ConnectionError):
        text = str(exc)
        if "refused" in text.lower():
            return "connection refused"
        if "name or service not known" in text.lower() or "nodename nor servname" in text.lower():
            return "unknown host"
        return "the connection failed"
    return type(exc).__name__


def _error_message(response: requests.Response) -> str:
    """The API's JSON "message"; for S3's XML errors, its <Code> and <Message>; else the status."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return body["message"]
    text = response.text or ""
    code = re.search(r"<Code>(.*?)</Code>", text, re.S)
    message = re.search(r"<Message>(.*?)</Message>", text, re.S)
    if message:
        return f"{code.group(1)}: {message.group(1)}" if code else message.group(1)
    return f"HTTP {response.status_code} {response.reason or ''}".strip()


class ApiClient:
    """The import API at ``base_url``, called as the holder of ``token``."""

    def __init__(self, base_url: str, token: str, session: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._session = session or requests.Session()
        self._session.headers.update({"Authorization": f"Bearer {token}", "User-Agent": USER_AGENT})

    def absolute(self, url: str) -> str:
        """The API's relative links (a job's status_url) as full URLs."""
        return url if "://" in url else f"{self.base_url}/{url.lstrip('/')}"

    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        try:
            response = self._session.request(method, url, timeout=TIMEOUT, **kwargs)
        except requests.RequestException as exc:
            raise ApiUnreachableError(url.split("?")[0], _reason(exc)) from None
        if response.status_code >= 400:
            raise ApiError(response.status_code, _error_message(response))
        return response

    def _json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self._send(method, f"{self.base_url}{path}", **kwargs)
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            message = f"the API at {self.base_url} did not answer with a JSON object"
            raise ApiError(response.status_code, message)
        return body

    def create_direct_import(
        self,
        path: Path,
        *,
        format: str | None,
        throttle: str | None,
        dry_run: bool,
        mapping: dict[str, Any] | None = None,
        profile: str | None = None,
    ) -> dict[str, Any]:
        """POST /imports with the file as a text/csv body: 202 {job_id, status, status_url}. The
        mapping goes as JSON in the query string (requests URL-encodes it)."""
        params = {"filename": path.name, "dry_run": "true" if dry_run else "false"}
        params |= _reading_params(format, mapping, profile)
        if throttle:
            params["throttle"] = throttle
        with path.open("rb") as body:  # requests streams an open file with its size as Content-Length
            return self._json(
                "POST", "/imports", params=params, data=body, headers={"Content-Type": "text/csv"}
            )

    def preview(
        self,
        path: Path,
        *,
        format: str | None,
        mapping: dict[str, Any] | None = None,
        profile: str | None = None,
    ) -> dict[str, Any]:
        """POST /imports/preview with the file's first PREVIEW_BYTES as a text/csv body: what an
        import of it would do (nothing is written); 422 with what the import would fail with."""
        params = _reading_params(format, mapping, profile)
        with path.open("rb") as file:
            body = file.read(PREVIEW_BYTES)
        return self._json(
            "POST", "/imports/preview", params=params, data=body, headers={"Content-Type": "text/csv"}
        )

    def create_presigned_import(
        self,
        *,
        filename: str,
        format: str | None,
        throttle: str | None,
        dry_run: bool,
        size: int,
        mapping: dict[str, Any] | None = None,
        profile: str | None = None,
    ) -> dict[str, Any]:
        """POST /imports with JSON: 201 {job_id, status, status_url, upload: {url, fields}}."""
        request: dict[str, Any] = {"filename": filename, "dry_run": dry_run, "size": size}
        optional = {"format": format, "throttle": throttle, "mapping": mapping, "profile": profile}
        request |= {key: value for key, value in optional.items() if value}
        return self._json("POST", "/imports", json=request)

    def upload_file(self, upload: dict[str, Any], path: Path) -> None:
        """POST the file to a presigned upload target: its fields first, the file last as "file"."""
        body = MultipartFileBody(upload.get("fields") or {}, path)
        try:
            # No Authorization header: the presigned fields are the credentials, and S3 rejects both.
            self._send(
                "POST",
                upload["url"],
                data=body,
                headers={"Content-Type": body.content_type, "Authorization": None},
            )
        finally:
            body.close()

    def get_job(self, job_id: str) -> dict[str, Any]:
        return self._json("GET", f"/imports/{quote(job_id, safe='')}")

    def change_throttle(self, job_id: str, throttle: str | dict[str, int]) -> dict[str, Any]:
        """PATCH /imports/{id} {"throttle": preset | "off" | {batch_size, delay_ms}}: the job, which
        takes it from its next batch; 409 once it has ended."""
        return self._json("PATCH", f"/imports/{quote(job_id, safe='')}", json={"throttle": throttle})

    def error_report_links(self, job_id: str) -> dict[str, Any]:
        """GET /imports/{id}/errors: {failed_rows, errors_url, fix_url, expires_in} once the job has
        ended; 409 while it runs."""
        return self._json("GET", f"/imports/{quote(job_id, safe='')}/errors")

    def coverage_page(self, job_id: str, *, limit: int, cursor: str | None = None) -> dict[str, Any]:
        """GET /imports/{id}/coverage: {job_id, ready, summary, meters, next_cursor}, a page of
        ``limit`` meters; ready false (no meters) while the job runs, 409 for a dry run or sites."""
        params: dict[str, str | int] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        return self._json("GET", f"/imports/{quote(job_id, safe='')}/coverage", params=params)

    def download(self, url: str, out: BinaryIO) -> int:
        """Stream a presigned link's body into ``out``; returns the bytes written."""
        # No Authorization header: the link's query string is the credential, and S3 rejects both.
        response = self._send("GET", url, stream=True, headers={"Authorization": None})
        written = 0
        with response:
            try:
                for chunk in response.iter_content(DOWNLOAD_CHUNK_BYTES):
                    out.write(chunk)
                    written += len(chunk)
            except requests.RequestException as exc:  # cut off part way through the body
                raise ApiUnreachableError(url.split("?")[0], _reason(exc)) from None
        return written

    def list_jobs(self, *, status: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        """The caller's jobs, newest first, following "next" until ``limit`` jobs are in hand."""
        jobs: list[dict[str, Any]] = []
        token: str | None = None
        seen: set[str] = set()
        while len(jobs) < limit:
            params: dict[str, str | int] = {"limit": min(limit - len(jobs), 100)}
            if status:
                params["status"] = status
            if token:
                params["next"] = token
            page = self._json("GET", "/imports", params=params)
            jobs.extend(page.get("items") or [])
            token = page.get("next")
            if not token or token in seen:
                break
            seen.add(token)
        return jobs[:limit]

    def readings_page(
        self, meter: str, *, first: str, last: str, channel: str, limit: int, next_token: str | None
    ) -> dict[str, Any]:
        """GET /readings: {meter, channel, items, next}, a page of the meter's readings in time order."""
        params: dict[str, str | int] = {
            "meter": meter,
            "from": first,
            "to": last,
            "channel": channel,
            "limit": limit,
        }
        if next_token:
            params["next"] = next_token
        return self._json("GET", "/readings", params=params)

    def readings_csv(self, meter: str, *, first: str, last: str, channel: str) -> str:
        """GET /readings with Accept: text/csv: every reading of the range as CSV text."""
        params = {"meter": meter, "from": first, "to": last, "channel": channel}
        response = self._send(
            "GET", f"{self.base_url}/readings", params=params, headers={"Accept": "text/csv"}
        )
        return response.content.decode("utf-8")

    # ---- profiles: saved column mappings, the caller's own ----

    def list_profiles(self) -> list[dict[str, Any]]:
        """GET /profiles: the caller's profiles, by name."""
        return list(self._json("GET", "/profiles").get("items") or [])

    def get_profile(self, name: str) -> dict[str, Any]:
        return self._json("GET", f"/profiles/{quote(name, safe='')}")

    def save_profile(
        self, name: str, mapping: dict[str, Any], format: str | None = None
    ) -> tuple[dict[str, Any], bool]:
        """PUT /profiles/{name}, the whole profile: it as saved, and whether it is new (201)."""
        request: dict[str, Any] = {"mapping": mapping} | ({"format": format} if format else {})
        url = f"{self.base_url}/profiles/{quote(name, safe='')}"
        response = self._send("PUT", url, json=request)
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ApiError(
                response.status_code, f"the API at {self.base_url} did not answer with a JSON object"
            )
        return body, response.status_code == 201

    def delete_profile(self, name: str) -> None:
        self._send("DELETE", f"{self.base_url}/profiles/{quote(name, safe='')}")


def _reading_params(
    format: str | None, mapping: dict[str, Any] | None, profile: str | None
) -> dict[str, str]:
    """How to read a file, as the direct upload and the preview take it in the query string (the
    mapping as compact JSON, which requests URL-encodes); what is not given is left out."""
    params: dict[str, str] = {}
    if format:
        params["format"] = format
    if mapping:
        params["mapping"] = json.dumps(mapping, separators=(",", ":"))
    if profile:
        params["profile"] = profile
    return params
