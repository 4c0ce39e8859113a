// /admin/imports/status/{job_id}: one import's progress, refreshed every 5 s until it ends.
import {
  $,
  ACTIVE_STATUSES,
  STATUS_LABELS,
  api,
  formatBytes,
  formatCount,
  formatPercent,
  formatRate,
  formatSuccessRate,
  formatTime,
  h,
  roughDuration,
  say,
  startPage,
  timeElement,
} from "./app.js";
import { hideCoverage, showCoverage } from "./coverage.js";

const REFRESH_MS = 5000;
const FORMAT_LABELS = {
  "hh-long": "Half-hourly",
  "hh-wide": "Half-hourly (HH01–HH48)",
  hh: "Half-hourly",
  daily: "Daily",
  sites: "Sites",
};
const DOWNLOADS = {
  "#download-errors": { link: "errors_url", what: "the error report" },
  "#download-fix": { link: "fix_url", what: "the failed rows to fix" },
};
const message = $("#message");
let timer = null;
let latest = 0;
let shownStatus = null;
let throttleChosen = false; // the owner's choice in the form is kept across refreshes
let shownJob = null; // the job as last drawn, for the buttons
// A job's throttle can change while it can still run (PATCH answers 409 once it has ended).
const THROTTLE_STATUSES = new Set(["queued", "processing"]);

function jobIdFromUrl() {
  try {
    return decodeURIComponent(location.pathname.split("/").pop() || "");
  } catch {
    return "";
  }
}

const text = (selector, value) => {
  $(selector).replaceChildren(value ?? "—");
};

const DATE_ORDERS = { dmy: "day/month/year", mdy: "month/day/year", ymd: "year/month/day" };

// The column mapping in one plain line: what each field is read from, then the other keys.
function mappingText(mapping, profile) {
  const columns = Object.entries(mapping?.columns || {}).map(([field, column]) =>
    typeof column === "number" ? `${field}: column ${column}` : `${field}: column "${column}"`);
  const others = [
    mapping?.meter ? `meter ${mapping.meter} for every row` : null,
    mapping?.header_row === 0 ? "no header row" : null,
    mapping?.header_row ? `header on line ${mapping.header_row}` : null,
    mapping?.timestamps === "end" ? "times mark the end of each period" : null,
    mapping?.date_order ? `dates ${DATE_ORDERS[mapping.date_order] || mapping.date_order}` : null,
    mapping?.timezone ? `time zone ${mapping.timezone}` : null,
    mapping?.unit ? `unit ${mapping.unit}` : null,
    mapping?.calorific_value ? `calorific value ${mapping.calorific_value} MJ/m³` : null,
    profile ? `from profile "${profile}"` : null,
  ];
  return [...columns, ...others].filter(Boolean).join(" · ");
}

function showMapping(job) {
  const mapping = job.mapping || job.requested_mapping;
  const line = mapping || job.profile ? mappingText(mapping, job.profile) : "";
  $("#mapping-fact").hidden = !line;
  $("#mapping-label").textContent = job.mapping ? "Mapping used" : "Mapping asked for";
  if ($("#mapping").textContent !== line) $("#mapping").textContent = line;
  // The header's columns the import does not read (costs, notes), in one plain line.
  const unused = job.unused_columns?.length ? `Not read: ${job.unused_columns.join(", ")}` : "";
  const shown = $("#unused-columns");
  if (shown.textContent !== unused) shown.textContent = unused;
  shown.hidden = !unused;
}

function totalRows(job) {
  if (typeof job.total_rows !== "number") return "not known yet";
  return job.total_rows_exact ? formatCount(job.total_rows) : `about ${formatCount(job.total_rows)}`;
}

const rows = (n) => `${formatCount(n)} ${n === 1 ? "row" : "rows"}`;

/** How the file was read: "Windows-1252, CRLF"; null until the import has looked at it. */
function fileText(job) {
  return [job.encoding, job.line_ending].filter(Boolean).join(", ") || null;
}

/** How much of the file has been read, as the CLI writes sizes: "3.2 MB of 10.6 MB". */
function sizeText(job) {
  if (typeof job.bytes_total !== "number") return "not known yet";
  return `${formatBytes(job.bytes_processed)} of ${formatBytes(job.bytes_total)}`;
}

function dryRunText(job) {
  if (typeof job.would_insert_rows !== "number") return null;
  return `would insert ${rows(job.would_insert_rows)}, would update ${formatCount(job.would_update_rows)}`;
}

