"""The CLI's fixed choices are the API's: checked against the committed OpenAPI document
(functions/status/openapi.json, itself checked against the handlers by
tests/integration/test_openapi.py). The CLI keeps its own lists because it must not import the
layer; these tests are what keeps the copies from drifting."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest

from cli.api import PREVIEW_BYTES
from cli.csvimport import (
    COVERAGE_PAGE,
    COVERAGE_PAGE_MAX,
    EXIT_BY_FINAL_STATUS,
    READINGS_PAGE,
    THROTTLE_CHOICES,
    build_parser,
)
from cli.mapping_options import MAPPED_FIELDS, MAPPING_KEYS, MAX_COLUMN

DOCUMENT = Path(__file__).resolve().parents[2] / "functions" / "status" / "openapi.json"


@pytest.fixture(scope="module")
def api() -> dict[str, Any]:
    return json.loads(DOCUMENT.read_text())


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return _resolve(document, node)


def enum_of(document: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    """The one string enum a schema allows (through $ref and anyOf, e.g. a preset name or null)."""
    schema = _resolve(document, schema)
    if "enum" in schema:
        return list(schema["enum"])
    found = [enum_of(document, option) for option in schema.get("anyOf", []) if _has_enum(document, option)]
    assert len(found) == 1, f"expected one enum in {schema}"
    return found[0]


def _has_enum(document: dict[str, Any], schema: dict[str, Any]) -> bool:
    schema = _resolve(document, schema)
    return "enum" in schema or any(_has_enum(document, option) for option in schema.get("anyOf", []))


def query_parameter(document: dict[str, Any], path: str, method: str, name: str) -> dict[str, Any]:
    operation = document["paths"][path][method]
    [parameter] = [p for p in operation["parameters"] if p["in"] == "query" and p["name"] == name]
    return parameter["schema"]


def body_property(document: dict[str, Any], schema_name: str, name: str) -> dict[str, Any]:
    return document["components"]["schemas"][schema_name]["properties"][name]


def cli_option(command: str, flag: str) -> argparse.Action:
    """An option of a csvimport subcommand, as the parser the command line runs with has it."""
    parser = build_parser()
    [commands] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    [option] = [a for a in commands.choices[command]._actions if flag in a.option_strings]
    return option


def test_upload_offers_the_formats_the_api_accepts(api):
    offered = list(cli_option("upload", "--format").choices or ())
    assert sorted(offered) == sorted(enum_of(api, query_parameter(api, "/imports", "post", "format")))
    # The presigned upload sends the format in a JSON body instead: the same list.
    assert sorted(offered) == sorted(enum_of(api, body_property(api, "CreateImportRequest", "format")))


def test_upload_sends_no_format_unless_asked_so_that_a_profiles_format_applies(api):
    # Without --format the CLI sends none: the API's default then applies (a profile's format, else auto).
    assert cli_option("upload", "--format").default is None
    assert query_parameter(api, "/imports", "post", "format")["default"] == "auto"
    assert body_property(api, "CreateImportRequest", "format")["default"] == "auto"


def mapping_schema(document: dict[str, Any]) -> dict[str, Any]:
    return document["components"]["schemas"]["Mapping"]


@pytest.mark.parametrize("command", ["upload", "preview", "profiles save"])
def test_the_mapping_options_offer_the_choices_the_api_accepts(api, command):
    mapping = mapping_schema(api)["properties"]
    for flag, key in (("--timestamps", "timestamps"), ("--date-order", "date_order"), ("--unit", "unit")):
        assert sorted(mapping_option(command, flag).choices or ()) == sorted(enum_of(api, mapping[key])), flag


def test_map_takes_the_fields_the_api_maps_columns_to(api):
    columns = mapping_schema(api)["properties"]["columns"]
    assert sorted(MAPPED_FIELDS) == sorted(columns["propertyNames"]["enum"])
    [number] = [s for s in columns["additionalProperties"]["anyOf"] if s["type"] == "integer"]
    assert (number["minimum"], number["maximum"]) == (1, MAX_COLUMN)


def test_the_mapping_options_cover_every_key_of_the_api_s_mapping(api):
    options = set(MAPPING_KEYS.values()) | {"columns", "ignore"}
    assert options == set(mapping_schema(api)["properties"])


def mapping_option(command: str, flag: str) -> argparse.Action:
    parser = build_parser()
    for word in command.split():
        [commands] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        parser = commands.choices[word]
    [option] = [a for a in parser._actions if flag in a.option_strings]
    return option


def test_upload_offers_the_throttle_presets_the_api_accepts(api):
    offered = list(cli_option("upload", "--throttle").choices or ())
    assert sorted(offered) == sorted(enum_of(api, query_parameter(api, "/imports", "post", "throttle")))
    assert sorted(offered) == sorted(enum_of(api, body_property(api, "CreateImportRequest", "throttle")))


def test_list_filters_by_the_statuses_the_api_knows(api):
    offered = list(cli_option("list", "--status").choices or ())
    assert sorted(offered) == sorted(enum_of(api, query_parameter(api, "/imports", "get", "status")))


def test_watching_stops_only_on_statuses_the_api_knows(api):
    statuses = enum_of(api, query_parameter(api, "/imports", "get", "status"))
    assert set(EXIT_BY_FINAL_STATUS) < set(statuses)  # some, never all: a job that has not ended


def test_throttle_offers_the_names_the_patch_accepts(api):
    accepted = enum_of(api, body_property(api, "UpdateImportRequest", "throttle"))
    assert sorted(THROTTLE_CHOICES) == sorted(accepted)


def test_readings_offers_the_channels_the_api_knows_and_its_default(api):
    offered = cli_option("readings", "--channel")
    schema = query_parameter(api, "/readings", "get", "channel")
    assert sorted(offered.choices or ()) == sorted(enum_of(api, schema))
    assert offered.default == schema["default"]


def test_readings_pages_no_larger_than_the_api_allows(api):
    assert query_parameter(api, "/readings", "get", "limit")["maximum"] == READINGS_PAGE


def test_coverage_asks_for_the_api_s_own_page_and_with_all_the_largest_it_gives(api):
    limit = query_parameter(api, "/imports/{job_id}/coverage", "get", "limit")
    assert (limit["default"], limit["maximum"]) == (COVERAGE_PAGE, COVERAGE_PAGE_MAX)


def test_preview_offers_the_formats_the_api_accepts_and_sends_at_most_what_it_takes(api):
    offered = list(cli_option("preview", "--format").choices or ())
    assert sorted(offered) == sorted(enum_of(api, query_parameter(api, "/imports/preview", "post", "format")))
    body = api["paths"]["/imports/preview"]["post"]["requestBody"]["content"]["text/csv"]["schema"]
    assert body["maxLength"] == PREVIEW_BYTES
