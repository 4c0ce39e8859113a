"""The corpus manifest: each messy file, the format it is imported as, and the end state a careful
person demands of it (decided from the file and the rules, then confirmed against the pipeline).

A case's source is a file in this folder, a sample (samples/), or a generator for what is too large
to commit (a 1 MB line, a file whose bad byte lies past the first 64 KiB, a real .xlsx). Messages are
matched as prefixes, in order; every error and warning the job reports must be listed."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta

from tests.corpus.case import CORPUS, M1, M2, Case, half_hours
from tests.corpus.field_cases import FIELD_CASES
from tests.support import SAMPLES

# ---- generated files ---------------------------------------------------------------------------

SNIFF_BYTES = 64 * 1024  # the framing is sniffed from this much of the file


def one_megabyte_line() -> bytes:
    """Line 3 is over 1 MiB (its notes cell); line 5 has a bad date, to prove the count goes on."""
    notes = "x" * (1024 * 1024 + 100)
    return (
        "MPAN,Date,Reading,Notes\n"
        f"{M1},2025-11-01,12.5,ok\n"
        f"{M1},2025-11-02,13,{notes}\n"
        f"{M1},2025-11-03,14,ok\n"
        f"{M1},2025-11-31,15,ok\n"
    ).encode()


def cell_over_the_field_limit() -> bytes:
    """Line 3 holds one 200,000-character cell: under the line limit, over the cell limit."""
    notes = "y" * 200_000
    return (
        "MPAN,Date,Reading,Notes\n"
        f"{M1},2025-11-01,12.5,ok\n"
        f'{M1},2025-11-02,13,"{notes}"\n'
        f"{M1},2025-11-03,14,ok\n"
        f"{M1},2025-11-31,15,ok\n"
    ).encode()


BAD_BYTE_LINE = 902


def non_utf8_byte_past_the_sniffed_head() -> bytes:
    """1,000 sites in UTF-8, accented addresses from line 2 on; line 902, well past the first 64 KiB,
    holds one Latin-1 "é" (0xE9), which is not UTF-8."""
    lines = [b"name,company_id,address,postcode"]
    for n in range(1, 1001):
        address = f"{n} Rue de l’Église, Quartier Saint-Honoré, 1er arrondissement"
        lines.append(f'Site {n},1,"{address}",75001'.encode())
    lines[BAD_BYTE_LINE - 1] = lines[BAD_BYTE_LINE - 1].replace("é".encode(), b"\xe9")
    body = b"\n".join(lines) + b"\n"
    assert body.index(b"\xe9") > SNIFF_BYTES
    return body


def xlsx_workbook() -> bytes:
    """A real (tiny) Excel workbook: a ZIP of the Office Open XML parts, one sheet of readings."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rels = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    package = "http://schemas.openxmlformats.org/package/2006/relationships"
    cells = "".join(
        f'<c r="{column}1" t="inlineStr"><is><t>{text}</t></is></c>'
        for column, text in zip("ABC", ("MPAN", "Date", "Reading"), strict=True)
    )
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{package}">'
            f'<Relationship Id="rId1" Type="{rels}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" xmlns:r="{rels}">'
            '<sheets><sheet name="Readings" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{package}">'
            f'<Relationship Id="rId1" Type="{rels}/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}">'
            f'<sheetData><row r="1">{cells}</row></sheetData></worksheet>'
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as book:
        for name, text in parts.items():
            book.writestr(name, text)
    return buffer.getvalue()


# ---- the cases ---------------------------------------------------------------------------------

NOT_CSV = "This is not a CSV file: "
SPRING_FORWARD = "2025-03-30 has only 46 half hours as the clocks go forward that day, so"

