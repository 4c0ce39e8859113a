// Shared by the import pages: the signed-in token, calls to the API, and small DOM helpers.
// Everything from the API reaches the page as text (textContent / Text nodes), never as HTML.

export const TOKEN_KEY = "csvimport.token";
// Every status but the final ones (completed, failed, cancelled): the job may still change.
export const ACTIVE_STATUSES = new Set(["awaiting_upload", "queued", "processing", "cancelling"]);
export const STATUS_LABELS = {
  awaiting_upload: "Awaiting upload",
  queued: "Queued",
  processing: "Processing",
  cancelling: "Cancelling",
  completed: "Completed",
  failed: "Failed",
  cancelled: "Cancelled",
};

export const $ = (selector) => document.querySelector(selector);

// ---- the token ---------------------------------------------------------------------------------

export function getToken() {
  return localStorage.getItem(TOKEN_KEY) || "";
}

/** Who the token says the caller is, for display only (the API checks the token). */
export function displayName(token) {
  if (token.startsWith("dev:")) return token.slice(4);
  const payload = token.split(".")[1];
  if (payload) {
    try {
      const claims = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/")));
      const name = claims.username || claims["cognito:username"] || claims.email || claims.sub;
      if (typeof name === "string" && name) return name;
    } catch {
      // not a JWT: fall through to the neutral name
    }
  }
  return "token holder";
}

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);
// The local stack's default user: the CLI's default token and make run's hints are the same one.
const LOCAL_DEFAULT_TOKEN = "dev:alice";

function showSignedIn(token) {
  $("#auth-user").textContent = displayName(token);
  $("#auth-who").hidden = false;
  $("#sign-in").hidden = true;
}

/** Show the sign-in form, with why. */
export function askToSignIn(reason) {
  const form = $("#sign-in");
  const input = $("#token");
  $("#sign-in-message").textContent = reason;
  if (form.hidden) {
    // Locally, start the box with the default user, so the pages show the CLI's imports.
    input.value = LOCAL_HOSTS.has(location.hostname) ? LOCAL_DEFAULT_TOKEN : "";
    input.placeholder = "an access token from your identity provider (locally: dev:<name>)";
    form.hidden = false;
  }
  $("#auth-who").hidden = true;
  input.focus();
}

/**
 * Wire the header (who is signed in, sign in, sign out) and run load() once there is a token,
 * and again after each sign-in.
 */
export function startPage(load) {
  for (const link of document.querySelectorAll("header nav a")) {
    if (link.getAttribute("href") === location.pathname) link.setAttribute("aria-current", "page");
  }
  $("#sign-in").addEventListener("submit", (event) => {
    event.preventDefault();
    const token = $("#token").value.trim();
    if (!token || token === "dev:") {
      $("#sign-in-message").textContent = `Paste a token first (locally: ${LOCAL_DEFAULT_TOKEN}, or dev: and any name).`;
      return;
    }
    localStorage.setItem(TOKEN_KEY, token);
    showSignedIn(token);
    load();
  });
  $("#sign-out").addEventListener("click", () => {
    localStorage.removeItem(TOKEN_KEY);
    location.reload();
  });
  const token = getToken();
  if (token) {
    showSignedIn(token);
    load();
  } else {
    askToSignIn("Sign in to see and start your imports.");
  }
}

// ---- the API -----------------------------------------------------------------------------------

export class ApiError extends Error {
  constructor(status, message, details = []) {
    super(message);
    this.status = status;
    this.details = details;
  }
}

/** Call the API (same origin) as the signed-in user; JSON in and out. Throws ApiError. */
export async function api(path, { method = "GET", json, body, contentType } = {}) {
  const headers = { Accept: "application/json" };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  const init = { method, headers, cache: "no-store" };
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  } else if (body !== undefined) {
    headers["Content-Type"] = contentType || "application/octet-stream";
    init.body = body;
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, "Could not reach the import service. Check your connection and try again.");
  }
  const answer = await response.json().catch(() => null);
  if (response.ok) return answer;
  if (response.status === 401) {
    askToSignIn("Your token was not accepted (missing, expired or mistyped). Sign in again.");
  }
  const message =
    answer && typeof answer.message === "string" && answer.message
      ? answer.message
      : `The import service answered ${response.status} ${response.statusText}.`;
  const details = Array.isArray(answer?.details) ? answer.details : [];
  throw new ApiError(response.status, message, details);
}

