"""Throttle settings that operators change live: who may see and save them, and what new jobs get
from them (the stored settings, or the built-in presets and the stack's DefaultThrottle)."""

from __future__ import annotations

from ingestion.domain.caller import Caller
from ingestion.domain.clock import Clock, iso, system_clock
from ingestion.domain.errors import ForbiddenError, SettingsConflictError, StaleSettingsError
from ingestion.domain.throttle import SavedThrottleSettings, ThrottleConfig, built_in_config
from ingestion.settings import get_settings
from ingestion.store.throttle_settings import ThrottleSettingsRepository


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


def read_throttle_settings(caller: Caller, repo: ThrottleSettingsRepository) -> SavedThrottleSettings:
    """The settings new jobs take their throttle from (administrators only)."""
    require_admin(caller)
    return current_throttle_settings(repo)


def save_throttle_settings(
    caller: Caller,
    config: ThrottleConfig,
    version: int,
    repo: ThrottleSettingsRepository,
    clock: Clock = system_clock,
) -> SavedThrottleSettings:
    """Replace the settings (administrators only), if they are still at the version the caller saw."""
    require_admin(caller)
    try:
        return repo.save(config, expected_version=version, updated_by=caller.user_id, updated_at=iso(clock()))
    except StaleSettingsError:
        now = current_throttle_settings(repo)
        raise SettingsConflictError(
            f"the throttle settings were changed by someone else (version {version} was sent; "
            f"they are at version {now.version}, saved by {now.updated_by or 'nobody'}): reload them "
            "and make the change again"
        ) from None