ENCODINGS_AND_FRAMING = [
    Case(
        "utf8_without_bom",
        CORPUS / "utf8_no_bom.csv",
        status="completed",
        processed=3,
        imported=3,
        failed=0,
        layout="daily",
        encoding="UTF-8",
        line_ending="LF",
        readings={
            (M1, "day#2025-11-01"): "12.5",
            (M1, "day#2025-11-02"): "13",
            (M2, "day#2025-11-01"): "7.25",
        },
    ),
    Case(
        "utf8_with_bom_from_excel_sites",
        CORPUS / "sites_utf8_bom_excel.csv",
        status="completed",
        processed=2,
        imported=2,
        failed=0,
        layout="sites",
        encoding="UTF-8 with BOM",
        line_ending="CRLF",
        sites={
            "1#zürich office": {"name": "Zürich Office", "address": "Bahnhofstraße 1 Zürich"},
            "1#kraków depot": {"name": "Kraków Depot", "address": "ul. Świętego Floriana 3 Kraków"},
        },
    ),
    Case(
        "utf16le_with_bom_excel_unicode_text_tab_separated",
        CORPUS / "utf16le_bom_excel_unicode_text.txt",
        status="completed",
        processed=3,
        imported=3,
        failed=0,
        layout="daily",
        encoding="UTF-16LE with BOM",
        line_ending="CRLF",
        readings={
            (M1, "day#2025-11-01"): "12.5",
            (M1, "day#2025-11-02"): "13",
            (M2, "day#2025-11-01"): "7.25",
        },
    ),
    Case(
        "utf16be_with_bom",
        CORPUS / "utf16be_bom.csv",
        status="completed",
        processed=2,
        imported=2,
        failed=0,
        layout="hh-long",
        encoding="UTF-16BE with BOM",
        line_ending="LF",
        readings={(M1, "hh#2025-11-01T00:00Z"): "0.5", (M1, "hh#2025-11-01T00:30Z"): "0.75"},
    ),
    Case(
        "utf16le_without_bom",
        CORPUS / "utf16le_no_bom.csv",
        status="completed",
        processed=2,
        imported=2,
        failed=0,
        layout="daily",
        encoding="UTF-16LE",
        line_ending="LF",
        readings={(M1, "day#2025-11-01"): "12.5", (M2, "day#2025-11-01"): "3"},
    ),
    Case(
        "windows1252_sites_pound_accents_and_smart_quotes",
        CORPUS / "sites_windows1252.csv",
        status="completed",
        processed=2,
        imported=2,
        failed=0,
        layout="sites",
        encoding="Windows-1252",
        line_ending="CRLF",
        sites={
            "1#café royal": {"name": "Café Royal", "address": "68 Regent St – London"},
            "1#bistro £5 lunch": {"name": "Bistro £5 Lunch", "address": "“The Arcade” 2 King’s Rd"},
        },
    ),
    Case(
        "iso8859_1_sites_with_a_byte_cp1252_leaves_undefined",
        CORPUS / "sites_latin1_undefined_byte.csv",
        status="completed",
        processed=2,
        imported=2,
        failed=0,
        layout="sites",
        encoding="ISO-8859-1",
        line_ending="LF",
        sites={
            "2#café nord": {"address": "Rue de l'Église 4"},
            "2#lager süd": {"address": "Hauptstr. 5 \x81 Hinterhof"},
        },
    ),
    Case(
        "utf8_sites_with_one_stray_latin1_byte",
        CORPUS / "sites_utf8_with_one_latin1_byte.csv",
        status="completed",
        processed=5,
        imported=4,
        failed=1,
        layout="sites",
        encoding="UTF-8",
        errors=("Line 5: the line is not valid UTF-8 text",),
        sites={
            "3#café nord": {"address": "Rue de l’Église 4"},
            "3#kraków depot": {"address": "ul. Floriańska 3"},
            "3#lager süd": {"address": "Hauptstraße 5"},
            "3#zürich office": {"address": "Bahnhofstrasse 1"},
        },
    ),
    Case(
        "crlf_line_endings",
        CORPUS / "crlf.csv",
        status="completed",
        processed=3,
        imported=3,
        failed=0,
        layout="hh-long",
        encoding="UTF-8",
        line_ending="CRLF",
        readings={
            (M1, "hh#2025-11-01T00:00Z"): "0.5",
            (M1, "hh#2025-11-01T00:30Z"): "0.6",
            (M1, "hh#2025-11-01T01:00Z"): "0.7",
        },
        estimated=frozenset({(M1, "hh#2025-11-01T00:30Z")}),
    ),
    Case(
        "cr_only_line_endings_old_mac",
        CORPUS / "cr_only_old_mac.csv",
        status="completed",
        processed=4,
        imported=3,
        failed=1,
        layout="daily",
        encoding="UTF-8",
        line_ending="CR",
        errors=("Line 4, column 3 (Reading): invalid reading value 'n/a'",),
        readings={(M1, "day#2025-11-01"): "12.5", (M1, "day#2025-11-02"): "13", (M1, "day#2025-11-04"): "14"},
    ),
    Case(
        "quoted_newlines_delimiters_and_doubled_quotes_count_physical_lines",
        CORPUS / "sites_quoted_multiline.csv",
        status="completed",
        processed=5,
        imported=3,
        failed=2,
        layout="sites",
        encoding="UTF-8",
        line_ending="LF",
        errors=(
            "Line 6, column 5 (site_type): unknown site type 'castle'",
            "Line 9, column 2 (company_id): invalid company id 'abc'",
        ),
        sites={
            "1#head office, north": {"name": "Head Office, North", "address": "Unit 4\nMill Lane\nLeeds"},
            '1#the "big" shed': {"name": 'The "Big" Shed', "address": "1 Dock Rd, Hull"},
            "2#last site": {"address": "3 Short St"},
        },
    ),
    Case(
        "semicolon_delimited_with_units",
        CORPUS / "semicolon_delimited.csv",
        status="completed",
        processed=3,
        imported=3,
        failed=0,
        layout="daily",
        encoding="UTF-8",
        line_ending="LF",
        readings={
            (M1, "day#2025-11-01"): "12.5",
            (M1, "day#2025-11-02"): "13.1",
            (M2, "day#2025-11-01"): "7.25",
        },
    ),
    Case(
        "tab_delimited_with_separate_date_and_time",
        CORPUS / "tab_delimited.tsv",
        status="completed",
        processed=3,
        imported=3,
        failed=0,
        layout="hh-long",
        encoding="UTF-8",
        line_ending="LF",
        readings=half_hours(M1, datetime(2025, 11, 1, tzinfo=UTC), ["0.5", "0.6", "0.7"]),
    ),
    Case(
        "pipe_delimited",
        CORPUS / "pipe_delimited.csv",
        status="completed",
        processed=2,
        imported=2,
        failed=0,
        layout="daily",
        encoding="UTF-8",
        line_ending="LF",
        readings={(M1, "day#2025-11-01"): "12.5", (M2, "day#2025-11-01"): "3"},
    ),
]

