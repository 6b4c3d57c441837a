// Dashboard sessions: a manage or read key exchanged for a signed, HttpOnly, SameSite=Strict
// cookie that the management API accepts as that key; writes with it need the CSRF header;
// revoking the key ends its sessions on the next request; sign-out ends every session of the
// key (copies of the cookie included); over https the cookie is named __Host-eb_session.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEdgebeat, ADMIN_TOKEN } from "./support/edgebeat.mjs";
import { signIn, withSession, CSRF, HTTPS_COOKIE } from "./support/sessions.mjs";

let eb;
before(async () => {
  eb = await startEdgebeat();
});
after(() => eb?.close());

test("a manage key signs in: the session's JSON and a cookie that is HttpOnly, SameSite=Strict, 12 h", async () => {
  const { project, key, keyId } = await eb.tenant("sign-in");
  const started = Date.now();
  const res = await eb.api("POST", "/v1/session", { body: { key } });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(Object.keys(res.body).sort(), ["expires_at", "key_id", "project_id", "scope", "signed_in"]);
  assert.equal(res.body.signed_in, true);
  assert.equal(res.body.project_id, project.id);
  assert.equal(res.body.scope, "manage");
  assert.equal(res.body.key_id, keyId);
  const expires = Date.parse(res.body.expires_at);
  assert.ok(Math.abs(expires - (started + 12 * 3600_000)) < 60_000, res.body.expires_at);
  const cookie = res.headers.get("set-cookie");
  assert.match(cookie, /^eb_session=[^;]+; HttpOnly; SameSite=Strict; Path=\/; Max-Age=43200$/);
  assert.ok(!cookie.includes(key.split("_")[2]), "the key's secret is not in the cookie");
  assert.ok(!/;\s*Secure/i.test(cookie), "not Secure over plain http");
});

