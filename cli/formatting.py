"""Text for the terminal: numbers, durations, the progress bar, the job summary, the jobs table,
the readings table, a preview and a job's coverage.

Pure functions of a job (the API's JSON) and their other arguments, so they are tested directly.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from cli.mapping_options import mapping_text

BAR_WIDTH = 24
MAX_ERRORS_SHOWN = 10
MAX_WARNINGS_SHOWN = 5
MISSING = "-"


def format_count(value: int | None) -> str:
    return MISSING if value is None else f"{value:,}"


def format_rows(value: int | None) -> str:
    """1 row, 2,000 rows."""
    return f"{format_count(value)} {'row' if value == 1 else 'rows'}"


def format_total(total: int | None, exact: bool) -> str:
    """The total row count; "~N" while it is still an estimate, "?" before there is one."""
    if total is None:
        return "?"
    return f"{total:,}" if exact else f"~{total:,}"


def format_duration(seconds: float | None) -> str:
    """45s, 2m 05s, 1h 02m, 3d 04h: two units at most, the way an ETA is read."""
    if seconds is None:
        return "?"
    whole = max(0, round(seconds))
    minutes, secs = divmod(whole, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days}d {hours:02d}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def format_rate(rows_per_sec: float | None) -> str:
    if rows_per_sec is None:
        return f"{MISSING} rows/s"
    if rows_per_sec < 10:
        return f"{rows_per_sec:.1f} rows/s"
    return f"{round(rows_per_sec):,} rows/s"


def format_percent(percent: float | None) -> str:
    return "?" if percent is None else f"{percent:.1f}%"


def format_ratio(ratio: float | None) -> str:
    """success_rate (imported / processed, 0..1) as a percentage. The API has already rounded it
    down to three decimals (never 1 while a row failed), so it is shown as sent: 0.999 is 99.9%."""
    return MISSING if ratio is None else f"{100 * ratio:.1f}%"


def format_bytes(size: int | None) -> str:
    if size is None:
        return "?"
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{size:,} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def format_timestamp(text: str | None) -> str:
    """The API's ISO 8601 UTC instant as "2024-05-01 10:00:00 UTC"; anything else unchanged."""
    if not text:
        return MISSING
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        return text
    if instant.tzinfo is not None:
        instant = instant.astimezone(UTC)
    return instant.strftime("%Y-%m-%d %H:%M:%S UTC")


def elapsed_seconds(start: str | None, end: str | None) -> float | None:
    """Seconds between two of the API's timestamps, None when either is missing or unreadable."""
    if not start or not end:
        return None
    try:
        return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
    except (TypeError, ValueError):  # TypeError: one has a time zone and the other not
        return None


def progress_bar(percent: float | None, width: int = BAR_WIDTH) -> str:
    """[#########---------------]: ASCII, so it prints on any terminal encoding."""
    share = min(max((percent or 0.0) / 100.0, 0.0), 1.0)
    filled = int(share * width)
    return "[" + "#" * filled + "-" * (width - filled) + "]"


def progress_line(job: dict[str, Any], width: int = BAR_WIDTH) -> str:
    """One line for a job being watched: bar, percent, rows, rate, ETA and status."""
    rows = f"{format_count(job.get('processed_rows') or 0)}/"
    rows += format_total(job.get("total_rows"), bool(job.get("total_rows_exact")))
    parts = [
        progress_bar(job.get("percent"), width),
        f"{format_percent(job.get('percent')):>6}",
        f"{rows} rows",
        format_rate(job.get("rows_per_sec")),
        f"ETA {format_duration(job.get('eta_seconds'))}",
        str(job.get("status", "?")),
    ]
    return "  ".join(parts)


def fit(line: str, columns: int) -> str:
    """Cut a line short of the terminal width, so a redrawn line never wraps onto a second one."""
    return line if len(line) < columns else line[: max(columns - 1, 0)]


def throttle_text(throttle: dict[str, Any] | None) -> str:
    """very_large (25 rows per batch, 300 ms pause)."""
    if not throttle:
        return MISSING
    batch, delay = format_count(throttle.get("batch_size")), throttle.get("delay_ms", 0)
    detail = f"{batch} rows per batch, {delay} ms pause"
    return f"{throttle['preset']} ({detail})" if throttle.get("preset") else detail


def _written_label(job: dict[str, Any]) -> str:
    """What a job's records are: a sites file writes sites, the others readings."""
    return "Sites" if "sites" in (job.get("layout"), job.get("format")) else "Readings"


def _file_text(job: dict[str, Any]) -> str:
    """readings.csv (78.1 KB, Windows-1252, CRLF): the encoding and line ending once it has been read."""
    details = [format_bytes(job.get("bytes_total"))]
    details += [str(job[key]) for key in ("encoding", "line_ending") if job.get(key)]
    return f"{job.get('filename') or MISSING} ({', '.join(details)})"


