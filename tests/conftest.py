"""Test-wide environment: fake credentials and the names the template gives the stack's resources.

Set before any ingestion module is imported (pynamodb reads table names at import time)."""

import os

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_REGION": "eu-west-2",
        "AWS_DEFAULT_REGION": "eu-west-2",
        # The names template.yaml gives the stack "csv-import" (checked by test_stack_names).
        "JOBS_TABLE": "csv-import-jobs",
        "READINGS_TABLE": "csv-import-readings",
        "SITES_TABLE": "csv-import-sites",
        "SETTINGS_TABLE": "csv-import-settings",
        "PROFILES_TABLE": "csv-import-profiles",
        "UPLOAD_BUCKET": "csv-import-uploads-123456789012-eu-west-2",
        "INGEST_QUEUE_URL": "https://sqs.eu-west-2.amazonaws.com/123456789012/csv-import-ingest",
        "POWERTOOLS_SERVICE_NAME": "csv-import",
        "POWERTOOLS_METRICS_NAMESPACE": "CsvImportTests",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
)
for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
    os.environ.pop(name, None)

# Property tests check behaviour, not speed: no per-example deadline (a loaded 2-core machine makes
# one example take seconds now and then, and timing belongs in `make bench`).
from hypothesis import settings  # noqa: E402

settings.register_profile("csvimport", deadline=None)
settings.load_profile("csvimport")
