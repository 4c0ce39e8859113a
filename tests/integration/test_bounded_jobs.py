"""Whatever the file, the job item stays small: the worst files import or fail cleanly, at once,
and the item (sized as DynamoDB sizes it) stays under JOB_ITEM_BOUND_BYTES (docs/design.md)."""

from __future__ import annotations

from datetime import date, timedelta

import boto3
import pytest

from bench.cost import item_size, write_units
from ingestion.domain.formats.headers import MAX_COLUMN_NAME_CHARS, MAX_HEADER_BYTES, MAX_HEADER_COLUMNS
from ingestion.store.jobs import JobRepository
from tests.integration.helpers import get_job, post_csv, post_json, s3_created
from tests.support import QueueDriver, handler_module, hh_long_csv

# What docs/design.md promises a job item never exceeds (one shard; each further shard adds its
# cursor and a minute of progress samples, at most about 1.1 KB).
JOB_ITEM_BOUND_BYTES = 22 * 1024


def job_item_bytes(stack, job_id: str) -> int:
    """The job item's size as DynamoDB bills it: its attribute names plus their values."""
    raw = boto3.client("dynamodb").get_item(TableName=stack.jobs_table, Key={"job_id": {"S": job_id}})
    size = item_size(raw["Item"])
    print(f"job item: {size:,} bytes")  # (the worst case, reported: pytest -s)
    return size


def import_file(stack, body: bytes, **options: str) -> tuple[dict, QueueDriver]:
    """The presigned way (no 5 MB limit of a direct upload): create, put the file, run the queue."""
    import json

    created = post_json(json.dumps({"filename": "worst.csv", **options}))
    job_id = created["json"]["job_id"]
    boto3.client("s3").put_object(Bucket=stack.bucket, Key=f"uploads/{job_id}.csv", Body=body)
    s3_created(stack, f"uploads/{job_id}.csv")
    driver = QueueDriver(stack.queue_url)
    driver.drain()
    return get_job(job_id)["json"], driver


def test_a_header_of_100000_columns_fails_at_once_saying_how_many_are_read(stack):
    # a usable layout, then columns it does not read: 600 KB, within a line's limit
    header = "MPAN,ReadDateTime,ReadValue," + ",".join(f"c{i}" for i in range(100_000 - 3))
    job, driver = import_file(stack, f"{header}\r\n1900000000001,2025-11-01 00:00,1\r\n".encode())

    assert job["status"] == "failed"
    assert driver.invocations == 1  # on its first segment, not after every delivery
    assert job["error_message"].startswith(
        f"The header row has 100,000 columns; at most {MAX_HEADER_COLUMNS:,} are read."
    )
    assert "delimiter" in job["error_message"]
    assert (job["processed_rows"], job["status"]) == (0, "failed")
    assert job_item_bytes(stack, job["job_id"]) < JOB_ITEM_BOUND_BYTES


def test_column_names_of_120_kb_fail_at_once_naming_the_column_and_the_limit(stack):
    long_name = "x" * 120_000
    header = f"MPAN,ReadDateTime,ReadValue,{long_name},{long_name},{long_name},{long_name}"
    job, driver = import_file(stack, f"{header}\n1900000000001,2025-11-01 00:00,1,a,b,c,d\n".encode())

    assert job["status"] == "failed"
    assert driver.invocations == 1
    message = job["error_message"]
    assert f"Column 4 has a name of 120,000 characters; at most {MAX_COLUMN_NAME_CHARS} are read." in message
    assert len(message) < 1000
    assert job_item_bytes(stack, job["job_id"]) < JOB_ITEM_BOUND_BYTES


def test_a_header_longer_than_the_total_fails_at_once(stack):
    names = [f"{'Column ' * 12}{i}" for i in range(MAX_HEADER_COLUMNS - 3)]  # each under the name limit
    header = ",".join(["MPAN", "Date", "Reading", *names])
    assert len(header) > MAX_HEADER_BYTES
    job, driver = import_file(stack, f"{header}\n1,2025-11-01,1\n".encode(), format="daily")

    assert job["status"] == "failed"
    assert driver.invocations == 1
    assert f"at most {MAX_HEADER_BYTES:,} are read" in job["error_message"]
    assert job_item_bytes(stack, job["job_id"]) < JOB_ITEM_BOUND_BYTES


