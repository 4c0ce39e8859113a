"""The operators' throttle settings: one item of the settings table, saved with optimistic
concurrency (a version number that each save expects and moves on by one)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from ingestion.domain.errors import StaleSettingsError
from ingestion.domain.throttle import SavedThrottleSettings, ThrottleConfig
from ingestion.store.clients import DynamoTable
from ingestion.store.rights import rights

# The IAM actions ThrottleSettingsRepository calls (store/rights.py), by use.
SETTINGS_READS = rights("SettingsTable", "dynamodb:GetItem")  # load
SETTINGS_SAVES = rights("SettingsTable", "dynamodb:PutItem")  # save (a conditional put)
SETTING_NAME = "import-throttle"
_serialize = TypeSerializer().serialize
_deserialize = TypeDeserializer().deserialize


class ThrottleSettingsRepository(DynamoTable):
    setting = "settings_table"

    def load(self) -> SavedThrottleSettings | None:
        """The saved settings; None while nobody has saved any."""
        item = self._client.get_item(
            TableName=self._table_name, Key={"name": {"S": SETTING_NAME}}, ConsistentRead=True
        ).get("Item")
        if item is None:
            return None
        data = {name: _deserialize(value) for name, value in item.items()}
        return SavedThrottleSettings(
            config=ThrottleConfig.model_validate(_plain(data["value"])),
            version=int(data["version"]),
            updated_by=str(data["updated_by"]),
            updated_at=str(data["updated_at"]),
        )

    def save(
        self, config: ThrottleConfig, *, expected_version: int, updated_by: str, updated_at: str
    ) -> SavedThrottleSettings:
        """Store the settings as the version after expected_version (0: nothing saved yet)."""
        saved = SavedThrottleSettings(config, expected_version + 1, updated_by, updated_at)
        item = {
            "name": SETTING_NAME,
            "value": config.model_dump(mode="json"),
            "version": saved.version,
            "updated_by": updated_by,
            "updated_at": updated_at,
        }
        condition: dict[str, Any] = (
            {
                "ConditionExpression": "attribute_not_exists(#name)",
                "ExpressionAttributeNames": {"#name": "name"},
            }
            if expected_version == 0
            else {
                "ConditionExpression": "#version = :expected",
                "ExpressionAttributeNames": {"#version": "version"},
                "ExpressionAttributeValues": {":expected": {"N": str(expected_version)}},
            }
        )
        try:
            self._client.put_item(
                TableName=self._table_name, Item={k: _serialize(v) for k, v in item.items()}, **condition
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise StaleSettingsError(SETTING_NAME) from None
            raise
        return saved


def _plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal: these settings hold only whole numbers."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return int(value)
    return value