def _messages(title: str, messages: list[str], total: int, most: int) -> list[str]:
    """A titled list of the API's first messages, "... and N more" when there are more."""
    if not messages:
        return []
    shown = messages[:most]
    more = max(total, len(messages)) - len(shown)
    lines = ["", f"First {len(shown)} {title}:" if more > 0 else f"{title[0].upper()}{title[1:]}:"]
    lines += [f"  {message}" for message in shown]
    if more > 0:
        lines.append(f"  ... and {more:,} more")
    return lines


def job_summary(
    job: dict[str, Any], max_errors: int = MAX_ERRORS_SHOWN, max_warnings: int = MAX_WARNINGS_SHOWN
) -> str:
    """The job, the way ``csvimport status`` prints it."""
    total = format_total(job.get("total_rows"), bool(job.get("total_rows_exact")))
    kind = job.get("format") or MISSING
    if job.get("layout"):
        kind += f" (layout {job['layout']})"
    if job.get("dry_run"):
        kind += ", dry run: nothing is written"
    rows = (
        f"{format_count(job.get('processed_rows'))} processed of {total}: "
        f"{format_count(job.get('imported_rows'))} imported, {format_count(job.get('failed_rows'))} failed"
    )
    pairs: list[tuple[str, str]] = [
        ("Job", str(job.get("job_id", MISSING))),
        ("File", _file_text(job)),
        ("Format", kind),
        *_file_reading(job),
        ("Status", str(job.get("status", MISSING))),
        ("Progress", f"{format_percent(job.get('percent'))} {progress_bar(job.get('percent'))}"),
        ("Rows", rows),
        (_written_label(job), format_count(job.get("readings_written"))),
    ]
    # An ended job without a rate took under a second: a rows/s figure would mean nothing.
    if not (job.get("completed_at") and job.get("rows_per_sec") is None):
        pairs.append(("Speed", format_rate(job.get("rows_per_sec"))))
    if not job.get("completed_at"):  # an ended job has nothing left to estimate
        pairs.append(("ETA", format_duration(job.get("eta_seconds"))))
    if job.get("warning_rows") is not None:
        warned = job["warning_rows"]
        pairs.append(("Warnings", f"{format_rows(warned)} imported with a warning" if warned else "none"))
    if job.get("dry_run") and job.get("would_insert_rows") is not None:
        would = (
            f"would insert {format_rows(job['would_insert_rows'])}, "
            f"would update {format_count(job.get('would_update_rows'))}"
        )
        pairs.append(("Dry run", would))
    pairs += [
        ("Success rate", format_ratio(job.get("success_rate"))),
        ("Throttle", throttle_text(job.get("throttle"))),
        ("Created", format_timestamp(job.get("created_at"))),
        ("Started", format_timestamp(job.get("started_at"))),
    ]
    if job.get("completed_at"):
        took = elapsed_seconds(job.get("started_at"), job.get("completed_at"))
        ended = format_timestamp(job["completed_at"])
        pairs.append(("Ended", ended if took is None else f"{ended} (took {format_duration(took)})"))
    if job.get("error_message"):
        pairs.append(("Error", str(job["error_message"])))
    if job.get("note"):
        pairs.append(("Note", str(job["note"])))
    label_width = max(len(label) for label, _ in pairs) + 2
    lines = [f"{label + ':':<{label_width}}{value}" for label, value in pairs]
    errors = [str(e) for e in job.get("errors") or []]
    lines += _messages("row errors", errors, job.get("failed_rows") or 0, max_errors)
    warnings = [str(w) for w in job.get("warnings") or []]
    lines += _messages("row warnings", warnings, job.get("warning_rows") or 0, max_warnings)
    return "\n".join(lines)


def _file_reading(job: dict[str, Any]) -> list[tuple[str, str]]:
    """The mapping the import reads the file with (columns by name), and the columns it does not
    read, once it has read the header."""
    pairs = []
    if job.get("mapping"):
        pairs.append(("Mapping", mapping_text(job["mapping"])))
    if job.get("unused_columns"):
        pairs.append(("Not read", ", ".join(str(name) for name in job["unused_columns"])))
    return pairs


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns two spaces apart, a header row and a rule under it."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(f"{cell:<{w}}" for cell, w in zip(cells, widths, strict=True)).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


JOB_COLUMNS = ("JOB ID", "FILE", "STATUS", "PROGRESS", "ROWS", "FAILED", "CREATED (UTC)")


