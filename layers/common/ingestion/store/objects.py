"""The upload bucket: presigned uploads, direct writes, ranged streaming reads."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from ingestion.domain.errors import ObjectMissingError, ObjectReplacedError
from ingestion.settings import get_settings
from ingestion.store.clients import client
from ingestion.store.rights import BUCKET, rights

# The IAM actions ObjectStore calls on uploaded files (store/rights.py), by use. A presigned POST
# is signed with the signer's own right to PutObject: S3 checks it when the browser posts.
UPLOAD_WRITES = rights(f"{BUCKET}/uploads/*", "s3:PutObject")  # put, presigned_post
UPLOAD_READS = rights(f"{BUCKET}/uploads/*", "s3:GetObject")  # read_from, size (HEAD)
UPLOAD_REMOVAL = rights(f"{BUCKET}/uploads/*", "s3:DeleteObject")  # delete
CHUNK_BYTES = 1 << 20
_MISSING = {"NoSuchKey", "404", "NotFound"}
_NOT_THE_SAME = {"PreconditionFailed", "412"}


def is_missing(exc: ClientError) -> bool:
    """The object (or bucket key) is not there."""
    return exc.response.get("Error", {}).get("Code") in _MISSING


def bare_etag(etag: str) -> str:
    """An ETag as S3 events carry it (head and put answers quote it): one form to store and compare."""
    return etag.strip('"')


@dataclass(frozen=True)
class StoredObject:
    size: int
    etag: str  # bare (bare_etag)


def upload_key(job_id: str) -> str:
    """The server chooses every key: from the job id, never from the caller's filename."""
    return f"uploads/{job_id}.csv"


def job_id_from_key(key: str) -> str | None:
    if key.startswith("uploads/") and key.endswith(".csv"):
        return key[len("uploads/") : -len(".csv")] or None
    return None


class ObjectStore:
    def __init__(self, *, bucket: str | None = None, s3: Any = None) -> None:
        self._bucket = bucket or get_settings().upload_bucket
        self._s3 = s3

    @property
    def _client(self) -> Any:
        return self._s3 or client("s3")

    def presigned_post(self, key: str, *, max_bytes: int, expires_in: int) -> dict[str, Any]:
        """A SigV4 presigned POST whose policy caps the size at max_bytes (S3 enforces
        content-length-range; moto does not)."""
        post = self._client.generate_presigned_post(
            Bucket=self._bucket,
            Key=key,
            Fields={"Content-Type": "text/csv"},
            Conditions=[["content-length-range", 1, max_bytes], {"Content-Type": "text/csv"}],
            ExpiresIn=expires_in,
        )
        return {"url": post["url"], "fields": post["fields"]}

    def put(self, key: str, body: bytes) -> str:
        """Store the body; its ETag (bare)."""
        response = self._client.put_object(Bucket=self._bucket, Key=key, Body=body, ContentType="text/csv")
        return bare_etag(response["ETag"])

    def keys_under(self, prefix: str) -> list[str]:
        """The keys of the objects under a prefix, in order."""
        keys: list[str] = []
        for page in self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self._bucket, Prefix=prefix
        ):
            keys += [item["Key"] for item in page.get("Contents", [])]
        return sorted(keys)

    def delete(self, key: str) -> None:
        self._client.delete_object(Bucket=self._bucket, Key=key)  # no error if it is already gone

    def stat(self, key: str) -> StoredObject | None:
        """The object's size and ETag (None: there is none)."""
        try:
            head = self._client.head_object(Bucket=self._bucket, Key=key)
        except ClientError as exc:
            if is_missing(exc):
                return None
            raise
        return StoredObject(int(head["ContentLength"]), bare_etag(head["ETag"]))

    def size(self, key: str) -> int | None:
        found = self.stat(key)
        return None if found is None else found.size

    def read_from(self, key: str, start: int, *, etag: str | None) -> Iterator[bytes]:
        """Stream the object from a byte offset (S3 Range GET); the caller stops when it wants.
        With an ETag, only that object (If-Match): ObjectReplacedError when another has replaced it.
        (None only for jobs stored before their files were pinned.)"""
        extra = {"IfMatch": f'"{etag}"'} if etag is not None else {}
        try:
            response = self._client.get_object(Bucket=self._bucket, Key=key, Range=f"bytes={start}-", **extra)
        except ClientError as exc:
            if is_missing(exc):
                raise ObjectMissingError(key) from None
            if exc.response.get("Error", {}).get("Code") in _NOT_THE_SAME:
                raise ObjectReplacedError(key) from None
            raise
        body = response["Body"]
        try:
            yield from body.iter_chunks(CHUNK_BYTES)
        finally:
            body.close()
