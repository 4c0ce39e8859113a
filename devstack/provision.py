"""Create the stack's storage and queues from template.yaml, in moto, so local and cloud cannot drift.

moto's CloudFormation builds the plain resources of the SAM template (tables with their GSIs, queues
with their redrive policy, the bucket) and skips the AWS::Serverless ones; the parts SAM would
generate (the bucket notification, the event source mappings) are wired by the local runtime."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

TEMPLATE = Path(__file__).resolve().parents[1] / "template.yaml"
STACK_NAME = "csv-import"
ACCOUNT_ID = "123456789012"
DEV_PARAMETERS = {
    "JwtIssuer": "https://issuer.local.invalid/",
    "JwtAudience": "csv-import-local",
    # Someone trying the service wants their file in at once; deployed stacks keep auto (template.yaml).
    "DefaultThrottle": "off",
}


@dataclass(frozen=True)
class StackResources:
    jobs_table: str
    readings_table: str
    sites_table: str
    settings_table: str
    profiles_table: str
    bucket: str
    queue_url: str
    dlq_url: str
    physical: dict[str, str]  # every created resource: logical id -> physical id

    def environment(self) -> dict[str, str]:
        """The variables the template gives every function, with local values."""
        return {
            "JOBS_TABLE": self.jobs_table,
            "READINGS_TABLE": self.readings_table,
            "SITES_TABLE": self.sites_table,
            "SETTINGS_TABLE": self.settings_table,
            "PROFILES_TABLE": self.profiles_table,
            "UPLOAD_BUCKET": self.bucket,
            "INGEST_QUEUE_URL": self.queue_url,
        }


def _template_without_serverless() -> str:
    """moto applies no SAM transform: the Transform line is dropped and AWS::Serverless resources
    are skipped by moto itself."""
    return re.sub(r"^Transform:.*$", "", TEMPLATE.read_text(), count=1, flags=re.M)


def provision(
    cloudformation: Any | None = None, *, stack_name: str = STACK_NAME, region: str = "eu-west-2"
) -> StackResources:
    cfn = cloudformation or boto3.client("cloudformation", region_name=region)
    with warnings.catch_warnings():
        # moto names each resource type it skips (the serverless ones, alarms, the bucket policy).
        warnings.simplefilter("ignore", UserWarning)
        cfn.create_stack(
            StackName=stack_name,
            TemplateBody=_template_without_serverless(),
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in DEV_PARAMETERS.items()],
        )
        resources = cfn.describe_stack_resources(StackName=stack_name)["StackResources"]
    # Skipped resources are listed without a logical id.
    physical = {
        r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources if "LogicalResourceId" in r
    }
    return StackResources(
        jobs_table=physical["JobsTable"],
        readings_table=physical["ReadingsTable"],
        sites_table=physical["SitesTable"],
        settings_table=physical["SettingsTable"],
        profiles_table=physical["ProfilesTable"],
        bucket=physical["UploadBucket"],
        queue_url=physical["IngestQueue"],
        dlq_url=physical["IngestDLQ"],
        physical=physical,
    )
