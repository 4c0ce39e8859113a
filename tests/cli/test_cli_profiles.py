"""csvimport's column mapping options on upload, and `csvimport profiles`, against the fake API of
test_cli.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import FakeApi, run

OCTOPUS = {"columns": {"meter": "MPAN", "value": 3}, "date_order": "mdy"}


def saved(api: FakeApi, name: str, mapping: dict, format: str | None = None) -> None:
    api.profiles[name] = {
        "name": name,
        "format": format,
        "mapping": mapping,
        "created_at": "2024-04-01T09:00:00.000Z",
        "updated_at": "2024-04-02T09:30:00.000Z",
    }


def test_a_direct_upload_sends_the_mapping_as_json_and_the_profile(api: FakeApi, small_csv: Path) -> None:
    result = run(
        api, "upload", str(small_csv), "--map", "meter=MPAN", "--map", "value=3", "--date-order", "mdy",
        "--profile", "Octopus export",
    )  # fmt: skip

    assert result.code == 0, result.err
    [sent] = api.requests_to("POST", "/imports")
    assert json.loads(sent.query["mapping"]) == OCTOPUS
    assert sent.query["profile"] == "Octopus export"
    assert "format" not in sent.query  # the profile's, else auto


def test_a_presigned_upload_sends_the_mapping_in_its_json_body(api: FakeApi, small_csv: Path) -> None:
    result = run(
        api, "upload", str(small_csv), "--presigned", "--meter", "1900000000001", "--header-row", "0"
    )

    assert result.code == 0, result.err
    [create] = api.requests_to("POST", "/imports")
    body = json.loads(create.body)
    assert body["mapping"] == {"meter": "1900000000001", "header_row": 0}
    assert "profile" not in body


def test_an_upload_without_mapping_options_sends_no_mapping(api: FakeApi, small_csv: Path) -> None:
    run(api, "upload", str(small_csv))
    [sent] = api.requests_to("POST", "/imports")
    assert "mapping" not in sent.query and "profile" not in sent.query


def test_a_bad_map_option_is_a_usage_error_before_any_request(
    api: FakeApi, small_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(api, "upload", str(small_csv), "--map", "colour=B")

    assert result.code == 2
    said = capsys.readouterr().err  # (argparse's own)
    assert "'colour' is not a field" in said and "meter" in said
    assert api.received == []


def test_a_field_mapped_twice_is_a_usage_error(api: FakeApi, small_csv: Path) -> None:
    result = run(api, "upload", str(small_csv), "--map", "meter=A", "--map", "meter=2")

    assert result.code == 2 and "twice" in result.err
    assert api.received == []


def test_profiles_lists_the_caller_s_profiles_by_name(api: FakeApi) -> None:
    saved(api, "Octopus export", OCTOPUS, "hh")
    saved(api, "British Gas", {"unit": "m3"})

    result = run(api, "profiles")

    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].split() == ["NAME", "FORMAT", "MAPPING", "UPDATED"]
    assert lines[2].startswith("British Gas") and "unit m3" in lines[2]
    assert lines[3].startswith("Octopus export") and " hh " in lines[3]
    assert 'meter: column "MPAN"' in lines[3]


def test_profiles_with_none_saved_says_how_to_save_one(api: FakeApi) -> None:
    result = run(api, "profiles")

    assert result.code == 0
    assert "No profiles" in result.out and "profiles save NAME" in result.out


def test_profiles_show_prints_the_profile(api: FakeApi) -> None:
    saved(api, "Octopus export", OCTOPUS)

    result = run(api, "profiles", "show", "Octopus export")

    assert result.code == 0, result.err
    assert api.received[0].path == "/profiles/Octopus%20export"
    assert "Profile:  Octopus export" in result.out
    assert "Format:   none (an import's own, else auto)" in result.out
    assert 'Mapping:  meter: column "MPAN" · value: column 3 · dates month/day/year' in result.out
    assert json.dumps(OCTOPUS, indent=2).splitlines()[1] in result.out  # the object itself, to copy
    assert "2024-04-02 09:30:00 UTC" in result.out


def test_profiles_show_of_a_missing_profile_prints_the_api_s_message(api: FakeApi) -> None:
    result = run(api, "profiles", "show", "nope")

    assert result.code == 2
    assert "you have no profile named 'nope' (HTTP 404)" in result.err


def test_profiles_save_sends_the_mapping_and_format_and_says_whether_it_was_new(api: FakeApi) -> None:
    first = run(api, "profiles", "save", "Octopus export", "--format", "hh", "--map", "meter=MPAN")
    again = run(api, "profiles", "save", "Octopus export", "--unit", "Wh")

    assert first.code == again.code == 0, first.err + again.err
    puts = api.requests_to("PUT", "/profiles/Octopus%20export")
    assert json.loads(puts[0].body) == {"mapping": {"columns": {"meter": "MPAN"}}, "format": "hh"}
    assert json.loads(puts[1].body) == {"mapping": {"unit": "Wh"}}
    assert "Saved the new profile Octopus export" in first.out
    assert "Replaced the profile Octopus export" in again.out
    assert "upload FILE --profile 'Octopus export'" in first.out


def test_profiles_delete_removes_it(api: FakeApi) -> None:
    saved(api, "old", {})

    result = run(api, "profiles", "delete", "old")

    assert result.code == 0, result.err
    assert api.requests_to("DELETE", "/profiles/old") and "old" not in api.profiles
    assert "Deleted the profile old." in result.out