// ---- DOM and formatting ------------------------------------------------------------------------

/** An element with attributes and children; strings become Text nodes, never markup. */
export function h(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

/** Show a message (optionally an error with its details) in a role=status element. */
export function say(target, text, { error = false, details = [] } = {}) {
  target.classList.toggle("error", error);
  target.replaceChildren(...(text ? [text] : []));
  if (details.length) {
    target.append(h("ul", {}, details.map((d) => h("li", {}, `${d.field}: ${d.message}`))));
  }
}

export function statusUrl(jobId) {
  return `/admin/imports/status/${encodeURIComponent(jobId)}`;
}

export function badge(status) {
  return h("span", { class: `badge ${status}` }, STATUS_LABELS[status] || status);
}

const integers = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const decimals = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

export const formatCount = (n) => (typeof n === "number" ? integers.format(n) : "—");

export function formatPercent(p) {
  if (typeof p !== "number") return "—";
  return `${p > 0 && p < 100 ? decimals.format(Math.floor(p * 10) / 10) : integers.format(p)} %`;
}

const tenths = new Intl.NumberFormat(undefined, { minimumFractionDigits: 1, maximumFractionDigits: 1 });

/** The API's success_rate (0..1, already rounded down to a tenth of a percent: never 100 % while a
 * row failed) as it is, "99.9 %": the same number the CLI shows. */
export const formatSuccessRate = (ratio) =>
  typeof ratio === "number" ? `${tenths.format(ratio * 100)} %` : "—";

// Every time on every page is written by formatTime: in the reader's own time zone, always named
// ("3 Dec 2026, 06:36:35 GMT", "BST" in a British summer), so a job that ran across a clock change
// reads without guessing.
const CLOCK = { hour: "2-digit", minute: "2-digit", second: "2-digit", timeZoneName: "short" };
const dateAndTime = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", year: "numeric", ...CLOCK });
const timeOnly = new Intl.DateTimeFormat(undefined, CLOCK);

/** A time (a Date, or ISO 8601 text as the API sends it) with its zone's name; null if unreadable. */
export function formatTime(instant, { date = true } = {}) {
  const when = instant instanceof Date ? instant : new Date(instant);
  if (Number.isNaN(when.getTime())) return null;
  return (date ? dateAndTime : timeOnly).format(when);
}

/** A time the API sent (ISO 8601) as a <time> element; the ISO text stays in datetime. */
export function timeElement(iso) {
  if (!iso) return "—";
  const shown = formatTime(iso);
  return shown === null ? iso : h("time", { datetime: iso, title: iso }, shown);
}

/** A rough, human time span: "a few seconds", "about 40 s", "about 3 min", "about 2 h 15 min". */
export function roughDuration(seconds) {
  if (typeof seconds !== "number" || seconds < 0) return null;
  if (seconds < 10) return "a few seconds";
  if (seconds < 90) return `about ${Math.round(seconds / 10) * 10} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `about ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) {
    const rest = Math.round((minutes % 60) / 5) * 5;
    return rest ? `about ${hours} h ${rest} min` : `about ${hours} h`;
  }
  return `about ${Math.round(hours / 24)} days`;
}

/** Rows a second as the CLI writes them: "6.5 rows/s" under ten, whole numbers above ("69 rows/s"). */
export function formatRate(r) {
  if (typeof r !== "number") return "—";
  return `${r < 10 ? tenths.format(r) : integers.format(Math.round(r))} rows/s`;
}

/** A size as the CLI writes it: "812 bytes", then KB, MB and GB of 1,024 with one decimal ("10.6 MB"). */
export function formatBytes(size) {
  if (typeof size !== "number") return "—";
  if (size < 1024) return `${integers.format(size)} bytes`;
  let value = size / 1024;
  for (const unit of ["KB", "MB"]) {
    if (value < 1024) return `${tenths.format(value)} ${unit}`;
    value /= 1024;
  }
  return `${tenths.format(value)} GB`;
}
