// The API client: every call goes to /api/v1 with the bearer token; every API error
// becomes a toast with the API's own `message` and is re-thrown as ApiError.
import { Vue } from "./vendor.js";

const BASE = "/api/v1";

export const toast = Vue.reactive({ show: false, message: "", type: "fail", seq: 0 });

export function showToast(message, type = "fail") {
  toast.message = message;
  toast.type = type;
  toast.show = true;
  toast.seq += 1;
}

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details || {};
  }
}

const session = { token: localStorage.getItem("qe.token") || "", relogin: null };

export function setToken(token) {
  session.token = token || "";
  if (token) localStorage.setItem("qe.token", token);
  else localStorage.removeItem("qe.token");
}

export function hasToken() {
  return Boolean(session.token);
}

/** Called on a 401 with a token: logs in again (main.js sets it), then retries once. */
export function onUnauthorized(handler) {
  session.relogin = handler;
}

function newIdempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function send(method, path, { body, form, query, raw, quiet, retried, key } = {}) {
  const headers = {};
  if (session.token) headers.Authorization = `Bearer ${session.token}`;
  let payload;
  if (form) {
    payload = form;
  } else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  // A page's action passes the key of its user intent (ui.js useAction), reused on retry.
  if (method === "POST") headers["Idempotency-Key"] = key || newIdempotencyKey();
  let url = BASE + path;
  if (query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined || value === null || value === "") continue;
      for (const item of Array.isArray(value) ? value : [value]) params.append(key, item);
    }
    const text = params.toString();
    if (text) url += `?${text}`;
  }
  let response;
  try {
    response = await fetch(url, { method, headers, body: payload });
  } catch (err) {
    const error = new ApiError(0, "network", "网络连接失败，请稍后重试");
    if (!quiet) showToast(error.message);
    throw error;
  }
  if (response.status === 401 && session.token && session.relogin && !retried) {
    await session.relogin();
    return send(method, path, { body, form, query, raw, quiet, key, retried: true });
  }
  if (response.ok) {
    if (raw) return response;
    if (response.status === 204) return null;
    return response.json();
  }
  let error;
  try {
    const data = await response.json();
    const detail = data.error || {};
    error = new ApiError(response.status, detail.code, detail.message || "请求失败", detail.details);
  } catch (err) {
    error = new ApiError(response.status, "unknown", `请求失败（${response.status}）`);
  }
  if (!quiet) showToast(error.message);
  throw error;
}

export const api = {
  get: (path, query, options = {}) => send("GET", path, { ...options, query }),
  post: (path, body, options = {}) => send("POST", path, { ...options, body: body ?? {} }),
  put: (path, body, options = {}) => send("PUT", path, { ...options, body: body ?? {} }),
  patch: (path, body, options = {}) => send("PATCH", path, { ...options, body: body ?? {} }),
  delete: (path, options = {}) => send("DELETE", path, options),
  upload: (file, options = {}) => {
    const form = new FormData();
    form.append("file", file);
    return send("POST", "/uploads", { ...options, form });
  },
  /** An authenticated image (QR codes, photos) as an object URL for an <img>. */
  async imageUrl(path) {
    const response = await send("GET", path.replace(/^\/api\/v1/, ""), { raw: true });
    return URL.createObjectURL(await response.blob());
  },
  async download(path, filename) {
    const response = await send("GET", path, { raw: true });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(await response.blob());
    link.download = filename;
    link.click();
  },
};

// Formatting lives in format.js; these names stay importable from here for older pages.
export { yuan, hhmm, dayLabel, dateTime, localDate, isoAt } from "./format.js";
