"""The API's request bodies and query strings, as pydantic models the routes declare; and what is
checked before Powertools reads a declared JSON body."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Annotated, Any, Literal, cast

import pydantic_core
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.middlewares.openapi_validation import (
    OpenAPIRequestValidationMiddleware,
)
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.types import EventHandlerInstance
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ingestion.domain.caller import Caller
from ingestion.domain.errors import InvalidRequestError
from ingestion.domain.formats.mapping import DEFAULT_CHANNEL, Channel, Mapping
from ingestion.domain.job import Filename, ImportFormat, ImportOptions
from ingestion.domain.profiles import MAX_NAME_CHARS
from ingestion.domain.reading_pages import DEFAULT_PAGE, MAX_METER_CHARS, MAX_PAGE, ReadingRange
from ingestion.domain.throttle import (
    MAX_BATCH_SIZE,
    MAX_DELAY_SECONDS,
    PRESETS,
    PresetName,
    Throttle,
    ThrottleConfig,
)
from ingestion.http.auth import caller_of
from ingestion.http.mapping_input import mapping_from, mapping_from_json_text


class ThrottleBody(BaseModel):
    """A throttle of the caller's own (the domain's Throttle without a preset name)."""

    model_config = ConfigDict(extra="forbid")
    batch_size: int = Field(ge=1, le=MAX_BATCH_SIZE)
    delay_ms: int = Field(ge=0, le=MAX_DELAY_SECONDS * 1000)


# What a client may name for a job's throttle: a preset, or "off" (no pauses).
ThrottleName = Literal[PresetName, "off"]


FORMAT_DESCRIPTION = "hh, daily, sites or auto (detected from the header); default: the profile's, else auto"
ProfileName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_NAME_CHARS,
        description="one of your saved profiles (GET /profiles): its mapping, with this request's over it",
    ),
]


class CreateImportRequest(BaseModel):
    """POST /imports with a JSON body: create a job and get a presigned upload."""

    model_config = ConfigDict(extra="forbid")

    filename: Filename
    format: ImportFormat = Field("auto", description=FORMAT_DESCRIPTION)
    dry_run: bool = False
    throttle: ThrottleName | ThrottleBody | None = None
    size: Annotated[int, Field(ge=0, description="the file's size in bytes, if known")] | None = None
    mapping: Mapping | None = Field(
        None, description="how to read the file's columns, where detection would guess (every key optional)"
    )
    profile: ProfileName | None = None

    @field_validator("mapping", mode="before")
    @classmethod
    def _plain_mapping(cls, value: Any) -> Mapping | None:
        return None if value is None else mapping_from(value)  # (a 400 naming the key that is wrong)

    def options(self) -> ImportOptions:
        return ImportOptions(
            self.filename,
            self.format if "format" in self.model_fields_set else None,
            self.dry_run,
            as_throttle(self.throttle),
            self.size,
            mapping=self.mapping,
            profile=self.profile,
        )


class SaveProfileRequest(BaseModel):
    """PUT /profiles/{name}: the whole profile (what it held before is replaced)."""

    model_config = ConfigDict(extra="forbid")

    mapping: Mapping = Field(description="the column mapping an import naming this profile starts from")
    format: ImportFormat | None = Field(
        None, description="the format of imports naming this profile that give none (default auto)"
    )

    @field_validator("mapping", mode="before")
    @classmethod
    def _plain_mapping(cls, value: Any) -> Mapping:
        return mapping_from(value)


class UpdateImportRequest(BaseModel):
    """PATCH /imports/{job_id}: a new throttle for a job that has not ended (from its next batch)."""

    model_config = ConfigDict(extra="forbid")

    throttle: ThrottleName | ThrottleBody = Field(
        description='a preset (its values as the throttle settings hold them now), "off" (no pauses) '
        "or your own"
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
    if value is not None and value != "off" and value not in PRESETS:
        raise ValueError(f"unknown throttle preset {value!r}")
    return value


class DirectImportParams(BaseModel):
    """Query string of POST /imports with a text/csv body."""

    model_config = ConfigDict(extra="forbid")

    filename: Filename
    format: ImportFormat = Field("auto", description=FORMAT_DESCRIPTION)
    dry_run: bool = False
    throttle: ThrottleName | None = None
    mode: Literal["async", "sync"] = "async"
    mapping: str | None = Field(
        None,
        max_length=8192,
        description="the column mapping, as URL-encoded JSON (the object POST /imports takes as JSON)",
    )
    profile: ProfileName | None = None

    def options(self, size: int) -> ImportOptions:
        return ImportOptions(
            self.filename,
            self.format if "format" in self.model_fields_set else None,
            self.dry_run,
            as_throttle(self.throttle),
            size,
            mapping=None if self.mapping is None else mapping_from_json_text(self.mapping),
            profile=self.profile,
        )


# POST /imports/preview: its query parameters (its body is the start of the CSV file).
PreviewFormat = Annotated[ImportFormat | None, Query(description=FORMAT_DESCRIPTION)]
PreviewMapping = Annotated[
    str | None,
    Query(
        max_length=8192,
        description="the column mapping, as URL-encoded JSON (the object POST /imports takes as JSON)",
    ),
]
PreviewProfile = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=MAX_NAME_CHARS,
        description="one of your saved profiles (GET /profiles): its mapping, with this request's over it",
    ),
]


def preview_mapping(text: str | None) -> Mapping | None:
    """The preview's mapping parameter, read as the direct upload's is (400 naming a wrong key)."""
    return None if text is None else mapping_from_json_text(text)


# GET /readings: its query parameters. The dates are checked by ReadingRange.of, which says in words
# what is wrong with them (not a date, to before from, too long a range).
ReadingsMeter = Annotated[
    str, Query(min_length=1, max_length=MAX_METER_CHARS, description="the meter id (MPAN, MPRN, serial)")
]
_LOCAL_DATE = {"max_length": 32, "json_schema_extra": {"format": "date"}}
ReadingsFrom = Annotated[
    str, Query(alias="from", description="the first UK local date, YYYY-MM-DD", **_LOCAL_DATE)
]
ReadingsTo = Annotated[str, Query(description="the last UK local date (included), YYYY-MM-DD", **_LOCAL_DATE)]
ReadingsChannel = Annotated[
    Channel, Query(description="which energy: active import (the default), export, ...")
]
ReadingsLimit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="readings a page")]
ReadingsNext = Annotated[
    str | None, Query(alias="next", max_length=1024, description="from the previous page")
]
DEFAULT_READINGS_CHANNEL: Channel = DEFAULT_CHANNEL
DEFAULT_READINGS_PAGE = DEFAULT_PAGE


def readings_range(meter: str, channel: str, first: str, last: str) -> ReadingRange:
    """The readings asked for, checked (400 with a sentence for bad dates or a range too long)."""
    return ReadingRange.of(meter, channel, first, last)


def wants_csv(app: APIGatewayHttpResolver) -> bool:
    """Whether the client asked for text/csv (Accept) rather than JSON."""
    accept = (app.current_event.headers.get("accept") or "").lower()
    return any(part.split(";")[0].strip() == "text/csv" for part in accept.split(","))


type CallerCheck = Callable[[Caller], None]
_CHECKS_BEFORE_BODY: dict[Callable[..., Any], tuple[CallerCheck, ...]] = {}


def before_body[F: Callable[..., Any]](*checks: CallerCheck) -> Callable[[F], F]:
    """Checks of the caller that a route makes before anything it was sent is read (a non-administrator
    gets 403 whatever the body holds). Put it under the route's decorator."""

    def mark(route: F) -> F:
        _CHECKS_BEFORE_BODY[route] = checks
        return route

    return mark


