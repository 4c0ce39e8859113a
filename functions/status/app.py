"""Status function: the caller's jobs and their progress, the throttle settings (to read), the web
pages, the OpenAPI document."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import unquote

import pages
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.utilities.typing import LambdaContext

from ingestion.domain.clock import system_clock
from ingestion.domain.coverage import DEFAULT_PAGE as DEFAULT_COVERAGE_PAGE
from ingestion.domain.coverage import MAX_PAGE as MAX_COVERAGE_PAGE
from ingestion.domain.job import JOB_ID_MAX_LENGTH, Job, JobStatus
from ingestion.http.auth import caller_of
from ingestion.http.error_answers import register_error_handlers
from ingestion.http.requests import (
    DEFAULT_READINGS_CHANNEL,
    DEFAULT_READINGS_PAGE,
    ReadingsChannel,
    ReadingsFrom,
    ReadingsLimit,
    ReadingsMeter,
    ReadingsNext,
    ReadingsTo,
    readings_range,
    wants_csv,
)
from ingestion.http.responses import (
    CoverageView,
    ErrorReportLinks,
    JobPage,
    JobView,
    ProfileList,
    ProfileView,
    ReadingPage,
    ReadingView,
    ThrottleSettingsView,
    error_responses,
    readings_csv,
    readings_filename,
)
from ingestion.services import rights
from ingestion.services.admin_settings import read_throttle_settings
from ingestion.services.coverage import coverage_page
from ingestion.services.logs import route_layer_logs
from ingestion.services.profiles import get_profile, list_profiles
from ingestion.services.readings import all_readings, readings_page
from ingestion.services.status import MAX_PAGE, error_report_links, get_job, list_jobs
from ingestion.settings import get_settings
from ingestion.store.jobs import JobRepository
from ingestion.store.profiles import ProfileRepository
from ingestion.store.queue import IngestQueue
from ingestion.store.reading_log import ReadingLog
from ingestion.store.reading_queries import ReadingQueries
from ingestion.store.reports import ReportStore
from ingestion.store.throttle_settings import ThrottleSettingsRepository

logger = Logger()
route_layer_logs(logger)  # the layer's modules log through it too
tracer = Tracer()
app = APIGatewayHttpResolver(enable_validation=True)
register_error_handlers(app)
jobs = JobRepository()
reports = ReportStore()
throttle_settings = ThrottleSettingsRepository()
readings = ReadingQueries()
reading_log = ReadingLog()
ingest_queue = IngestQueue()  # (only to ask for a large job's missing coverage)
profiles = ProfileRepository()
settings = get_settings()
# The IAM rights its code calls (template.yaml grants exactly these): no uploaded file, no writes
# but an error report's assembly and a coverage built for a job that ended without one (or, for a
# large job, asked of the ingest function).
RIGHTS = rights.STATUS | rights.SETTINGS_READING | rights.READINGS | rights.PROFILES_READING
JobId = Annotated[str, Path(min_length=1, max_length=JOB_ID_MAX_LENGTH)]
# As sent, percent-encoded (the route's handler decodes it): up to 64 characters of up to 4 UTF-8 bytes.
ProfileName = Annotated[str, Path(min_length=1, max_length=64 * 12, description="the profile's name")]


def _view(job: Job) -> JobView:
    return JobView.of(job, system_clock(), settings.patience)


@app.get(
    "/imports",
    summary="List your imports, newest first",
    responses={
        200: {"description": "a page of jobs", "content": {"application/json": {"model": JobPage}}},
        **error_responses(400, 401),
    },
)
def list_imports(
    status: Annotated[JobStatus | None, Query(description="only jobs in this status")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="page size")] = 20,
    next_token: Annotated[
        str | None, Query(alias="next", max_length=1024, description="from the previous page")
    ] = None,
) -> JobPage:
    page, token = list_jobs(caller_of(app), jobs, status=status, limit=limit, next_token=next_token)
    return JobPage(items=[_view(job) for job in page], next=token)


@app.get(
    "/imports/<job_id>",
    summary="An import and its progress",
    responses={
        200: {"description": "the job", "content": {"application/json": {"model": JobView}}},
        **error_responses(400, 401, 404),
    },
)
def get_import(job_id: JobId) -> JobView:
    return _view(get_job(job_id, caller_of(app), jobs))


@app.get(
    "/imports/<job_id>/errors",
    summary="Links to download a finished import's error report and its fix-and-re-import file",
    responses={
        200: {"description": "the links", "content": {"application/json": {"model": ErrorReportLinks}}},
        **error_responses(400, 401, 404, 409, 410),
    },
)
def get_error_report(job_id: JobId) -> ErrorReportLinks:
    links = error_report_links(job_id, caller_of(app), jobs, reports, expires_in=settings.report_link_seconds)
    return ErrorReportLinks.model_validate(links, from_attributes=True)


@app.get(
    "/imports/<job_id>/coverage",
    summary="Which half hours an import wrote: per meter and day, periods written, estimated, missing",
    description=(
        "For each meter and channel the import wrote, its UK local days from the first to the last, each "
        "with the periods written, estimated and missing (a day has 46, 48 or 50 half hours; a daily "
        "reading is one). Ready once the import has ended; a page of meters at a time."
    ),
    responses={
        200: {
            "description": "a page of the coverage",
            "content": {"application/json": {"model": CoverageView}},
        },
        **error_responses(400, 401, 404, 409),
    },
)
def get_coverage(
    job_id: JobId,
    cursor: Annotated[str | None, Query(max_length=16, description="from the previous page")] = None,
    limit: Annotated[
        int, Query(ge=1, le=MAX_COVERAGE_PAGE, description="meters per page")
    ] = DEFAULT_COVERAGE_PAGE,
) -> CoverageView:
    page = coverage_page(
        job_id, caller_of(app), jobs, reading_log, ingest_queue, system_clock(), cursor=cursor, limit=limit
    )
    return CoverageView.model_validate(page)


@app.get(
    "/readings",
    summary="A meter's readings over a range of days, in time order",
    description=(
        "Half-hourly and daily readings of one meter on one channel, from one UK local date to another "
        "(both included, at most 366 days), merged in time order, a page at a time. Readings are the "
        "deployment's shared data: any signed-in user may read any meter's. With Accept: text/csv, "
        "every reading of the range (no paging) as a CSV download: start, end, local_date, period, "
        "kind, value_kwh, estimated, job_id."
    ),
    responses={
        200: {
            "description": "a page of readings, or with Accept: text/csv the whole range as a CSV file",
            "content": {
                "application/json": {"model": ReadingPage},
                "text/csv": {"schema": {"type": "string"}},
            },
        },
        **error_responses(400, 401),
    },
)
def get_readings(
    meter: ReadingsMeter,
    from_: ReadingsFrom,
    to: ReadingsTo,
    channel: ReadingsChannel = DEFAULT_READINGS_CHANNEL,
    limit: ReadingsLimit = DEFAULT_READINGS_PAGE,
    next_token: ReadingsNext = None,
) -> Response[Any]:
    caller_of(app)  # anyone signed in: readings are shared (docs/design.md)
    query = readings_range(meter, channel, from_, to)
    if wants_csv(app):
        return Response(
            200,
            "text/csv; charset=utf-8",
            readings_csv(all_readings(query, store=readings)),
            headers={"Content-Disposition": f'attachment; filename="{readings_filename(query)}"'},
        )
    page = readings_page(query, limit=limit, next_token=next_token, store=readings)
    body = ReadingPage(
        meter=query.meter,
        channel=query.channel,
        items=[ReadingView.of(r) for r in page.items],
        next=page.next,
    )
    return Response(200, content_types.APPLICATION_JSON, body.model_dump(mode="json"))


@app.get(
    "/settings/import-throttle",
    summary="The import throttle settings (administrators)",
    description=(
        "The default throttle and the four presets, each with its size band, that new jobs take their "
        "throttle from: as last saved, or the built-in values (version 0) while nothing was saved."
    ),
    responses={
        200: {
            "description": "the settings",
            "content": {"application/json": {"model": ThrottleSettingsView}},
        },
        **error_responses(401, 403),
    },
)
def get_throttle_settings() -> ThrottleSettingsView:
    return ThrottleSettingsView.of(read_throttle_settings(caller_of(app), throttle_settings))


@app.get(
    "/profiles",
    summary="List your profiles, by name",
    responses={
        200: {"description": "your profiles", "content": {"application/json": {"model": ProfileList}}},
        **error_responses(401),
    },
)
def get_profiles() -> ProfileList:
    return ProfileList(items=[ProfileView.of(p) for p in list_profiles(caller_of(app).user_id, profiles)])


@app.get(
    "/profiles/<name>",
    summary="One of your profiles",
    responses={
        200: {"description": "the profile", "content": {"application/json": {"model": ProfileView}}},
        **error_responses(400, 401, 404),
    },
)
def get_one_profile(name: ProfileName) -> ProfileView:
    return ProfileView.of(get_profile(caller_of(app).user_id, unquote(name), profiles))


@app.get("/openapi.json", include_in_schema=False)
def openapi_document() -> Response[str]:
    return pages.openapi_document()


@app.get("/admin/imports/jobs", include_in_schema=False)
def jobs_page() -> Response[str]:
    return pages.page("jobs")


@app.get("/admin/imports/status/<job_id>", include_in_schema=False)
def status_page(job_id: str) -> Response[str]:
    return pages.page("status")  # the page's script reads the id from its own URL


@app.get("/admin/imports/new", include_in_schema=False)
def new_import_page() -> Response[str]:
    return pages.page("new")


@app.get("/admin/settings", include_in_schema=False)
def settings_page() -> Response[str]:
    return pages.page("settings")


@app.get("/admin/static/<name>", include_in_schema=False)
def static_file(name: str) -> Response[Any]:
    return pages.static_file(name, app.current_event.headers.get("if-none-match"))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
