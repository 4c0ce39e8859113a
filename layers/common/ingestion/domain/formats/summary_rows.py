"""Summary rows: the Total, Maximum or Average a spreadsheet adds below (or between) the readings.

Such a row is no reading and no mistake in the file: it is skipped with a note and counted apart
(`summary_rows`), never as an error. A row is one when its first non-blank cell, or its meter or
date cell, holds nothing but a summary word (case aside, optionally with a colon)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ingestion.domain.formats.row_errors import RowError

# The words, as the note names them, by their folded form (lowercase, spaces collapsed).
_LABELS = {
    word.casefold(): word
    for word in (
        "Total",
        "Totals",
        "Grand Total",
        "Sum",
        "Maximum",
        "Max",
        "Minimum",
        "Min",
        "Average",
        "Mean",
    )
}
# Any cell that can be one, in text of cells joined by line breaks (one scan of a batch's column).
_ANY_LABEL = re.compile(
    r"^[ \t]*(?:totals?|grand[ \t]+total|sum|max(?:imum)?|min(?:imum)?|average|mean)[ \t]*:?[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_BLANK = re.compile(r"^[ \t]*$", re.MULTILINE)
_LONGEST = max(map(len, _LABELS)) + 8  # (room for spaces and a colon)
# The lines a job keeps of its summary rows (the count is always exact).
MAX_SUMMARY_SAMPLES = 50


@dataclass(frozen=True)
class SummaryRow:
    """A summary row that was skipped: its file line and the word that made it one."""

    line: int
    label: str


class SummaryRowFound(RowError):
    """The row is a summary row (skipped and counted apart, not an error)."""

    def __init__(self, label: str) -> None:
        super().__init__(f"a summary row ({label}), not a reading")
        self.label = label


def summary_label(cell: str) -> str | None:
    """The summary word a cell holds ("TOTAL:" -> "Total"), or None."""
    if len(cell) > _LONGEST:
        return None
    folded = " ".join(cell.strip().removesuffix(":").split()).casefold()
    return _LABELS.get(folded)


def row_summary_label(cells: Sequence[str], key_columns: Iterable[int]) -> str | None:
    """The summary word of a row: in its first non-blank cell, or in one of its key cells (the
    meter's, the date's) by index."""
    for cell in cells:
        if cell.strip():
            label = summary_label(cell)
            if label is not None:
                return label
            break
    for index in key_columns:
        if index < len(cells) and (label := summary_label(cells[index])) is not None:
            return label
    return None


def check_not_summary(cells: Sequence[str], key_columns: Iterable[int]) -> None:
    """SummaryRowFound when the row is a summary row."""
    label = row_summary_label(cells, key_columns)
    if label is not None:
        raise SummaryRowFound(label)


def any_summary_cell(cells: Iterable[str]) -> bool:
    """Whether any of these cells holds a summary word (one regular-expression scan, for a whole
    column of a batch)."""
    return _ANY_LABEL.search("\n".join(cells)) is not None


def any_blank_cell(cells: Iterable[str]) -> bool:
    """Whether any of these cells is blank (one scan, as any_summary_cell)."""
    return _BLANK.search("\n".join(cells)) is not None


def describe_summary_rows(count: int, rows: Sequence[SummaryRow]) -> str:
    """The note a job shows: "Skipped 2 summary rows (Total, Average) at lines 50-51." `rows` are
    the first ones kept (in any order); `count` all there were."""
    ordered = sorted(rows, key=lambda row: row.line)
    labels = list(dict.fromkeys(row.label for row in ordered))
    lines = _ranges([row.line for row in ordered])
    rows_word = "row" if count == 1 else "rows"
    lines_word = "line" if len(ordered) == 1 else "lines"
    more = count - len(ordered)
    where = f" at {lines_word} {_joined(lines)}" if ordered else ""
    if more > 0 and ordered:
        where = f" at {lines_word} {', '.join(lines)} and {more} more"
    return f"Skipped {count} summary {rows_word} ({', '.join(labels)}){where}."


def _ranges(lines: list[int]) -> list[str]:
    """Consecutive lines as one range: [9, 30, 31, 32] -> ["9", "30-32"]."""
    found: list[list[int]] = []
    for line in lines:
        if found and line == found[-1][-1] + 1:
            found[-1].append(line)
        else:
            found.append([line])
    return [f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]) for run in found]


def _joined(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
