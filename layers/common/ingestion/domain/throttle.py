"""Throttle presets and the decisions taken between batches (pure functions)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

# Rows committed per batch when throttling is off: large enough to keep the per-batch job update
# cheap, small enough that a batch finishes well inside the segment's safety margin.
UNTHROTTLED_BATCH_SIZE = 1000
MAX_BATCH_SIZE = 10_000
# The smallest batch a user who is not an administrator may ask for (MIN_BATCH_SIZE, a stack
# parameter): every batch's commit rewrites the job item, so batches of one row would multiply its
# cost by the batch size. The very_large preset's batches, the smallest any preset gives.
DEFAULT_MIN_BATCH_SIZE = 25
MAX_DELAY_SECONDS = 900  # SQS DelaySeconds upper bound


class Throttle(BaseModel):
    """Rows per batch and the pause after each batch."""

    model_config = ConfigDict(frozen=True)

    batch_size: int = Field(ge=1, le=MAX_BATCH_SIZE, description="rows per batch")
    delay_ms: int = Field(
        ge=0, le=MAX_DELAY_SECONDS * 1000, description="pause after each batch, in milliseconds"
    )
    preset: str | None = Field(default=None, description="the preset it came from, if any")


PresetName = Literal["small", "medium", "large", "very_large"]
PRESET_NAMES: tuple[PresetName, ...] = get_args(PresetName)
# What a job without a throttle of its own gets: a preset, "off", or "auto" (a preset by file size).
DefaultChoice = Literal["auto", "off", "small", "medium", "large", "very_large"]
DEFAULT_CHOICES: tuple[str, ...] = get_args(DefaultChoice)


class PresetSetting(BaseModel):
    """One preset as operators set it: its batches and pauses, and the files `auto` gives it to."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    batch_size: int = Field(ge=1, le=MAX_BATCH_SIZE, description="rows per batch")
    delay_ms: int = Field(
        ge=0, le=MAX_DELAY_SECONDS * 1000, description="pause after each batch, in milliseconds (0: none)"
    )
    max_bytes: int | None = Field(
        ge=1,
        description="its size band: the largest file, in bytes, that auto gives this preset; "
        "null for very_large, whose band takes every larger file",
    )

    def throttle(self, name: str) -> Throttle:
        return Throttle(batch_size=self.batch_size, delay_ms=self.delay_ms, preset=name)


def _band_error(message: str) -> PydanticCustomError:
    # A plain ValueError would be reported as "Value error, ..."; the message is meant for people.
    return PydanticCustomError("size_bands", message)


class PresetTable(BaseModel):
    """The four presets, each with its size band; the bands ascend and the last is open-ended."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    small: PresetSetting
    medium: PresetSetting
    large: PresetSetting
    very_large: PresetSetting

    @model_validator(mode="after")
    def _bands_ascend(self) -> PresetTable:
        bounded: list[tuple[str, int]] = []
        for name in PRESET_NAMES[:-1]:
            limit = getattr(self, name).max_bytes
            if limit is None:
                raise _band_error(f"{name}.max_bytes is missing: only very_large's size band is open-ended")
            bounded.append((name, limit))
        if self.very_large.max_bytes is not None:
            raise _band_error("very_large.max_bytes must be null: the last size band takes every larger file")
        for (lower, below), (upper, limit) in pairwise(bounded):
            if limit <= below:
                raise _band_error(
                    f"size bands must ascend: {upper}.max_bytes ({limit}) must be larger than "
                    f"{lower}.max_bytes ({below})"
                )
        return self


class ThrottleConfig(BaseModel):
    """What operators control: the throttle of jobs that ask for none, and the four presets."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    default: DefaultChoice = Field(
        description="for jobs without a throttle of their own: auto (a preset by file size), "
        "off (no pauses), or a preset"
    )
    presets: PresetTable

    def preset(self, name: str) -> Throttle:
        setting: PresetSetting = getattr(self.presets, name)
        return setting.throttle(name)

    def for_size(self, size_bytes: int | None) -> Throttle:
        """The preset whose size band holds the file (unknown size: medium)."""
        if size_bytes is None:
            return self.preset("medium")
        for name in PRESET_NAMES[:-1]:
            limit = getattr(self.presets, name).max_bytes
            if limit is not None and size_bytes <= limit:
                return self.preset(name)
        return self.preset("very_large")

    def off(self) -> Throttle:
        """Throttling off: the unthrottled preset's (small's) batches, never a pause."""
        return Throttle(batch_size=self.presets.small.batch_size, delay_ms=0, preset="small")


