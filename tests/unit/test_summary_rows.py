"""Summary rows (Total, Average, ...) at the end of a file, or in its middle: recognised from the
row's first non-blank cell or its meter or date cell, skipped and counted apart, never an error."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ingestion.domain.csvstream import RawRow, RowBatch
from ingestion.domain.formats import detect_layout
from ingestion.domain.formats.summary_rows import SummaryRow, describe_summary_rows, summary_label
from ingestion.domain.rowcheck import check_batch
from ingestion.domain.seen_keys import SeenKeys

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
M = "1200023305967"


@pytest.mark.parametrize(
    ("cell", "label"),
    [
        ("Total", "Total"),
        ("TOTAL", "Total"),
        (" total: ", "Total"),
        ("Totals", "Totals"),
        ("Grand Total", "Grand Total"),
        ("grand  total:", "Grand Total"),
        ("Sum", "Sum"),
        ("Maximum", "Maximum"),
        ("max:", "Max"),
        ("Minimum", "Minimum"),
        ("MIN", "Min"),
        ("Average", "Average"),
        ("mean", "Mean"),
    ],
)
def test_a_summary_word_is_recognised_whatever_its_case_and_with_a_colon(cell, label):
    assert summary_label(cell) == label


@pytest.mark.parametrize("cell", ["", "Totally", "Sub total x", "1200023305967", "2025-11-01", "Max 5", "::"])
def test_other_cells_are_not_summary_labels(cell):
    assert summary_label(cell) is None


def raw(*lines: str) -> list[RawRow]:
    return [RawRow(number, line.split(","), 0) for number, line in enumerate(lines, start=2)]


def check(header: str, *lines: str):
    layout = detect_layout(header.split(","), "auto")
    return check_batch(raw(*lines), layout, SeenKeys(), NOW)


def test_a_total_row_at_the_end_of_a_daily_file_is_skipped_not_an_error():
    batch = check("MPAN,Date,Reading", f"{M},2025-11-01,12.5", f"{M},2025-11-02,13", "Total,,25.5")
    assert batch.errors == []
    assert batch.summaries == [SummaryRow(4, "Total")]
    assert batch.imported == 2 and [r.value_kwh for r in batch.records] == [12.5, 13]


def test_the_label_may_be_in_the_date_cell_or_the_first_non_blank_cell():
    batch = check(
        "Site,MPAN,Date,Reading",
        f"Head office,{M},2025-11-01,12.5",
        f"Head office,{M},Average:,12.5",  # the date cell
        ",,Maximum,12.5",  # the first non-blank cell
        "Sum,,,25",  # the first cell
    )
    assert batch.errors == []
    assert batch.summaries == [SummaryRow(3, "Average"), SummaryRow(4, "Maximum"), SummaryRow(5, "Sum")]
    assert batch.imported == 1


def test_a_summary_row_with_fewer_cells_than_the_header_is_still_a_summary_row():
    batch = check("MPAN,Date,Reading,Notes", f"{M},2025-11-01,12.5,ok", "Grand Total,12.5")
    assert batch.errors == [] and batch.summaries == [SummaryRow(3, "Grand Total")]


def test_a_total_row_in_the_middle_is_skipped_and_the_rows_after_it_are_read():
    header = "MPAN,Date," + ",".join(f"HH{n:02d}" for n in range(1, 49))
    values = ",".join(["0.5"] * 48)
    batch = check(
        header,
        f"{M},2025-11-01,{values}",
        f"TOTAL:,,{','.join(['1'] * 48)}",
        f"{M},2025-11-02,{values}",
    )
    assert batch.errors == [] and batch.summaries == [SummaryRow(3, "Total")]
    assert batch.imported == 2 and len(batch.records) == 96


def test_a_summary_row_that_would_pass_as_a_meter_is_caught_on_the_fast_path_too():
    """A "Total" meter id is valid and the date is there: the batch read column by column must not
    take it for a reading."""
    lines = [f"{M},2025-11-{day:02d},1.5" for day in range(1, 6)] + ["Total,2025-11-30,7.5"]
    cells = [line.split(",") for line in lines]
    batch = RowBatch(cells=cells, lines=list(range(2, 8)), problems={}, end_offset=0, next_line=8)
    layout = detect_layout(["MPAN", "Date", "Reading"], "auto")
    checked = check_batch(batch, layout, SeenKeys(), NOW)
    assert checked.summaries == [SummaryRow(7, "Total")] and checked.imported == 5 and checked.errors == []


def test_a_meter_id_that_only_contains_a_summary_word_is_a_reading():
    batch = check("MPAN,Date,Reading", "TOTAL-1,2025-11-01,1", "Max5,2025-11-01,2")
    assert batch.summaries == [] and batch.imported == 2


def test_sites_files_keep_their_rows_named_like_summary_words():
    batch = check("name,postcode", "Total,AB1 2CD", "Head office,AB1 2CE")
    assert batch.summaries == [] and batch.imported == 2


@pytest.mark.parametrize(
    ("count", "rows", "note"),
    [
        (1, [SummaryRow(4, "Total")], "Skipped 1 summary row (Total) at line 4."),
        (
            2,
            [SummaryRow(51, "Average"), SummaryRow(50, "Total")],
            "Skipped 2 summary rows (Total, Average) at lines 50-51.",
        ),
        (
            4,
            [SummaryRow(9, "Total"), SummaryRow(30, "Total"), SummaryRow(31, "Max"), SummaryRow(32, "Min")],
            "Skipped 4 summary rows (Total, Max, Min) at lines 9 and 30-32.",
        ),
        (
            60,
            [SummaryRow(n, "Total") for n in range(10, 60)],
            "Skipped 60 summary rows (Total) at lines 10-59 and 10 more.",
        ),
    ],
)
def test_the_note_says_how_many_summary_rows_were_skipped_and_where(count, rows, note):
    assert describe_summary_rows(count, rows) == note
