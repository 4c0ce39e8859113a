// /admin/imports/new: preview what a file will import (and say how to read it), create the import,
// post the file straight to the bucket, follow its progress.
import { $, askToSignIn, api, formatPercent, formatTime, getToken, h, say, startPage, statusUrl } from "./app.js";

const form = $("#new-import");
const fileInput = $("#file");
const submit = $("#submit");
const message = $("#message");
const uploadProgress = $("#upload-progress");
const uploadBar = $("#upload-bar");
const uploadLabel = $("#upload-label");

// ---- the preview: the first 1 MiB, read as the import would read it ------------------------------

const PREVIEW_BYTES = 1024 * 1024;
const FIELDS = ["meter", "date", "time", "datetime", "start", "end", "period", "value", "unit", "flag", "channel"];
const OPTIONS = [
  ["meter", "#opt-meter"],
  ["timestamps", "#opt-timestamps"],
  ["date_order", "#opt-date-order"],
  ["timezone", "#opt-timezone"],
  ["unit", "#opt-unit"],
  ["calorific_value", "#opt-cv"],
];
const preview = $("#preview");
const previewMessage = $("#preview-message");
const profileSelect = $("#profile");
// What the user said about the columns: field -> column number, and the columns never to read.
const chosen = { columns: {}, ignore: new Set() };
let head = null; // the first bytes of the chosen file
let previewing = 0; // the latest preview asked for (older answers are dropped)
let timer = null;

/** The mapping the user has given (what the page's controls say); null when they say nothing. */
function mapping() {
  const result = {};
  if (Object.keys(chosen.columns).length) result.columns = { ...chosen.columns };
  if (chosen.ignore.size) result.ignore = [...chosen.ignore];
  for (const [key, selector] of OPTIONS) {
    const value = $(selector).value.trim();
    if (value) result[key] = key === "calorific_value" ? Number(value) : value;
  }
  return Object.keys(result).length ? result : null;
}

function query() {
  const params = new URLSearchParams();
  if ($("#format").value !== "auto" || !profileSelect.value) params.set("format", $("#format").value);
  const given = mapping();
  if (given) params.set("mapping", JSON.stringify(given));
  if (profileSelect.value) params.set("profile", profileSelect.value);
  return params.toString();
}

function previewSoon(delay = 300) {
  clearTimeout(timer);
  timer = setTimeout(runPreview, delay);
}

async function runPreview() {
  if (!head || !getToken()) return;
  const asked = ++previewing;
  preview.hidden = false;
  preview.setAttribute("aria-busy", "true");
  say(previewMessage, "Reading the file…");
  try {
    const answer = await api(`/imports/preview?${query()}`, { method: "POST", body: head, contentType: "text/csv" });
    if (asked !== previewing) return;
    showPreview(answer);
    say(previewMessage, "");
  } catch (err) {
    if (asked !== previewing) return;
    showPreview(null);
    say(previewMessage, err.message, { error: true, details: err.details });
  } finally {
    if (asked === previewing) preview.setAttribute("aria-busy", "false");
  }
}

function problemText(problem) {
  return typeof problem === "string" ? problem : problem?.message || JSON.stringify(problem);
}

function showPreview(answer) {
  const columnsBody = $("#preview-columns tbody");
  const readingsBody = $("#preview-readings tbody");
  const problems = $("#preview-problems");
  if (!answer) {
    $("#preview-summary").textContent = "";
    readingsBody.replaceChildren();
    problems.replaceChildren();
    return; // (the columns stay, so that one can be mapped)
  }
  const layout = { "hh-long": "half-hourly, a reading a row", "hh-wide": "half-hourly, a column a half hour",
    daily: "daily readings", sites: "sites" }[answer.layout] || answer.layout;
  const delimiter = { ",": "commas", "\t": "tabs", ";": "semicolons", "|": "bars" }[answer.delimiter] || answer.delimiter;
  $("#preview-summary").textContent =
    `Read as ${layout}: ${answer.encoding}, split by ${delimiter}, header on line ${answer.header_line || "none"}.`;
  columnsBody.replaceChildren(...(answer.columns || []).map(columnRow));
  readingsBody.replaceChildren(
    ...(answer.readings || []).map((r) =>
      h("tr", {},
        h("td", {}, String(r.line)), h("td", {}, r.meter), h("td", {}, r.channel),
        h("td", {}, formatTime(r.start)), h("td", {}, r.local_date), h("td", {}, r.period == null ? "—" : String(r.period)),
        h("td", { class: "number" }, String(r.value_kwh)), h("td", {}, r.estimated ? "yes" : "no"))),
  );
  problems.replaceChildren(
    ...(answer.errors || []).map((p) => h("li", { class: "error" }, problemText(p))),
    ...(answer.warnings || []).map((p) => h("li", { class: "warning" }, problemText(p))),
    ...(answer.notes || []).map((p) => h("li", {}, problemText(p))),
  );
}

