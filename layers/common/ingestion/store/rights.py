"""The IAM rights the store calls on AWS, kept beside the code that calls them.

Each store module names the actions it calls, grouped by what a caller uses it for (reading jobs,
writing them, removing them, ...); each function's handler unites the groups of the stores it
wires into its RIGHTS, and template.yaml grants each function exactly those
(tests/integration/test_least_privilege.py compares them, and checks them against the calls the
code makes under moto). A resource is named as template.yaml names it: a logical id, with
`/index/<name>` for a DynamoDB index or `/<prefix>*` for keys under a prefix of a bucket."""

from __future__ import annotations

from dataclasses import dataclass

BUCKET = "UploadBucket"
EVENT_BUS = "EventBus/default"


@dataclass(frozen=True, order=True)
class Right:
    action: str  # e.g. dynamodb:UpdateItem
    resource: str  # e.g. JobsTable, JobsTable/index/owner-created-keys, UploadBucket/reports/*


Rights = frozenset[Right]


def rights(resource: str, *actions: str) -> Rights:
    return frozenset(Right(action, resource) for action in actions)


# A missing object is a 404 (NoSuchKey, which the store takes as "not there") only to a caller
# that may list the bucket; to others S3 answers 403 AccessDenied. A condition on the listed
# prefix does not help: a GET or HEAD carries no s3:prefix. So whoever asks for objects that may
# be missing (a report not assembled yet, a shard's saved state, a file never uploaded) may list.
BUCKET_LISTING = rights(BUCKET, "s3:ListBucket")
