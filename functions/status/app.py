"""Status function: the caller's jobs and their progress, the throttle settings (to read), the web
pages, the OpenAPI document."""

from __future__ import annotations

from typing import Annotated, Any

import pages
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.utilities.typing import LambdaContext

from ingestion.api import caller_of, register_error_handlers
from ingestion.models import JobStatus
from ingestion.schemas import ErrorReportLinks, JobPage, JobView, ThrottleSettingsView, error_responses
from ingestion.status import MAX_PAGE, error_report_links, get_job, list_jobs
from ingestion.store.jobs import JobRepository
from ingestion.store.reports import ReportStore
from ingestion.store.throttle_settings import ThrottleSettingsRepository
from ingestion.throttle_admin import read_throttle_settings

logger = Logger()
tracer = Tracer()
app = APIGatewayHttpResolver(enable_validation=True)
register_error_handlers(app)
jobs = JobRepository()
reports = ReportStore()
throttle_settings = ThrottleSettingsRepository()


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
    page = list_jobs(caller_of(app), jobs, status=status, limit=limit, next_token=next_token)
    return JobPage.model_validate(page)


@app.get(
    "/imports/<job_id>",
    summary="An import and its progress",
    responses={
        200: {"description": "the job", "content": {"application/json": {"model": JobView}}},
        **error_responses(400, 401, 404),
    },
)
def get_import(job_id: Annotated[str, Path(min_length=1, max_length=128)]) -> JobView:
    return JobView.model_validate(get_job(job_id, caller_of(app), jobs))


@app.get(
    "/imports/<job_id>/errors",
    summary="Links to download a finished import's error report and its fix-and-re-import file",
    responses={
        200: {"description": "the links", "content": {"application/json": {"model": ErrorReportLinks}}},
        **error_responses(400, 401, 404, 409, 410),
    },
)
def get_error_report(job_id: Annotated[str, Path(min_length=1, max_length=128)]) -> ErrorReportLinks:
    return ErrorReportLinks.model_validate(error_report_links(job_id, caller_of(app), jobs, reports))


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
    return ThrottleSettingsView.model_validate(read_throttle_settings(caller_of(app), throttle_settings))


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
