"""Throttle settings that operators change live: who may see and save them, and what new jobs get
from them (the stored settings, or the built-in presets and the stack's DefaultThrottle)."""

from __future__ import annotations

from typing import Any

from ingestion.api import Caller
from ingestion.clock import Clock, iso, system_clock
from ingestion.errors import ForbiddenError, SettingsConflictError
from ingestion.models import ThrottleSettingsRequest
from ingestion.settings import get_settings
from ingestion.store.throttle_settings import (
    SavedThrottleSettings,
    StaleSettingsError,
    ThrottleSettingsRepository,
)
from ingestion.throttle import ThrottleConfig, built_in_config


def current_throttle_settings(
    repo: ThrottleSettingsRepository, default: str | None = None
) -> SavedThrottleSettings:
    """The saved settings, or while none are saved the built-in ones as version 0."""
    saved = repo.load()
    if saved is not None:
        return saved
    return SavedThrottleSettings(built_in_config(default or get_settings().default_throttle), version=0)


def require_admin(caller: Caller) -> None:
    """Only administrators see or change the throttle settings (ForbiddenError otherwise)."""
    if not caller.is_admin:
        raise ForbiddenError("only administrators can see or change the import throttle settings")


def settings_view(saved: SavedThrottleSettings) -> dict[str, Any]:
    return {
        **saved.config.model_dump(mode="json"),
        "version": saved.version,
        "updated_by": saved.updated_by,
        "updated_at": saved.updated_at,
    }


def read_throttle_settings(caller: Caller, repo: ThrottleSettingsRepository) -> dict[str, Any]:
    """The settings new jobs take their throttle from (administrators only)."""
    require_admin(caller)
    return settings_view(current_throttle_settings(repo))


def save_throttle_settings(
    caller: Caller,
    request: ThrottleSettingsRequest,
    repo: ThrottleSettingsRepository,
    clock: Clock = system_clock,
) -> dict[str, Any]:
    """Replace the settings (administrators only), if they are still at the version the caller saw."""
    require_admin(caller)
    config = ThrottleConfig(default=request.default, presets=request.presets)
    try:
        saved = repo.save(
            config, expected_version=request.version, updated_by=caller.user_id, updated_at=iso(clock())
        )
    except StaleSettingsError:
        now = current_throttle_settings(repo)
        raise SettingsConflictError(
            f"the throttle settings were changed by someone else (version {request.version} was sent; "
            f"they are at version {now.version}, saved by {now.updated_by or 'nobody'}): reload them "
            "and make the change again"
        ) from None
    return settings_view(saved)
