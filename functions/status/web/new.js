// /admin/imports/new: create an import, post the file straight to the bucket, follow its progress.
import { $, askToSignIn, api, formatPercent, getToken, h, say, startPage, statusUrl } from "./app.js";

const form = $("#new-import");
const fileInput = $("#file");
const submit = $("#submit");
const message = $("#message");
const uploadProgress = $("#upload-progress");
const uploadBar = $("#upload-bar");
const uploadLabel = $("#upload-label");

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
  const request = {
    filename: file.name,
    format: $("#format").value,
    dry_run: $("#dry-run").checked,
    size: file.size,
  };
  if ($("#throttle").value) request.throttle = $("#throttle").value;

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

startPage(() => {}); // nothing to fetch until the form is sent