BROKEN_FILES = [
    Case(
        "duplicate_header_of_the_value_column",
        CORPUS / "duplicate_header.csv",
        status="failed",
        processed=0,
        imported=0,
        failed=0,
        error_message=("Duplicate columns 'kWh' (column 3) and 'KWH' (column 5)", "reading value"),
    ),
    Case(
        "daily_file_requested_as_half_hourly",
        CORPUS / "utf8_no_bom.csv",
        format="hh",
        status="failed",
        processed=0,
        imported=0,
        failed=0,
        error_message=("Missing required column for the time", "or one date and time column"),
    ),
    Case(
        "no_header_row",
        CORPUS / "no_header_row.csv",
        status="failed",
        processed=0,
        imported=0,
        failed=0,
        error_message=("The file has no header row: its first line ('1200023305967', '2025-11-01', '12.5')",),
    ),
    Case(
        "ragged_rows_too_few_and_too_many_cells",
        CORPUS / "ragged_rows.csv",
        status="completed",
        processed=4,
        imported=2,
        failed=2,
        layout="daily",
        errors=(
            "Line 3: too few cells: the header has 4 columns, this row has 3",
            "Line 4: too many cells: the header has 4 columns, this row has 5",
        ),
        readings={(M1, "day#2025-11-01"): "12.5", (M1, "day#2025-11-04"): "15"},
    ),
    Case(
        "trailing_delimiters_with_blank_extra_cells",
        CORPUS / "trailing_delimiter.csv",
        status="completed",
        processed=4,
        imported=4,
        failed=0,
        layout="daily",
        readings={
            (M1, "day#2025-11-01"): "12.5",
            (M1, "day#2025-11-02"): "13",
            (M1, "day#2025-11-03"): "14",
            (M1, "day#2025-11-04"): "15",
        },
    ),
    Case(
        "header_with_a_trailing_delimiter_and_rows_without",
        CORPUS / "header_trailing_delimiter_rows_without.csv",
        status="completed",
        processed=2,
        imported=2,
        failed=0,
        layout="daily",
        readings={(M1, "day#2025-11-01"): "12.5", (M1, "day#2025-11-02"): "13"},
    ),
    Case(
        "one_megabyte_line",
        one_megabyte_line,
        status="completed",
        processed=4,
        imported=2,
        failed=2,
        layout="daily",
        errors=(
            "Line 3: the line is longer than 1024 KiB, the most a row may be",
            "Line 5, column 2 (Date): invalid date '2025-11-31' (2025-11 has 30 days)",
        ),
        readings={(M1, "day#2025-11-01"): "12.5", (M1, "day#2025-11-03"): "14"},
    ),
    Case(
        "cell_longer_than_the_cell_limit",
        cell_over_the_field_limit,
        status="completed",
        processed=4,
        imported=2,
        failed=2,
        layout="daily",
        errors=(
            "Line 3: a cell is longer than 131072 characters, the most a cell may be",
            "Line 5, column 2 (Date): invalid date '2025-11-31'",
        ),
        readings={(M1, "day#2025-11-01"): "12.5", (M1, "day#2025-11-03"): "14"},
    ),
    Case(
        "binary_garbage",
        CORPUS / "binary_garbage.bin",
        status="failed",
        processed=0,
        imported=0,
        failed=0,
        refused="the body is not a CSV file: it contains binary data",
        error_message=(NOT_CSV + "it contains binary data",),
    ),
    Case(
        "xlsx_workbook",
        xlsx_workbook,
        status="failed",
        processed=0,
        imported=0,
        failed=0,
        refused="the body is not a CSV file: it looks like a ZIP archive, such as an Excel workbook (.xlsx)",
        error_message=(NOT_CSV + "it looks like a ZIP archive, such as an Excel workbook (.xlsx)",),
    ),
    Case(
        "pdf_document",
        CORPUS / "pdf_header.pdf",
        status="failed",
        processed=0,
        imported=0,
        failed=0,
        refused="the body is not a CSV file: it looks like a PDF document",
        error_message=(NOT_CSV + "it looks like a PDF document",),
    ),
    Case(
        "html_table_saved_as_xls",
        CORPUS / "html_table_saved_as_xls.xls",
        status="failed",
        processed=0,
        imported=0,
        failed=0,
        refused="the body is not a CSV file: it looks like an HTML table",
        error_message=(NOT_CSV + "it looks like an HTML table",),
    ),
    Case(
        "empty_file",
        CORPUS / "empty.csv",
        status="completed",
        processed=0,
        imported=0,
        failed=0,
        refused="the request body is empty",
        note="The file is empty: there was nothing to import.",
    ),
    Case(
        "blank_lines_only",
        CORPUS / "blank_lines_only.csv",
        status="completed",
        processed=0,
        imported=0,
        failed=0,
        line_ending="CRLF",
        note="The file is empty: there was nothing to import.",
    ),
    Case(
        "header_only",
        CORPUS / "header_only.csv",
        status="completed",
        processed=0,
        imported=0,
        failed=0,
        layout="daily",
        line_ending="CRLF",
        note="The file has a header row but no data rows.",
    ),
    Case(
        "cut_off_inside_a_quoted_field",
        CORPUS / "sites_truncated_in_quote.csv",
        status="completed",
        processed=3,
        imported=2,
        failed=1,
        layout="sites",
        errors=("Line 4: the file ends inside a quoted field: its closing quote is missing",),
        sites={"1#alpha": {"address": "1 First St"}, "1#beta": {"address": "2 Second St"}},
    ),
    Case(
        "stray_character_after_a_closing_quote",
        CORPUS / "sites_stray_quote.csv",
        status="completed",
        processed=3,
        imported=2,
        failed=1,
        layout="sites",
        errors=("Line 3: a closing quote must be followed by the delimiter or the end of the line",),
        sites={"1#alpha": {"address": "1 First St"}, "1#gamma": {"address": "3 Third St"}},
    ),
    Case(
        "blank_lines_between_rows_are_skipped_but_lines_still_count",
        CORPUS / "blank_lines_between_rows.csv",
        status="completed",
        processed=3,
        imported=2,
        failed=1,
        layout="daily",
        errors=("Line 8, column 3 (Reading): invalid reading value 'oops'",),
        readings={(M1, "day#2025-11-01"): "12.5", (M1, "day#2025-11-02"): "13"},
    ),
    Case(
        "non_utf8_byte_past_the_first_64_kib",
        non_utf8_byte_past_the_sniffed_head,
        status="completed",
        processed=1000,
        imported=999,
        failed=1,
        layout="sites",
        encoding="UTF-8",
        errors=(f"Line {BAD_BYTE_LINE}: the line is not valid UTF-8 text",),
        sites={
            f"1#site {n}": {"address": f"{n} Rue de l’Église, Quartier Saint-Honoré, 1er arrondissement"}
            for n in range(1, 1001)
            if n != BAD_BYTE_LINE - 1
        },
    ),
    Case(
        "excel_sep_directive_line",
        CORPUS / "excel_sep_directive.csv",
        status="completed",
        processed=1,
        imported=1,
        failed=0,
        layout="daily",
        readings={(M1, "day#2025-11-01"): "12.5"},
    ),
    Case(
        "excel_scientific_notation_meter_id",
        CORPUS / "excel_scientific_mpan.csv",
        status="completed",
        processed=2,
        imported=1,
        failed=1,
        layout="daily",
        errors=("Line 3, column 1 (MPAN): ",),
        readings={(M1, "day#2025-11-01"): "12.5"},
    ),
    Case(
        "totals_row_at_the_end",
        CORPUS / "totals_row.csv",
        status="completed",
        processed=2,
        imported=2,
        failed=0,
        layout="daily",
        note="Skipped 1 summary row (Total) at line 4.",
        readings={(M1, "day#2025-11-01"): "12.5", (M1, "day#2025-11-02"): "13"},
    ),
    Case(
        "header_aliases_case_and_padding",
        CORPUS / "header_aliases_and_padding.csv",
        status="completed",
        processed=2,
        imported=2,
        failed=0,
        layout="daily",
        readings={(M1, "day#2025-11-01"): "12.5", (M1, "day#2025-11-02"): "13"},
        estimated=frozenset({(M1, "day#2025-11-01")}),
    ),
    Case(
        "numbers_with_thousands_separators_or_units",
        CORPUS / "numbers_with_separators_and_units.csv",
        status="completed",
        processed=3,
        imported=1,
        failed=2,
        layout="daily",
        errors=(
            "Line 2, column 3 (Reading): invalid reading value '1,234.5'",
            "Line 3, column 3 (Reading): invalid reading value '12.5 kWh'",
        ),
        readings={(M1, "day#2025-11-03"): "12.5"},
    ),
    Case(
        "sample_with_four_bad_rows_among_good_ones",
        SAMPLES / "hh_long_with_errors.csv",
        status="completed",
        processed=12,
        imported=8,
        failed=4,
        layout="hh-long",
        errors=(
            "Line 4, column 2 (ReadDateTime): invalid date '2025-02-31' (2025-02 has 28 days)",
            "Line 5, column 3 (ReadValue): missing reading value",
            "Line 8, column 3 (ReadValue): invalid reading value 'n/a' (expected a number such as 12.5,",
            "Line 10: too few cells: the header has 5 columns, this row has 3",
        ),
        readings={
            ("2200042817552", "hh#2025-02-13T00:00Z"): "2.4",
            ("2200042817552", "hh#2025-02-13T00:30Z"): "2.3",
            ("2200042817552", "hh#2025-02-13T02:00Z"): "2.2",
            ("2200042817552", "hh#2025-02-13T02:30Z"): "2.2",
            ("2200042817552", "hh#2025-02-13T03:30Z"): "2.1",
            ("2200042817552", "hh#2025-02-13T04:30Z"): "2.2",
            ("2200042817552", "hh#2025-02-13T05:00Z"): "2.3",
            ("2200042817552", "hh#2025-02-13T05:30Z"): "2.4",
        },
        estimated=frozenset(
            {("2200042817552", "hh#2025-02-13T02:00Z"), ("2200042817552", "hh#2025-02-13T05:00Z")}
        ),
    ),
]

