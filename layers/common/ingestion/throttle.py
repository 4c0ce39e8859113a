"""Throttle presets and the decisions taken between batches (pure functions)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

# Rows committed per batch when throttling is off: large enough to keep the per-batch job update
# cheap, small enough that a batch finishes well inside the segment's safety margin.
UNTHROTTLED_BATCH_SIZE = 1000
MAX_DELAY_SECONDS = 900  # SQS DelaySeconds upper bound


class Throttle(BaseModel):
    """Rows per batch and the pause after each batch."""

    model_config = ConfigDict(frozen=True)

    batch_size: int = Field(ge=1, le=10_000)
    delay_ms: int = Field(ge=0, le=MAX_DELAY_SECONDS * 1000)
    preset: str | None = None


# The original system's four presets (small = throttling off).
PRESETS: dict[str, Throttle] = {
    "small": Throttle(batch_size=UNTHROTTLED_BATCH_SIZE, delay_ms=0, preset="small"),
    "medium": Throttle(batch_size=100, delay_ms=100, preset="medium"),
    "large": Throttle(batch_size=50, delay_ms=200, preset="large"),
    "very_large": Throttle(batch_size=25, delay_ms=300, preset="very_large"),
}
OFF = PRESETS["small"]

# The original chose presets by row count (<5k, 5k-20k, 20k-100k, >100k). Before a file is read
# only its size is known; at ~40 bytes a half-hourly row these are the same bands in bytes.
BYTES_PER_ROW_ESTIMATE = 40
SIZE_BANDS: tuple[tuple[int, str], ...] = (
    (5_000 * BYTES_PER_ROW_ESTIMATE, "small"),
    (20_000 * BYTES_PER_ROW_ESTIMATE, "medium"),
    (100_000 * BYTES_PER_ROW_ESTIMATE, "large"),
)


def preset_for_size(size_bytes: int | None) -> Throttle:
    """The preset the original would pick for a file of this size (unknown size: medium)."""
    if size_bytes is None:
        return PRESETS["medium"]
    for limit, name in SIZE_BANDS:
        if size_bytes < limit:
            return PRESETS[name]
    return PRESETS["very_large"]


def resolve_throttle(requested: str | Throttle | None, default: str, size_bytes: int | None) -> Throttle:
    """The throttle a job runs with: its own if it asked, else the configured default.

    ``default`` is a preset name, "off", or "auto" (chosen by file size).
    """
    if isinstance(requested, Throttle):
        return requested
    choice = requested or default
    if choice == "off":
        return OFF
    if choice == "auto":
        return preset_for_size(size_bytes)
    return PRESETS[choice]


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