/** A column of the file, with a control saying which field it is (or that it is not read). */
function columnRow(column) {
  const number = column.number;
  const mapped = Object.entries(chosen.columns).find(([, n]) => n === number)?.[0];
  const select = h("select", { "aria-label": `Column ${number} (${column.header || "unnamed"}) is read as` },
    h("option", { value: "" }, column.field ? `${column.field} (detected)` : "—"),
    h("option", { value: "ignore" }, "not read"),
    FIELDS.map((field) => h("option", { value: field }, field)));
  select.value = chosen.ignore.has(number) ? "ignore" : mapped || "";
  select.addEventListener("change", () => {
    for (const [field, n] of Object.entries(chosen.columns)) if (n === number) delete chosen.columns[field];
    chosen.ignore.delete(number);
    if (select.value === "ignore") chosen.ignore.add(number);
    else if (select.value) chosen.columns[select.value] = number;
    previewSoon(0);
  });
  return h("tr", {}, h("td", {}, String(number)), h("td", {}, column.header || "(no name)"),
    h("td", {}, select), h("td", {}, column.note || ""));
}

async function loadProfiles() {
  if (!getToken()) return;
  try {
    const { items } = await api("/profiles");
    profileSelect.replaceChildren(h("option", { value: "" }, "None"),
      ...(items || []).map((p) => h("option", { value: p.name }, p.name)));
  } catch {
    // (the preview still works without them)
  }
}

fileInput.addEventListener("change", async () => {
  const file = fileInput.files[0];
  chosen.columns = {};
  chosen.ignore = new Set();
  head = null;
  if (!file) {
    preview.hidden = true;
    return;
  }
  head = await file.slice(0, PREVIEW_BYTES).arrayBuffer();
  previewSoon(0);
});
for (const [, selector] of OPTIONS) $(selector).addEventListener("input", () => previewSoon());
profileSelect.addEventListener("change", () => previewSoon(0));
$("#format").addEventListener("change", () => previewSoon(0));

$("#save-profile").addEventListener("click", async () => {
  const name = $("#profile-name").value.trim();
  if (!name) {
    say(previewMessage, "Give the profile a name.", { error: true });
    $("#profile-name").focus();
    return;
  }
  const request = { mapping: mapping() || {} };
  if ($("#format").value !== "auto") request.format = $("#format").value;
  try {
    await api(`/profiles/${encodeURIComponent(name)}`, { method: "PUT", json: request });
  } catch (err) {
    say(previewMessage, err.message, { error: true, details: err.details });
    return;
  }
  await loadProfiles();
  say(previewMessage, `Saved the profile ${name}: imports can use it from the Profile list.`);
});

// ---- creating the import -------------------------------------------------------------------------

function busy(on) {
  submit.disabled = on;
  form.setAttribute("aria-busy", String(on));
}

function showUploaded(fraction) {
  uploadProgress.hidden = false;
  uploadBar.value = fraction * 100;
  uploadLabel.textContent = formatPercent(fraction * 100);
}

/** Why S3 refused a POST, from its XML error (parsed, never put in the page as markup). */
function refusal(xhr) {
  const xml = new DOMParser().parseFromString(xhr.responseText || "<none/>", "application/xml");
  const code = xml.querySelector("Code")?.textContent;
  const detail = xml.querySelector("Message")?.textContent;
  const why = `${xhr.status}${code ? ` ${code}` : ""}`;
  return `The storage service refused the file (${why})${detail ? `: ${detail}` : ""}.`;
}

/** The presigned POST: every field first, the file last under "file". Resolves on 2xx (S3: 204). */
function postFile({ url, fields }, file) {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.append(name, value);
  data.append("file", file);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) showUploaded(event.loaded / event.total);
    });
    xhr.addEventListener("load", () =>
      xhr.status >= 200 && xhr.status < 300 ? resolve() : reject(new Error(refusal(xhr))),
    );
    xhr.addEventListener("error", () =>
      reject(new Error("The file could not be sent to the storage service.")),
    );
    xhr.send(data);
  });
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const file = fileInput.files[0];
  if (!file) {
    say(message, "Choose a CSV file to import.", { error: true });
    fileInput.focus();
    return;
  }
  if (!getToken()) {
    askToSignIn("Sign in before you start an import.");
    return;
  }
  const request = { filename: file.name, dry_run: $("#dry-run").checked, size: file.size };
  // (with a profile, "detect" leaves the format to the profile)
  if ($("#format").value !== "auto" || !profileSelect.value) request.format = $("#format").value;
  if ($("#throttle").value) request.throttle = $("#throttle").value;
  const given = mapping();
  if (given) request.mapping = given;
  if (profileSelect.value) request.profile = profileSelect.value;

  busy(true);
  say(message, "Creating the import…");
  let created;
  try {
    created = await api("/imports", { method: "POST", json: request });
  } catch (err) {
    busy(false);
    say(message, err.message, { error: true, details: err.details });
    return;
  }
  say(message, `Uploading ${file.name}…`);
  try {
    await postFile(created.upload, file);
  } catch (err) {
    busy(false);
    uploadProgress.hidden = true;
    const job = h("a", { href: statusUrl(created.job_id) }, "the import");
    say(message, h("span", {}, `${err.message} Nothing was imported; `, job, " will expire. Try again."), {
      error: true,
    });
    return;
  }
  say(message, "Uploaded. Opening the import's progress…");
  location.assign(statusUrl(created.job_id));
});

startPage(() => {
  loadProfiles();
  previewSoon(0); // (after a sign-in, a file already chosen is previewed)
});
