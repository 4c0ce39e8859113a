"""HTTP glue shared by the API functions: who is calling, and one mapping of errors to answers."""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from ingestion.errors import (
    ForbiddenError,
    GoneError,
    InvalidRequestError,
    JobConflictError,
    JobNotFoundError,
    PayloadTooLargeError,
    ServiceError,
    SettingsConflictError,
    UnauthenticatedError,
    UnprocessableFileError,
)

logger = logging.getLogger(__name__)

_STATUS_BY_ERROR: dict[type[ServiceError], HTTPStatus] = {
    InvalidRequestError: HTTPStatus.BAD_REQUEST,
    UnauthenticatedError: HTTPStatus.UNAUTHORIZED,
    ForbiddenError: HTTPStatus.FORBIDDEN,
    JobNotFoundError: HTTPStatus.NOT_FOUND,
    JobConflictError: HTTPStatus.CONFLICT,
    SettingsConflictError: HTTPStatus.CONFLICT,
    GoneError: HTTPStatus.GONE,
    PayloadTooLargeError: HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    UnprocessableFileError: HTTPStatus.UNPROCESSABLE_ENTITY,
}
ADMIN_GROUP = "admin"


@dataclass(frozen=True)
class Caller:
    user_id: str
    is_admin: bool = False


def _groups(claims: dict[str, Any]) -> set[str]:
    """Group claims arrive from the HTTP API JWT authorizer as text like "[admin ops]"."""
    found: set[str] = set()
    for name in ("cognito:groups", "groups"):
        value = claims.get(name)
        if isinstance(value, list):
            found.update(str(v) for v in value)
        elif isinstance(value, str):
            found.update(value.strip("[]").replace(",", " ").split())
    return found


def caller_of(app: APIGatewayHttpResolver) -> Caller:
    """The signed-in caller, from the claims the JWT authorizer verified."""
    claims = app.current_event.request_context.authorizer.jwt_claim or {}
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject.strip():
        raise UnauthenticatedError("sign in: the request carries no valid token")
    return Caller(user_id=subject, is_admin=ADMIN_GROUP in _groups(claims))


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


def error_response(status: HTTPStatus, message: str, **extra: Any) -> Response[dict[str, Any]]:
    return Response(
        status_code=status.value,
        content_type=content_types.APPLICATION_JSON,
        body={"error": status.phrase, "message": message, **extra},
    )


def _bad_request(errors: list[Any]) -> Response[dict[str, Any]]:
    """A 400 that names each field that is wrong (query parameters and bodies alike)."""
    problems = [
        {
            "field": ".".join(str(p) for p in err.get("loc", ()) if p not in ("query", "body")) or "body",
            "message": str(err.get("msg", "invalid")),
        }
        for err in errors
    ]
    summary = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
    return error_response(HTTPStatus.BAD_REQUEST, f"invalid request: {summary}", details=problems)


def register_error_handlers(app: APIGatewayHttpResolver) -> None:
    """One place maps domain errors to HTTP answers, by type. Never a stack trace."""

    @app.exception_handler(ServiceError)
    def _service_error(exc: ServiceError) -> Response[dict[str, Any]]:
        status = next(
            (code for kind, code in _STATUS_BY_ERROR.items() if isinstance(exc, kind)),
            HTTPStatus.BAD_REQUEST,
        )
        return error_response(status, str(exc))

    @app.exception_handler(ValidationError)
    def _invalid_body(exc: ValidationError) -> Response[dict[str, Any]]:
        return _bad_request(exc.errors(include_url=False, include_input=False))

    @app.exception_handler(RequestValidationError)
    def _invalid_parameters(exc: RequestValidationError) -> Response[dict[str, Any]]:
        return _bad_request(list(exc.errors()))

    @app.not_found
    def _no_route(exc: Exception) -> Response[dict[str, Any]]:
        return error_response(HTTPStatus.NOT_FOUND, "no such route")

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception) -> Response[dict[str, Any]]:
        logger.exception("unhandled error")
        return error_response(HTTPStatus.INTERNAL_SERVER_ERROR, "something went wrong on our side; try again")
