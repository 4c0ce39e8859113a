// An ended import's coverage (GET /imports/{job_id}/coverage) on its status page: a heatmap with a
// row a meter and channel and a column a UK local day, each cell how much of that day the import
// wrote. The API's pages of 100 meters are fetched one at a time, on request after the first: a
// year of 100 meters is 36,500 cells, drawn at once, and a job of 1,000 meters draws only what
// someone asks to see.
import { $, api, formatCount, h, say } from "./app.js";

export const COVERAGE_PAGE = 100;
const DAY_MS = 86_400_000;
const LABEL_REM = 10; // the meters' column (app.css sizes it from --label)
const CELL_PX = { least: 4, most: 18 }; // a long range scrolls sideways rather than go thinner
const BUILDING_RETRY_MS = 20_000; // asked again while the ingest function builds it
const LISTED_DAYS = 200; // the text list of days not complete stops there, and says how many more
const UNITS = { hh: ["half hour", "half hours"], daily: ["daily reading", "daily readings"] };
const MONTH = new Intl.DateTimeFormat(undefined, { month: "short", year: "numeric", timeZone: "UTC" });

const state = { jobId: null, meters: [], summary: null, cursor: null };

// Days as whole numbers (days since 1970-01-01), so a meter's days line up on the common axis.
const dayNumber = (iso) => Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10)) / DAY_MS;
const isoDay = (number) => new Date(number * DAY_MS).toISOString().slice(0, 10);
const counted = (n, [one, many]) => `${formatCount(n)} ${n === 1 ? one : many}`;

/** complete: every period of the day written; partial: some; empty: none. */
export const dayState = (written, missing) => (missing === 0 ? "complete" : written > 0 ? "partial" : "empty");

/** What the periods are called: daily readings when every meter in hand is daily, else half hours. */
const unitOf = (meters) => (meters.length && meters.every((m) => m.kind === "daily") ? UNITS.daily : UNITS.hh);

/** The whole job in one line: "3 meters, 90 meter-days: 88 complete, 2 partial; 4,224 half hours
 * written (6 estimated), 96 missing." */
export function summaryText(summary, unit) {
  if (!summary.meters) return "This import wrote no readings.";
  const days = [`${formatCount(summary.complete_days)} complete`];
  if (summary.partial_days) days.push(`${formatCount(summary.partial_days)} partial`);
  if (summary.empty_days) days.push(`${formatCount(summary.empty_days)} with nothing written`);
  const estimated = summary.estimated_periods ? ` (${formatCount(summary.estimated_periods)} estimated)` : "";
  const meters = counted(summary.meters, ["meter", "meters"]);
  const meterDays = counted(summary.days, ["meter-day", "meter-days"]);
  const periods = `${counted(summary.written_periods, unit)} written${estimated}`;
  return `${meters}, ${meterDays}: ${days.join(", ")}; ${periods}, ${formatCount(summary.missing_periods)} missing.`;
}

/** A day's counts, as its cell's tooltip says them: "2025-11-03: 40 of 48 written, 2 estimated, 8 missing". */
export const dayText = (day, written, estimated, missing) =>
  `${day}: ${formatCount(written)} of ${formatCount(written + missing)} written, ` +
  `${formatCount(estimated)} estimated, ${formatCount(missing)} missing`;

/** The meter, with its channel where it is not import and "daily" for daily readings. */
const meterLabel = (m) =>
  [m.meter, m.channel !== "import" ? m.channel : null, m.kind === "daily" ? "daily" : null]
    .filter(Boolean)
    .join(" · ");

/** A meter's row in words, for those who cannot see the colours or shapes. */
function rowText(m, label) {
  const days = { complete: 0, partial: 0, empty: 0 };
  m.written.forEach((written, i) => (days[dayState(written, m.missing[i])] += 1));
  const sum = (list) => list.reduce((a, b) => a + b, 0);
  const unit = UNITS[m.kind] || UNITS.hh;
  return (
    `${label}, ${m.first_day} to ${m.last_day}: ${formatCount(days.complete)} days complete, ` +
    `${formatCount(days.partial)} partial, ${formatCount(days.empty)} with nothing written; ` +
    `${counted(sum(m.missing), unit)} missing, ${formatCount(sum(m.estimated))} estimated`
  );
}

function meterRow(m, axisStart) {
  const label = meterLabel(m);
  const start = dayNumber(m.first_day);
  const cells = m.written.map((written, i) => {
    const cell = document.createElement("span");
    const estimated = m.estimated[i];
    cell.className = `hm-cell ${dayState(written, m.missing[i])}${estimated ? " est" : ""}`;
    cell.title = dayText(isoDay(start + i), written, estimated, m.missing[i]);
    return cell;
  });
  // (CSSOM, not a style attribute: the pages' CSP allows no inline styles.)
  if (cells.length) cells[0].style.gridColumnStart = String(start - axisStart + 1);
  return h(
    "div",
    { class: "hm-row" },
    h("span", { class: "hm-label", title: label }, label),
    h("span", { class: "hm-strip", role: "img", "aria-label": rowText(m, label) }, cells),
  );
}

