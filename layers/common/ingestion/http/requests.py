"""The API's request bodies and query strings, as pydantic models the routes declare."""

from __future__ import annotations

import base64
from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from pydantic import BaseModel, ConfigDict, Field

from ingestion.domain.errors import InvalidRequestError
from ingestion.domain.job import Filename, ImportFormat, ImportOptions
from ingestion.domain.throttle import (
    MAX_BATCH_SIZE,
    MAX_DELAY_SECONDS,
    PRESETS,
    PresetName,
    Throttle,
    ThrottleConfig,
)


class ThrottleBody(BaseModel):
    """A throttle of the caller's own (the domain's Throttle without a preset name)."""

    model_config = ConfigDict(extra="forbid")
    batch_size: int = Field(ge=1, le=MAX_BATCH_SIZE)
    delay_ms: int = Field(ge=0, le=MAX_DELAY_SECONDS * 1000)


class CreateImportRequest(BaseModel):
    """POST /imports with a JSON body: create a job and get a presigned upload."""

    model_config = ConfigDict(extra="forbid")

    filename: Filename
    format: ImportFormat = "auto"
    dry_run: bool = False
    throttle: PresetName | ThrottleBody | None = None
    size: Annotated[int, Field(ge=0, description="the file's size in bytes, if known")] | None = None

    def options(self) -> ImportOptions:
        return ImportOptions(self.filename, self.format, self.dry_run, as_throttle(self.throttle), self.size)


class UpdateImportRequest(BaseModel):
    """PATCH /imports/{job_id}: a new throttle for a job that has not ended (from its next batch)."""

    model_config = ConfigDict(extra="forbid")

    throttle: PresetName | ThrottleBody = Field(
        description="a preset (its values as the throttle settings hold them now) or your own"
    )

    def requested_throttle(self) -> str | Throttle:
        throttle = as_throttle(self.throttle)
        assert throttle is not None
        return throttle


class ThrottleSettingsRequest(ThrottleConfig):
    """PUT /settings/import-throttle: the whole settings document, from the version it was read at."""

    version: int = Field(ge=0, description="the version you read (0 while nothing was saved)")

    def config(self) -> ThrottleConfig:
        return ThrottleConfig(default=self.default, presets=self.presets)


def as_throttle(value: str | ThrottleBody | None) -> str | Throttle | None:
    if isinstance(value, ThrottleBody):
        return Throttle(batch_size=value.batch_size, delay_ms=value.delay_ms)
    if value is not None and value not in PRESETS:
        raise ValueError(f"unknown throttle preset {value!r}")
    return value


class DirectImportParams(BaseModel):
    """Query string of POST /imports with a text/csv body."""

    model_config = ConfigDict(extra="forbid")

    filename: Filename
    format: ImportFormat = "auto"
    dry_run: bool = False
    throttle: PresetName | None = None
    mode: Literal["async", "sync"] = "async"

    def options(self, size: int) -> ImportOptions:
        return ImportOptions(self.filename, self.format, self.dry_run, as_throttle(self.throttle), size)


def json_body[M: BaseModel](app: APIGatewayHttpResolver, model: type[M]) -> M:
    """The request's JSON body as a model; a ValidationError (400 naming each wrong field) if it is
    not one. Parsed here rather than by Powertools, which answers 500 for other content types and
    for bytes that are not UTF-8."""
    event = app.current_event
    content_type = (event.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise InvalidRequestError("send the body as JSON, with Content-Type: application/json")
    raw = base64.b64decode(event.body) if event.body and event.is_base64_encoded else (event.body or "")
    return model.model_validate_json(raw or "null")
