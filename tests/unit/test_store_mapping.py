"""The job's domain types and the jobs table's pynamodb models describe one shape: store/mapping.py
converts between them by the domain type's fields, so the two must agree field for field.

No AWS: items are serialized to DynamoDB's wire form and read back in memory."""

from __future__ import annotations

import dataclasses
from typing import Any, get_args, get_origin

import pytest
from pynamodb.attributes import (
    Attribute,
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
)

from ingestion.domain.formats.mapping import Mapping
from ingestion.domain.formats.summary_rows import SummaryRow
from ingestion.domain.job import Job, JobStatus, Shard
from ingestion.domain.progress import Sample
from ingestion.domain.throttle import Throttle
from ingestion.store.mapping import domain_fields, from_attributes, is_record, optional_inner, to_attributes
from ingestion.store.tables import (
    JobModel,
    MappingAttribute,
    ResolvedMappingAttribute,
    SampleAttribute,
    ShardCursor,
    SummaryRowAttribute,
    ThrottleAttribute,
)

STORED_AS = {
    Job: JobModel,
    Shard: ShardCursor,
    Sample: SampleAttribute,
    Throttle: ThrottleAttribute,
    SummaryRow: SummaryRowAttribute,
}
# Records stored whole, as one attribute of their own kind (not a map of their fields).
STORED_WHOLE: dict[type, type] = {Mapping: MappingAttribute}

# Attributes a model holds that its domain type does not, and why ("JobModel.name": "reason").
# The mapping reads and writes only the domain type's fields, so such an attribute is
# the store's own business (written by an update of its own); every domain field needs an attribute.
STORE_ONLY: dict[str, str] = {
    # updated_at cut down to 15 s, the status index's sort key (store/jobs.py seen_at): the store's own.
    "JobModel.seen_at": "the status index's time",
}


PAIRS = pytest.mark.parametrize(
    ("domain", "model"), [pytest.param(d, m, id=f"{d.__name__}-{m.__name__}") for d, m in STORED_AS.items()]
)


@PAIRS
def test_a_domain_type_and_its_model_have_the_same_fields(domain, model):
    fields = {f.name for f in domain_fields(domain)}
    attributes = {name for name in model.get_attributes() if f"{model.__name__}.{name}" not in STORE_ONLY}
    assert sorted(fields - attributes) == [], f"fields of {domain.__name__} that {model.__name__} lacks"
    assert sorted(attributes - fields) == [], f"attributes of {model.__name__} that {domain.__name__} lacks"


def _holds(attribute: Attribute[Any], annotation: Any) -> bool:
    """Whether a (non-null) value of the annotation is stored in this kind of attribute."""
    if get_origin(annotation) is tuple:
        (item, _) = get_args(annotation)
        element = attribute.element_type if isinstance(attribute, ListAttribute) else None
        return element is not None and _holds(element(), item)
    if annotation in STORED_WHOLE:
        return isinstance(attribute, STORED_WHOLE[annotation])
    if is_record(annotation):
        return type(attribute) is STORED_AS[annotation]
    if annotation is bool:
        return isinstance(attribute, BooleanAttribute)
    if annotation in (int, float):
        return isinstance(attribute, NumberAttribute)
    if isinstance(annotation, type) and issubclass(annotation, str):  # str and StrEnum
        return isinstance(attribute, UnicodeAttribute)
    return False


@PAIRS
def test_each_field_is_stored_in_an_attribute_of_its_kind(domain, model):
    attributes = model.get_attributes()
    for f in domain_fields(domain):
        if f.name not in attributes:
            continue  # reported by the test above
        attribute = attributes[f.name]
        inner = optional_inner(f.annotation)
        assert attribute.null is (inner is not None), f"{f.name}: null={attribute.null}, {f.annotation}"
        assert _holds(attribute, inner or f.annotation), f"{f.name}: {type(attribute).__name__}"


@PAIRS
def test_a_field_and_its_attribute_default_alike(domain, model):
    attributes = model.get_attributes()
    for f in domain_fields(domain):
        if f.default is None or f.name not in attributes:
            continue  # a required field; the model may still give it a default for old items
        default = attributes[f.name].default
        stored_default = default() if callable(default) else default
        wanted = f.default()
        assert stored_default == (list(wanted) if isinstance(wanted, tuple) else wanted), f.name


