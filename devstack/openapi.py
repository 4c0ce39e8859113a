"""Build the OpenAPI document of the whole API from the handlers themselves.

Each function's Powertools resolver describes its own routes, from their signatures (path and query
parameters, the JSON bodies of PATCH /imports/{job_id} and PUT /settings/import-throttle) and their
response models. This merges the two functions' documents into one, leaving out the 422 Powertools
lists for invalid requests (this API answers those with a 400, see ingestion.http.error_answers), and adds
the info block and the JWT security scheme.

One operation is still completed here, by `_post_imports_takes_json_or_csv`: POST /imports takes
either a JSON body (a presigned upload) or the CSV itself (text/csv) with its options in the query
string. Powertools (3.37) gives a route at most one body, of one media type (`Body(media_type=...)`),
and parses and validates that body on every request before the handler runs, so a route that
declares its JSON body refuses a CSV one; and it cannot say that query parameters are required only
with one of the two bodies. The handler therefore reads that route's body itself, and this step
documents both bodies (the JSON one from CreateImportRequest) and the query options (from
DirectImportParams). POST /imports/preview reads its CSV body itself too (`_preview_takes_csv`).

The result is committed as functions/status/openapi.json, which the status function serves at
/openapi.json; tests/integration/test_openapi.py fails when it is out of date (`make openapi`
rewrites it)."""

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
    "PROFILES_TABLE": "profiles",
    "UPLOAD_BUCKET": "bucket",
    "INGEST_QUEUE_URL": "https://sqs.invalid/queue",
    "AWS_REGION": "eu-west-2",
    "POWERTOOLS_TRACE_DISABLED": "true",
}


def _app(function: str) -> Any:
    from devstack.handlers import load_handler_module

    return load_handler_module(function).app


def _drop_powertools_422(operation: dict[str, Any]) -> None:
    """Powertools documents a 422 for request validation; this API answers those with a 400
    (ingestion.http.error_answers), so the entry would promise a response that never comes."""
    schema = operation.get("responses", {}).get("422", {}).get("content", {}).get("application/json", {})
    if schema.get("schema", {}).get("$ref", "").endswith("/HTTPValidationError"):
        del operation["responses"]["422"]


def _no_content_for_204(operation: dict[str, Any]) -> None:
    """A 204 has no body; Powertools still describes one (a JSON null) from the handler's return type."""
    operation.get("responses", {}).get("204", {}).pop("content", None)


def _merge(documents: list[dict[str, Any]]) -> dict[str, Any]:
    """The functions' paths and component schemas in one document."""
    merged: dict[str, Any] = {"openapi": documents[0]["openapi"], "paths": {}, "components": {"schemas": {}}}
    for document in documents:
        for path, operations in document.get("paths", {}).items():
            for operation in operations.values():
                _drop_powertools_422(operation)
                _no_content_for_204(operation)
            merged["paths"].setdefault(path, {}).update(operations)
        merged["components"]["schemas"].update(document.get("components", {}).get("schemas", {}))
    for unused in ("HTTPValidationError", "ValidationError"):
        merged["components"]["schemas"].pop(unused, None)
    return merged


def _post_imports_takes_json_or_csv(merged: dict[str, Any]) -> None:
    """POST /imports: the JSON body or the CSV one, and the query options of a CSV one (see the
    module's docstring for why its resolver cannot declare them)."""
    from ingestion.http.requests import CreateImportRequest, DirectImportParams

    schemas = merged["components"]["schemas"]
    json_schema = CreateImportRequest.model_json_schema(ref_template="#/components/schemas/{model}")
    renamed: dict[str, str] = {}
    for name, definition in json_schema.pop("$defs", {}).items():
        if schemas.setdefault(name, definition) != definition:
            # A model the responses show too (the mapping): Powertools named its output schema so
            # (and its input one, if a route takes it, NAME-Input); a request takes the input one
            # (a number where the output writes it as text, say).
            renamed[name] = f"{name}-Input"
            schemas.setdefault(renamed[name], definition)
    schemas[CreateImportRequest.__name__] = _with_refs_renamed(json_schema, renamed)

    query = DirectImportParams.model_json_schema()
    required_with_csv = set(query.get("required", []))
    create = merged["paths"]["/imports"]["post"]
    create["requestBody"] = {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{CreateImportRequest.__name__}"}},
            "text/csv": {"schema": {"type": "string", "format": "binary", "maxLength": 5 * 1024 * 1024}},
        },
    }
    create["parameters"] = [
        {
            "name": name,
            "in": "query",
            "required": False,
            "description": f"{'required ' if name in required_with_csv else ''}with a text/csv body",
            "schema": prop,
        }
        for name, prop in query["properties"].items()
    ]


def _preview_takes_csv(merged: dict[str, Any]) -> None:
    """POST /imports/preview: its body is the start of a CSV file, which its handler reads itself
    (as POST /imports does a CSV one)."""
    from ingestion.domain.preview import PREVIEW_MAX_BYTES

    merged["paths"]["/imports/preview"]["post"]["requestBody"] = {
        "required": True,
        "description": "the file's first MiB (a last line cut off there is ignored)",
        "content": {
            "text/csv": {"schema": {"type": "string", "format": "binary", "maxLength": PREVIEW_MAX_BYTES}}
        },
    }


def _with_refs_renamed(node: Any, renamed: dict[str, str]) -> Any:
    """node with each $ref to a schema in `renamed` pointing at its new name."""
    prefix = "#/components/schemas/"
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.removeprefix(prefix) in renamed:
            node = {**node, "$ref": prefix + renamed[ref.removeprefix(prefix)]}
        return {key: _with_refs_renamed(value, renamed) for key, value in node.items()}
    if isinstance(node, list):
        return [_with_refs_renamed(item, renamed) for item in node]
    return node


def build_document() -> dict[str, Any]:
    for key, value in PLACEHOLDER_ENV.items():
        os.environ.setdefault(key, value)
    merged = _merge(
        [
            json.loads(_app(name).get_openapi_json_schema(title=TITLE, version=VERSION))
            for name in ("upload", "status")
        ]
    )
    _post_imports_takes_json_or_csv(merged)
    _preview_takes_csv(merged)
    merged["info"] = {
        "title": TITLE,
        "version": VERSION,
        "description": "Upload energy-meter CSV files and follow their import. Every route needs a "
        "bearer token (a JWT; locally `dev:<user>`); a caller sees only their own jobs.",
    }
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
