"""The layer's log lines reach CloudWatch as the handlers' do: JSON, at the function's log level,
with the job id and the Lambda request id (services/logs.py)."""

from __future__ import annotations

import io
import json
import logging

from tests.integration.helpers import import_csv
from tests.support import FakeContext, handler_module, hh_long_csv


def layout_lines(output: io.StringIO) -> list[dict]:
    lines = [json.loads(line) for line in output.getvalue().splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("message") == "layout detected"]


def test_a_domain_modules_info_line_is_json_with_the_job_id(stack, function_output):
    # As LogLevel INFO would have set it at cold start (the tests' environment says WARNING).
    layer = logging.getLogger("ingestion")
    before = layer.level
    layer.setLevel(logging.INFO)
    try:
        job, _ = import_csv(stack, hh_long_csv(3), context_factory=FakeContext)
    finally:
        layer.setLevel(before)
    lines = layout_lines(function_output)
    assert lines, "the domain's INFO line did not come out as JSON"
    line = lines[0]
    assert line["level"] == "INFO"
    assert line["name"] == "ingestion.domain.formats.detect"
    assert line["job_id"] == job["job_id"]
    assert line["function_request_id"] == FakeContext().aws_request_id
    assert line["layout"] == "hh-long"


def test_the_layer_logs_at_the_functions_level_and_below_it_is_quiet(stack, function_output):
    ingest = handler_module("ingest")
    assert logging.getLogger("ingestion").getEffectiveLevel() == ingest.logger.log_level == logging.WARNING
    import_csv(stack, hh_long_csv(3))
    assert not layout_lines(function_output)
