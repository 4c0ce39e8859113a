import pytest

from ingestion.throttle import (
    OFF,
    PRESETS,
    Pause,
    Throttle,
    plan_pause,
    preset_for_size,
    resolve_throttle,
    segment_should_stop,
)


def test_the_original_presets():
    assert {k: (v.batch_size, v.delay_ms) for k, v in PRESETS.items() if k != "small"} == {
        "medium": (100, 100),
        "large": (50, 200),
        "very_large": (25, 300),
    }
    assert PRESETS["small"].delay_ms == 0


@pytest.mark.parametrize(
    ("size", "preset"),
    [(1_000, "small"), (199_999, "small"), (200_000, "medium"), (3_999_999, "large"), (10**9, "very_large")],
)
def test_the_default_preset_follows_the_file_size(size, preset):
    assert preset_for_size(size).preset == preset


def test_a_job_keeps_its_own_throttle_over_the_default():
    own = Throttle(batch_size=7, delay_ms=9)
    assert resolve_throttle(own, "auto", 10**9) == own
    assert resolve_throttle("large", "off", 10) == PRESETS["large"]
    assert resolve_throttle(None, "off", 10**9) == OFF
    assert resolve_throttle(None, "auto", 10**9) == PRESETS["very_large"]


def test_short_pauses_are_slept_and_long_ones_continue_through_the_queue():
    assert plan_pause(0, 1000) == Pause()
    assert plan_pause(300, 1000) == Pause(sleep_ms=300)
    assert plan_pause(1500, 1000) == Pause(requeue_delay_s=2)
    assert plan_pause(3_600_000, 1000) == Pause(requeue_delay_s=900)  # SQS's longest delay


def test_a_segment_stops_when_the_next_batch_might_not_fit():
    assert not segment_should_stop(remaining_ms=30_000, safety_ms=20_000)
    assert segment_should_stop(remaining_ms=19_999, safety_ms=20_000)
    assert segment_should_stop(remaining_ms=20_500, safety_ms=20_000, pending_sleep_ms=600)


def test_throttled_writes_halve_the_batch_and_double_the_pause_within_bounds():
    from ingestion.throttle import MAX_ADAPTIVE_DELAY_MS, MIN_ADAPTIVE_BATCH, adapt

    own = PRESETS["medium"]
    first = adapt(own, own, resends=7)
    assert (first.throttle.batch_size, first.throttle.delay_ms, first.throttled) == (50, 200, True)
    assert "7 re-sent" in first.reason
    slowest = own
    for _ in range(20):
        slowest = adapt(own, slowest, resends=1).throttle
    assert (slowest.batch_size, slowest.delay_ms) == (MIN_ADAPTIVE_BATCH, MAX_ADAPTIVE_DELAY_MS)


def test_clean_batches_speed_back_up_to_the_jobs_own_throttle_and_clear_the_flag():
    from ingestion.throttle import adapt

    own = OFF  # throttling off: no pause at all once recovered
    current = adapt(own, own, resends=3).throttle
    steps = []
    while True:
        step = adapt(own, current, resends=0)
        steps.append(step.throttled)
        current = step.throttle
        if not step.throttled:
            break
    assert current == own and steps[-1] is False and all(steps[:-1])
