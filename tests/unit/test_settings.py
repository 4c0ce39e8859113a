import pytest

from ingestion.settings import ConfigurationError, Settings

BASE = {
    "JOBS_TABLE": "j",
    "READINGS_TABLE": "r",
    "SITES_TABLE": "s",
    "SETTINGS_TABLE": "t",
    "UPLOAD_BUCKET": "b",
    "INGEST_QUEUE_URL": "q",
}


def test_settings_are_read_from_the_environment_with_defaults():
    s = Settings.from_env(BASE | {"MAX_SEGMENTS": "7"})
    assert (s.jobs_table, s.max_segments, s.default_throttle) == ("j", 7, "auto")


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"MAX_SEGMENTS": "zero"}, "MAX_SEGMENTS"),
        ({"DEFAULT_THROTTLE": "warp"}, "DEFAULT_THROTTLE"),
        ({}, "JOBS_TABLE"),
    ],
)
def test_a_bad_or_missing_setting_fails_at_start_naming_the_variable(env, named):
    source = (BASE | env) if env else {k: v for k, v in BASE.items() if k != "JOBS_TABLE"}
    with pytest.raises(ConfigurationError, match=named):
        Settings.from_env(source)
