"""The PynamoDB model of the jobs table. Nothing outside store/ sees these classes.

Each model has an attribute for each field of its domain type, by name (JobModel: Job,
ShardCursor: Shard, ThrottleAttribute: Throttle, SampleAttribute: Sample); store/mapping.py converts
between them from the domain type's fields, and tests/unit/test_store_mapping.py checks that the
two agree. The model keeps what the domain type cannot say: attribute kinds, defaults, the key and
the indexes."""

from __future__ import annotations

from pynamodb.attributes import (
    Attribute,
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.constants import STRING
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection
from pynamodb.models import Model

from ingestion.domain.formats.mapping import RESOLVED_DEFAULTS, Mapping
from ingestion.settings import get_settings


class MappingAttribute(Attribute[Mapping]):
    """A column mapping, stored as its JSON (keys the user left out are not stored)."""

    attr_type = STRING

    def serialize(self, value: Mapping) -> str:
        return value.model_dump_json(exclude_none=True, exclude_defaults=True)

    def deserialize(self, value: str) -> Mapping:
        return Mapping.model_validate_json(value)


class ResolvedMappingAttribute(MappingAttribute):
    """A resolved mapping (every key known), stored without the keys that hold the usual value
    (RESOLVED_DEFAULTS): the job item is read and written on every commit, and a commit of a
    clean job stays within its one write unit."""

    def serialize(self, value: Mapping) -> str:
        usual = {key for key, default in RESOLVED_DEFAULTS.items() if getattr(value, key) == default}
        return value.model_dump_json(exclude_none=True, exclude_defaults=True, exclude=usual)

    def deserialize(self, value: str) -> Mapping:
        stored = Mapping.model_validate_json(value)
        return stored.model_copy(
            update={k: v for k, v in RESOLVED_DEFAULTS.items() if k not in stored.model_fields_set}
        )


class SampleAttribute(MapAttribute):
    at = NumberAttribute()
    rows = NumberAttribute()
    bytes = NumberAttribute()


class SummaryRowAttribute(MapAttribute):
    line = NumberAttribute()
    label = UnicodeAttribute()


class ShardCursor(MapAttribute):
    """Where one byte range of the file has got to, and who is working on it. A large file is
    split into byte ranges that run in parallel, each with its own cursor, lease and samples."""

    start = NumberAttribute()  # first byte of the range (a row boundary)
    end = NumberAttribute(null=True)  # a row that starts at or after this belongs to the next shard
    offset = NumberAttribute()  # next byte to read: always a row boundary
    line = NumberAttribute()  # the file line number at `offset`
    first_line = NumberAttribute(default=1)  # the file line number at `start`
    segment = NumberAttribute(default=0)  # the latest segment (invocation) that started on this shard
    done = BooleanAttribute(default=False)
    holder = UnicodeAttribute(null=True)  # the invocation working on this shard now (its lease)
    lease_expires = NumberAttribute(null=True)
    samples = ListAttribute(of=SampleAttribute, default=list)  # this shard's recent progress


class ThrottleAttribute(MapAttribute):
    batch_size = NumberAttribute()
    delay_ms = NumberAttribute()
    preset = UnicodeAttribute(null=True)


# The indexes hold keys, not whole jobs (every commit would write them again): a query finds the
# job ids, and JobRepository reads the jobs with BatchGetItem (template.yaml says why).
class OwnerCreatedIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "owner-created-keys"
        projection = IncludeProjection(["status"])  # a user's jobs listed or counted by status

    owner = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class StatusSeenIndex(GlobalSecondaryIndex):
    """The jobs in a status by `seen_at`: updated_at cut down to SEEN_EVERY_S (store/jobs.py), so
    that a batch's commit moves a job's entry at most once in that time, not at every batch."""

    class Meta:
        index_name = "status-seen-keys"
        projection = KeysOnlyProjection()

    status = UnicodeAttribute(hash_key=True)
    seen_at = NumberAttribute(range_key=True)


class JobModel(Model):
    class Meta:
        table_name = get_settings().jobs_table
        region = get_settings().region

    job_id = UnicodeAttribute(hash_key=True)
    owner = UnicodeAttribute()
    filename = UnicodeAttribute()
    format = UnicodeAttribute()
    dry_run = BooleanAttribute(default=False)
    status = UnicodeAttribute()
    s3_key = UnicodeAttribute()
    bytes_total = NumberAttribute(null=True)
    file_etag = UnicodeAttribute(null=True)  # the object the job reads (Job.file_etag)
    throttle = ThrottleAttribute()
    # What the batches run with now: the job's throttle, or slower while DynamoDB throttles writes.
    effective_throttle = ThrottleAttribute(null=True)
    throttled = BooleanAttribute(default=False)
    throttled_reason = UnicodeAttribute(null=True)
    shards = ListAttribute(of=ShardCursor, default=list)
    header = ListAttribute(of=UnicodeAttribute, null=True)
    delimiter = UnicodeAttribute(null=True)
    layout = UnicodeAttribute(null=True)
    encoding = UnicodeAttribute(null=True)  # a csvstream.ENCODINGS label, sniffed by the first segment
    line_ending = UnicodeAttribute(null=True)  # LF, CRLF or CR
    requested_mapping = MappingAttribute(null=True)
    profile = UnicodeAttribute(null=True)
    mapping = ResolvedMappingAttribute(null=True)  # resolved by the first segment
    processed_rows = NumberAttribute(default=0)
    imported_rows = NumberAttribute(default=0)
    failed_rows = NumberAttribute(default=0)
    warning_rows = NumberAttribute(default=0)
    summary_rows = NumberAttribute(default=0)  # rows skipped as Total, Average, ... (Job.summary_rows)
    summary_samples = ListAttribute(of=SummaryRowAttribute, default=list)
    would_insert_rows = NumberAttribute(default=0)
    would_update_rows = NumberAttribute(default=0)
    readings_written = NumberAttribute(default=0)
    total_rows = NumberAttribute(null=True)
    total_rows_exact = BooleanAttribute(default=False)
    segments = NumberAttribute(default=0)
    redrives = NumberAttribute(default=0)
    # Transient failures: how many so far, the last one, and when the next attempt is due.
    retry_count = NumberAttribute(default=0)
    last_error = UnicodeAttribute(null=True)
    next_retry_at = NumberAttribute(null=True)
    errors = ListAttribute(of=UnicodeAttribute, default=list)
    warnings = ListAttribute(of=UnicodeAttribute, default=list)
    created_at = UnicodeAttribute()
    started_at = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute()
    # The status index's time, epoch seconds (a number: 6 bytes, where the ISO text takes 24); never
    # later than updated_at.
    seen_at = NumberAttribute(null=True)
    completed_at = UnicodeAttribute(null=True)
    upload_expires_at = UnicodeAttribute(null=True)
    error_message = UnicodeAttribute(null=True)
    note = UnicodeAttribute(null=True)
    deleting = BooleanAttribute(default=False)  # DELETE was asked: the job is being removed

    owner_index = OwnerCreatedIndex()
    status_index = StatusSeenIndex()


def reset_connections() -> None:
    """Drop the cached connection (pynamodb keeps one per model class), so that the next request
    goes to the endpoint that is current now: each integration test starts a fresh moto account."""
    JobModel._connection = None
