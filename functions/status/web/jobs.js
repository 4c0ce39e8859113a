// /admin/imports/jobs: the caller's imports, newest first, filtered by status, a page at a time.
import {
  $,
  ACTIVE_STATUSES,
  STATUS_LABELS,
  api,
  badge,
  formatCount,
  formatPercent,
  formatRate,
  h,
  roughDuration,
  say,
  startPage,
  statusUrl,
  timeElement,
} from "./app.js";

const PAGE_SIZES = ["20", "50", "100"];
const filters = $("#filters");
const statusSelect = $("#status");
const limitSelect = $("#limit");
const table = $("#jobs");
const message = $("#message");
const nextButton = $("#next-page");
const firstButton = $("#first-page");

let cursor = null; // the API's token for the page shown; null for the first page
let nextCursor = null;
let latest = 0; // only the newest request's answer is shown

function readFiltersFromUrl() {
  const params = new URLSearchParams(location.search);
  const status = params.get("status") || "";
  statusSelect.value = Object.hasOwn(STATUS_LABELS, status) ? status : "";
  const limit = params.get("limit") || "20";
  limitSelect.value = PAGE_SIZES.includes(limit) ? limit : "20";
}

/** A running import's speed and time left, as its status page says them; nothing once it has ended
 * (the list is a snapshot: it does not refresh, the status page does). */
function pace(job) {
  if (!ACTIVE_STATUSES.has(job.status)) return ["", ""];
  const left = job.status === "processing" ? roughDuration(job.eta_seconds) : null;
  return [job.status === "processing" ? formatRate(job.rows_per_sec) : "—", left || "—"];
}

function row(job) {
  const [rate, left] = pace(job);
  const name = job.filename || job.job_id;
  return h(
    "tr",
    {},
    h(
      "td",
      { class: "file" },
      h("a", { href: statusUrl(job.job_id) }, name),
      job.dry_run ? h("span", { class: "hint" }, " (dry run)") : null,
    ),
    h("td", {}, badge(job.status)),
    h(
      "td",
      {},
      h("progress", { max: 100, value: job.percent ?? 0, "aria-hidden": "true" }),
      formatPercent(job.percent),
    ),
    h("td", { class: "num" }, formatCount(job.processed_rows)),
    h("td", { class: "num" }, formatCount(job.imported_rows)),
    h("td", { class: "num" }, formatCount(job.failed_rows)),
    h("td", { class: "num" }, rate),
    h("td", { class: "num" }, left),
    h("td", {}, timeElement(job.created_at)),
  );
}

function emptyMessage() {
  if (cursor) return "No more imports.";
  if (statusSelect.value) return `No imports are ${STATUS_LABELS[statusSelect.value].toLowerCase()}.`;
  const start = h("a", { href: "/admin/imports/new" }, "Start one");
  return h("span", {}, "You have no imports yet. ", start, ".");
}

async function load() {
  const mine = ++latest;
  const query = new URLSearchParams({ limit: limitSelect.value });
  if (statusSelect.value) query.set("status", statusSelect.value);
  if (cursor) query.set("next", cursor);
  table.setAttribute("aria-busy", "true");
  let page;
  try {
    page = await api(`/imports?${query}`);
  } catch (err) {
    if (mine !== latest) return;
    table.hidden = nextButton.hidden = firstButton.hidden = true;
    say(message, err.message, { error: true });
    return;
  } finally {
    if (mine === latest) table.removeAttribute("aria-busy");
  }
  if (mine !== latest) return;
  nextCursor = page.next;
  table.tBodies[0].replaceChildren(...page.items.map(row));
  table.hidden = page.items.length === 0;
  say(message, page.items.length ? "" : emptyMessage());
  nextButton.hidden = !nextCursor;
  firstButton.hidden = !cursor;
}

function applyFilters() {
  const params = new URLSearchParams({ limit: limitSelect.value });
  if (statusSelect.value) params.set("status", statusSelect.value);
  history.replaceState(null, "", `${location.pathname}?${params}`);
  cursor = null;
  load();
}

filters.addEventListener("submit", (event) => {
  event.preventDefault();
  applyFilters();
});
statusSelect.addEventListener("change", applyFilters);
limitSelect.addEventListener("change", applyFilters);
nextButton.addEventListener("click", () => {
  cursor = nextCursor;
  load().then(() => table.scrollIntoView({ block: "start" }));
});
firstButton.addEventListener("click", () => {
  cursor = null;
  load();
});

readFiltersFromUrl();
startPage(load);
