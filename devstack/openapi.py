"""Build the OpenAPI document of the whole API from the handlers themselves.

Each function's Powertools resolver describes its own routes (from their signatures and response
models); this merges the two into one document, adds what a resolver cannot see (the JSON bodies
the handlers parse themselves; POST /imports takes either one or a CSV body with query options)
and the JWT security scheme. The result
is committed as functions/status/openapi.json, which the status function serves at /openapi.json;
tests/integration/test_openapi.py fails when it is out of date (`make openapi` rewrites it)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DOCUMENT = ROOT / "functions" / "status" / "openapi.json"
TITLE = "CSV import service"
VERSION = "1.0.0"
PLACEHOLDER_ENV = {
    "JOBS_TABLE": "jobs",
    "READINGS_TABLE": "readings",
    "SITES_TABLE": "sites",
    "SETTINGS_TABLE": "settings",
    "UPLOAD_BUCKET": "bucket",
    "INGEST_QUEUE_URL": "https://sqs.invalid/queue",
    "AWS_REGION": "eu-west-2",
    "POWERTOOLS_TRACE_DISABLED": "true",
}


def _app(function: str) -> Any:
    from devstack.handlers import load_handler_module

    return load_handler_module(function).app


def _direct_upload_parameters() -> list[dict[str, Any]]:
    from ingestion.http.requests import DirectImportParams

    schema = DirectImportParams.model_json_schema()
    required = set(schema.get("required", []))
    return [
        {
            "name": name,
            "in": "query",
            "required": False,
            "description": ("required with a text/csv body" if name in required else "with a text/csv body"),
            "schema": prop,
        }
        for name, prop in schema["properties"].items()
    ]


def _drop_powertools_422(operation: dict[str, Any]) -> None:
    """Powertools documents a 422 for parameter validation; this API answers those with a 400
    (ingestion.http.errors), so the entry would promise a response that never comes."""
    schema = operation.get("responses", {}).get("422", {}).get("content", {}).get("application/json", {})
    if schema.get("schema", {}).get("$ref", "").endswith("/HTTPValidationError"):
        del operation["responses"]["422"]


def _json_body(merged: dict[str, Any], model: type[Any]) -> dict[str, Any]:
    """A JSON request body of this pydantic model, its schema added to the components."""
    schemas = merged["components"]["schemas"]
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in schema.pop("$defs", {}).items():
        schemas.setdefault(name, definition)
    schemas[model.__name__] = schema
    return {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}


def build_document() -> dict[str, Any]:
    for key, value in PLACEHOLDER_ENV.items():
        os.environ.setdefault(key, value)
    from ingestion.http.requests import CreateImportRequest, ThrottleSettingsRequest, UpdateImportRequest

    documents = [
        json.loads(_app(name).get_openapi_json_schema(title=TITLE, version=VERSION))
        for name in ("upload", "status")
    ]
    merged: dict[str, Any] = {
        "openapi": documents[0]["openapi"],
        "info": {
            "title": TITLE,
            "version": VERSION,
            "description": "Upload energy-meter CSV files and follow their import. Every route needs a "
            "bearer token (a JWT; locally `dev:<user>`); a caller sees only their own jobs.",
        },
        "paths": {},
        "components": {"schemas": {}},
    }
    for document in documents:
        for path, operations in document.get("paths", {}).items():
            for operation in operations.values():
                _drop_powertools_422(operation)
            merged["paths"].setdefault(path, {}).update(operations)
        merged["components"]["schemas"].update(document.get("components", {}).get("schemas", {}))

    create = merged["paths"]["/imports"]["post"]
    create["requestBody"] = {
        "required": True,
        "content": {
            "application/json": _json_body(merged, CreateImportRequest),
            "text/csv": {"schema": {"type": "string", "format": "binary", "maxLength": 5 * 1024 * 1024}},
        },
    }
    create["parameters"] = _direct_upload_parameters()
    for path, method, model in (
        ("/imports/{job_id}", "patch", UpdateImportRequest),
        ("/settings/import-throttle", "put", ThrottleSettingsRequest),
    ):
        merged["paths"][path][method]["requestBody"] = {
            "required": True,
            "content": {"application/json": _json_body(merged, model)},
        }
    for unused in ("HTTPValidationError", "ValidationError"):
        merged["components"]["schemas"].pop(unused, None)
    merged["components"]["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    }
    merged["security"] = [{"bearer": []}]
    return merged


def render() -> str:
    return json.dumps(build_document(), indent=2, sort_keys=True) + "\n"


def main() -> int:
    DOCUMENT.write_text(render())
    print(f"wrote {DOCUMENT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