def jobs_table(jobs: Sequence[dict[str, Any]], filename_width: int = 32) -> str:
    """The ``csvimport list`` table, one job a row in the order given (the API's: newest first)."""
    rows = [
        [
            str(job.get("job_id", MISSING)),
            _shorten(str(job.get("filename") or MISSING), filename_width),
            str(job.get("status", MISSING)) + (" (dry run)" if job.get("dry_run") else ""),
            format_percent(job.get("percent")),
            f"{format_count(job.get('processed_rows'))}/"
            f"{format_total(job.get('total_rows'), bool(job.get('total_rows_exact')))}",
            format_count(job.get("failed_rows")),
            format_timestamp(job.get("created_at")).removesuffix(" UTC"),
        ]
        for job in jobs
    ]
    return render_table(JOB_COLUMNS, rows)


READING_COLUMNS = ("START (UTC)", "END (UTC)", "LOCAL DATE", "PERIOD", "KIND", "KWH", "ESTIMATED", "JOB")


def _minute(text: Any) -> str:
    """2025-11-03T00:30:00Z as 2025-11-03 00:30."""
    return str(text or MISSING).replace("T", " ").removesuffix("Z").removesuffix(":00")


def readings_table(readings: Sequence[dict[str, Any]]) -> str:
    """The ``csvimport readings`` table, one reading a row in the API's (time) order."""
    rows = [
        [
            _minute(r.get("start")),
            _minute(r.get("end")),
            str(r.get("local_date") or MISSING),
            MISSING if r.get("period") is None else str(r["period"]),
            str(r.get("kind") or MISSING),
            str(r.get("value_kwh") or MISSING),
            "yes" if r.get("estimated") else "no",
            str(r.get("job_id") or MISSING),
        ]
        for r in readings
    ]
    return render_table(READING_COLUMNS, rows)


PREVIEW_COLUMNS = ("#", "HEADER", "FIELD", "READ AS")
PREVIEW_READING_COLUMNS = (
    "LINE",
    "METER",
    "CHANNEL",
    "START (UTC)",
    "LOCAL DATE",
    "PERIOD",
    "KWH",
    "ESTIMATED",
)
_DELIMITER_NAMES = {"\t": "tab", " ": "space"}


def _listed(title: str, messages: Sequence[str]) -> list[str]:
    if not messages:
        return [f"{title}: none"]
    return [f"{title} ({len(messages):,}):", *(f"  {message}" for message in messages)]


def preview_report(preview: dict[str, Any], mapping: str) -> str:
    """``csvimport preview``: the layout, the columns and what each is read as, the first readings,
    then the errors, warnings and notes (`mapping`: the resolved mapping in words)."""
    delimiter = str(preview.get("delimiter") or ",")
    line = preview.get("header_line")
    header = "no header row" if line == 0 else f"header on line {line}"
    reading = f"{preview.get('encoding')}, delimiter {_DELIMITER_NAMES.get(delimiter, repr(delimiter))}"
    lines = [
        f"Layout:   {preview.get('layout')} ({reading}, {header})",
        f"Mapping:  {mapping}",
        "",
        render_table(
            PREVIEW_COLUMNS,
            [
                [
                    str(c.get("number")),
                    str(c.get("header") or ""),
                    str(c.get("field") or MISSING),
                    str(c.get("note")),
                ]
                for c in preview.get("columns") or []
            ],
        ),
        "",
    ]
    readings = preview.get("readings") or []
    if readings:
        rows = [
            [
                str(r.get("line")),
                str(r.get("meter")),
                str(r.get("channel")),
                _minute(r.get("start")),
                str(r.get("local_date") or MISSING),
                MISSING if r.get("period") is None else str(r["period"]),
                str(r.get("value_kwh") or MISSING),
                "yes" if r.get("estimated") else "no",
            ]
            for r in readings
        ]
        lines += ["First readings:", render_table(PREVIEW_READING_COLUMNS, rows)]
    else:
        lines.append("First readings: none")
    lines += ["", *_listed("Errors", preview.get("errors") or [])]
    lines += [*_listed("Warnings", preview.get("warnings") or [])]
    lines += [*_listed("Notes", preview.get("notes") or [])]
    return "\n".join(lines)


# ---- coverage -----------------------------------------------------------------------------------

# A character a day, ASCII like the progress bar so it prints on any terminal encoding.
DAY_GLYPHS = {"complete": "#", "partial": "+", "empty": "."}
ESTIMATED_GLYPHS = {"complete": "E", "partial": "e"}  # (an empty day has nothing estimated)
COVERAGE_LEGEND = (
    "A character a day: # complete, + partial, . nothing written; "
    "E and e: a complete or partial day with estimated readings."
)
_UNITS = {"hh": ("half hour", "half hours"), "daily": ("daily reading", "daily readings")}
_SPAN_WIDTH = len("2025-01-01..2025-12-31")
# Over a month line's 31 days: the day of the month at 1, 10, 20 and 30.
_MONTH_RULER = "1" + " " * 8 + "10" + " " * 8 + "20" + " " * 8 + "30"