/** The API's first messages (errors or warnings) in a section, "The first N of M:" when cut short. */
function showMessages(name, lines, count, lead = "") {
  $(`#${name}s`).hidden = lines.length === 0;
  const cut = count > lines.length ? `The first ${formatCount(lines.length)} of ${formatCount(count)}:` : "";
  $(`#${name}s-summary`).textContent = [lead, cut].filter(Boolean).join(" ");
  $(`#${name}-list`).replaceChildren(...lines.map((line) => h("li", {}, line)));
}

function throttleText(throttle) {
  if (!throttle) return null;
  const name = throttle.preset ? throttle.preset.replace("_", " ") : "custom";
  if (!throttle.delay_ms) return `${name}: ${formatCount(throttle.batch_size)} rows a batch, no pauses`;
  return `${name}: ${formatCount(throttle.batch_size)} rows, then ${formatCount(throttle.delay_ms)} ms pause`;
}

const isSites = (job) => job.layout === "sites" || job.format === "sites";

// What deleting a job does, by what it wrote (docs/design.md, "Deleting"): an import of readings is
// undone, period by period; a sites import's sites are removed; a dry run wrote nothing.
const DELETES = {
  readings: {
    button: "Delete and undo this import",
    confirm:
      "Delete this import and undo it? Each half hour (or daily reading) it wrote goes back to what " +
      "it replaced, or away if it replaced nothing; one that another import has written since is " +
      "left as it is. Its file and error report are deleted too.",
    underway: "Being deleted: the readings it wrote are going back to what they replaced, then its file and record go.",
  },
  sites: {
    button: "Delete import and its sites",
    confirm: "Delete this import, its file and the sites it wrote (those another import has written since are kept)?",
    underway: "Being deleted: the sites it wrote, its file and record are being removed.",
  },
  dryRun: {
    button: "Delete this dry run",
    confirm: "Delete this dry run and its file? It wrote nothing, so nothing else changes.",
    underway: "Being deleted: its file and record are being removed.",
  },
};
const deletion = (job) => DELETES[job.dry_run ? "dryRun" : isSites(job) ? "sites" : "readings"];

/** The banner's counts: "850 rows imported, 3 failed, 2 with warnings". */
function counts(job, warned) {
  const withWarnings = warned ? `, ${formatCount(warned)} with warnings` : "";
  const failed = `${formatCount(job.failed_rows)} failed${withWarnings}`;
  return `${formatCount(job.imported_rows)} rows imported, ${failed}`;
}

/** The form starts at the job's own throttle; after that it keeps what the owner picks. */
function showThrottleForm(job) {
  const form = $("#throttle-form");
  form.hidden = !THROTTLE_STATUSES.has(job.status) || job.deleting;
  if (form.hidden || throttleChosen || !job.throttle) return;
  const { preset, batch_size: batch, delay_ms: delay } = job.throttle;
  const choice = !delay ? "off" : preset || "custom";
  $("#throttle-choice").value = choice;
  $("#throttle-batch").value = String(batch);
  $("#throttle-delay").value = String(delay);
  $("#throttle-custom").hidden = choice !== "custom";
}

function seconds(from, to) {
  const span = (Date.parse(to) - Date.parse(from)) / 1000;
  return Number.isFinite(span) ? span : null;
}

