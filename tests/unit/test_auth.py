"""Who is an administrator: exactly a member of the admin group, never a group whose name merely
contains it, whichever shape the HTTP API's JWT authorizer hands the group claim on in."""

from __future__ import annotations

import base64
import json
from types import SimpleNamespace
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from ingestion.domain.errors import UnauthenticatedError
from ingestion.http.auth import caller_of
from ingestion.settings import get_settings
from tests.support import http_event

SUB = "0f6c2d3e-1111-4a4a-9b9b-123456789abc"
ISS = "https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_Example"
EXP = 1764349200


def jwt(payload: dict[str, Any]) -> str:
    """A compact JWS as the identity provider signs it (the signature is the authorizer's concern)."""

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256', 'kid': 'k1'})}.{part(payload)}.c2lnbmF0dXJl"


def app_for(groups: Any, *, token: dict[str, Any] | None = None, raw_authorization: str | None = None) -> Any:
    """A resolver whose current event is an HTTP API request with this group claim (the flattened
    text the authorizer passes on; a list or absent when given so) and this bearer token."""
    event = http_event("PUT", "/settings/import-throttle", user=SUB)
    claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
    if groups is not None:
        claims["cognito:groups"] = groups
    if token is not None:
        event["headers"]["authorization"] = f"Bearer {jwt(token)}"
    if raw_authorization is not None:
        event["headers"]["authorization"] = raw_authorization
    return SimpleNamespace(current_event=APIGatewayProxyEventV2(event))


def token_with(groups: list[str], **changes: Any) -> dict[str, Any]:
    return {"sub": SUB, "iss": ISS, "exp": EXP, "token_use": "access", "cognito:groups": groups} | changes


@pytest.fixture
def admin_group(monkeypatch):
    """Run with another AdminGroup stack parameter."""

    def use(name: str) -> None:
        monkeypatch.setenv("ADMIN_GROUP", name)
        get_settings.cache_clear()

    yield use
    monkeypatch.delenv("ADMIN_GROUP", raising=False)
    get_settings.cache_clear()


# ---- the flattened claim alone (a token that cannot be read) --------------------------------------


@pytest.mark.parametrize(
    ("groups", "admin"),
    [
        ("[admin]", True),  # one group, exactly the admin group
        (["admin"], True),  # a real list (another way in, or a future authorizer)
        ("[Finance admin]", False),  # one group "Finance admin", or two: cannot tell, so never
        ("readonly,admin", False),  # one group whose name holds a comma
        ("[readonly,admin]", False),
        ("[admins]", False),
        ("[xadmin]", False),
        ("[admin ops]", False),  # ambiguous without the token: "admin ops" may be one group
        (["readonly,admin"], False),
        (["Finance admin"], False),
        ("", False),
        ("[]", False),
        (None, False),  # no group claim
    ],
)
def test_the_flattened_group_claim_makes_an_administrator_only_when_it_is_exactly_the_admin_group(
    groups, admin
):
    assert caller_of(app_for(groups)).is_admin is admin


# ---- the verified token itself -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("groups", "admin"),
    [
        (["admin", "ops"], True),
        (["Finance", "admin"], True),
        (["Finance admin"], False),
        (["readonly,admin"], False),
        (["admins", "xadmin"], False),
        ([], False),
    ],
)
def test_the_groups_come_exactly_from_the_token_the_authorizer_verified(groups, admin):
    flattened = "[" + " ".join(groups) + "]"
    assert caller_of(app_for(flattened, token=token_with(groups))).is_admin is admin


def test_a_token_without_the_bearer_prefix_is_read_too():
    app = app_for("[Finance admin]", raw_authorization=jwt(token_with(["Finance", "admin"])))
    assert caller_of(app).is_admin is True


@pytest.mark.parametrize(
    "changes",
    [{"sub": "someone-else"}, {"iss": "https://issuer.invalid"}, {"exp": EXP + 1}],
    ids=["sub", "iss", "exp"],
)
def test_a_token_that_is_not_the_one_the_authorizer_verified_is_not_believed(changes):
    # Its groups are ignored; the flattened claim decides, and it is ambiguous here.
    app = app_for("[Finance admin]", token=token_with(["Finance", "admin"], **changes))
    assert caller_of(app).is_admin is False


@pytest.mark.parametrize(
    "authorization", ["Bearer not-a-jwt", "Bearer a.b.c", "Bearer e30", "Bearer a.W10.c"]
)
def test_a_token_that_cannot_be_read_falls_back_to_the_exact_flattened_claim(authorization):
    assert caller_of(app_for("[admin]", raw_authorization=authorization)).is_admin is True
    assert caller_of(app_for("[Finance admin]", raw_authorization=authorization)).is_admin is False


def test_the_admin_group_is_the_stack_parameter(admin_group):
    admin_group("import-admins")

    assert caller_of(app_for("[import-admins]")).is_admin is True
    assert caller_of(app_for("[admin]")).is_admin is False
    assert caller_of(app_for("[x]", token=token_with(["ops", "import-admins"]))).is_admin is True


def test_a_request_without_a_subject_is_not_signed_in():
    app = app_for("[admin]")
    del app.current_event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"]
    with pytest.raises(UnauthenticatedError):
        caller_of(app)
