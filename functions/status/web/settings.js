// /admin/settings: the import throttle settings (administrators): the default and the four presets.
import { $, api, say, startPage, timeElement } from "./app.js";

const PATH = "/settings/import-throttle";
const PRESETS = ["small", "medium", "large", "very_large"];
const FIELDS = ["batch_size", "delay_ms", "max_bytes"];
const NOT_ADMIN = "Only administrators can see and change the throttle settings.";
const CONFLICT =
  "These settings were changed by someone else since you loaded them: reload to see theirs, then make your change again.";
const form = $("#settings");
const message = $("#message");
const saveButton = $("#save");
const reloadButton = $("#reload");
let version = null; // the version shown, sent back with the next save

const box = (preset, field) => document.getElementById(`${preset}-${field}`);

function savedBy(settings) {
  if (!settings.updated_by) return ["Built-in values: nobody has saved throttle settings yet."];
  return [`Version ${settings.version}, saved by ${settings.updated_by} on `, timeElement(settings.updated_at), "."];
}

function show(settings) {
  version = settings.version;
  $("#default").value = settings.default;
  for (const preset of PRESETS) {
    for (const field of FIELDS) {
      const input = box(preset, field);
      if (input) input.value = settings.presets[preset][field] ?? "";
    }
  }
  markInvalid([]);
  $("#saved").replaceChildren(...savedBy(settings));
  reloadButton.hidden = true;
  form.hidden = false;
}

/** The form as the API takes it; an empty or unreadable box goes as null for the API to name. */
function read() {
  const presets = {};
  for (const preset of PRESETS) {
    presets[preset] = {};
    for (const field of FIELDS) {
      const input = box(preset, field);
      const text = input ? input.value.trim() : "";
      presets[preset][field] = text === "" ? null : Number(text);
    }
  }
  return { default: $("#default").value, presets, version };
}

/** Flag the boxes a 400 named: "presets.small.batch_size", or a size band in the message. */
function markInvalid(details) {
  for (const input of form.querySelectorAll("input[aria-invalid]")) input.removeAttribute("aria-invalid");
  for (const { field, message: why } of details) {
    let [, preset, name] = String(field).split(".");
    if (!name) [, preset, name] = String(why).match(/\b(\w+)\.(max_bytes)\b/) || [];
    const input = preset && name ? box(preset, name) : null;
    if (input) input.setAttribute("aria-invalid", "true");
  }
}

function refuse(err) {
  form.hidden = true;
  say(message, err.status === 403 ? NOT_ADMIN : err.message, { error: true });
}

async function load() {
  say(message, "");
  let settings;
  try {
    settings = await api(PATH);
  } catch (err) {
    refuse(err);
    return;
  }
  show(settings);
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  saveButton.disabled = true;
  form.setAttribute("aria-busy", "true");
  say(message, "Saving…");
  try {
    const saved = await api(PATH, { method: "PUT", json: read() });
    show(saved);
    say(message, `Saved as version ${saved.version}: new imports take their throttle from these settings.`);
  } catch (err) {
    if (err.status === 403) {
      refuse(err);
    } else if (err.status === 409) {
      say(message, CONFLICT, { error: true });
      reloadButton.hidden = false;
      reloadButton.focus();
    } else {
      markInvalid(err.details);
      say(message, err.message, { error: true, details: err.details });
    }
  } finally {
    saveButton.disabled = false;
    form.removeAttribute("aria-busy");
  }
});
reloadButton.addEventListener("click", load);

startPage(load);