function render(job) {
  const active = ACTIVE_STATUSES.has(job.status);
  document.title = `${job.filename} · Import status · CSV imports`;
  $("#heading").textContent = job.filename;
  const status = $("#status");
  status.className = `badge ${job.status}`;
  status.textContent = STATUS_LABELS[job.status] || job.status;
  $("#live").textContent = active
    ? `Updated ${formatTime(new Date(), { date: false })} · refreshes every 5 seconds`
    : "Finished: no more updates";

  const percent = typeof job.percent === "number" ? job.percent : 0;
  const bar = $("#progress");
  bar.value = percent;
  bar.setAttribute("aria-valuetext", formatPercent(percent));
  $("#progress-label").textContent = formatPercent(percent);

  text("#processed", formatCount(job.processed_rows));
  text("#imported", formatCount(job.imported_rows));
  text("#failed", formatCount(job.failed_rows));
  text("#warned", formatCount(job.warning_rows));
  $("#dry-run-fact").hidden = !job.dry_run;
  text("#dry-run", dryRunText(job));
  text("#total", totalRows(job));
  const success = job.success_rate;
  text("#success", formatSuccessRate(success));
  $("#written-label").textContent = isSites(job) ? "Sites written" : "Readings written";
  text("#written", formatCount(job.readings_written));
  // An ended job without a rate took under a second: a rows/s figure would mean nothing.
  $("#rate-fact").hidden = !active && typeof job.rows_per_sec !== "number";
  text("#rate", formatRate(job.rows_per_sec));
  const eta = $("#eta");
  if (job.status === "processing" && typeof job.eta_seconds === "number") {
    eta.dataset.seconds = String(job.eta_seconds);
  } else {
    delete eta.dataset.seconds;
  }
  if (active) {
    eta.previousElementSibling.textContent = "Time left";
    const waiting = {
      awaiting_upload: "waiting for the file",
      cancelling: "stopping after the rows in hand",
    }[job.status] || "waiting to start";
    text("#eta", job.status === "processing" ? roughDuration(job.eta_seconds) || "working it out" : waiting);
  } else {
    eta.previousElementSibling.textContent = "Took";
    const took = job.started_at && job.completed_at ? seconds(job.started_at, job.completed_at) : null;
    text("#eta", roughDuration(took));
  }
  const layout = FORMAT_LABELS[job.layout] || FORMAT_LABELS[job.format] || "detected from the header";
  text("#format", job.dry_run ? `${layout} · dry run, nothing saved` : layout);
  showMapping(job);
  text("#file-text", fileText(job));
  text("#bytes", sizeText(job));
  text("#throttle", throttleText(job.throttle));
  text("#created", timeElement(job.created_at));
  text("#started", timeElement(job.started_at));
  text("#completed", timeElement(job.completed_at));

  // Only a changed text is written, so the alert is announced once, not at every refresh.
  const problem = $("#error-message");
  if (problem.textContent !== (job.error_message || "")) problem.textContent = job.error_message || "";
  problem.hidden = !job.error_message;
  const note = $("#note");
  note.textContent = job.note || "";
  note.hidden = !job.note;
  // Why it is slow or not moving: throttled by DynamoDB, stalled, waiting for a retry.
  const health = [
    job.deleting ? deletion(job).underway : null,
    job.throttled ? job.throttled_reason : null,
    job.stall_reason ? (job.stalled ? `Not moving: ${job.stall_reason}` : job.stall_reason) : null,
  ].filter(Boolean);
  $("#health").textContent = health.join(" ");
  $("#health").hidden = health.length === 0;
  $("#cancel").hidden = !active || job.deleting || job.status === "cancelling";
  $("#delete").hidden = active || job.deleting;
  $("#delete").textContent = deletion(job).button;
  showThrottleForm(job);
  // The report exists once the job has ended (errors_url is set then), and only a job with failed
  // rows has anything in it.
  const failed = job.failed_rows > 0;
  $("#downloads").hidden = !job.errors_url || job.deleting;
  $("#download-errors").hidden = !failed;
  $("#download-fix").hidden = !failed;
  $("#downloads-hint").hidden = !failed;
  $("#no-failed-rows").hidden = failed;

  const errors = Array.isArray(job.errors) ? job.errors : [];
  showMessages("error", errors, job.failed_rows);
  const warnings = Array.isArray(job.warnings) ? job.warnings : [];
  const warned = typeof job.warning_rows === "number" ? job.warning_rows : warnings.length;
  const lead = `${rows(warned)} imported with a warning: kept, but worth a look.`;
  showMessages("warning", warnings, warned, lead);
  // What an ended import wrote, day by day (a dry run and a sites import write no readings).
  if (!active && !job.deleting && !job.dry_run && !isSites(job)) showCoverage(job.job_id);
  else hideCoverage();
  $("#job").hidden = false;
  shownJob = job;

  // Announce a change of status once, not every refresh. While cancelling, the banner follows the
  // counts (the batch in hand is still being counted); once cancelled it says the final ones.
  const label = STATUS_LABELS[job.status] || job.status;
  let banner = null;
  if (job.status === "cancelling") {
    banner = `Cancelling: ${counts(job, warned)} so far; the rows in hand are being counted, then it stops.`;
  } else if (shownStatus !== null && shownStatus !== job.status) {
    banner = active ? `Now ${label.toLowerCase()}.` : `${label}: ${counts(job, warned)}.`;
  } else if (shownStatus === null) {
    banner = "";
  }
  if (banner !== null && message.textContent !== banner) say(message, banner);
  shownStatus = job.status;
}

