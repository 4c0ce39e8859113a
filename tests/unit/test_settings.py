import pytest
from pydantic import AliasChoices

from ingestion.settings import ConfigurationError, Settings, get_settings

BASE = {
    "JOBS_TABLE": "j",
    "READINGS_TABLE": "r",
    "SITES_TABLE": "s",
    "SETTINGS_TABLE": "t",
    "PROFILES_TABLE": "p",
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


# A valid value for each field, unlike its default, as its environment variable would hold it.
VALUES = {
    "jobs_table": "jobs-x",
    "readings_table": "readings-x",
    "sites_table": "sites-x",
    "settings_table": "settings-x",
    "profiles_table": "profiles-x",
    "upload_bucket": "bucket-x",
    "ingest_queue_url": "https://sqs.invalid/x",
    "region": "eu-west-1",
    "aws_endpoint_url": "http://127.0.0.1:5000",
    "admin_group": "import-admins",
    "max_upload_bytes": "2048",
    "direct_upload_max_bytes": "1024",
    "sync_max_rows": "10",
    "max_active_imports": "3",
    "default_throttle": "off",
    "max_segments": "9",
    "min_batch_size": "30",
    "stall_after_seconds": "61",
    "queued_grace_seconds": "62",
    "lease_seconds": "45",
    "upload_url_expires_seconds": "63",
    "segment_safety_ms": "64",
    "inline_sleep_max_ms": "65",
    "max_retries": "6",
    "retry_base_seconds": "67",
    "retry_cap_seconds": "68",
    "shard_min_bytes": "69",
    "max_shards": "7",
    "report_link_seconds": "70",
    "max_receive_count": "8",
}


def test_every_setting_has_a_value_here():
    assert set(VALUES) == set(Settings.model_fields)


@pytest.mark.parametrize("field", sorted(VALUES))
def test_every_setting_is_set_by_its_environment_variable(monkeypatch, field):
    alias = Settings.model_fields[field].validation_alias
    assert isinstance(alias, AliasChoices)
    variable = alias.choices[0]
    assert variable == ("AWS_REGION" if field == "region" else field.upper())
    monkeypatch.setenv(variable, VALUES[field])
    value = getattr(Settings(), field)
    assert str(value) == VALUES[field]
    assert value != Settings.model_fields[field].default


def test_an_empty_variable_counts_as_unset(monkeypatch):
    monkeypatch.setenv("MAX_SEGMENTS", "")
    assert Settings().max_segments == 1000
    assert Settings.from_env(BASE | {"MAX_SEGMENTS": ""}).max_segments == 1000


def test_the_process_environment_is_checked_at_cold_start(monkeypatch):
    monkeypatch.setenv("MAX_SHARDS", "0")
    get_settings.cache_clear()
    try:
        with pytest.raises(ConfigurationError, match="MAX_SHARDS"):
            get_settings()
    finally:
        monkeypatch.delenv("MAX_SHARDS")
        get_settings.cache_clear()


def test_the_stall_patience_is_the_settings_own():
    patience = Settings.from_env(BASE | {"STALL_AFTER_SECONDS": "30", "QUEUED_GRACE_SECONDS": "40"}).patience
    assert (patience.stall_after_s, patience.queued_s) == (30, 40)