def _counted(n: int, unit: tuple[str, str]) -> str:
    return f"{n:,} {unit[0] if n == 1 else unit[1]}"


def day_state(written: int, missing: int) -> str:
    """complete: every period of the day written; partial: some; empty: none."""
    if missing == 0:
        return "complete"
    return "partial" if written else "empty"


def day_glyph(written: int, estimated: int, missing: int) -> str:
    state = day_state(written, missing)
    return ESTIMATED_GLYPHS[state] if estimated else DAY_GLYPHS[state]


def _unit_of(meters: Sequence[dict[str, Any]]) -> tuple[str, str]:
    """Daily readings when every meter in hand is daily, else half hours."""
    daily = bool(meters) and all(m.get("kind") == "daily" for m in meters)
    return _UNITS["daily" if daily else "hh"]


def coverage_summary(summary: dict[str, Any], unit: tuple[str, str] = _UNITS["hh"]) -> str:
    """The whole job in one line, as the status page says it: "3 meters, 90 meter-days: 88
    complete, 2 partial; 4,224 half hours written (6 estimated), 96 missing." """
    days = [f"{summary['complete_days']:,} complete"]
    if summary["partial_days"]:
        days.append(f"{summary['partial_days']:,} partial")
    if summary["empty_days"]:
        days.append(f"{summary['empty_days']:,} with nothing written")
    estimated = summary["estimated_periods"]
    written = _counted(summary["written_periods"], unit) + " written"
    written += f" ({estimated:,} estimated)" if estimated else ""
    return (
        f"{_counted(summary['meters'], ('meter', 'meters'))}, "
        f"{_counted(summary['days'], ('meter-day', 'meter-days'))}: {', '.join(days)}; "
        f"{written}, {summary['missing_periods']:,} missing."
    )


def _meter_label(meter: dict[str, Any]) -> str:
    """The meter, with its channel where it is not import and "daily" for daily readings."""
    details = [str(meter["channel"])] if meter["channel"] != "import" else []
    details += ["daily"] if meter["kind"] == "daily" else []
    return f"{meter['meter']} ({', '.join(details)})" if details else str(meter["meter"])


def _glyphs(meter: dict[str, Any]) -> str:
    return "".join(map(day_glyph, meter["written"], meter["estimated"], meter["missing"]))


def _by_month(first: date, strip: str) -> list[tuple[str, str]]:
    """(YYYY-MM, that month's characters from its day 1: spaces before the meter's first day)."""
    months: list[tuple[str, str]] = []
    day, i = first, 0
    while i < len(strip):
        month_days = monthrange(day.year, day.month)[1]
        take = month_days - day.day + 1
        months.append((f"{day:%Y-%m}", " " * (day.day - 1) + strip[i : i + take]))
        i += take
        day = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    return months


def coverage_report(meters: Sequence[dict[str, Any]], summary: dict[str, Any], columns: int) -> str:
    """``csvimport coverage``: the summary, the legend, then a line a meter: its first and last day
    and a character a day, every meter's on the same axis of days; when the longest of them is too
    wide for ``columns``, each meter's days a month a line instead (its days of the month in
    columns, under a ruler)."""
    lines = [coverage_summary(summary, _unit_of(meters)), COVERAGE_LEGEND, ""]
    labels = [_meter_label(m) for m in meters]
    width = max(len(label) for label in labels)
    firsts = [date.fromisoformat(m["first_day"]) for m in meters]
    axis = min(firsts)
    strips = [" " * (first - axis).days + _glyphs(m) for m, first in zip(meters, firsts, strict=True)]
    if width + 2 + _SPAN_WIDTH + 2 + max(len(s) for s in strips) <= columns:
        lines.append(f"{'':<{width}}  {'':<{_SPAN_WIDTH}}  from {axis.isoformat()}")
        for label, m, strip in zip(labels, meters, strips, strict=True):
            span = f"{m['first_day']}..{m['last_day']}"
            lines.append(f"{label:<{width}}  {span:<{_SPAN_WIDTH}}  {strip}".rstrip())
        return "\n".join(lines)
    lines.append(f"{'':11}{_MONTH_RULER}")
    for label, m, first in zip(labels, meters, firsts, strict=True):
        lines.append(f"{label}  {m['first_day']}..{m['last_day']}")
        lines += [f"  {month}  {days}".rstrip() for month, days in _by_month(first, _glyphs(m))]
    return "\n".join(lines)
