"""The CLI's mapping options (upload, profiles save, and preview later) turned into the API's
mapping object: cli/mapping_options.py, pure, no sockets."""

from __future__ import annotations

import argparse

import pytest

from cli.mapping_options import add_mapping_options, mapping_from_args, mapping_text


def parse(*argv: str, profile: bool = True) -> argparse.Namespace:
    parser = argparse.ArgumentParser(exit_on_error=False)
    add_mapping_options(parser, profile=profile)
    return parser.parse_args(list(argv))


def test_no_mapping_option_gives_no_mapping():
    assert mapping_from_args(parse()) is None


def test_map_takes_a_header_name_or_a_column_number():
    args = parse("--map", "meter=MPAN", "--map", "value=3", "--map", "start = Reading Start ")

    assert mapping_from_args(args) == {"columns": {"meter": "MPAN", "value": 3, "start": "Reading Start"}}


def test_a_header_made_of_digits_and_letters_stays_a_name():
    assert mapping_from_args(parse("--map", "period=P1"))["columns"] == {"period": "P1"}


def test_every_other_option_is_its_key():
    args = parse(
        "--meter", "1900000000001",
        "--timestamps", "end",
        "--date-order", "mdy",
        "--timezone", "Europe/Dublin",
        "--unit", "m3",
        "--calorific-value", "39.2",
        "--header-row", "0",
        "--profile", "Octopus export",
    )  # fmt: skip

    assert mapping_from_args(args) == {
        "meter": "1900000000001",
        "timestamps": "end",
        "date_order": "mdy",
        "timezone": "Europe/Dublin",
        "unit": "m3",
        "calorific_value": 39.2,
        "header_row": 0,
    }
    assert args.profile == "Octopus export"


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (("--map", "meter"), "FIELD=COLUMN"),
        (("--map", "kwh=B"), "meter, date"),
        (("--map", "meter="), "FIELD=COLUMN"),
        (("--map", "meter=0"), "start at 1"),
        (("--header-row", "-1"), "0 or more"),
        (("--calorific-value", "lots"), "MJ/m³"),
        (("--date-order", "yy"), "invalid choice"),
    ],
)
def test_a_bad_option_is_refused_saying_what_it_takes(argv, said):
    with pytest.raises(argparse.ArgumentError, match=said):
        parse(*argv)


def test_a_field_mapped_twice_is_refused():
    with pytest.raises(ValueError, match=r"meter.*twice"):
        mapping_from_args(parse("--map", "meter=A", "--map", "meter=B"))


def test_profiles_save_takes_the_options_without_profile():
    with pytest.raises(SystemExit):  # (argparse exits on an unknown option whatever exit_on_error says)
        parse("--profile", "x", profile=False)


def test_a_mapping_reads_as_one_plain_line():
    line = mapping_text({"columns": {"meter": "MPAN", "value": 3}, "date_order": "mdy", "unit": "kWh"})

    assert line == 'meter: column "MPAN" · value: column 3 · dates month/day/year · unit kWh'
    assert mapping_text({}) == "nothing given: everything is detected"
