"""Upload function: POST /imports (presigned or direct) and the S3 event that starts an upload;
the other changes to jobs, and saving the throttle settings (the only writer of them)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import unquote, unquote_plus

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.utilities.data_classes import S3Event
from aws_lambda_powertools.utilities.typing import LambdaContext

from ingestion.domain.errors import InvalidRequestError
from ingestion.domain.job import JOB_ID_MAX_LENGTH, Job
from ingestion.http.auth import caller_of
from ingestion.http.error_answers import register_error_handlers
from ingestion.http.requests import (
    CreateImportRequest,
    DirectImportParams,
    PreviewFormat,
    PreviewMapping,
    PreviewProfile,
    SaveProfileRequest,
    ThrottleSettingsRequest,
    UpdateImportRequest,
    before_body,
    body_bytes,
    content_type,
    guard_json_bodies,
    preview_mapping,
)
from ingestion.http.responses import (
    AcceptedImport,
    CreatedImport,
    JobView,
    PreviewView,
    ProfileView,
    ThrottleSettingsView,
    error_responses,
)
from ingestion.services import rights
from ingestion.services.admin_settings import require_admin, save_throttle_settings
from ingestion.services.imports import (
    DirectImport,
    cancel_import,
    change_throttle,
    create_direct_import,
    create_presigned_import,
    delete_import,
    on_object_created,
)
from ingestion.services.logs import route_layer_logs
from ingestion.services.preview import PreviewRequest, preview_import
from ingestion.services.profiles import delete_profile, save_profile
from ingestion.services.wiring import Services

logger = Logger()
route_layer_logs(logger)  # the layer's modules log through it too
tracer = Tracer()
metrics = Metrics()
app = APIGatewayHttpResolver(enable_validation=True)
guard_json_bodies(app)
register_error_handlers(app)
services = Services()
# The IAM rights its code calls (template.yaml grants exactly these): small files are imported
# here, synchronously, so a segment's rights too.
RIGHTS = rights.IMPORTS | rights.SEGMENT | rights.SETTINGS_SAVING | rights.PROFILES_SAVING | rights.PREVIEW
CSV_TYPES = {"text/csv", "application/csv", "text/plain"}
JobId = Annotated[str, Path(min_length=1, max_length=JOB_ID_MAX_LENGTH)]
# As sent, percent-encoded (the route's handler decodes it): up to 64 characters of up to 4 UTF-8 bytes.
ProfileName = Annotated[str, Path(min_length=1, max_length=64 * 12, description="the profile's name")]


def _view(job: Job) -> JobView:
    """The job as the API shows it, now."""
    return JobView.of(job, services.clock(), services.settings.patience)


@app.post(
    "/imports",
    summary="Create an import",
    description=(
        "With a JSON body: create a job awaiting its file and get a presigned S3 POST for it (201). "
        "With a text/csv body of up to 5 MB: store it and queue the job (202), or with mode=sync "
        "import a file under 5,000 rows inside the request (200)."
    ),
    responses={
        200: {"description": "imported (mode=sync)", "content": {"application/json": {"model": JobView}}},
        201: {
            "description": "job created; upload the file",
            "content": {"application/json": {"model": CreatedImport}},
        },
        202: {
            "description": "file stored, job queued",
            "content": {"application/json": {"model": AcceptedImport}},
        },
        **error_responses(400, 401, 413, 422, 429),
    },
    status_code=201,
)
def create_import() -> Response[dict[str, Any]]:
    # Reads its body itself: a JSON one or a CSV one, which a Powertools route cannot declare both
    # of (devstack/openapi.py documents the two).
    caller = caller_of(app)
    media_type = content_type(app)
    if media_type == "application/json":
        if app.current_event.query_string_parameters:
            raise InvalidRequestError(
                "query options go with a text/csv body; with a JSON body put them in the body"
            )
        request = CreateImportRequest.model_validate_json(body_bytes(app) or b"null")
        job, upload = create_presigned_import(request.options(), caller, services)
        created = CreatedImport.model_validate({**AcceptedImport.of(job).model_dump(), "upload": upload})
        return Response(201, content_types.APPLICATION_JSON, created.model_dump(mode="json"))
    if media_type in CSV_TYPES:
        params = DirectImportParams.model_validate(app.current_event.query_string_parameters or {})
        body = body_bytes(app)
        upload = DirectImport(body=body, options=params.options(len(body)), sync=params.mode == "sync")
        context = app.lambda_context
        job, finished = create_direct_import(
            upload, caller.user_id, services, context.get_remaining_time_in_millis
        )
        if finished:
            return Response(200, content_types.APPLICATION_JSON, _view(job).model_dump(mode="json"))
        return Response(202, content_types.APPLICATION_JSON, AcceptedImport.of(job).model_dump(mode="json"))
    raise InvalidRequestError(
        "send either a JSON body (application/json) to get a presigned upload, "
        "or the CSV itself (text/csv) with ?filename=..."
    )


@app.post(
    "/imports/preview",
    summary="Preview an import",
    description=(
        "Send the first MiB of a file (text/csv; a last line cut off there is ignored) with the options "
        "an import would take: the answer is what the import would do (the layout, how each column is "
        "read, the first 20 readings, the errors, warnings and notes), or the 422 it would fail with. "
        "Nothing is written and no job is created."
    ),
    responses={
        200: {
            "description": "what the import would do",
            "content": {"application/json": {"model": PreviewView}},
        },
        **error_responses(400, 401, 413, 422),
    },
)
def preview(
    format: PreviewFormat = None, mapping: PreviewMapping = None, profile: PreviewProfile = None
) -> PreviewView:
    # Reads its body itself, as POST /imports does a CSV one (devstack/openapi.py documents it).
    caller = caller_of(app)
    if content_type(app) not in CSV_TYPES:
        raise InvalidRequestError("send the start of the CSV file as the body, with Content-Type: text/csv")
    request = PreviewRequest(body_bytes(app), format, preview_mapping(mapping), profile)
    return PreviewView.of(preview_import(request, caller.user_id, services))


@app.post(
    "/imports/<job_id>/cancel",
    summary="Cancel an import",
    description="Stops the job within one batch; rows imported before that are kept. A job no worker "
    "holds is cancelled at once; a running one reads cancelling until its batch in hand is counted.",
    responses={
        200: {
            "description": "the job, cancelled or cancelling",
            "content": {"application/json": {"model": JobView}},
        },
        **error_responses(400, 401, 404, 409),
    },
)
def cancel(job_id: JobId) -> JobView:
    return _view(cancel_import(job_id, caller_of(app).user_id, services))


@app.patch(
    "/imports/<job_id>",
    summary="Change an import's throttle",
    description=(
        "The owner (or an administrator, for anyone's job) gives a job that has not ended a new "
        "throttle; a running import takes it from its next batch (the one after, if it runs without "
        "pauses). 409 once the job has ended."
    ),
    responses={
        200: {"description": "the job", "content": {"application/json": {"model": JobView}}},
        **error_responses(400, 401, 404, 409),
    },
)
def update(job_id: JobId, request: Annotated[UpdateImportRequest, Body()]) -> JobView:
    return _view(change_throttle(job_id, caller_of(app), request.requested_throttle(), services))


@app.put(
    "/settings/import-throttle",
    summary="Save the import throttle settings (administrators)",
    description=(
        "Replaces the default throttle and the four presets that new jobs take their throttle from. "
        "Send the version you read: if someone saved since, the answer is 409 and nothing changes."
    ),
    responses={
        200: {
            "description": "saved, with its new version",
            "content": {"application/json": {"model": ThrottleSettingsView}},
        },
        **error_responses(400, 401, 403, 409, conflict="changed by someone else since that version"),
    },
)
@before_body(require_admin)  # whatever the body holds, a non-administrator gets 403
def put_throttle_settings(request: Annotated[ThrottleSettingsRequest, Body()]) -> ThrottleSettingsView:
    saved = save_throttle_settings(
        caller_of(app), request.config(), request.version, services.throttle_settings, services.clock
    )
    return ThrottleSettingsView.of(saved)


@app.delete(
    "/imports/<job_id>",
    summary="Delete an import",
    description=(
        "Removes the job, its file and the readings it wrote last, in the background (202). "
        "A queued or running job must be cancelled first (409)."
    ),
    responses={
        202: {"description": "being deleted", "content": {"application/json": {"model": AcceptedImport}}},
        **error_responses(400, 401, 404, 409),
    },
    status_code=202,
)
def delete(job_id: JobId) -> Response[dict[str, Any]]:
    job = delete_import(job_id, caller_of(app).user_id, services)
    return Response(202, content_types.APPLICATION_JSON, AcceptedImport.of(job).model_dump(mode="json"))


@app.put(
    "/profiles/<name>",
    summary="Save a profile (create or replace it)",
    description=(
        "Saves a column mapping (and optionally a format) under a name of yours: 1 to 64 letters, digits, "
        "spaces, _ . and -. An import names it with profile. A profile of that name is replaced whole (200); "
        "a new one is created (201). You keep at most 100 profiles: beyond, a new one is a 409."
    ),
    responses={
        200: {"description": "replaced", "content": {"application/json": {"model": ProfileView}}},
        201: {"description": "created", "content": {"application/json": {"model": ProfileView}}},
        **error_responses(400, 401, 409, conflict="you already keep as many profiles as one user may"),
    },
    status_code=201,
)
def put_profile(
    name: ProfileName, request: Annotated[SaveProfileRequest, Body()]
) -> Response[dict[str, Any]]:
    profile, created = save_profile(
        caller_of(app).user_id,
        unquote(name),
        request.mapping,
        request.format,
        services.profiles,
        services.clock,
    )
    return Response(
        201 if created else 200,
        content_types.APPLICATION_JSON,
        ProfileView.of(profile).model_dump(mode="json"),
    )


@app.delete(
    "/profiles/<name>",
    summary="Delete a profile",
    description="Imports that used it keep the mapping they were given.",
    responses={204: {"description": "deleted"}, **error_responses(400, 401, 404)},
    status_code=204,
)
def remove_profile(name: ProfileName) -> Response[None]:
    delete_profile(caller_of(app).user_id, unquote(name), services.profiles)
    return Response(204, None, None)


def _on_s3_event(event: dict[str, Any]) -> dict[str, Any]:
    results = []
    for record in S3Event(event).records:
        if record.s3.bucket.name != services.settings.upload_bucket:
            results.append("ignored: another bucket")
            continue
        key = unquote_plus(record.s3.get_object.key)
        stored = record.s3.get_object
        results.append(on_object_created(key, stored.size or 0, stored.etag or None, services))
    logger.info("object events", extra={"results": results})
    return {"results": results}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if event.get("Event") == "s3:TestEvent":
        return {"results": ["ignored: test event"]}
    if "Records" in event:
        return _on_s3_event(event)
    return app.resolve(event, context)