def test_every_cell_of_100_kb_fails_each_row_cleanly_with_the_cells_cut_short(stack):
    cell = "9" * 100_000
    rows = [f"1900000000001,2025-11-01 {h:02d}:00,{cell},{cell}" for h in range(12)]
    job, _ = import_file(stack, "\n".join(["MPAN,ReadDateTime,ReadValue,Unit", *rows, ""]).encode())

    assert job["status"] == "completed"
    assert (job["processed_rows"], job["failed_rows"]) == (12, 12)
    assert all(len(e) <= 300 for e in job["errors"])
    assert "... (100,000 characters)" in job["errors"][0]
    assert job_item_bytes(stack, job["job_id"]) < JOB_ITEM_BOUND_BYTES


def test_the_widest_header_allowed_with_many_long_errors_and_warnings_stays_under_the_bound(stack):
    """The worst file the limits let through: the most columns, each named as long as allowed
    (within the total), and more failed and warned rows than the job keeps, each quoting long cells."""
    width = MAX_HEADER_COLUMNS
    periods = [f"HH{p:02d}" for p in range(1, 49)]
    room = (MAX_HEADER_BYTES - len("".join(["MPAN", "Date", *periods]))) // (width - 50)  # bytes a name
    extra = [f"{i:03d}{'é' * ((room - 3) // 2)}" for i in range(width - 50)]  # é: 2 bytes in UTF-8
    header = ",".join(["MPAN", "Date", *periods, *extra])
    assert len(header.encode()) - (width - 1) <= MAX_HEADER_BYTES and header.count(",") + 1 == width
    long = "€" * 100_000
    days = [(date(2025, 11, 1) + timedelta(days=n)).isoformat() for n in range(60)]
    lines = [header]
    for day in days:  # a bad value quoting a long cell: an error each
        lines.append(",".join(["1900000000001", day, *(["1"] * 47), long, *([""] * (width - 50))]))
    for day in days:  # negative values: a warning for each half hour
        lines.append(",".join(["1900000000002", day, *(["-1"] * 48), *([long[:60]] * (width - 50))]))
    job, _ = import_file(stack, "\n".join([*lines, ""]).encode(), format="hh")

    assert job["status"] == "completed", job.get("error_message")
    assert job["failed_rows"] == 60 and 0 < len(job["errors"]) < 60
    assert 0 < len(job["warnings"]) <= 50
    assert job_item_bytes(stack, job["job_id"]) < JOB_ITEM_BOUND_BYTES


@pytest.mark.parametrize("rows", [120])
def test_more_errors_than_the_job_keeps_each_quoting_a_long_cell_stays_under_the_bound(stack, rows):
    long = "x" * 100_000
    body = "\n".join(
        [
            "MPAN,ReadDateTime,ReadValue,Unit",
            *(f"{long},2025-11-01 00:00,{long},{long}" for _ in range(rows)),
            "",
        ]
    )
    job, _ = import_file(stack, body.encode())

    assert job["status"] == "completed"
    assert (job["failed_rows"], len(job["errors"])) == (rows, 50)
    assert job_item_bytes(stack, job["job_id"]) < JOB_ITEM_BOUND_BYTES


def test_a_direct_upload_of_a_header_too_wide_fails_the_same_way(stack):
    header = ",".join(["MPAN", "Date", "Reading", *(f"c{i}" for i in range(MAX_HEADER_COLUMNS - 2))])
    created = post_csv(f"{header}\n1900000000001,2025-11-01,1\n".encode())
    QueueDriver(stack.queue_url).drain()

    job = get_job(created["json"]["job_id"])["json"]
    assert job["status"] == "failed"
    assert f"has {MAX_HEADER_COLUMNS + 1:,} columns" in job["error_message"]


# ---- what one commit costs ----------------------------------------------------------------------


def index_entry(item: dict, index: dict) -> dict | None:
    """What a GSI holds of an item (None: the item lacks the index's keys, so it is not in it)."""
    keys = [k["AttributeName"] for k in index["KeySchema"]]
    if any(k not in item for k in keys):
        return None
    projection = index["Projection"]
    if projection["ProjectionType"] == "ALL":
        return item
    names = {"job_id", *keys, *projection.get("NonKeyAttributes", [])}
    return {name: value for name, value in item.items() if name in names}


def commit_write_units(before: dict, after: dict, indexes: list[dict]) -> int:
    """Write units of one UpdateItem, as on-demand DynamoDB bills it: the item's larger size, per
    KB; each index whose entry changed, by its entry's size (twice when its key changed: a delete
    and a put); an index whose entry is the same as before costs nothing."""
    units = write_units(max(item_size(before), item_size(after)))
    for index in indexes:
        old, new = index_entry(before, index), index_entry(after, index)
        if old == new:
            continue
        keys = [k["AttributeName"] for k in index["KeySchema"]]
        if old is None or new is None:
            units += write_units(item_size(old or new or {}))
        elif any(old[k] != new[k] for k in keys):
            units += write_units(item_size(old)) + write_units(item_size(new))
        else:
            units += write_units(max(item_size(old), item_size(new)))
    return units


