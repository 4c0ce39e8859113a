"""Per-job files beside the upload: the error report, the "fix and re-import" file, and the
state a shard carries from one segment to the next.

Each batch that has failed rows writes one part, keyed by where the batch starts in the file, so a
batch done twice writes the same part twice (same key, same content): exactly once, as the
counters are. The report is the parts in file order, assembled when the job ends."""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Iterable, Sequence
from typing import IO

from botocore.exceptions import ClientError

from ingestion.domain.rowcheck import Problem
from ingestion.store.objects import ObjectStore, is_missing
from ingestion.store.rights import BUCKET, BUCKET_LISTING, rights

# The IAM actions ReportStore calls (store/rights.py): write and read parts, state and the two
# files, list a job's parts (and learn that a file is missing: BUCKET_LISTING), sign download
# links (GetObject); remove them all with the job.
REPORTS = rights(f"{BUCKET}/reports/*", "s3:PutObject", "s3:GetObject") | BUCKET_LISTING
REPORT_REMOVAL = rights(f"{BUCKET}/reports/*", "s3:DeleteObject")  # delete_all
REPORT_COLUMNS = ("line", "column", "column_name", "message")
# A cell starting with one of these is a formula to a spreadsheet (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_SPOOL_BYTES = 8 * 1024 * 1024
REPORT_DAYS = 30  # the bucket's lifecycle rule for reports/ (template.yaml)


def escape_cell(text: str) -> str:
    """A cell made safe to open in a spreadsheet: a leading formula character gets a ' before it."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def escape_for_reimport(text: str) -> str:
    """As escape_cell, except that plain numbers (-1.5, +3) stay as they are: the fix file is
    meant to be imported again, and a negative reading is data, not a formula."""
    return text if _PLAIN_NUMBER.fullmatch(text.strip()) else escape_cell(text)


def _prefix(job_id: str) -> str:
    return f"reports/{job_id}/"


def part_key(job_id: str, shard: int, offset: int) -> str:
    return f"{_prefix(job_id)}parts/{shard:04d}-{offset:016d}.csv"


def errors_key(job_id: str) -> str:
    return f"{_prefix(job_id)}errors.csv"


def fix_key(job_id: str) -> str:
    return f"{_prefix(job_id)}fix.csv"


def state_key(job_id: str, shard: int) -> str:
    return f"{_prefix(job_id)}state/{shard:04d}.bin"


def write_report(
    parts: Iterable[Iterable[list[str]]], header: Sequence[str], errors: IO[str], fix: IO[str]
) -> int:
    """The two downloads from the parts' rows (line, column, column_name, message, *cells): the
    error report (every failed row, escaped) and the fix file (the failed rows that have cells, in
    the file's own columns). Returns the number of failed rows. Both files carry the header
    escaped alike: a column name is a cell like any other to a spreadsheet, and an escaped name
    still finds its column when the fix file is imported (names are matched on letters and digits)."""
    columns = [escape_cell(name) for name in header]
    report = csv.writer(errors)
    report.writerow([*REPORT_COLUMNS, *columns])
    fixes = csv.writer(fix)
    fixes.writerow(columns)
    count = 0
    for part in parts:
        for line, column, column_name, message, *cells in part:
            count += 1
            report.writerow(
                [line, column, escape_cell(column_name), escape_cell(message), *map(escape_cell, cells)]
            )
            if cells:
                fixes.writerow([escape_for_reimport(cell) for cell in cells])
    return count


class ReportStore(ObjectStore):
    """The upload bucket's reports/ prefix."""

    def write_part(self, job_id: str, shard: int, offset: int, problems: Sequence[Problem]) -> None:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for p in problems:
            writer.writerow([p.line, p.column or "", p.column_name or "", p.message, *p.cells])
        self._client.put_object(
            Bucket=self._bucket, Key=part_key(job_id, shard, offset), Body=buffer.getvalue().encode()
        )

    def _rows(self, key: str) -> Iterable[list[str]]:
        body = self._client.get_object(Bucket=self._bucket, Key=key)["Body"]
        text = io.TextIOWrapper(body, encoding="utf-8", newline="")
        yield from csv.reader(text)

    def assemble(self, job_id: str, header: Sequence[str]) -> int:
        """Write the error report and the fix file from the parts (repeatable: same parts, same files).
        Spooled to disk past 8 MB, so a large report never has to fit in memory."""
        parts = (self._rows(key) for key in self.keys_under(f"{_prefix(job_id)}parts/"))
        with (
            tempfile.SpooledTemporaryFile(_SPOOL_BYTES) as errors_file,
            tempfile.SpooledTemporaryFile(_SPOOL_BYTES) as fix_file,
        ):
            # UTF-8 with a BOM: spreadsheets then read the text as UTF-8; the importer skips the BOM.
            errors = io.TextIOWrapper(errors_file, encoding="utf-8-sig", newline="")
            fix = io.TextIOWrapper(fix_file, encoding="utf-8-sig", newline="")
            count = write_report(parts, header, errors, fix)
            for stream, key in ((errors, errors_key(job_id)), (fix, fix_key(job_id))):
                stream.flush()
                raw = stream.detach()  # the wrapper would close the file when it goes
                raw.seek(0)
                self._client.upload_fileobj(
                    raw, self._bucket, key, ExtraArgs={"ContentType": "text/csv; charset=utf-8"}
                )
        return count

    def has_parts(self, job_id: str) -> bool:
        response = self._client.list_objects_v2(
            Bucket=self._bucket, Prefix=f"{_prefix(job_id)}parts/", MaxKeys=1
        )
        return bool(response.get("KeyCount"))

    def ready(self, job_id: str) -> bool:
        return self.size(fix_key(job_id)) is not None

    def download_links(self, job_id: str, filename: str, expires_in: int) -> dict[str, str]:
        """Short-lived links that download (not display) the two files."""
        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", filename.rsplit(".", 1)[0])[:80] or "import"
        links = {}
        for name, key, suffix in (
            ("errors_url", errors_key(job_id), "errors"),
            ("fix_url", fix_key(job_id), "fix"),
        ):
            links[name] = self._client.generate_presigned_url(
                "get_object",
                Params={
                    "Bucket": self._bucket,
                    "Key": key,
                    "ResponseContentDisposition": f'attachment; filename="{stem}-{suffix}.csv"',
                    "ResponseContentType": "text/csv; charset=utf-8",
                },
                ExpiresIn=expires_in,
            )
        return links

    def save_state(self, job_id: str, shard: int, offset: int, line: int, data: bytes) -> None:
        self._client.put_object(
            Bucket=self._bucket,
            Key=state_key(job_id, shard),
            Body=data,
            Metadata={"offset": str(offset), "line": str(line)},
        )

    def load_state(self, job_id: str, shard: int) -> tuple[int, int, bytes] | None:
        """(the cursor offset and line the state was saved at, the state) or None."""
        try:
            response = self._client.get_object(Bucket=self._bucket, Key=state_key(job_id, shard))
        except ClientError as exc:
            if is_missing(exc):
                return None
            raise
        metadata = response["Metadata"]
        if "line" not in metadata:
            return None  # saved by an earlier version: rebuilt from the shard's start instead
        return int(metadata["offset"]), int(metadata["line"]), response["Body"].read()

    def delete_all(self, job_id: str) -> None:
        keys = self.keys_under(_prefix(job_id))
        for i in range(0, len(keys), 1000):
            self._client.delete_objects(
                Bucket=self._bucket,
                Delete={"Objects": [{"Key": key} for key in keys[i : i + 1000]], "Quiet": True},
            )
