"""Who is calling: the caller the HTTP API's JWT authorizer verified, and whether they are an
administrator (a member of exactly the stack's AdminGroup; docs/design.md "Administrators").

The HTTP API authorizer passes each claim on as text, an array flattened to "[a b]": a group
whose name holds a space cannot be told from two groups. The Authorization header is the very
token the authorizer verified, so the true array is read from its payload (no signature check:
the authorizer made it) once its sub, iss and exp are seen to be the authorizer's. Without such a
token the flattened claim makes an administrator only when it is exactly the one admin group."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from ingestion.domain.caller import Caller
from ingestion.domain.errors import UnauthenticatedError
from ingestion.settings import get_settings

GROUP_CLAIMS = ("cognito:groups", "groups")
# Claims the token must share with what the authorizer verified before its groups are believed.
_MATCHING_CLAIMS = ("sub", "iss", "exp")
_MAX_TOKEN_CHARS = 16_384


def token_payload(authorization: str | None) -> dict[str, Any] | None:
    """The payload of a bearer JWT (base64url JSON), unverified; None if it is not one."""
    if not authorization or len(authorization) > _MAX_TOKEN_CHARS:
        return None
    token = authorization.removeprefix("Bearer ").strip()
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error):
        return None
    return payload if isinstance(payload, dict) else None


def _same_token(payload: dict[str, Any], claims: dict[str, Any]) -> bool:
    """The payload is the token the authorizer verified: its sub, and iss and exp where the
    authorizer passed them on, are the same (the authorizer passes every claim on as text)."""
    return all(
        name in payload and str(payload[name]) == str(claims[name])
        for name in _MATCHING_CLAIMS
        if name == "sub" or name in claims
    )


def _token_groups(payload: dict[str, Any]) -> set[str]:
    """The groups in the token: a list of names, or one name as it stands (never split)."""
    found: set[str] = set()
    for name in GROUP_CLAIMS:
        value = payload.get(name)
        if isinstance(value, list):
            found.update(v for v in value if isinstance(v, str))
        elif isinstance(value, str):
            found.add(value)
    return found


def _flattened_is_exactly(claims: dict[str, Any], group: str) -> bool:
    """The flattened claim names this one group and nothing else: "[admin]" (or a real list
    holding it). Any other shape ("[a b]", "a,b") could be one group or several: never."""
    for name in GROUP_CLAIMS:
        value = claims.get(name)
        if isinstance(value, list) and group in value:
            return True
        if isinstance(value, str):
            inner = value[1:-1] if value.startswith("[") and value.endswith("]") else value
            if inner == group and not any(c.isspace() for c in group):
                return True
    return False


def is_admin(claims: dict[str, Any], authorization: str | None, admin_group: str) -> bool:
    """A member of exactly `admin_group`: from the verified token's groups, else from a flattened
    claim that cannot mean anything else."""
    payload = token_payload(authorization)
    if payload is not None and _same_token(payload, claims):
        return admin_group in _token_groups(payload)
    return _flattened_is_exactly(claims, admin_group)


def caller_of(app: APIGatewayHttpResolver) -> Caller:
    """The signed-in caller, from the claims the JWT authorizer verified."""
    event = app.current_event
    claims = event.request_context.authorizer.jwt_claim or {}
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject.strip():
        raise UnauthenticatedError("sign in: the request carries no valid token")
    authorization = (event.headers or {}).get("authorization")
    return Caller(user_id=subject, is_admin=is_admin(claims, authorization, get_settings().admin_group))
