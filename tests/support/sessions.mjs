// Dashboard sessions in specs: sign in with a key, then call the API with the cookie.
import assert from "node:assert/strict";

/** The header cookie-authenticated writes need. */
export const CSRF = "X-Edgebeat-CSRF";
/** The session cookie's name over https (over plain http, as in these specs, `eb_session`). */
export const HTTPS_COOKIE = "__Host-eb_session";

/** Signs in with `key`; answers the cookie's value and the session's JSON. */
export async function signIn(eb, key) {
  const res = await eb.api("POST", "/v1/session", { body: { key } });
  assert.equal(res.status, 200, res.text);
  const cookie = res.headers.get("set-cookie").match(/^eb_session=([^;]*)/)[1];
  return { cookie, session: res.body };
}

/** `eb.api` with the session cookie (and whatever else `options` says). */
export function withSession(eb, cookie, method, path, options = {}) {
  const headers = { ...options.headers, cookie: `eb_session=${cookie}` };
  return eb.api(method, path, { ...options, headers });
}