class JsonBodyGuard(OpenAPIRequestValidationMiddleware):
    """Powertools' request validation, after what this API checks before a declared JSON body is read.

    Powertools validates the request (path, query and body) before any middleware or handler runs,
    and reads a declared body by its Content-Type: none at all counts as JSON, form and multipart
    bodies are parsed as such, any other type raises RequestUnsupportedContentType and bytes that
    are not UTF-8 a UnicodeDecodeError (both end in this API's catch-all 500). So for a route that
    declares a body this first makes sure who is asking (401, then the route's before_body checks:
    403), then that the body is JSON text sent as application/json (400 in this API's shape), and
    only then lets Powertools validate the request. Other routes are validated as Powertools does."""

    def handler(self, app: EventHandlerInstance, next_middleware: NextMiddleware) -> Response[Any]:
        route = app.context["_route"]
        if route.dependant.body_params:
            http_app = cast(APIGatewayHttpResolver, app)  # (installed by guard_json_bodies on one)
            caller = caller_of(http_app)
            for check in _CHECKS_BEFORE_BODY.get(route.func, ()):
                check(caller)
            _require_json_text(http_app)
        return super().handler(app, next_middleware)


def content_type(app: APIGatewayHttpResolver) -> str:
    """The request's media type, lower-cased, without its parameters ("" when none was sent)."""
    return (app.current_event.headers.get("content-type") or "").split(";")[0].strip().lower()


def body_bytes(app: APIGatewayHttpResolver) -> bytes:
    """The request's body as sent (API Gateway base64-encodes a body that is not text)."""
    event = app.current_event
    if not event.body:
        return b""
    if not event.is_base64_encoded:
        return event.body.encode("utf-8")
    try:
        return base64.b64decode(event.body)
    except binascii.Error:
        raise InvalidRequestError("the body is not valid base64") from None


def _require_json_text(app: APIGatewayHttpResolver) -> None:
    if content_type(app) != "application/json":
        raise InvalidRequestError("send the body as JSON, with Content-Type: application/json")
    raw = body_bytes(app)
    if not raw:
        return  # Powertools answers a missing body as a missing required field
    try:
        pydantic_core.from_json(raw)  # also refuses bytes that are not UTF-8, which Powertools cannot decode
    except ValueError as exc:
        raise RequestValidationError(
            [{"type": "json_invalid", "loc": ("body",), "msg": f"Invalid JSON: {exc}"}]
        ) from None


def guard_json_bodies(app: APIGatewayHttpResolver) -> None:
    """Validate app's requests with JsonBodyGuard. Powertools keeps the request validation it runs
    first on the resolver (built at enable_validation=True, put in each route's middleware stack on
    the route's first request): call this right after creating the resolver."""
    validation = getattr(app, "_request_validation_middleware", None)
    if not isinstance(validation, OpenAPIRequestValidationMiddleware):
        raise RuntimeError("no Powertools request validation to guard: create the resolver with validation")
    app._request_validation_middleware = JsonBodyGuard()