SHARD = Shard(
    start=10,
    end=2000,
    offset=500,
    line=7,
    first_line=2,
    segment=3,
    done=True,
    holder="invocation-1",
    lease_expires=1_700_000_123.5,
    samples=(Sample(at=1_700_000_000.25, rows=10, bytes=400), Sample(1_700_000_002.0, 20, 800)),
)
JOB = Job(
    job_id="job-1",
    owner="alice",
    filename="readings.csv",
    format="hh",
    dry_run=True,
    status=JobStatus.PROCESSING,
    s3_key="uploads/job-1.csv",
    throttle=Throttle(batch_size=100, delay_ms=100, preset="medium"),
    created_at="2025-01-01T00:00:00Z",
    updated_at="2025-01-01T00:01:00Z",
    bytes_total=4000,
    file_etag="9b2cf535f27731c974343645a3985328",
    shards=(SHARD, Shard(start=2000, end=None, offset=2000, line=1)),
    header=("mpan", "date", "hh01"),
    delimiter=";",
    layout="hh-wide",
    encoding="Windows-1252",
    line_ending="CRLF",
    requested_mapping=Mapping(columns={"value": 3}, meter="1200023305967", timezone="UTC"),
    profile="octopus",
    mapping=Mapping(
        columns={"date": "date", "value": 3},
        meter="1200023305967",
        timestamps="end",
        date_order="dmy",
        timezone="Europe/London",
        unit="Wh",
        header_row=3,
        decimal_mark=",",
    ),
    processed_rows=12,
    imported_rows=9,
    failed_rows=2,
    warning_rows=1,
    summary_rows=3,
    summary_samples=(SummaryRow(14, "Total"), SummaryRow(15, "Average")),
    would_insert_rows=5,
    would_update_rows=4,
    readings_written=400,
    total_rows=30,
    total_rows_exact=True,
    segments=2,
    redrives=1,
    retry_count=1,
    last_error="ThrottlingException: slow down",
    next_retry_at=1_700_000_300.75,
    deleting=True,
    effective_throttle=Throttle(batch_size=50, delay_ms=200),
    throttled=True,
    throttled_reason="DynamoDB kept throttling writes",
    errors=("line 3: not a date",),
    warnings=("line 4: estimated",),
    started_at="2025-01-01T00:00:30Z",
    completed_at="2025-01-01T00:02:00Z",
    upload_expires_at="2025-01-01T00:15:00Z",
    error_message="The file is too large.",
    note="Cancelled by its owner.",
)


@pytest.mark.parametrize("example", [JOB, SHARD], ids=["Job", "Shard"])
def test_the_examples_set_every_field(example):
    """So that the round trip below covers a field added later: the example has to set it."""
    unset = [
        f.name for f in domain_fields(type(example)) if f.default and getattr(example, f.name) == f.default()
    ]
    assert unset == []


def _stored(job: Job) -> dict[str, Any]:
    return to_attributes(job, JobModel).serialize()


def _types(value: Any) -> Any:
    """The value's type, field by field (dataclass equality takes 1 for 1.0, this does not)."""
    if dataclasses.is_dataclass(value) or isinstance(value, Throttle):
        return (type(value), {f.name: _types(getattr(value, f.name)) for f in domain_fields(type(value))})
    if isinstance(value, tuple):
        return (tuple, [_types(v) for v in value])
    return type(value)


def test_a_job_comes_back_from_its_item_as_it_went_in():
    back = from_attributes(Job, JobModel.from_raw_data(_stored(JOB)))
    assert back == JOB
    assert _types(back) == _types(JOB)


def test_numbers_come_back_as_their_fields_types_however_dynamodb_writes_them():
    """DynamoDB keeps numbers without a type: 1700000000.0 comes back as 1700000000."""
    job = dataclasses.replace(
        JOB, next_retry_at=1_700_000_300.0, shards=(Shard(0, None, 0, 1, lease_expires=5.0),)
    )
    item = _stored(job)
    item["next_retry_at"] = {"N": "1700000300"}
    item["shards"]["L"][0]["M"]["lease_expires"] = {"N": "5"}
    back = from_attributes(Job, JobModel.from_raw_data(item))
    assert type(back.next_retry_at) is float and back.next_retry_at == 1_700_000_300.0
    assert type(back.shards[0].lease_expires) is float


def test_an_item_without_the_optional_attributes_gives_the_fields_defaults():
    required = {f.name: getattr(JOB, f.name) for f in domain_fields(Job) if f.default is None}
    item = {k: v for k, v in _stored(JOB).items() if k in required}
    item["shards"] = {"L": [{"M": {"start": {"N": "0"}, "offset": {"N": "0"}, "line": {"N": "1"}}}]}
    back = from_attributes(Job, JobModel.from_raw_data(item))
    assert back == Job(**required, shards=(Shard(start=0, end=None, offset=0, line=1),))


def test_a_new_job_is_stored_with_every_field_it_holds():
    item = _stored(JOB)
    assert JobStatus(item["status"]["S"]) is JobStatus.PROCESSING
    assert item["throttle"]["M"] == {
        "batch_size": {"N": "100"},
        "delay_ms": {"N": "100"},
        "preset": {"S": "medium"},
    }
    assert item["header"] == {"L": [{"S": "mpan"}, {"S": "date"}, {"S": "hh01"}]}
    assert [s["M"]["start"] for s in item["shards"]["L"]] == [{"N": "10"}, {"N": "2000"}]
    assert "end" not in item["shards"]["L"][1]["M"]  # None is not written


def test_a_field_of_a_type_the_table_cannot_hold_is_refused():
    @dataclasses.dataclass(frozen=True)
    class Odd:
        counts: dict[str, int]

    with pytest.raises(TypeError, match="no stored form"):
        domain_fields(Odd)


def test_a_resolved_mapping_is_stored_without_its_usual_values_and_read_back_whole():
    attribute = ResolvedMappingAttribute()
    usual = Mapping(
        columns={"meter": "MPAN", "datetime": "ReadDateTime", "value": "ReadValue"},
        timestamps="start",
        date_order="dmy",
        timezone="Europe/London",
        unit="kWh",
        header_row=1,
        decimal_mark=".",
    )
    stored = attribute.serialize(usual)
    assert stored == '{"columns":{"meter":"MPAN","datetime":"ReadDateTime","value":"ReadValue"}}'
    assert attribute.deserialize(stored) == usual
    unusual = usual.model_copy(update={"timestamps": "end", "header_row": 4, "meter": "M1"})
    assert attribute.deserialize(attribute.serialize(unusual)) == unusual
