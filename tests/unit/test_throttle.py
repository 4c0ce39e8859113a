import re

import pytest

from ingestion.domain.throttle import (
    OFF,
    PRESETS,
    Pause,
    Throttle,
    built_in_config,
    plan_pause,
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
    assert built_in_config("auto").for_size(size).preset == preset


def test_a_job_keeps_its_own_throttle_over_the_default():
    own = Throttle(batch_size=7, delay_ms=9)
    assert resolve_throttle(own, built_in_config("auto"), 10**9) == own
    assert resolve_throttle("large", built_in_config("off"), 10) == PRESETS["large"]
    assert resolve_throttle(None, built_in_config("off"), 10**9) == OFF
    assert resolve_throttle(None, built_in_config("auto"), 10**9) == PRESETS["very_large"]
    assert resolve_throttle(None, built_in_config("auto"), None) == PRESETS["medium"]  # size unknown


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
    from ingestion.domain.throttle import MAX_ADAPTIVE_DELAY_MS, MIN_ADAPTIVE_BATCH, adapt

    own = PRESETS["medium"]
    first = adapt(own, own, resends=7)
    assert (first.throttle.batch_size, first.throttle.delay_ms, first.throttled) == (50, 200, True)
    assert "7 re-sent" in first.reason
    slowest = own
    for _ in range(20):
        slowest = adapt(own, slowest, resends=1).throttle
    assert (slowest.batch_size, slowest.delay_ms) == (MIN_ADAPTIVE_BATCH, MAX_ADAPTIVE_DELAY_MS)


def test_clean_batches_speed_back_up_to_the_jobs_own_throttle_and_clear_the_flag():
    from ingestion.domain.throttle import adapt

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


def operator_settings(default="auto", **changes):
    """The built-in presets as a settings document, with some presets' values changed."""
    document = built_in_config(default).model_dump()
    for name, values in changes.items():
        document["presets"][name] |= values
    return document


def test_operator_settings_move_the_size_bands_and_the_presets_values():
    from ingestion.domain.throttle import ThrottleConfig

    config = ThrottleConfig.model_validate(
        operator_settings(small={"max_bytes": 1_000}, medium={"batch_size": 300, "delay_ms": 20})
    )

    assert config.for_size(1_000).preset == "small"
    assert config.for_size(1_001) == Throttle(batch_size=300, delay_ms=20, preset="medium")
    assert resolve_throttle("medium", config, 10) == Throttle(batch_size=300, delay_ms=20, preset="medium")


def test_off_runs_the_unthrottled_presets_batches_without_any_pause():
    from ingestion.domain.throttle import ThrottleConfig

    config = ThrottleConfig.model_validate(
        operator_settings("off", small={"batch_size": 400, "delay_ms": 50})
    )

    assert resolve_throttle(None, config, 10**9) == Throttle(batch_size=400, delay_ms=0, preset="small")


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"medium": {"max_bytes": 100}}, "medium.max_bytes (100) must be larger than small.max_bytes"),
        ({"large": {"max_bytes": None}}, "large.max_bytes is missing"),
        ({"very_large": {"max_bytes": 10**12}}, "very_large.max_bytes must be null"),
        ({"small": {"batch_size": 0}}, "greater than or equal to 1"),
        ({"small": {"delay_ms": 900_001}}, "less than or equal to 900000"),
    ],
)
def test_operator_settings_that_make_no_sense_are_refused_with_the_reason(changes, words):
    from pydantic import ValidationError

    from ingestion.domain.throttle import ThrottleConfig

    with pytest.raises(ValidationError, match=re.escape(words)):
        ThrottleConfig.model_validate(operator_settings(**changes))


def test_every_preset_must_be_set():
    from pydantic import ValidationError

    from ingestion.domain.throttle import ThrottleConfig

    document = operator_settings()
    del document["presets"]["large"]
    with pytest.raises(ValidationError, match=r"presets\.large"):
        ThrottleConfig.model_validate(document)
