"""The layer's log lines reach CloudWatch as the handlers' own do.

Modules of the layer log with the standard library (`logging.getLogger(__name__)`: the domain
imports no Powertools). Without this, those lines go to the root logger, which on Lambda drops
INFO and is not JSON. Each handler calls `route_layer_logs(logger)` once at cold start: the
"ingestion" logger, parent of every layer module's logger, then writes through the handler's
Powertools logger, at its level (LogLevel / POWERTOOLS_LOG_LEVEL), as JSON with the keys the
handler appended (the Lambda context's, the job id)."""

from __future__ import annotations

import logging

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

LAYER_LOGGER = "ingestion"


def route_layer_logs(logger: Logger) -> None:
    logging.getLogger(LAYER_LOGGER)  # registered now, so that it is found; module loggers are its children
    copy_config_to_registered_loggers(source_logger=logger, include={LAYER_LOGGER})
