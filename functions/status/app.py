"""Status function: the caller's jobs and their progress."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from ingestion.api import caller_of, register_error_handlers
from ingestion.status import get_job, list_jobs
from ingestion.store.jobs import JobRepository

logger = Logger()
tracer = Tracer()
app = APIGatewayHttpResolver(enable_validation=True)
register_error_handlers(app)
jobs = JobRepository()


@app.get("/imports")
def list_imports() -> dict[str, Any]:
    query = app.current_event.query_string_parameters or {}
    return list_jobs(
        caller_of(app),
        jobs,
        status=query.get("status"),
        limit=query.get("limit"),
        next_token=query.get("next"),
    )


@app.get("/imports/<job_id>")
def get_import(job_id: str) -> dict[str, Any]:
    return get_job(job_id, caller_of(app), jobs)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
