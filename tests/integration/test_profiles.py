"""Column mappings in a request, and saved as profiles: each user's own (another user's is a 404),
used by an import with "profile", a mapping beside it overriding it key by key."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from tests.integration.helpers import get_job, post_csv
from tests.support import SAMPLES, call, handler_module, http_event

OCTOPUS = {
    "columns": {"meter": "MPAN", "value": "Consumption (kWh)", "start": "Start"},
    "timezone": "Europe/London",
    "date_order": "mdy",
    "unit": "kWh",
}


def put_profile(name: str, body: Any, user: str = "alice") -> dict[str, Any]:
    path = f"/profiles/{quote(name)}"
    event = http_event(
        "PUT",
        path,
        user=user,
        body=body if isinstance(body, str) else json.dumps(body),
        content_type="application/json",
        route="PUT /profiles/{name}",
        path_parameters={"name": name},
    )
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    return call("upload", event)


def profile_route(method: str, name: str, user: str = "alice") -> dict[str, Any]:
    path = f"/profiles/{quote(name)}"
    function = "upload" if method == "DELETE" else "status"
    event = http_event(
        method, path, user=user, route=f"{method} /profiles/{{name}}", path_parameters={"name": name}
    )
    return call(function, event)


def list_profiles(user: str = "alice") -> dict[str, Any]:
    return call("status", http_event("GET", "/profiles", user=user))


def post_import(request: dict[str, Any], user: str = "alice") -> dict[str, Any]:
    body = json.dumps({"filename": "export.csv", **request})
    return call(
        "upload", http_event("POST", "/imports", user=user, body=body, content_type="application/json")
    )


def created_job(answer: dict[str, Any], user: str = "alice") -> dict[str, Any]:
    assert answer["statusCode"] in (201, 202), answer
    job = get_job(answer["json"]["job_id"], user=user)
    assert job["statusCode"] == 200
    return job["json"]


# ---- profiles: saved, read, replaced, deleted ------------------------------------------------------


def test_a_profile_is_created_then_replaced_and_reads_back_as_saved(stack, monkeypatch):
    upload = handler_module("upload").services
    monkeypatch.setattr(upload, "clock", lambda: 1_700_000_000.0)
    first = put_profile("Octopus export", {"mapping": OCTOPUS, "format": "hh"})
    monkeypatch.setattr(upload, "clock", lambda: 1_700_000_600.0)
    second = put_profile("Octopus export", {"mapping": {"meter": "1900000000001"}})

    assert first["statusCode"] == 201
    assert first["json"]["name"] == "Octopus export" and first["json"]["format"] == "hh"
    assert first["json"]["mapping"]["columns"] == OCTOPUS["columns"]
    assert second["statusCode"] == 200
    read = profile_route("GET", "Octopus export")
    assert read["statusCode"] == 200
    assert read["json"] == second["json"]
    assert read["json"]["format"] is None  # replaced whole: the format went with the rest
    assert read["json"]["mapping"]["meter"] == "1900000000001"
    assert read["json"]["mapping"]["columns"] == {}
    assert read["json"]["created_at"] == "2023-11-14T22:13:20.000Z"
    assert read["json"]["updated_at"] == "2023-11-14T22:23:20.000Z"


def test_the_list_holds_the_caller_s_profiles_by_name(stack):
    for name in ("Supplier B", "bulb", "Agent A"):
        assert put_profile(name, {"mapping": {"unit": "Wh"}})["statusCode"] == 201

    listed = list_profiles()

    assert listed["statusCode"] == 200
    assert [p["name"] for p in listed["json"]["items"]] == ["Agent A", "Supplier B", "bulb"]
    assert listed["json"]["items"][0]["mapping"]["unit"] == "Wh"


def test_a_deleted_profile_is_gone(stack):
    put_profile("old", {"mapping": {}})

    deleted = profile_route("DELETE", "old")

    assert deleted["statusCode"] == 204 and not deleted.get("body")
    assert profile_route("GET", "old")["statusCode"] == 404
    assert profile_route("DELETE", "old")["statusCode"] == 404
    assert list_profiles()["json"]["items"] == []


def test_another_user_cannot_read_replace_or_delete_a_profile_and_does_not_list_it(stack):
    put_profile("Octopus", {"mapping": OCTOPUS, "format": "hh"})

    read = profile_route("GET", "Octopus", user="bob")
    deleted = profile_route("DELETE", "Octopus", user="bob")
    listed = list_profiles(user="bob")
    own = put_profile("Octopus", {"mapping": {"unit": "MWh"}}, user="bob")

    assert read["statusCode"] == 404 and deleted["statusCode"] == 404
    assert (
        read["json"]["message"]
        == deleted["json"]["message"]
        == profile_route("GET", "Octopus", user="carol")["json"]["message"]  # as if there were none
    )
    assert listed["json"]["items"] == []
    assert own["statusCode"] == 201  # his own profile of that name, beside hers
    alices = profile_route("GET", "Octopus")["json"]
    assert alices["mapping"]["columns"] == OCTOPUS["columns"] and alices["format"] == "hh"
    assert profile_route("GET", "Octopus", user="bob")["json"]["mapping"]["unit"] == "MWh"


def test_a_name_of_letters_digits_spaces_and_dots_dashes_underscores_is_taken(stack):
    name = "Édf 2024_v1.2-final"
    assert put_profile(name, {"mapping": {}})["statusCode"] == 201
    assert profile_route("GET", name)["json"]["name"] == name


def test_names_out_of_the_rules_are_refused_saying_what_a_name_may_hold(stack):
    for name in ("a" * 65, "   ", "semi;colon", "slash\\back", " leading"):
        answer = put_profile(name, {"mapping": {}})
        assert answer["statusCode"] == 400, name
        assert "profile name" in answer["json"]["message"], answer["json"]
    assert "64" in put_profile("a" * 65, {"mapping": {}})["json"]["message"]


def test_a_user_may_keep_100_profiles_and_replace_them_but_not_save_a_101st(stack):
    for n in range(100):
        assert put_profile(f"p{n:03d}", {"mapping": {}})["statusCode"] == 201

    refused = put_profile("one more", {"mapping": {}})
    replaced = put_profile("p007", {"mapping": {"unit": "Wh"}})

    assert refused["statusCode"] == 409
    assert "100" in refused["json"]["message"] and "delete" in refused["json"]["message"]
    assert replaced["statusCode"] == 200
    assert put_profile("p000", {"mapping": {}}, user="bob")["statusCode"] == 201  # a quota per user


# ---- a bad mapping: 400 naming the key and why --------------------------------------------------


def _message(answer: dict[str, Any]) -> str:
    assert answer["statusCode"] == 400, answer
    message = answer["json"]["message"]
    for internal in (
        "pydantic",
        "Input should",
        "literal_error",
        "[key]",
        "constrained",
        "errors.pydantic.dev",
    ):
        assert internal not in message, message
    return message


def test_a_bad_mapping_in_a_profile_names_the_key_and_why(stack):
    unknown_key = _message(put_profile("x", {"mapping": {"colour": "red"}}))
    unknown_field = _message(put_profile("x", {"mapping": {"columns": {"kwh": "B"}}}))
    column_zero = _message(put_profile("x", {"mapping": {"columns": {"meter": 0}}}))
    zone = _message(put_profile("x", {"mapping": {"timezone": "Mars/Olympus"}}))
    order = _message(put_profile("x", {"mapping": {"date_order": "yy"}}))

    assert "colour" in unknown_key and "columns" in unknown_key and "header_row" in unknown_key
    assert "kwh" in unknown_field and "meter" in unknown_field and "value" in unknown_field
    assert "columns.meter" in column_zero and "1" in column_zero
    assert "timezone" in zone and "Mars/Olympus" in zone and "Europe/London" in zone
    assert "date_order" in order and "dmy" in order and "mdy" in order
    assert list_profiles()["json"]["items"] == []


def test_a_bad_mapping_in_a_json_import_is_a_400_naming_the_key(stack):
    message = _message(post_import({"mapping": {"columns": {"value": 0}}}))
    assert "mapping.columns.value" in message and "start at 1" in message


def test_a_bad_mapping_query_parameter_is_a_400_saying_why(stack):
    body = (SAMPLES / "daily.csv").read_bytes()
    not_json = _message(post_csv(body, mapping="{meter:"))
    unknown_zone = _message(post_csv(body, mapping=json.dumps({"timezone": "Nowhere"})))
    not_an_object = _message(post_csv(body, mapping="[1]"))

    assert "mapping" in not_json and "JSON" in not_json
    assert "mapping.timezone" in unknown_zone and "Nowhere" in unknown_zone
    assert "object" in not_an_object


# ---- imports with a mapping and a profile ------------------------------------------------------


def test_a_mapping_beside_a_profile_overrides_it_key_by_key(stack):
    put_profile("Octopus", {"mapping": OCTOPUS})

    job = created_job(
        post_import(
            {"profile": "Octopus", "mapping": {"columns": {"value": 3, "end": "End"}, "date_order": "dmy"}}
        )
    )

    requested = job["requested_mapping"]
    assert requested["columns"] == {"meter": "MPAN", "value": 3, "start": "Start", "end": "End"}
    assert requested["date_order"] == "dmy"  # the request's
    assert requested["timezone"] == "Europe/London" and requested["unit"] == "kWh"  # the profile's
    assert requested["meter"] is None and requested["header_row"] is None  # nobody's
    assert job["profile"] == "Octopus"
    assert job["mapping"] is None  # resolved by the first segment, which has not run


def test_a_direct_upload_takes_the_mapping_and_profile_as_query_parameters(stack):
    put_profile("Octopus", {"mapping": OCTOPUS})
    mapping = json.dumps({"meter": "1900000000001", "columns": {"meter": 1}})

    body = b"MPAN,Start,Consumption (kWh)\n1900000000001,2024-05-01T00:00:00Z,0.5\n"  # (the columns it names)

    job = created_job(post_csv(body, mapping=mapping, profile="Octopus"))

    assert job["requested_mapping"]["meter"] == "1900000000001"
    assert job["requested_mapping"]["columns"]["meter"] == 1
    assert job["requested_mapping"]["columns"]["value"] == "Consumption (kWh)"
    assert job["profile"] == "Octopus"


def test_a_mapping_without_a_profile_is_the_job_s_requested_mapping(stack):
    job = created_job(post_import({"mapping": {"header_row": 0, "columns": {"meter": 1, "datetime": 2}}}))

    assert job["requested_mapping"]["header_row"] == 0
    assert job["requested_mapping"]["columns"] == {"meter": 1, "datetime": 2}
    assert job["profile"] is None


def test_the_format_is_the_request_s_else_the_profile_s_else_auto(stack):
    put_profile("daily one", {"mapping": {}, "format": "daily"})
    put_profile("no format", {"mapping": {}})

    assert created_job(post_import({"profile": "daily one"}))["format"] == "daily"
    assert created_job(post_import({"profile": "daily one", "format": "hh"}))["format"] == "hh"
    assert created_job(post_import({"profile": "daily one", "format": "auto"}))["format"] == "auto"
    assert created_job(post_import({"profile": "no format"}))["format"] == "auto"
    assert created_job(post_import({}))["format"] == "auto"
    direct = post_csv((SAMPLES / "daily.csv").read_bytes(), profile="daily one")
    assert created_job(direct)["format"] == "daily"


def test_an_unknown_profile_is_a_400_listing_the_caller_s_profiles(stack):
    for n in range(12):
        put_profile(f"supplier {n:02d}", {"mapping": {}})
    put_profile("bob's own", {"mapping": {}}, user="bob")

    refused = post_import({"profile": "supplier 99"})

    message = refused["json"]["message"]
    assert refused["statusCode"] == 400
    assert "supplier 99" in message
    assert all(f"supplier {n:02d}" in message for n in range(10))
    assert "supplier 10" not in message and "2 more" in message
    assert "bob" not in message


def test_a_profile_of_another_user_cannot_be_used(stack):
    put_profile("Octopus", {"mapping": OCTOPUS})

    refused = post_import({"profile": "Octopus"}, user="bob")

    assert refused["statusCode"] == 400
    assert "no saved profiles" in refused["json"]["message"]
