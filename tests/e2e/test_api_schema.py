"""schemathesis against the local stack: generated requests for every operation in the served
OpenAPI document; no 5xx, and every response conforms to the document (status codes, content
types, headers, bodies), schema-violating requests are refused.

Run through schemathesis's own command line: its pytest plugin does not work with pytest 9.
Two checks are left out, on purpose:
- positive_data_acceptance: requests the document allows can still be refused for reasons no
  static document can state (a `next` token this API never issued, a size above the deployment's
  MaxUploadBytes); those answers are documented 4xx responses.
- unsupported_method: an HTTP API answers an undeclared method with 404, not 405, and the local
  gateway does as API Gateway does.
- use_after_free: DELETE answers 202 and removes the job in the background (its readings first);
  until then GET shows it with `deleting: true`, as the document says, then 404."""

import subprocess
import sys
from pathlib import Path


def test_the_api_honours_its_document(local_stack, tmp_path):
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("schemathesis")),
            "run",
            f"{local_stack.api_url}/openapi.json",
            "--header",
            f"Authorization: Bearer {local_stack.token('schemathesis')}",
            "--checks",
            "all",
            "--exclude-checks",
            "positive_data_acceptance,unsupported_method,use_after_free",
            "--max-examples",
            "40",
            "--seed",
            "20261128",
            "--generation-deterministic",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