/** The months over the days, each named above its first day. */
function axisRow(axisStart, days) {
  const months = [];
  for (let i = 0; i < days; ) {
    const day = new Date((axisStart + i) * DAY_MS);
    const nextMonth = Date.UTC(day.getUTCFullYear(), day.getUTCMonth() + 1, 1) / DAY_MS;
    const span = Math.min(nextMonth - axisStart, days) - i;
    const name = h("span", { class: "hm-month" }, MONTH.format(day));
    name.style.gridColumn = `${i + 1} / span ${span}`;
    months.push(name);
    i += span;
  }
  return h(
    "div",
    { class: "hm-row hm-axis", "aria-hidden": "true" },
    h("span", { class: "hm-label" }, "Meter"),
    h("span", { class: "hm-strip" }, months),
  );
}

/** The heatmap of `meters`; when the days of those `added` to it fall within its axis, only their
 * rows are drawn. */
function drawHeatmap(grid, meters, added) {
  const axisStart = Math.min(...meters.map((m) => dayNumber(m.first_day)));
  const days = Math.max(...meters.map((m) => dayNumber(m.last_day))) - axisStart + 1;
  const axis = `${axisStart}+${days}`;
  if (grid.dataset.axis === axis) {
    grid.append(...added.map((m) => meterRow(m, axisStart)));
    return;
  }
  grid.dataset.axis = axis;
  const rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
  const room = grid.parentElement.clientWidth - LABEL_REM * rem - rem;
  const share = Math.floor(room / days);
  const gap = share >= 7 ? 1 : 0;
  const cell = Math.min(CELL_PX.most, Math.max(CELL_PX.least, share - gap));
  grid.style.setProperty("--label", `${LABEL_REM}rem`);
  grid.style.setProperty("--cell", `${cell}px`);
  grid.style.setProperty("--gap", `${gap}px`);
  grid.style.setProperty("--days", String(days));
  grid.replaceChildren(axisRow(axisStart, days), ...meters.map((m) => meterRow(m, axisStart)));
}

/** Every day not complete, in words: the heatmap's gaps for a screen reader, or to copy. */
function showGapList(meters) {
  const items = [];
  let unlisted = 0;
  for (const m of meters) {
    const start = dayNumber(m.first_day);
    m.missing.forEach((missing, i) => {
      if (!missing) return;
      if (items.length === LISTED_DAYS) {
        unlisted += 1;
        return;
      }
      const day = dayText(isoDay(start + i), m.written[i], m.estimated[i], missing);
      items.push(h("li", {}, `${meterLabel(m)}, ${day}`));
    });
  }
  if (unlisted) items.push(h("li", {}, `… and ${counted(unlisted, ["more day", "more days"])} not complete`));
  $("#coverage-gaps").hidden = items.length === 0;
  $("#coverage-gap-list").replaceChildren(...items);
}

function draw(added) {
  const { meters, summary } = state;
  $("#coverage-summary").textContent = summaryText(summary, unitOf(meters));
  $("#coverage-map").hidden = meters.length === 0;
  if (meters.length) drawHeatmap($("#heatmap"), meters, added);
  const partly = meters.length < summary.meters;
  $("#coverage-shown").hidden = !partly;
  $("#coverage-shown").textContent = partly
    ? `Showing ${formatCount(meters.length)} of ${formatCount(summary.meters)} meters.`
    : "";
  showGapList(meters);
}

function offer(label) {
  const button = $("#coverage-more");
  button.textContent = label;
  button.hidden = !label;
}

async function loadPage() {
  const button = $("#coverage-more");
  const message = $("#coverage-message");
  const query = new URLSearchParams({ limit: String(COVERAGE_PAGE) });
  if (state.cursor) query.set("cursor", state.cursor);
  button.disabled = true;
  let page;
  try {
    page = await api(`/imports/${encodeURIComponent(state.jobId)}/coverage?${query}`);
  } catch (err) {
    if (err.status === 404 || err.status === 409) {
      $("#coverage").hidden = true; // gone, or it writes no readings: nothing to show
    } else {
      say(message, `The coverage could not be loaded: ${err.message}`, { error: true });
      offer("Try again");
    }
    return;
  } finally {
    button.disabled = false;
  }
  if (!page.ready) {
    if (page.building) {
      // An ended import whose coverage is being built (a large one whose end was cut short).
      say(message, "The coverage is being built: it is shown here when it is ready.");
      offer("Try again");
      const jobId = state.jobId;
      setTimeout(() => state.jobId === jobId && !state.summary && loadPage(), BUILDING_RETRY_MS);
      return;
    }
    say(message, "The coverage is ready once the import has ended.");
    offer("Try again");
    return;
  }
  say(message, "");
  const focused = document.activeElement === button;
  state.meters.push(...page.meters);
  state.summary = page.summary;
  state.cursor = page.next_cursor;
  draw(page.meters);
  const left = state.summary.meters - state.meters.length;
  offer(state.cursor ? `Show ${formatCount(Math.min(COVERAGE_PAGE, left))} more meters` : "");
  if (focused && button.hidden) $("#coverage-heading").focus(); // not lost with the button
}

/** Show the coverage of an ended import: fetched the first time, kept after that. */
export function showCoverage(jobId) {
  $("#coverage").hidden = false;
  if (state.jobId === jobId) return;
  Object.assign(state, { jobId, meters: [], summary: null, cursor: null });
  loadPage();
}

export function hideCoverage() {
  $("#coverage").hidden = true;
}

$("#coverage-more").addEventListener("click", loadPage);
