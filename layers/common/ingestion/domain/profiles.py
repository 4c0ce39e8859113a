"""Profiles: a user's saved column mappings, each under a name of their choosing (PUT /profiles/{name}).

An import names one with "profile"; a mapping given beside it overrides it key by key
(Mapping.over). A profile is its owner's alone: to anyone else it does not exist."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingestion.domain.errors import InvalidRequestError
from ingestion.domain.formats import ImportFormat
from ingestion.domain.formats.mapping import Mapping

# A user keeps at most this many profiles (a saved one is replaced freely).
MAX_PROFILES = 100
MAX_NAME_CHARS = 64
# Letters (any script), digits, space, underscore, dot and dash; not starting or ending with a space.
_NAME = re.compile(r"[\w.\- ]+")
NAME_RULE = (
    f"a profile name is 1 to {MAX_NAME_CHARS} characters: letters, digits, spaces, _ . and -, "
    "not starting or ending with a space"
)


@dataclass(frozen=True)
class Profile:
    owner: str
    name: str
    mapping: Mapping
    format: ImportFormat | None  # None: the import's own, else auto
    created_at: str
    updated_at: str


def checked_name(name: str) -> str:
    """The name, if it is one a profile may have; else InvalidRequestError saying what a name may hold."""
    if not (
        0 < len(name) <= MAX_NAME_CHARS
        and _NAME.fullmatch(name)
        and name.strip() == name
        and name.isprintable()
    ):
        raise InvalidRequestError(f"{name[:80]!r} cannot be a profile name: {NAME_RULE}")
    return name