AUTUMN_DAY = datetime(2025, 10, 25, 23, 0, tzinfo=UTC)  # local midnight of 2025-10-26 (BST)
SPRING_DAY = datetime(2025, 3, 30, 0, 0, tzinfo=UTC)  # local midnight of 2025-03-30 (GMT)

VALUES_AND_WARNINGS = [
    Case(
        "negative_reading",
        CORPUS / "negative_reading.csv",
        status="completed",
        processed=3,
        imported=3,
        failed=0,
        warned=1,
        layout="daily",
        warnings=("Line 3, column 3 (Reading): negative reading -3.2 kWh",),
        readings={
            (M1, "day#2025-11-01"): "12.5",
            (M1, "day#2025-11-02"): "-3.2",
            (M1, "day#2025-11-03"): "14",
        },
    ),
    Case(
        "half_hourly_reading_far_out_of_range",
        CORPUS / "reading_out_of_range.csv",
        status="completed",
        processed=2,
        imported=2,
        failed=0,
        warned=1,
        layout="hh-long",
        warnings=(
            "Line 3, column 3 (ReadValue): 999999 kWh is far more than a meter records in half an hour "
            "(over 5000 kWh): check the unit",
        ),
        readings=half_hours(M1, datetime(2025, 11, 1, tzinfo=UTC), ["0.5", "999999"]),
    ),
    Case(
        "reading_dated_in_the_future",
        CORPUS / "future_reading.csv",
        status="completed",
        processed=2,
        imported=2,
        failed=0,
        warned=1,
        layout="daily",
        warnings=("Line 3, column 3 (Reading): the reading is for 2099-01-01, which is in the future",),
        readings={(M1, "day#2025-11-01"): "12.5", (M1, "day#2099-01-01"): "13"},
    ),
    Case(
        "same_meter_and_time_twice_keeps_the_later",
        CORPUS / "same_meter_and_time_twice.csv",
        status="completed",
        processed=3,
        imported=3,
        failed=0,
        warned=1,
        layout="hh-long",
        warnings=(
            "Line 4: meter 1200023305967 at 2025-11-01 half hour 1 (2025-11-01 00:00 UTC) appears earlier "
            "in the file too; this row's is kept",
        ),
        readings=half_hours(M1, datetime(2025, 11, 1, tzinfo=UTC), ["0.9", "0.6"]),
    ),
    Case(
        "impossible_dates",
        CORPUS / "invalid_dates.csv",
        status="completed",
        processed=5,
        imported=2,
        failed=3,
        layout="daily",
        errors=(
            "Line 2, column 2 (Date): invalid date '31/02/2025' (2025-02 has 28 days)",
            "Line 4, column 2 (Date): invalid date '2025-13-01' (there is no month 13",
            "Line 5, column 2 (Date): invalid date '29/02/2025' (2025-02 has 28 days)",
        ),
        readings={(M1, "day#2024-02-29"): "13", (M1, "day#2025-02-28"): "16"},
    ),
    Case(
        "fifty_half_hours_when_the_clocks_go_back_and_hh49_on_an_ordinary_day",
        CORPUS / "hh_wide_autumn_50_periods.csv",
        status="completed",
        processed=3,
        imported=2,
        failed=1,
        layout="hh-wide",
        errors=(
            "Line 3, column 51 (HH49): 2025-10-27 has only 48 half hours, so HH49 must be blank; found '0.4'",
        ),
        readings=half_hours(M1, AUTUMN_DAY, [f"{p / 10:.1f}" for p in range(1, 51)])
        | half_hours(M2, datetime(2025, 10, 27, tzinfo=UTC), ["2.0"] * 48),
    ),
    Case(
        "forty_six_half_hours_when_the_clocks_go_forward",
        CORPUS / "hh_wide_spring_46_periods.csv",
        status="completed",
        processed=3,
        imported=1,
        failed=2,
        layout="hh-wide",
        errors=(
            f"Line 3, column 49 (HH47): {SPRING_FORWARD} HH47 must be blank; found '2.0'",
            f"Line 4, column 50 (HH48): {SPRING_FORWARD} HH48 must be blank; found '3.0'",
        ),
        readings=half_hours(M1, SPRING_DAY, ["1.0"] * 46),
    ),
    Case(
        "utc_offsets_across_the_fall_back_hour_keep_both_one_oclocks",
        CORPUS / "hh_long_utc_offsets_fall_back.csv",
        status="completed",
        processed=6,
        imported=6,
        failed=0,
        layout="hh-long",
        readings=half_hours(
            M1, AUTUMN_DAY + timedelta(minutes=30), ["0.1", "0.2", "0.3", "0.4", "0.5", "0.6"]
        ),
    ),
    Case(
        "local_times_repeating_the_fall_back_hour_in_order",
        CORPUS / "hh_long_local_fall_back_repeated_hour.csv",
        status="completed",
        processed=6,
        imported=6,
        failed=0,
        layout="hh-long",
        readings=half_hours(
            M1, AUTUMN_DAY + timedelta(minutes=30), ["0.1", "0.2", "0.3", "0.4", "0.5", "0.6"]
        ),
    ),
]