/** A request straight to the worker over https: it keeps its https URL, as at Cloudflare. */
async function overHttps(method, path, { body, cookie } = {}) {
  const headers = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (cookie !== undefined) headers.cookie = cookie;
  const res = await eb.worker.fetch(`https://edgebeat.test${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined, text };
}

test("over https the cookie is __Host-eb_session: Secure, Path=/, no Domain", async () => {
  const { key } = await eb.tenant("https");
  const res = await overHttps("POST", "/v1/session", { body: { key } });
  assert.equal(res.status, 200, res.text);
  const cookie = res.headers.get("set-cookie");
  assert.match(cookie, /^__Host-eb_session=[^;]+; HttpOnly; SameSite=Strict; Path=\/; Max-Age=43200; Secure$/);
  assert.doesNotMatch(cookie, /domain=/i);
  const value = cookie.match(/^__Host-eb_session=([^;]*)/)[1];
  const me = await overHttps("GET", "/v1/session", { cookie: `${HTTPS_COOKIE}=${value}` });
  assert.equal(me.body.signed_in, true, me.text);
  assert.equal((await overHttps("GET", "/v1/heartbeats", { cookie: `${HTTPS_COOKIE}=${value}` })).status, 200);
  const out = await overHttps("DELETE", "/v1/session", { cookie: `${HTTPS_COOKIE}=${value}` });
  assert.equal(out.status, 204);
  assert.equal(out.headers.get("set-cookie"), "__Host-eb_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0; Secure");
});

test("a cookie under the wrong name is not accepted: eb_session over https, __Host-eb_session over http", async () => {
  const { key } = await eb.tenant("wrong-name");
  const secure = await overHttps("POST", "/v1/session", { body: { key } });
  const httpsValue = secure.headers.get("set-cookie").match(/^__Host-eb_session=([^;]*)/)[1];
  const plain = await overHttps("GET", "/v1/heartbeats", { cookie: `eb_session=${httpsValue}` });
  assert.equal(plain.status, 401, plain.text);
  assert.equal((await overHttps("GET", "/v1/session", { cookie: `eb_session=${httpsValue}` })).body.signed_in, false);
  const { cookie: httpValue } = await signIn(eb, key);
  const prefixed = await eb.api("GET", "/v1/heartbeats", { headers: { cookie: `${HTTPS_COOKIE}=${httpValue}` } });
  assert.equal(prefixed.status, 401, prefixed.text);
  assert.equal((await eb.api("GET", "/v1/session", { headers: { cookie: `${HTTPS_COOKIE}=${httpValue}` } })).body.signed_in, false);
});

test("the cookie works on GET: the session, the project, its monitors", async () => {
  const { key } = await eb.tenant("reads");
  await eb.createMonitor(key, { name: "nightly", interval: 3600 });
  const { cookie, session } = await signIn(eb, key);
  const me = await withSession(eb, cookie, "GET", "/v1/session");
  assert.equal(me.status, 200, me.text);
  assert.deepEqual(me.body, session);
  assert.equal(me.body.signed_in, true);
  const list = await withSession(eb, cookie, "GET", "/v1/heartbeats");
  assert.equal(list.status, 200, list.text);
  assert.deepEqual(list.body.items.map((m) => m.name), ["nightly"]);
  const monitor = list.body.items[0];
  const one = await withSession(eb, cookie, "GET", `/v1/heartbeat/${monitor.id}`);
  assert.equal(one.status, 200, "a GET by id with the cookie is a read, not a ping");
  assert.equal(one.body.id, monitor.id);
});

test("a write with the cookie but without X-Edgebeat-CSRF is 403 naming the header; with it, it goes through", async () => {
  const { key } = await eb.tenant("csrf");
  const { cookie } = await signIn(eb, key);
  const body = { name: "made by the dashboard", interval: 600 };
  const refused = await withSession(eb, cookie, "POST", "/v1/heartbeat", { body });
  assert.equal(refused.status, 403, refused.text);
  assert.match(refused.body.error, /X-Edgebeat-CSRF/);
  const wrong = await withSession(eb, cookie, "POST", "/v1/heartbeat", { body, headers: { [CSRF]: "yes" } });
  assert.equal(wrong.status, 403);
  assert.equal((await eb.api("GET", "/v1/heartbeats", { auth: key })).body.items.length, 0, "nothing was created");
  const created = await withSession(eb, cookie, "POST", "/v1/heartbeat", { body, headers: { [CSRF]: "1" } });
  assert.equal(created.status, 201, created.text);
  const deleted = await withSession(eb, cookie, "DELETE", `/v1/heartbeat/${created.body.id}`);
  assert.equal(deleted.status, 403, "DELETE needs the header too");
});

test("a read-scope session reads but cannot write, CSRF header or not", async () => {
  const { project, key } = await eb.tenant("read-session");
  const read = await eb.createKey(project.id, "read");
  const { cookie, session } = await signIn(eb, read.key);
  assert.equal(session.scope, "read");
  assert.equal((await withSession(eb, cookie, "GET", "/v1/heartbeats")).status, 200);
  const write = await withSession(eb, cookie, "POST", "/v1/heartbeat", { body: { name: "x", interval: 600 }, headers: { [CSRF]: "1" } });
  assert.equal(write.status, 403, write.text);
  const rotate = await withSession(eb, cookie, "POST", "/v1/project/badge-key", { headers: { [CSRF]: "1" } });
  assert.equal(rotate.status, 403);
  assert.equal((await eb.api("GET", "/v1/heartbeats", { auth: key })).body.items.length, 0);
});

test("revoking the key ends its sessions on the very next request", async () => {
  const { project, key } = await eb.tenant("revoked");
  const second = await eb.createKey(project.id, "manage");
  const { cookie } = await signIn(eb, second.key);
  assert.equal((await withSession(eb, cookie, "GET", "/v1/session")).body.signed_in, true);
  const revoked = await eb.api("DELETE", `/v1/keys/${second.id}`, { auth: key });
  assert.equal(revoked.status, 200, revoked.text);
  assert.deepEqual((await withSession(eb, cookie, "GET", "/v1/session")).body, { signed_in: false });
  assert.equal((await withSession(eb, cookie, "GET", "/v1/heartbeats")).status, 401);
});

test("a session can revoke its own key, and that ends it", async () => {
  const { key, keyId } = await eb.tenant("self-revoke");
  const { cookie } = await signIn(eb, key);
  const revoked = await withSession(eb, cookie, "DELETE", `/v1/keys/${keyId}`, { headers: { [CSRF]: "1" } });
  assert.equal(revoked.status, 200, revoked.text);
  assert.equal((await withSession(eb, cookie, "GET", "/v1/heartbeats")).status, 401);
});

test("sign-out answers 204 and clears the cookie", async () => {
  const { key } = await eb.tenant("sign-out");
  const { cookie } = await signIn(eb, key);
  const res = await withSession(eb, cookie, "DELETE", "/v1/session");
  assert.equal(res.status, 204);
  assert.equal(res.headers.get("set-cookie"), "eb_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
  const anonymous = await eb.api("DELETE", "/v1/session");
  assert.equal(anonymous.status, 204, "signing out without a session is fine too");
});

test("without a valid cookie GET /v1/session answers 200 {signed_in: false}, not an error", async () => {
  const none = await eb.api("GET", "/v1/session");
  assert.equal(none.status, 200, none.text);
  assert.deepEqual(none.body, { signed_in: false });
  assert.equal(none.headers.get("cache-control"), "no-store");
  for (const value of ["garbage", "", "a.b.manage.0.99999999999999.xyz"]) {
    const res = await eb.api("GET", "/v1/session", { headers: { cookie: `eb_session=${value}` } });
    assert.equal(res.status, 200, `${value}: ${res.text}`);
    assert.deepEqual(res.body, { signed_in: false }, value);
  }
});

test("a copied cookie stops working the moment its owner signs out", async () => {
  const { key } = await eb.tenant("copied");
  const { cookie } = await signIn(eb, key);
  const copy = cookie; // taken by someone else before sign-out
  assert.equal((await withSession(eb, copy, "GET", "/v1/heartbeats")).status, 200);
  assert.equal((await withSession(eb, cookie, "DELETE", "/v1/session")).status, 204);
  const after = await withSession(eb, copy, "GET", "/v1/heartbeats");
  assert.equal(after.status, 401, after.text);
  assert.equal(after.body.code, "unauthorized");
  assert.deepEqual((await withSession(eb, copy, "GET", "/v1/session")).body, { signed_in: false });
  const write = await withSession(eb, copy, "POST", "/v1/heartbeat", { body: { name: "x", interval: 600 }, headers: { [CSRF]: "1" } });
  assert.equal(write.status, 401);
  assert.equal((await eb.api("GET", "/v1/heartbeats", { auth: key })).status, 200, "the key itself still works");
});

test("signing out ends the key's other sessions too, not other keys' sessions; signing in again works", async () => {
  const { project, key } = await eb.tenant("every-session");
  const other = await eb.createKey(project.id, "manage");
  const laptop = await signIn(eb, key);
  const phone = await signIn(eb, key);
  const colleague = await signIn(eb, other.key);
  assert.equal((await withSession(eb, laptop.cookie, "DELETE", "/v1/session")).status, 204);
  assert.equal((await withSession(eb, phone.cookie, "GET", "/v1/heartbeats")).status, 401, "the key's other session ended");
  assert.equal((await withSession(eb, colleague.cookie, "GET", "/v1/heartbeats")).status, 200, "another key's session goes on");
  const again = await signIn(eb, key);
  assert.equal((await withSession(eb, again.cookie, "GET", "/v1/heartbeats")).status, 200, "a new sign-in is a live session");
});

test("an ended session cannot sign out the sessions opened after it", async () => {
  const { key } = await eb.tenant("stale-sign-out");
  const old = await signIn(eb, key);
  assert.equal((await withSession(eb, old.cookie, "DELETE", "/v1/session")).status, 204);
  const fresh = await signIn(eb, key);
  assert.equal((await withSession(eb, old.cookie, "DELETE", "/v1/session")).status, 204, "still 204, and the cookie is cleared");
  assert.equal((await withSession(eb, fresh.cookie, "GET", "/v1/heartbeats")).status, 200, "the fresh session goes on");
});

test("a tampered, foreign or expired-looking cookie is 401", async () => {
  const { project, key } = await eb.tenant("tampered");
  const read = await eb.createKey(project.id, "read");
  const { cookie } = await signIn(eb, read.key);
  const [keyId, projectId, scope, epoch, expires, signature] = cookie.split(".");
  const tampered = [
    [keyId, projectId, "manage", epoch, expires, signature].join("."),
    [keyId, projectId, scope, epoch, String(Number(expires) + 1), signature].join("."),
    [keyId, projectId, scope, String(Number(epoch) + 1), expires, signature].join("."),
    [keyId, projectId, scope, epoch, expires, signature.slice(0, -2) + (signature.endsWith("AA") ? "BB" : "AA")].join("."),
    [keyId, projectId, scope, epoch, "1000", signature].join("."),
    [keyId, projectId, scope, expires, signature].join("."),
    "garbage",
    "",
  ];
  for (const value of tampered) {
    const res = await withSession(eb, value, "GET", "/v1/heartbeats");
    assert.equal(res.status, 401, `${value}: ${res.text}`);
    assert.equal(res.body.code, "unauthorized");
  }
  const write = await withSession(eb, tampered[0], "POST", "/v1/heartbeat", { body: { name: "x", interval: 600 }, headers: { [CSRF]: "1" } });
  assert.equal(write.status, 401);
  assert.equal((await eb.api("GET", "/v1/heartbeats", { auth: key })).body.items.length, 0);
});

test("only manage and read keys sign in: ingest and browser keys 403, bad keys 401, the admin token 403", async () => {
  const { project } = await eb.tenant("scopes");
  for (const scope of ["ingest", "browser"]) {
    const k = await eb.createKey(project.id, scope);
    const res = await eb.api("POST", "/v1/session", { body: { key: k.key } });
    assert.equal(res.status, 403, `${scope}: ${res.text}`);
    assert.equal(res.body.code, "forbidden");
    assert.equal(res.headers.get("set-cookie"), null);
  }
  for (const bad of ["ebk_AAAAAAAAAAAA_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB", "nonsense"]) {
    const res = await eb.api("POST", "/v1/session", { body: { key: bad } });
    assert.equal(res.status, 401, res.text);
    assert.equal(res.body.code, "unauthorized");
  }
  assert.equal((await eb.api("POST", "/v1/session", { body: { key: ADMIN_TOKEN } })).status, 403);
  assert.equal((await eb.api("POST", "/v1/session", { body: {} })).status, 400);
});

test("sign-in takes JSON only, so a cross-site form cannot sign a browser in", async () => {
  const { key } = await eb.tenant("form");
  const res = await eb.fetch("/v1/session", {
    method: "POST",
    headers: { "content-type": "text/plain" },
    body: JSON.stringify({ key }),
  });
  assert.equal(res.status, 400);
  assert.equal((await res.json()).field, "content-type");
  assert.equal(res.headers.get("set-cookie"), null);
});

test("a Bearer header wins over the cookie", async () => {
  const { project, key } = await eb.tenant("bearer-wins");
  const read = await eb.createKey(project.id, "read");
  const { cookie } = await signIn(eb, read.key);
  const asManage = await withSession(eb, cookie, "POST", "/v1/heartbeat", { auth: key, body: { name: "by bearer", interval: 600 } });
  assert.equal(asManage.status, 201, "the manage Bearer key decides, no CSRF header needed");
  const { cookie: manageCookie } = await signIn(eb, key);
  const badBearer = await withSession(eb, manageCookie, "GET", "/v1/heartbeats", { auth: "ebk_AAAAAAAAAAAA_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB" });
  assert.equal(badBearer.status, 401, "a bad Bearer key is not rescued by a good cookie");
});

test("ingestion routes ignore the cookie", async () => {
  const { key } = await eb.tenant("ingest-untouched");
  const m = await eb.createMonitor(key, { name: "pinged", interval: 3600 });
  const { cookie } = await signIn(eb, key);
  const ping = await eb.fetch(`/ping/${m.token}`, { method: "POST", headers: { cookie: `eb_session=${cookie}` } });
  assert.equal(ping.status, 200);
  assert.equal(await ping.text(), "OK");
  await eb.storedPingsEventually(m.id, 1);
});

test("without SESSION_SECRET sessions are refused with a 503 JSON error, and nothing panics", async () => {
  const bare = await startEdgebeat({ secrets: { SESSION_SECRET: "" } });
  try {
    const { key } = await bare.tenant("no-secret");
    const res = await bare.api("POST", "/v1/session", { body: { key } });
    assert.equal(res.status, 503, res.text);
    assert.equal(res.body.code, "unavailable");
    assert.match(res.body.error, /SESSION_SECRET/);
    const cookie = await bare.api("GET", "/v1/heartbeats", { headers: { cookie: "eb_session=a.b.manage.0.99999999999999.xyz" } });
    assert.equal(cookie.status, 503);
    assert.deepEqual((await bare.api("GET", "/v1/session")).body, { signed_in: false }, "no cookie: simply not signed in");
    assert.equal((await bare.api("GET", "/v1/heartbeats", { auth: key })).status, 200, "Bearer keys work as ever");
  } finally {
    await bare.close();
  }
});