async function load() {
  clearTimeout(timer);
  const mine = ++latest;
  const jobId = jobIdFromUrl();
  let job;
  try {
    job = await api(`/imports/${encodeURIComponent(jobId)}`);
  } catch (err) {
    if (mine !== latest) return;
    if (err.status === 404) {
      $("#job").hidden = true;
      $("#heading").textContent = "No such import";
      const hint = "Check the link, or find the import in your list.";
      say(message, `There is no import with this id, or it is not yours. ${hint}`, { error: true });
    } else if (err.status === 0 || err.status === 429 || err.status >= 500) {
      say(message, `${err.message} Trying again in 5 seconds.`, { error: true });
      timer = setTimeout(load, REFRESH_MS);
    } else {
      say(message, err.message, { error: true }); // 401 shows the sign-in form; signing in reloads
    }
    return;
  }
  if (mine !== latest) return;
  render(job);
  // A job is followed until it has ended (a cancelling one until its batch in hand is counted and
  // it reads cancelled), and a job being deleted until it is gone.
  if (ACTIVE_STATUSES.has(job.status) || job.deleting) timer = setTimeout(load, REFRESH_MS);
}

/** Call the API for a button; `done` is what to say afterwards (or makes it from the answer). */
async function act(button, method, path, done) {
  button.disabled = true;
  try {
    const answer = await api(path, { method });
    say(message, typeof done === "function" ? done(answer) : done);
  } catch (err) {
    say(message, err.message, { error: true });
  } finally {
    button.disabled = false;
  }
  load();
}

/** Ask for fresh links to the job's report files, then go to one: the browser downloads it. */
async function download(button, { link, what }) {
  button.disabled = true;
  say(message, `Getting ${what}…`);
  try {
    const links = await api(`/imports/${encodeURIComponent(jobIdFromUrl())}/errors`);
    const href = links?.[link];
    const url = typeof href === "string" && href ? new URL(href, location.href) : null;
    if (!url || !["https:", "http:"].includes(url.protocol)) {
      throw new Error(`The import service sent no link to ${what}. Try again.`);
    }
    say(message, `Downloading ${what}.`);
    window.location.assign(url.href);
  } catch (err) {
    say(message, err.message, { error: true });
  } finally {
    button.disabled = false;
  }
}

for (const [selector, file] of Object.entries(DOWNLOADS)) {
  $(selector).addEventListener("click", (event) => download(event.currentTarget, file));
}

$("#throttle-choice").addEventListener("change", (event) => {
  throttleChosen = true;
  $("#throttle-custom").hidden = event.currentTarget.value !== "custom";
});

/** What PATCH /imports/{id} is sent: a preset, "off", or the owner's batch size and pause. */
function chosenThrottle() {
  const choice = $("#throttle-choice").value;
  if (choice !== "custom") return choice;
  return { batch_size: Number($("#throttle-batch").value), delay_ms: Number($("#throttle-delay").value) };
}

$("#throttle-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const button = $("#throttle-apply");
  button.disabled = true;
  try {
    const job = await api(`/imports/${encodeURIComponent(jobIdFromUrl())}`, {
      method: "PATCH",
      json: { throttle: chosenThrottle() },
    });
    const now = throttleText(job?.throttle) || "the new throttle";
    const when = "the import takes it from its next batch, and the time left falls as it speeds up";
    say(message, `Throttle changed to ${now}: ${when}.`);
  } catch (err) {
    say(message, err.message, { error: true, details: err.details });
  } finally {
    button.disabled = false;
  }
  throttleChosen = false;
  load();
});

$("#cancel").addEventListener("click", (event) => {
  const path = `/imports/${encodeURIComponent(jobIdFromUrl())}/cancel`;
  act(event.currentTarget, "POST", path, (job) =>
    job?.status === "cancelling"
      ? "Cancelling: the rows in hand are being counted, then the import stops. Rows imported are kept."
      : "Cancelled: rows imported so far are kept.",
  );
});

$("#delete").addEventListener("click", (event) => {
  if (!shownJob || !window.confirm(deletion(shownJob).confirm)) return;
  act(event.currentTarget, "DELETE", `/imports/${encodeURIComponent(jobIdFromUrl())}`, "Deleting…");
});

startPage(load);
