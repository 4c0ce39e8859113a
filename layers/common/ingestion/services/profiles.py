"""Profiles, the caller's own: save (create or replace), read, list, delete; and the one an import
names, with the request's mapping over it."""

from __future__ import annotations

from ingestion.domain.clock import Clock, iso
from ingestion.domain.errors import InvalidRequestError, ProfileLimitError, ProfileNotFoundError
from ingestion.domain.formats import ImportFormat
from ingestion.domain.formats.mapping import Mapping
from ingestion.domain.profiles import MAX_PROFILES, Profile, checked_name
from ingestion.store.profiles import ProfileRepository

# An unknown profile's 400 lists at most this many of the caller's profile names.
NAMES_LISTED = 10


def save_profile(
    owner: str,
    name: str,
    mapping: Mapping,
    format: ImportFormat | None,
    profiles: ProfileRepository,
    clock: Clock,
) -> tuple[Profile, bool]:
    """Create or replace the owner's profile `name`, whole; returns it and whether it is new.

    A user keeps at most MAX_PROFILES: beyond, a new one is refused (a saved one is still replaced).
    The count is read before the write, so two new profiles saved at the same instant as the
    hundredth may pass it by one (docs/design.md)."""
    name = checked_name(name)
    if profiles.count(owner) >= MAX_PROFILES and profiles.get(owner, name) is None:
        raise ProfileLimitError(
            f"you have {MAX_PROFILES} profiles, as many as one user may keep: delete one you no longer "
            f"need (DELETE /profiles/{{name}}) or save over one of them, then try again"
        )
    now = iso(clock())
    return profiles.save(Profile(owner, name, mapping, format, created_at=now, updated_at=now))


def get_profile(owner: str, name: str, profiles: ProfileRepository) -> Profile:
    profile = profiles.get(owner, checked_name(name))
    if profile is None:
        raise ProfileNotFoundError(f"you have no profile named {name!r}")
    return profile


def list_profiles(owner: str, profiles: ProfileRepository) -> list[Profile]:
    return profiles.list(owner)


def delete_profile(owner: str, name: str, profiles: ProfileRepository) -> None:
    if not profiles.delete(owner, checked_name(name)):
        raise ProfileNotFoundError(f"you have no profile named {name!r}")


def profile_for_import(owner: str, name: str, profiles: ProfileRepository) -> Profile:
    """The profile an import names: the owner's own, else a 400 naming their profiles."""
    profile = profiles.get(owner, name) if _could_be_name(name) else None
    if profile is not None:
        return profile
    names = [p.name for p in profiles.list(owner)]
    if not names:
        raise InvalidRequestError(
            f"you have no saved profiles, so none named {name!r}: save one with PUT /profiles/{{name}}, "
            "or give the mapping itself"
        )
    shown = ", ".join(repr(n) for n in names[:NAMES_LISTED])
    more = f" and {len(names) - NAMES_LISTED} more" if len(names) > NAMES_LISTED else ""
    raise InvalidRequestError(
        f"you have no profile named {name!r}; yours are {shown}{more} (GET /profiles lists them)"
    )


def _could_be_name(name: str) -> bool:
    try:
        checked_name(name)
    except InvalidRequestError:
        return False
    return True
