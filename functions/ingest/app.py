"""Ingest function: SQS segment messages, and the scheduled re-drive run ({"once": true, "limit": N})."""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from ingestion.domain.messages import IngestMessage
from ingestion.services import rights
from ingestion.services.collector import tune_for_batches
from ingestion.services.ingest.cover import run_cover
from ingestion.services.ingest.deletion import run_delete
from ingestion.services.ingest.lifecycle import give_up
from ingestion.services.ingest.segment import run_segment
from ingestion.services.logs import route_layer_logs
from ingestion.services.redrive import redrive
from ingestion.services.wiring import Services

logger = Logger()
route_layer_logs(logger)  # the layer's modules log through it too
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)
services = Services()
# The IAM rights its code calls (template.yaml grants exactly these).
RIGHTS = rights.SEGMENT | rights.DELETION | rights.REDRIVE | rights.COVERING
DEFAULT_REDRIVE_LIMIT = 10
tune_for_batches()  # (last: what was imported above is frozen, never collected)


def record_handler(record: SQSRecord, lambda_context: LambdaContext) -> str:
    try:
        message = IngestMessage.model_validate_json(record.body)
    except ValidationError:
        # A malformed message can never succeed: acknowledge it rather than retry it forever.
        logger.error("dropping malformed ingest message", extra={"message_id": record.message_id})
        return "dropped"
    logger.append_keys(job_id=message.job_id, segment=message.segment)
    started = time.monotonic()
    work = {"delete": run_delete, "cover": run_cover}.get(message.action, run_segment)
    try:
        report = work(message, lambda_context.get_remaining_time_in_millis, services)
    except Exception as exc:
        if int(record.attributes.approximate_receive_count) >= services.settings.max_receive_count:
            give_up(message, exc, services)
        raise
    seconds = time.monotonic() - started
    logger.info(
        "segment done",
        extra={
            "outcome": report.outcome.value,
            "reason": report.reason,
            "rows": report.rows,
            "batches": report.batches,
            "seconds": round(seconds, 3),
        },
    )
    metrics.add_metric(name="RowsProcessed", unit=MetricUnit.Count, value=report.rows)
    metrics.add_metric(name="RowsImported", unit=MetricUnit.Count, value=report.imported)
    metrics.add_metric(name="RowsFailed", unit=MetricUnit.Count, value=report.failed)
    metrics.add_metric(name="SegmentDuration", unit=MetricUnit.Seconds, value=seconds)
    return report.outcome.value


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if event.get("once"):
        limit = int(event.get("limit") or DEFAULT_REDRIVE_LIMIT)
        return redrive(max(1, limit), services).as_dict()
    return process_partial_response(event, record_handler, processor, context)
