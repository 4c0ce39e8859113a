"""Who is asking: the signed-in user the API's authorizer vouched for."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Caller:
    user_id: str
    is_admin: bool = False
