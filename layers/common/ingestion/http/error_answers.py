"""The one mapping of domain errors to HTTP answers, by type. No answer carries a stack trace."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from pydantic import ValidationError

from ingestion.domain.errors import (
    ForbiddenError,
    GoneError,
    InvalidRequestError,
    JobConflictError,
    JobNotFoundError,
    PayloadTooLargeError,
    ProfileLimitError,
    ProfileNotFoundError,
    QuotaExceededError,
    ServiceError,
    SettingsConflictError,
    UnauthenticatedError,
    UnprocessableFileError,
)

logger = Logger(child=True)

_STATUS_BY_ERROR: dict[type[ServiceError], HTTPStatus] = {
    InvalidRequestError: HTTPStatus.BAD_REQUEST,
    UnauthenticatedError: HTTPStatus.UNAUTHORIZED,
    ForbiddenError: HTTPStatus.FORBIDDEN,
    JobNotFoundError: HTTPStatus.NOT_FOUND,
    JobConflictError: HTTPStatus.CONFLICT,
    ProfileNotFoundError: HTTPStatus.NOT_FOUND,
    ProfileLimitError: HTTPStatus.CONFLICT,
    SettingsConflictError: HTTPStatus.CONFLICT,
    GoneError: HTTPStatus.GONE,
    PayloadTooLargeError: HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    UnprocessableFileError: HTTPStatus.UNPROCESSABLE_ENTITY,
    QuotaExceededError: HTTPStatus.TOO_MANY_REQUESTS,
}


def error_response(status: HTTPStatus, message: str, **extra: Any) -> Response[dict[str, Any]]:
    return Response(
        status_code=status.value,
        content_type=content_types.APPLICATION_JSON,
        body={"error": status.phrase, "message": message, **extra},
    )


def _problem(err: Any) -> str:
    if err.get("type") == "missing" and tuple(err.get("loc", ()))[:1] == ("query",):
        return "missing: this request needs it in its query string"
    return str(err.get("msg", "invalid"))


def _bad_request(errors: list[Any]) -> Response[dict[str, Any]]:
    """A 400 that names each field that is wrong (query parameters and bodies alike)."""
    problems = [
        {
            "field": ".".join(str(p) for p in err.get("loc", ()) if p not in ("query", "body")) or "body",
            "message": _problem(err),
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