class MeteredJobs(JobRepository):
    """The jobs store, noting what each batch's commit cost."""

    def __init__(self, table: str) -> None:
        self.table = table
        self.dynamodb = boto3.client("dynamodb")
        self.indexes = self.dynamodb.describe_table(TableName=table)["Table"]["GlobalSecondaryIndexes"]
        self.costs: list[int] = []
        self.sizes: list[tuple[int, ...]] = []

    def _raw(self, job_id: str) -> dict:
        return self.dynamodb.get_item(
            TableName=self.table, Key={"job_id": {"S": job_id}}, ConsistentRead=True
        )["Item"]

    def commit_batch(self, job_id, commit):
        before = self._raw(job_id)
        job = super().commit_batch(job_id, commit)
        after = self._raw(job_id)
        self.costs.append(commit_write_units(before, after, self.indexes))
        entries = [index_entry(after, index) for index in self.indexes]
        self.sizes.append((item_size(after), *(item_size(e or {}) for e in entries)))
        return job


class TickingClock:
    """A clock that moves 10 ms a reading: the job's progress samples (one per 2 s kept for a
    minute) are those of a quick import whatever the machine's load (the item's size depends on
    how many it holds)."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:  # (a multiple of 15 s)
        self.now = start

    def __call__(self) -> float:
        self.now += 0.01
        return self.now


@pytest.fixture
def metered(stack, monkeypatch) -> MeteredJobs:
    jobs = MeteredJobs(stack.jobs_table)
    services = handler_module("ingest").services
    monkeypatch.setattr(services, "jobs", jobs)
    monkeypatch.setattr(services, "clock", TickingClock())
    return jobs


def test_a_commit_of_a_clean_import_costs_a_few_write_units(stack, metered):
    job, _ = import_file(stack, hh_long_csv(500), throttle={"batch_size": 25, "delay_ms": 0})

    assert job["status"] == "completed" and len(metered.costs) == 20
    print(f"commit: {max(metered.costs)} WRU; item, index entries: {max(metered.sizes)} bytes")
    # The item alone (under 1 KB): the import takes well under 15 s, so the status index's entry
    # (status, seen_at) stays as it was, and the owner index's (keys and status) too. The last
    # commit changes the status both hold: the owner index's entry, and a delete and a put in the
    # status index.
    assert metered.costs[:-1] == [1] * 19 and metered.costs[-1] == 1 + 1 + 2
    assert index_writes(metered) == 0


def test_a_commit_moves_a_running_jobs_entry_in_the_status_index_only_when_its_15_seconds_pass(
    stack, metered, monkeypatch
):
    # The same import, with a multiple of 15 s (seen_at's step) falling amid its commits.
    monkeypatch.setattr(handler_module("ingest").services, "clock", TickingClock(1_800_000_000.0 - 0.1))
    job, _ = import_file(stack, hh_long_csv(500), throttle={"batch_size": 25, "delay_ms": 0})

    assert job["status"] == "completed" and len(metered.costs) == 20
    assert sorted(metered.costs[:-1]) == [1] * 18 + [3]  # one commit moved it: a delete and a put
    assert index_writes(metered) == 2


def index_writes(metered: MeteredJobs) -> int:
    """The most write units a commit spent on the indexes, beyond its item (the last commit, which
    completes the job, aside: it changes the status both indexes hold)."""
    return max(
        cost - write_units(item)
        for cost, (item, *_) in zip(metered.costs[:-1], metered.sizes[:-1], strict=True)
    )


def test_a_commit_of_the_worst_file_costs_what_its_item_does_and_little_more(stack, metered):
    long = "x" * 100_000
    rows = (f"1900000000001,2025-11-01 00:00,{long}" for _ in range(120))
    body = "\n".join(["MPAN,ReadDateTime,ReadValue", *rows, ""]).encode()
    job, _ = import_file(stack, body, throttle={"batch_size": 25, "delay_ms": 0})

    assert job["status"] == "completed" and len(metered.costs) == 5
    print(f"commit: {max(metered.costs)} WRU; item, index entries: {max(metered.sizes)} bytes")
    assert index_writes(metered) == 0
    assert max(metered.costs) <= write_units(JOB_ITEM_BOUND_BYTES) + 3