SITES = [
    Case(
        "sites_sample",
        SAMPLES / "sites.csv",
        status="completed",
        processed=5,
        imported=5,
        failed=0,
        layout="sites",
        stored=5,
    ),
    Case(
        "sites_sample_with_an_invalid_date",
        SAMPLES / "sites_invalid_date.csv",
        status="completed",
        processed=4,
        imported=3,
        failed=1,
        layout="sites",
        errors=("Line 4, column 11 (created_at): invalid date '30/02/2025' (2025-02 has 28 days)",),
        stored=3,
    ),
    Case(
        "sites_sample_with_an_error_on_row_46",
        SAMPLES / "sites_one_bad_row.csv",
        status="completed",
        processed=48,
        imported=47,
        failed=1,
        layout="sites",
        errors=("Line 47, column 3 (created_at): invalid date '15.06.2025' (expected YYYY-MM-DD,",),
        stored=47,
    ),
    Case(
        "sites_with_bad_type_latitude_and_longitude",
        CORPUS / "sites_bad_values.csv",
        format="sites",
        status="completed",
        processed=4,
        imported=1,
        failed=3,
        layout="sites",
        errors=(
            "Line 3, column 3 (site_type): unknown site type 'castle'",
            "Line 4, column 4 (latitude): latitude '95' is out of range (expected -90 to 90)",
            "Line 5, column 5 (longitude): longitude '-200' is out of range (expected -180 to 180)",
        ),
        sites={"1#good site": {"latitude": "51.5", "longitude": "-0.12"}},
    ),
]

CASES: list[Case] = ENCODINGS_AND_FRAMING + BROKEN_FILES + VALUES_AND_WARNINGS + SITES + FIELD_CASES
