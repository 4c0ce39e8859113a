"""The committed OpenAPI document is the one the handlers produce, and the API serves it."""

import json

from devstack.openapi import DOCUMENT, TITLE, VERSION, render
from tests.support import call, handler_module, http_event


def test_the_committed_document_is_current():
    stale = "functions/status/openapi.json is out of date: run `make openapi`"
    assert DOCUMENT.read_text() == render(), stale


def test_the_document_describes_every_api_route_with_its_answers():
    document = json.loads(DOCUMENT.read_text())
    operations = {(path, method) for path, ops in document["paths"].items() for method in ops}
    assert operations == {
        ("/imports", "post"),
        ("/imports", "get"),
        ("/imports/{job_id}", "get"),
        ("/imports/{job_id}/cancel", "post"),
        ("/imports/preview", "post"),
        ("/imports/{job_id}", "delete"),
        ("/imports/{job_id}/errors", "get"),
        ("/imports/{job_id}/coverage", "get"),
        ("/imports/{job_id}", "patch"),
        ("/settings/import-throttle", "get"),
        ("/settings/import-throttle", "put"),
        ("/readings", "get"),
        ("/profiles", "get"),
        ("/profiles/{name}", "get"),
        ("/profiles/{name}", "put"),
        ("/profiles/{name}", "delete"),
    }
    create = document["paths"]["/imports"]["post"]
    assert set(create["requestBody"]["content"]) == {"application/json", "text/csv"}
    assert {"200", "201", "202", "400", "401", "413", "422"} <= set(create["responses"])
    assert document["security"] == [{"bearer": []}]
    preview = document["paths"]["/imports/preview"]["post"]
    assert set(preview["requestBody"]["content"]) == {"text/csv"}
    assert {p["name"] for p in preview["parameters"]} == {"format", "mapping", "profile"}
    assert {"200", "400", "401", "413", "422"} <= set(preview["responses"])
    readings = document["paths"]["/readings"]["get"]
    assert set(readings["responses"]["200"]["content"]) == {"application/json", "text/csv"}
    assert {"400", "401"} <= set(readings["responses"])


def test_the_upload_resolver_itself_describes_the_json_bodies_it_validates():
    document = json.loads(handler_module("upload").app.get_openapi_json_schema(title=TITLE, version=VERSION))

    for path, method, model in (
        ("/imports/{job_id}", "patch", "UpdateImportRequest"),
        ("/settings/import-throttle", "put", "ThrottleSettingsRequest"),
        ("/profiles/{name}", "put", "SaveProfileRequest"),
    ):
        assert document["paths"][path][method]["requestBody"] == {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{model}"}}},
        }
        assert model in document["components"]["schemas"]


def test_the_status_function_serves_it_without_a_token(stack):
    response = call("status", http_event("GET", "/openapi.json", user=None))
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == json.loads(DOCUMENT.read_text())


def test_the_json_import_takes_the_mapping_as_requests_send_it_not_as_responses_show_it():
    document = json.loads(DOCUMENT.read_text())
    schemas = document["components"]["schemas"]
    [ref] = [
        s["$ref"] for s in schemas["CreateImportRequest"]["properties"]["mapping"]["anyOf"] if "$ref" in s
    ]
    calorific = schemas[ref.rsplit("/", 1)[1]]["properties"]["calorific_value"]["anyOf"]

    assert {"type": "number", "minimum": 20.0, "maximum": 60.0} in calorific  # the output writes it as text


def test_a_204_is_documented_without_a_body():
    document = json.loads(DOCUMENT.read_text())
    assert document["paths"]["/profiles/{name}"]["delete"]["responses"]["204"] == {"description": "deleted"}
