// The dashboard's only way to the API: same-origin fetch with the session cookie. Every write
// sends the CSRF header the session requires; a 401 sends the browser back to sign-in.

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error ?? `request failed (${status})`);
    this.status = status;
    this.field = body?.field;
  }
}

/** JSON request; answers the parsed body (undefined for 204), throws ApiError otherwise. */
export async function api(method, path, body) {
  const headers = { accept: "application/json" };
  if (method !== "GET" && method !== "HEAD") headers["x-edgebeat-csrf"] = "1";
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (res.status === 401 && path !== "/v1/session") {
    signInAgain();
    throw new ApiError(401, json);
  }
  if (!res.ok) throw new ApiError(res.status, json);
  return json;
}

export const get = (path) => api("GET", path);

/** How the API names a monitor to this session: a read session sees its unique_key, never its id (which pings it). */
export const monitorRef = (monitor) => monitor.id ?? monitor.unique_key;

/** The session this page runs with, or null when signed out (`{"signed_in": false}`). */
export async function currentSession() {
  const session = await api("GET", "/v1/session");
  return session?.signed_in ? session : null;
}

let leaving = false;
export function signInAgain() {
  // Several calls may see the 401 at once: navigate once.
  if (leaving) return;
  leaving = true;
  const here = location.pathname + location.search;
  location.assign(`/?next=${encodeURIComponent(here)}`);
}

export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") u.set(k, v);
  const s = u.toString();
  return s ? `?${s}` : "";
}