# The original system's four presets (small = throttling off). It chose them by row count (<5k,
# 5k-20k, 20k-100k, >100k); before a file is read only its size is known, and at ~40 bytes a
# half-hourly row these are the same bands in bytes (each band's max_bytes is the largest size in
# it, hence the - 1).
BYTES_PER_ROW_ESTIMATE = 40
BUILT_IN_PRESETS = PresetTable(
    small=PresetSetting(
        batch_size=UNTHROTTLED_BATCH_SIZE, delay_ms=0, max_bytes=5_000 * BYTES_PER_ROW_ESTIMATE - 1
    ),
    medium=PresetSetting(batch_size=100, delay_ms=100, max_bytes=20_000 * BYTES_PER_ROW_ESTIMATE - 1),
    large=PresetSetting(batch_size=50, delay_ms=200, max_bytes=100_000 * BYTES_PER_ROW_ESTIMATE - 1),
    very_large=PresetSetting(batch_size=25, delay_ms=300, max_bytes=None),
)
PRESETS: dict[str, Throttle] = {name: getattr(BUILT_IN_PRESETS, name).throttle(name) for name in PRESET_NAMES}
OFF = PRESETS["small"]


def built_in_config(default: str) -> ThrottleConfig:
    """The settings before an operator saves any: the built-in presets and the stack's default."""
    return ThrottleConfig.model_validate({"default": default, "presets": BUILT_IN_PRESETS})


def resolve_throttle(
    requested: str | Throttle | None, config: ThrottleConfig, size_bytes: int | None
) -> Throttle:
    """The throttle a job runs with: its own if it asked (a preset takes the configured values),
    else the configured default ("off", "auto" by file size, or a preset)."""
    if isinstance(requested, Throttle):
        return requested
    choice = requested or config.default
    if choice == "off":
        return config.off()
    if choice == "auto":
        return config.for_size(size_bytes)
    return config.preset(choice)


@dataclass(frozen=True)
class Pause:
    """What to do after a batch: nothing, sleep in-process, or end the segment and come back later."""

    sleep_ms: int = 0
    requeue_delay_s: int | None = None


def plan_pause(delay_ms: int, inline_sleep_max_ms: int) -> Pause:
    """Short pauses are slept; a pause that would keep the Lambda idle longer continues via SQS."""
    if delay_ms <= 0:
        return Pause()
    if delay_ms <= inline_sleep_max_ms:
        return Pause(sleep_ms=delay_ms)
    return Pause(requeue_delay_s=min(MAX_DELAY_SECONDS, math.ceil(delay_ms / 1000)))


def segment_should_stop(remaining_ms: int, safety_ms: int, pending_sleep_ms: int = 0) -> bool:
    """True when the next batch (after any pending sleep) might not finish before the time limit."""
    return remaining_ms - pending_sleep_ms < safety_ms


# Under write throttling an import slows itself down: half the batch, twice the pause (within these
# bounds), and speeds back up to its own throttle, step by step, once batches go through cleanly.
MIN_ADAPTIVE_BATCH = 10
MIN_ADAPTIVE_DELAY_MS = 100
MAX_ADAPTIVE_DELAY_MS = 5000


@dataclass(frozen=True)
class Adaptation:
    throttle: Throttle  # what the next batch runs with
    throttled: bool
    reason: str | None = None


def adapt(configured: Throttle, current: Throttle, resends: int) -> Adaptation:
    """The throttle for the next batch, given how many writes DynamoDB pushed back on this one."""
    if resends > 0:
        slower = Throttle(
            batch_size=max(MIN_ADAPTIVE_BATCH, current.batch_size // 2),
            delay_ms=min(MAX_ADAPTIVE_DELAY_MS, max(MIN_ADAPTIVE_DELAY_MS, current.delay_ms * 2)),
            preset=configured.preset,
        )
        return Adaptation(
            slower,
            True,
            f"DynamoDB is throttling writes ({resends} re-sent in the last batch): slowed to "
            f"{slower.batch_size} rows per batch with {slower.delay_ms} ms pauses",
        )
    halved = current.delay_ms // 2
    faster = Throttle(
        batch_size=min(configured.batch_size, current.batch_size * 2),
        # Below the smallest adaptive pause, straight back to the job's own (which may be none).
        delay_ms=max(configured.delay_ms, halved if halved >= MIN_ADAPTIVE_DELAY_MS else 0),
        preset=configured.preset,
    )
    if (faster.batch_size, faster.delay_ms) == (configured.batch_size, configured.delay_ms):
        return Adaptation(configured, False)
    return Adaptation(
        faster, True, f"recovering from DynamoDB throttling: {faster.batch_size} rows per batch for now"
    )


@dataclass(frozen=True)
class SavedThrottleSettings:
    """Throttle settings and their version (0, no author: the built-in values, never saved)."""

    config: ThrottleConfig
    version: int
    updated_by: str | None = None
    updated_at: str | None = None
