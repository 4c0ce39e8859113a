"""The IAM rights each use case needs: the rights of the stores it calls (each store module names
its own, store/rights.py). Each handler unites the use cases it serves into its RIGHTS, and
template.yaml grants each function exactly those (tests/integration/test_least_privilege.py)."""

from __future__ import annotations

from ingestion.store import (
    events,
    jobs,
    lookup,
    objects,
    profiles,
    queue,
    reading_log,
    reading_queries,
    readings,
    reports,
    sites,
    throttle_settings,
)
from ingestion.store.rights import Rights

# A segment of an import (services/ingest/: claim, read the file, check, write, count, hand on,
# merge shards, end and announce the ending). The upload function runs one for a small file.
SEGMENT: Rights = (
    jobs.JOB_READS
    | jobs.JOB_UPDATES
    | readings.READING_WRITES
    | reading_log.READING_LOG_WRITES
    | reading_log.READING_LOG_READS
    | reading_log.COVERAGE_WRITES
    | sites.SITE_WRITES
    | lookup.LOOKUPS
    | objects.UPLOAD_READS
    | reports.REPORTS
    | queue.QUEUE_SENDS
    | events.EVENT_PUBLISHING
)

# Removing a deleted job (services/ingest/deletion.py): its readings undone from its log (or its
# sites removed), its file, its reports and coverage, itself.
DELETION: Rights = (
    jobs.JOB_READS
    | jobs.JOB_REMOVAL
    | readings.READING_UNDO
    | reading_log.READING_LOG_READS
    | reading_log.READING_LOG_REMOVAL
    | reading_log.COVERAGE_REMOVAL
    | sites.SITE_REMOVAL
    | objects.UPLOAD_REMOVAL
    | reports.REPORTS
    | reports.REPORT_REMOVAL
    | queue.QUEUE_SENDS
)

# The scheduled run (services/redrive.py): stalled and expired jobs by status, the file's size,
# the message sent again.
REDRIVE: Rights = (
    jobs.JOBS_BY_STATUS
    | jobs.JOBS_IN_BULK
    | jobs.JOB_READS
    | jobs.JOB_UPDATES
    | objects.UPLOAD_READS
    | queue.QUEUE_SENDS
)

# Creating and changing imports (services/imports.py): the quota, the job, the file or its
# presigned form, the throttle from the settings, the profile it names, the first message.
IMPORTS: Rights = (
    jobs.JOBS_BY_OWNER
    | jobs.JOB_CREATION
    | jobs.JOB_READS
    | jobs.JOB_UPDATES
    | objects.UPLOAD_WRITES
    | throttle_settings.SETTINGS_READS
    | profiles.PROFILE_READS
    | queue.QUEUE_SENDS
)

# Reading jobs, their reports and coverage (services/status.py, services/coverage.py), which may
# assemble a report or build the coverage first, or ask the ingest function to build a large one.
STATUS: Rights = (
    jobs.JOB_READS
    | jobs.JOBS_BY_OWNER
    | jobs.JOBS_IN_BULK
    | reports.REPORTS
    | reading_log.COVERAGE_READS
    | reading_log.COVERAGE_WRITES
    | reading_log.READING_LOG_READS
    | queue.QUEUE_SENDS
)

# Building an ended job's coverage, asked for by the status function (services/ingest/cover.py).
COVERING: Rights = (
    jobs.JOB_READS | reading_log.READING_LOG_READS | reading_log.COVERAGE_READS | reading_log.COVERAGE_WRITES
)

# The throttle settings (services/admin_settings.py): read them; save them (a conflict reads).
SETTINGS_READING: Rights = throttle_settings.SETTINGS_READS
SETTINGS_SAVING: Rights = throttle_settings.SETTINGS_READS | throttle_settings.SETTINGS_SAVES

# The readings, to look at (services/readings.py): a meter's partition, by sort-key range.
READINGS: Rights = reading_queries.READING_QUERIES

# Profiles (services/profiles.py): read and list them; save (counting them first) and delete them.
PROFILES_READING: Rights = profiles.PROFILE_READS
PROFILES_SAVING: Rights = profiles.PROFILE_READS | profiles.PROFILE_WRITES

# Previewing an import (services/preview.py): the profile it names, and the table's days of the
# other kind (the daily-beside-half-hourly warning, as an import reads them); it writes nothing.
PREVIEW: Rights = profiles.PROFILE_READS | lookup.LOOKUPS
