"""A job's log of the day items it wrote, in the upload bucket beside its reports: what each write
of a batch set, and what it replaced (domain/meter_days.py LoggedDay). Deleting the job undoes its
writes from it (services/ingest/undo.py); its coverage is read from it (services/coverage.py).

One part per write, put before the write itself, under a key of its own (the time, then a random
suffix): a batch written again after a crash adds a part that finds the periods it had written
already as the job's own (`mine`), and the first part still says what they replaced. Parts sort by
when they were written, which is the order undo needs (the last write of a period says what that
period held before the job). The parts live as long as the job: no lifecycle rule expires logs/."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterable
from typing import Any

from botocore.exceptions import ClientError

from ingestion.domain.meter_days import LoggedDay, Period
from ingestion.store.objects import ObjectStore, is_missing
from ingestion.store.rights import BUCKET, BUCKET_LISTING, rights

READING_LOG_WRITES = rights(f"{BUCKET}/logs/*", "s3:PutObject")
READING_LOG_READS = rights(f"{BUCKET}/logs/*", "s3:GetObject") | BUCKET_LISTING
READING_LOG_REMOVAL = rights(f"{BUCKET}/logs/*", "s3:DeleteObject")
COVERAGE_WRITES = rights(f"{BUCKET}/coverage/*", "s3:PutObject")
COVERAGE_READS = rights(f"{BUCKET}/coverage/*", "s3:GetObject") | BUCKET_LISTING
COVERAGE_REMOVAL = rights(f"{BUCKET}/coverage/*", "s3:DeleteObject")


def _prefix(job_id: str) -> str:
    return f"logs/{job_id}/"


def coverage_key(job_id: str) -> str:
    return f"coverage/{job_id}.json"


def _asked_key(job_id: str) -> str:
    """Beside the coverage: that its build was asked for, and when (services/coverage.py)."""
    return coverage_key(job_id) + ".asked"


def _encode(entry: LoggedDay) -> dict[str, Any]:
    found: dict[str, Any] = {
        "m": entry.partition,
        "k": entry.sort_key,
        "w": {str(p): int(estimated) for p, estimated in entry.wrote.items()},
    }
    if entry.before:
        found["b"] = {str(p): [v.value, int(v.estimated), v.writer] for p, v in entry.before.items()}
    if entry.mine:
        found["o"] = sorted(entry.mine)
    return found


def _decode(data: dict[str, Any]) -> LoggedDay:
    return LoggedDay(
        partition=data["m"],
        sort_key=data["k"],
        wrote={int(p): bool(e) for p, e in data["w"].items()},
        before={int(p): Period(v, bool(e), w) for p, (v, e, w) in data.get("b", {}).items()},
        mine=frozenset(data.get("o", ())),
    )


class ReadingLog(ObjectStore):
    def write(self, job_id: str, entries: Iterable[LoggedDay]) -> None:
        body = json.dumps([_encode(e) for e in entries], separators=(",", ":")).encode()
        # (the time to the nanosecond orders a job's parts; the suffix keeps two apart regardless)
        key = f"{_prefix(job_id)}{time.time_ns():020d}-{secrets.token_hex(4)}.json"
        self._client.put_object(Bucket=self._bucket, Key=key, Body=body)

    def parts(self, job_id: str) -> list[str]:
        """The keys of the job's parts, oldest first."""
        return self.keys_under(_prefix(job_id))

    def read(self, key: str) -> list[LoggedDay]:
        body = self._client.get_object(Bucket=self._bucket, Key=key)["Body"].read()
        return [_decode(data) for data in json.loads(body)]

    def remove(self, key: str) -> None:
        self._client.delete_object(Bucket=self._bucket, Key=key)

    # ---- the coverage built from the log when the job ends (services/coverage.py) ----------------

    def save_coverage(self, job_id: str, document: dict[str, Any]) -> None:
        body = json.dumps(document, separators=(",", ":")).encode()
        self._client.put_object(
            Bucket=self._bucket, Key=coverage_key(job_id), Body=body, ContentType="application/json"
        )

    def load_coverage(self, job_id: str) -> dict[str, Any] | None:
        body = self._get(coverage_key(job_id))
        found: dict[str, Any] | None = None if body is None else json.loads(body)
        return found

    def has_coverage(self, job_id: str) -> bool:
        try:
            self._client.head_object(Bucket=self._bucket, Key=coverage_key(job_id))
        except ClientError as exc:
            if is_missing(exc):
                return False
            raise
        return True

    def remove_coverage(self, job_id: str) -> None:
        self._client.delete_object(Bucket=self._bucket, Key=coverage_key(job_id))
        self._client.delete_object(Bucket=self._bucket, Key=_asked_key(job_id))

    def note_build_asked(self, job_id: str, now: float) -> None:
        """That the coverage's build was asked of the ingest function at `now` (epoch seconds)."""
        self._client.put_object(Bucket=self._bucket, Key=_asked_key(job_id), Body=repr(now).encode())

    def build_asked_at(self, job_id: str) -> float | None:
        """When the coverage's build was last asked for (None: never)."""
        body = self._get(_asked_key(job_id))
        return None if body is None else float(body)

    def _get(self, key: str) -> bytes | None:
        """The object's bytes (None: there is none)."""
        try:
            body: bytes = self._client.get_object(Bucket=self._bucket, Key=key)["Body"].read()
        except ClientError as exc:
            if is_missing(exc):
                return None
            raise
        return body
