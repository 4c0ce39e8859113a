"""Progress maths: percent, rate, ETA, success rate, estimated total. Pure; the clock is a parameter."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Rate is measured over the recent past, not since the start: queue waits, throttle pauses and
# re-enqueue delays long ago must not drag today's figure down.
RATE_WINDOW_S = 60.0
# Samples are thinned to one per interval so the list on the job item stays small: every shard's
# cursor keeps a minute of them, and every commit of every shard writes the whole item (13 samples
# of ~34 bytes a shard; at 2 s it was 31, and 8 shards made a 9.8 KB item, 10 WRU a commit).
SAMPLE_SPACING_S = 5.0
# A job with no commit for this long shows no rate (it is not moving).
RATE_STALE_S = 120.0
# A job that ran for less than this shows no average rate: "7.5 rows/s" for 3 rows means nothing.
MIN_AVERAGE_SPAN_S = 1.0
# The success rate is shown as a percentage with one decimal: the ratio has three.
SUCCESS_RATE_STEPS = 1000


@dataclass(frozen=True)
class Sample:
    """Cumulative progress at one instant (epoch seconds)."""

    at: float
    rows: int
    bytes: int


@dataclass(frozen=True)
class Progress:
    percent: float
    total_rows: int | None
    total_rows_exact: bool
    rows_per_sec: float | None
    eta_seconds: int | None
    success_rate: float | None


def success_rate(*, imported: int, processed: int) -> float | None:
    """imported / processed, rounded down to a tenth of a percent (0.999 is 99.9 %), and never 1.0
    while a row failed nor 0.0 while one was imported: the one rule every surface shows."""
    if processed <= 0:
        return None
    steps = imported * SUCCESS_RATE_STEPS // processed  # whole numbers: no float rounds it up
    if imported < processed:
        steps = min(steps, SUCCESS_RATE_STEPS - 1)
    if imported > 0:
        steps = max(steps, 1)
    return steps / SUCCESS_RATE_STEPS


def add_sample(samples: list[Sample], new: Sample) -> list[Sample]:
    """Append a sample, keep one per SAMPLE_SPACING_S and only those inside the rate window."""
    kept = [s for s in samples if new.at - s.at <= RATE_WINDOW_S]
    if len(kept) >= 2 and kept[-1].at - kept[-2].at < SAMPLE_SPACING_S:
        kept[-1] = new  # the newest is provisional until it is a full spacing from the one before
    else:
        kept.append(new)
    return kept


def percent_done(bytes_processed: int, bytes_total: int | None, finished: bool) -> float:
    if finished:
        return 100.0
    if not bytes_total:
        return 0.0
    return round(min(99.99, 100.0 * bytes_processed / bytes_total), 2)


def estimate_total_rows(processed_rows: int, bytes_processed: int, bytes_total: int | None) -> int | None:
    """Rows seen so far plus the remaining bytes at the average row size seen so far."""
    if not bytes_total or processed_rows <= 0 or bytes_processed <= 0:
        return None
    remaining = max(0, bytes_total - bytes_processed)
    return processed_rows + round(remaining * processed_rows / bytes_processed)


def recent_rates(samples: list[Sample], now: float) -> tuple[float, float] | None:
    """(rows/s, bytes/s) over the samples in the window ending at the newest, or None."""
    if len(samples) < 2 or now - samples[-1].at > RATE_STALE_S:
        return None
    newest = samples[-1]
    window = [s for s in samples if newest.at - s.at <= RATE_WINDOW_S]
    oldest = window[0]
    elapsed = newest.at - oldest.at
    if elapsed <= 0:
        return None
    return (newest.rows - oldest.rows) / elapsed, (newest.bytes - oldest.bytes) / elapsed


def combined_rates(samples: Sequence[list[Sample]], now: float) -> tuple[float, float] | None:
    """(rows/s, bytes/s) summed over shards that are moving, or None when none is."""
    moving = [rates for shard in samples if (rates := recent_rates(shard, now)) is not None]
    if not moving:
        return None
    return sum(r for r, _ in moving), sum(b for _, b in moving)


def compute_progress(
    *,
    processed_rows: int,
    imported_rows: int,
    bytes_processed: int,
    bytes_total: int | None,
    finished: bool,
    samples: Sequence[list[Sample]],
    now: float,
) -> Progress:
    """`samples`: each shard's own; the job's rate is the sum of its shards' rates."""
    rate = success_rate(imported=imported_rows, processed=processed_rows)
    if finished:
        return Progress(100.0, processed_rows, True, None, 0, rate)
    rates = combined_rates(samples, now)
    rows_per_sec = eta = None
    if rates is not None:
        rows_per_sec = round(rates[0], 1)
        if rates[1] > 0 and bytes_total:
            eta = max(0, round((bytes_total - bytes_processed) / rates[1]))
    return Progress(
        percent=percent_done(bytes_processed, bytes_total, finished=False),
        total_rows=estimate_total_rows(processed_rows, bytes_processed, bytes_total),
        total_rows_exact=False,
        rows_per_sec=rows_per_sec,
        eta_seconds=eta,
        success_rate=rate,
    )


def average_rate(rows: int, started_at: float | None, ended_at: float | None) -> float | None:
    """Rows per second over a finished job's whole run; None for a run under a second."""
    if started_at is None or ended_at is None or ended_at - started_at < MIN_AVERAGE_SPAN_S:
        return None
    return round(rows / (ended_at - started_at), 1)
