"""The bytes of a day item (domain/meter_days.py): how its periods and writers are attributes.

    meter   "1900000000001"            the partition (reading_partition)
    sk      "hh#2025-11-01"            the kind and the UK local date
    "1".."50"  "0.123|k3f9a"           a period: its value, "|" (actual) or "~" (estimated), and
                                       the tag of the job that wrote it last
    "wk3f9a" "<job id>"                who each tag is

Each period is an attribute of its own, at the top level, so that an update can SET some periods
of a day (creating the item if it has none) without reading or touching the others. A writer is a
five-letter tag (a hash of the job id) in each period and its job id once in the item: a full day
of 48 periods stays within one 1 KB write unit. Two jobs whose tags collide in one item are told
apart by the item's writer attribute: a write names its tag's job in its condition, and on a clash
takes the next salted tag (docs/design.md, "Readings: one item per meter and day", has the bytes)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ingestion.domain.meter_days import MAX_PERIODS, DayKey, MeterDay, Period

TAG_LETTERS = 5
ACTUAL, ESTIMATED = "|", "~"
WRITER_PREFIX = "w"
KEY_NAMES = ("meter", "sk")


def writer_tag(job_id: str, salt: int = 0) -> str:
    digest = hashlib.blake2b(f"{salt}:{job_id}".encode(), digest_size=5).digest()
    return base64.b32encode(digest).decode().lower()[:TAG_LETTERS]


def period_text(value: str, estimated: bool, tag: str) -> str:
    return f"{value}{ESTIMATED if estimated else ACTUAL}{tag}"


@dataclass
class StoredDay:
    """A day item as read: its periods (with their writers' job ids) and its writer tags."""

    periods: dict[int, Period] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)  # tag -> job id
    texts: dict[int, str] = field(default_factory=dict)  # each period's attribute as stored

    def tag_for(self, job_id: str) -> str:
        """The tag `job_id` writes under in this item: its own already, or the first salted one no
        other job holds here."""
        salt = 0
        while True:
            tag = writer_tag(job_id, salt)
            if self.tags.get(tag, job_id) == job_id:
                return tag
            salt += 1


def decode(item: Mapping[str, Any]) -> StoredDay:
    tags = {name[1:]: value["S"] for name, value in item.items() if name.startswith(WRITER_PREFIX)}
    periods, texts = {}, {}
    for name, value in item.items():
        if name.isdigit():
            text = texts[int(name)] = value["S"]
            writer = tags.get(text[-TAG_LETTERS:], "")
            periods[int(name)] = Period(text[: -TAG_LETTERS - 1], text[-TAG_LETTERS - 1] == ESTIMATED, writer)
    return StoredDay(periods, tags, texts)


def key_of(key: DayKey) -> dict[str, Any]:
    return {"meter": {"S": key[0]}, "sk": {"S": key[1]}}


def whole_item(day: MeterDay, job_id: str) -> dict[str, Any]:
    """The item of a day written whole by one job (it replaces any item there was)."""
    tag = writer_tag(job_id)
    item = key_of(day.key)
    for period, (value, estimated) in day.periods.items():
        item[str(period)] = {"S": period_text(value, estimated, tag)}
    item[WRITER_PREFIX + tag] = {"S": job_id}
    return item


def partial_update(day: MeterDay, job_id: str, stored: StoredDay | None) -> dict[str, Any]:
    """The UpdateItem arguments (but the table) that set some periods of a day and nothing else,
    conditional on the writer tag being this job's (or free)."""
    tag = (stored or StoredDay()).tag_for(job_id)
    names = {"#w": WRITER_PREFIX + tag}
    values: dict[str, Any] = {":job": {"S": job_id}}
    sets = ["#w = :job"]
    for period, (value, estimated) in day.periods.items():
        names[f"#p{period}"] = str(period)
        values[f":p{period}"] = {"S": period_text(value, estimated, tag)}
        sets.append(f"#p{period} = :p{period}")
    return {
        "Key": key_of(day.key),
        "UpdateExpression": "SET " + ", ".join(sets),
        "ConditionExpression": "attribute_not_exists(#w) OR #w = :job",
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }


def undo_update(
    key: DayKey, stored: StoredDay, changes: Mapping[int, Period | None], job_id: str
) -> dict[str, Any]:
    """The UpdateItem (or, when nothing would be left, DeleteItem) arguments that undo one job's
    periods of a day item (domain plan_undo's changes), conditional on the item still holding what
    was read: the periods undone, the writers restored, and (a delete) no period else."""
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    conditions: list[str] = []
    for period in changes:
        names[f"#p{period}"] = str(period)
        values[f":c{period}"] = {"S": stored.texts[period]}
        conditions.append(f"#p{period} = :c{period}")
    left = {p: v for p, v in stored.periods.items() if p not in changes}
    restored = {p: v for p, v in changes.items() if v is not None}
    if not left and not restored:
        others = [p for p in range(1, MAX_PERIODS + 1) if p not in changes]
        for period in others:
            names[f"#p{period}"] = str(period)
            conditions.append(f"attribute_not_exists(#p{period})")
        return {
            "delete": True,
            "Key": key_of(key),
            "ConditionExpression": " AND ".join(conditions),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
    sets: list[str] = []
    removes: list[str] = []
    tags = dict(stored.tags)
    view = StoredDay(stored.periods, tags, stored.texts)
    for n, (period, before) in enumerate(restored.items()):
        tag = view.tag_for(before.writer)
        if tags.get(tag) != before.writer:
            tags[tag] = before.writer
            names[f"#w{n}"] = WRITER_PREFIX + tag
            values[f":w{n}"] = {"S": before.writer}
            sets.append(f"#w{n} = :w{n}")
            conditions.append(f"(attribute_not_exists(#w{n}) OR #w{n} = :w{n})")
        values[f":p{period}"] = {"S": period_text(before.value, before.estimated, tag)}
        sets.append(f"#p{period} = :p{period}")
    removes += [f"#p{period}" for period, before in changes.items() if before is None]
    still_mine = any(v.writer == job_id for v in left.values())
    own = [tag for tag, job in stored.tags.items() if job == job_id]
    if not still_mine:
        for n, tag in enumerate(own):
            names[f"#o{n}"] = WRITER_PREFIX + tag
            removes.append(f"#o{n}")
    expression = " ".join(
        part
        for part in (
            "SET " + ", ".join(sets) if sets else "",
            "REMOVE " + ", ".join(removes) if removes else "",
        )
        if part
    )
    return {
        "delete": False,
        "Key": key_of(key),
        "UpdateExpression": expression,
        "ConditionExpression": " AND ".join(conditions),
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }


# ---- what DynamoDB bills ------------------------------------------------------------------------


def item_bytes(item: Mapping[str, Any]) -> int:
    """An item's size as DynamoDB counts it (attribute names and values, UTF-8)."""
    return sum(len(name.encode()) + _value_bytes(value) for name, value in item.items())


def _value_bytes(value: Mapping[str, Any]) -> int:
    ((kind, inner),) = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        digits = inner.lstrip("-").replace(".", "").lstrip("0") or "0"
        return (len(digits) + 1) // 2 + 1
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + sum(len(k.encode()) + _value_bytes(v) + 1 for k, v in inner.items())
    if kind == "L":
        return 3 + sum(_value_bytes(v) + 1 for v in inner)
    raise ValueError(f"no size for a {kind} value")


def write_units(item_size: int) -> int:
    """Write units of one item written: each 1 KB, rounded up."""
    return max(1, -(-item_size // 1024))
