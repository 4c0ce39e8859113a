"""csvimport preview: the file's first MiB sent to POST /imports/preview with the mapping options,
and what would be imported printed (layout, columns, first readings, errors, warnings, notes),
against the fake API of test_cli.py."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_cli import FakeApi, run

M = "1200023305967"
ANSWER = {
    "layout": "hh-long",
    "encoding": "UTF-8",
    "delimiter": ",",
    "header_line": 4,
    "columns": [
        {"number": 1, "header": "Consumption (kWh)", "field": "value", "note": "the reading, in kWh"},
        {"number": 2, "header": "Start", "field": "start", "note": "the start of the half hour"},
        {"number": 3, "header": "Cost (p)", "field": None, "note": "not read"},
    ],
    "mapping": {"columns": {"start": "Start", "value": "Consumption (kWh)"}, "meter": M},
    "readings": [
        {
            "line": 5,
            "meter": M,
            "channel": "import",
            "start": "2025-01-15T00:00:00Z",
            "local_date": "2025-01-15",
            "period": 1,
            "value_kwh": "0.507",
            "estimated": False,
        },
        {
            "line": 7,
            "meter": M,
            "channel": "import",
            "start": "2025-01-15T01:00:00Z",
            "local_date": "2025-01-15",
            "period": 3,
            "value_kwh": "0.48",
            "estimated": True,
        },
    ],
    "errors": ["Line 6, column 1 (Consumption (kWh)): invalid reading value 'x'"],
    "warnings": [],
    "notes": ["Lines 1 to 3, above the header row, are skipped.", "Not read: Cost (p)."],
}


def test_preview_sends_the_file_s_first_mib_with_the_mapping_and_profile(
    api: FakeApi, tmp_path: Path
) -> None:
    api.preview = ANSWER
    big = tmp_path / "export.csv"
    big.write_bytes(b"Consumption (kWh),Start\n" + b"0.5,2025-01-15T00:00:00Z\n" * 60_000)  # 1.5 MB

    result = run(api, "preview", str(big), "--meter", M, "--timestamps", "end", "--profile", "Octopus")

    assert result.code == 0, result.err
    [sent] = api.requests_to("POST", "/imports/preview")
    assert sent.body == big.read_bytes()[: 1024 * 1024]
    assert sent.headers["content-type"] == "text/csv"
    assert json.loads(sent.query["mapping"]) == {"meter": M, "timestamps": "end"}
    assert sent.query["profile"] == "Octopus"
    assert "format" not in sent.query
    assert api.requests_to("POST", "/imports") == []  # nothing is imported


def test_preview_prints_the_layout_the_columns_the_readings_and_what_to_know(
    api: FakeApi, small_csv: Path
) -> None:
    api.preview = ANSWER

    result = run(api, "preview", str(small_csv), "--format", "hh")

    assert result.code == 0, result.err
    [sent] = api.requests_to("POST", "/imports/preview")
    assert sent.query["format"] == "hh" and "mapping" not in sent.query
    lines = result.out.splitlines()
    assert "Layout:   hh-long (UTF-8, delimiter ',', header on line 4)" in lines
    mapping = f'start: column "Start" · value: column "Consumption (kWh)" · meter {M} for every row'
    assert f"Mapping:  {mapping}" in lines
    assert [line.split() for line in lines if line.startswith(("#", "1 ", "2 ", "3 "))] == [
        ["#", "HEADER", "FIELD", "READ", "AS"],
        ["1", "Consumption", "(kWh)", "value", "the", "reading,", "in", "kWh"],
        ["2", "Start", "start", "the", "start", "of", "the", "half", "hour"],
        ["3", "Cost", "(p)", "-", "not", "read"],
    ]
    table = lines[lines.index("First readings:") + 1 :]
    assert table[0].split() == [
        "LINE",
        "METER",
        "CHANNEL",
        "START",
        "(UTC)",
        "LOCAL",
        "DATE",
        "PERIOD",
        "KWH",
        "ESTIMATED",
    ]
    assert table[2].split() == ["5", M, "import", "2025-01-15", "00:00", "2025-01-15", "1", "0.507", "no"]
    assert table[3].split() == ["7", M, "import", "2025-01-15", "01:00", "2025-01-15", "3", "0.48", "yes"]
    assert (
        "Errors (1):" in lines
        and "  Line 6, column 1 (Consumption (kWh)): invalid reading value 'x'" in lines
    )
    assert "Warnings: none" in lines
    assert "  Lines 1 to 3, above the header row, are skipped." in lines and "  Not read: Cost (p)." in lines


def test_a_file_the_import_would_fail_prints_its_message_and_exits_1(api: FakeApi, small_csv: Path) -> None:
    message = "The file has no meter column (none of the headers matches 'MPAN', ...). Give the meter"
    api.fail("POST", "/imports/preview", 422, {"error": "Unprocessable Entity", "message": message})

    result = run(api, "preview", str(small_csv))

    assert result.code == 1
    assert f"An import of {small_csv.name} would fail: {message}" in result.err
    assert "--meter" in result.err  # how to give the options


def test_a_missing_file_is_a_usage_error_before_any_request(api: FakeApi, tmp_path: Path) -> None:
    result = run(api, "preview", str(tmp_path / "nope.csv"))

    assert result.code == 2 and "no such file" in result.err
    assert api.received == []
