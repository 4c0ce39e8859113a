"""Users' saved profiles: the profiles table, keyed by owner (partition) and name (sort key), so that
a user reaches only their own and lists them by name in one Query."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from botocore.exceptions import ClientError

from ingestion.domain.formats.mapping import Mapping
from ingestion.domain.profiles import Profile
from ingestion.store.clients import DynamoTable
from ingestion.store.rights import rights

# The IAM actions ProfileRepository calls (store/rights.py), by use.
PROFILE_READS = rights("ProfilesTable", "dynamodb:GetItem", "dynamodb:Query")  # get, list, count
PROFILE_WRITES = rights("ProfilesTable", "dynamodb:UpdateItem", "dynamodb:DeleteItem")  # save, delete


class ProfileRepository(DynamoTable):
    setting = "profiles_table"

    def get(self, owner: str, name: str) -> Profile | None:
        item = self._client.get_item(
            TableName=self._table_name, Key=_key(owner, name), ConsistentRead=True
        ).get("Item")
        return None if item is None else _profile(item)

    def list(self, owner: str) -> list[Profile]:
        """The owner's profiles, by name."""
        return [_profile(item) for item in self._query(owner)]

    def count(self, owner: str) -> int:
        return sum(1 for _ in self._query(owner, Select="COUNT"))

    def _query(self, owner: str, **extra: Any) -> Any:
        start: dict[str, Any] | None = None
        while True:
            page = self._client.query(
                TableName=self._table_name,
                KeyConditionExpression="#owner = :owner",
                ExpressionAttributeNames={"#owner": "owner"},
                ExpressionAttributeValues={":owner": {"S": owner}},
                ConsistentRead=True,
                **extra,
                **({"ExclusiveStartKey": start} if start else {}),
            )
            if "Items" in page:
                yield from page["Items"]
            else:  # Select=COUNT: a count a page
                yield from range(page.get("Count", 0))
            start = page.get("LastEvaluatedKey")
            if not start:
                return

    def save(self, profile: Profile) -> tuple[Profile, bool]:
        """Store the profile whole, keeping the created_at of one it replaces; returns the profile
        as stored and whether it is new."""
        values: dict[str, Any] = {
            ":mapping": {"S": _mapping_json(profile.mapping)},
            ":now": {"S": profile.updated_at},
        }
        update = "SET #mapping = :mapping, updated_at = :now, created_at = if_not_exists(created_at, :now)"
        if profile.format is None:
            update += " REMOVE #format"
        else:
            update += ", #format = :format"
            values[":format"] = {"S": profile.format}
        old = self._client.update_item(
            TableName=self._table_name,
            Key=_key(profile.owner, profile.name),
            UpdateExpression=update,
            ExpressionAttributeNames={"#mapping": "mapping", "#format": "format"},
            ExpressionAttributeValues=values,
            ReturnValues="ALL_OLD",
        ).get("Attributes")
        if not old:
            return replace(profile, created_at=profile.updated_at), True
        return replace(profile, created_at=old["created_at"]["S"]), False

    def delete(self, owner: str, name: str) -> bool:
        """Remove the profile; False if the owner had none of that name."""
        try:
            self._client.delete_item(
                TableName=self._table_name,
                Key=_key(owner, name),
                ConditionExpression="attribute_exists(#name)",
                ExpressionAttributeNames={"#name": "name"},
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True


def _key(owner: str, name: str) -> dict[str, Any]:
    return {"owner": {"S": owner}, "name": {"S": name}}


def _mapping_json(mapping: Mapping) -> str:
    return mapping.model_dump_json(exclude_none=True, exclude_defaults=True)


def _profile(item: dict[str, Any]) -> Profile:
    return Profile(
        owner=item["owner"]["S"],
        name=item["name"]["S"],
        mapping=Mapping.model_validate_json(item["mapping"]["S"]),
        format=item["format"]["S"] if "format" in item else None,
        created_at=item["created_at"]["S"],
        updated_at=item["updated_at"]["S"],
    )
