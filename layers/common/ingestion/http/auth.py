"""Who is calling: the caller the HTTP API's JWT authorizer verified."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from ingestion.domain.caller import Caller
from ingestion.domain.errors import UnauthenticatedError

ADMIN_GROUP = "admin"


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
