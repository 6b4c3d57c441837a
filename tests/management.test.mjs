// Bootstrap and management: projects, keys, monitors; auth, scopes and tenant isolation.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEdgebeat, ADMIN_TOKEN, PUBLIC_URL } from "./support/edgebeat.mjs";

let eb;
before(async () => {
  eb = await startEdgebeat();
});
after(() => eb?.close());

test("projects are created only with the admin token", async () => {
  assert.equal((await eb.api("POST", "/v1/projects", { body: { name: "x" } })).status, 401);
  const wrong = await eb.api("POST", "/v1/projects", { auth: "nope", body: { name: "x" } });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.headers.get("www-authenticate"), "Bearer");
  assert.equal(wrong.body.code, "unauthorized");
  const { key } = await eb.tenant("other");
  assert.equal((await eb.api("POST", "/v1/projects", { auth: key, body: { name: "x" } })).status, 403);
  const ok = await eb.api("POST", "/v1/projects", { auth: ADMIN_TOKEN, body: { name: "Shop" } });
  assert.equal(ok.status, 201);
  assert.equal(ok.body.name, "Shop");
  assert.match(ok.body.id, /^[0-9a-f-]{36}$/);
});

test("bad project bodies get a 400 naming the field", async () => {
  const cases = [
    [{}, "name"],
    [{ name: "" }, "name"],
    [{ name: 7 }, "name"],
    ["not json", "body"],
    [[1, 2], "body"],
  ];
  for (const [body, field] of cases) {
    const res = await eb.api("POST", "/v1/projects", { auth: ADMIN_TOKEN, body });
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.body.field, field);
    assert.equal(typeof res.body.error, "string");
  }
});

test("an oversized body is refused with 413", async () => {
  const res = await eb.api("POST", "/v1/projects", { auth: ADMIN_TOKEN, body: { name: "x".repeat(70_000) } });
  assert.equal(res.status, 413);
});

test("a key is shown once and stored only as a hash", async () => {
  const project = await eb.createProject();
  const created = await eb.createKey(project.id, "read");
  assert.match(created.key, /^ebk_[0-9A-Za-z]{12}_[0-9A-Za-z]{32}$/);
  assert.equal(created.scope, "read");
  const [row] = await eb.rows("SELECT * FROM api_keys WHERE id = ?", created.id);
  const secret = created.key.split("_")[2];
  assert.ok(!JSON.stringify(row).includes(secret), "the secret is not stored");
  assert.match(row.secret_hash, /^[0-9a-f]{64}$/);
  // Nothing else shows the key again.
  const listed = await eb.api("GET", "/v1/heartbeats", { auth: created.key });
  assert.ok(!listed.text.includes(secret));
});

test("key scopes are validated", async () => {
  const project = await eb.createProject();
  for (const body of [{ name: "k" }, { name: "k", scope: "admin" }, { name: "k", scope: 1 }]) {
    const res = await eb.api("POST", `/v1/projects/${project.id}/keys`, { auth: ADMIN_TOKEN, body });
    assert.equal(res.status, 400);
    assert.equal(res.body.field, "scope");
  }
});

test("a manage key creates keys in its own project only", async () => {
  const a = await eb.tenant("a");
  const b = await eb.tenant("b");
  const own = await eb.api("POST", `/v1/projects/${a.project.id}/keys`, { auth: a.key, body: { scope: "ingest" } });
  assert.equal(own.status, 201);
  const other = await eb.api("POST", `/v1/projects/${b.project.id}/keys`, { auth: a.key, body: { scope: "manage" } });
  assert.equal(other.status, 404);
  const readKey = await eb.createKey(a.project.id, "read");
  const byRead = await eb.api("POST", `/v1/projects/${a.project.id}/keys`, { auth: readKey.key, body: { scope: "manage" } });
  assert.equal(byRead.status, 404);
  const missing = await eb.api("POST", `/v1/projects/00000000-0000-4000-8000-000000000000/keys`, { auth: ADMIN_TOKEN, body: { scope: "read" } });
  assert.equal(missing.status, 404);
});

test("revoking a key takes effect on the very next request", async () => {
  const { project, key } = await eb.tenant();
  const second = await eb.createKey(project.id, "manage");
  assert.equal((await eb.api("GET", "/v1/heartbeats", { auth: second.key })).status, 200);
  const revoked = await eb.api("DELETE", `/v1/keys/${second.id}`, { auth: key });
  assert.equal(revoked.status, 200);
  assert.deepEqual(revoked.body, { id: second.id, revoked: true });
  assert.equal((await eb.api("GET", "/v1/heartbeats", { auth: second.key })).status, 401);
  assert.equal((await eb.api("DELETE", `/v1/keys/${second.id}`, { auth: key })).status, 404, "already revoked");
  // The admin token revokes any key; another project's manage key revokes none of ours.
  const third = await eb.createKey(project.id, "read");
  const stranger = await eb.tenant("stranger");
  assert.equal((await eb.api("DELETE", `/v1/keys/${third.id}`, { auth: stranger.key })).status, 404);
  assert.equal((await eb.api("GET", "/v1/heartbeats", { auth: third.key })).status, 200);
  assert.equal((await eb.api("DELETE", `/v1/keys/${third.id}`, { auth: ADMIN_TOKEN })).status, 200);
  assert.equal((await eb.api("GET", "/v1/heartbeats", { auth: third.key })).status, 401);
});

test("a tampered key or a key-shaped guess is refused", async () => {
  const { keyId, key } = await eb.tenant();
  const tampered = key.slice(0, -1) + (key.endsWith("a") ? "b" : "a");
  assert.equal((await eb.api("GET", "/v1/heartbeats", { auth: tampered })).status, 401);
  assert.equal((await eb.api("GET", "/v1/heartbeats", { auth: `ebk_${keyId}_${"A".repeat(32)}` })).status, 401);
  assert.equal((await eb.api("GET", "/v1/heartbeats", { headers: { authorization: key } })).status, 401, "scheme required");
});

test("create, get, list, rotate and delete a heartbeat with a manage key", async () => {
  const { key } = await eb.tenant();
  const m = await eb.createMonitor(key, { name: "nightly backup", interval: 86400, grace: 3600, unknown_field: true });
  assert.equal(m.name, "nightly backup");
  assert.equal(m.interval, 86400);
  assert.equal(m.grace, 3600);
  assert.equal(m.status, "new");
  assert.equal(m.n_pings, 0);
  assert.equal(m.last_ping_at, null);
  assert.match(m.token, /^hb_[0-9A-Za-z]{22}$/);
  assert.equal(m.ping_urls.beacon, `${PUBLIC_URL}/api/v1/beet/${m.token}`);
  assert.deepEqual(await eb.monitor(key, m.id), m);

  const rotated = await eb.api("POST", `/v1/heartbeat/${m.id}/rotate-token`, { auth: key });
  assert.equal(rotated.status, 200);
  assert.match(rotated.body.token, /^hb_/);
  assert.equal((await eb.monitor(key, m.id)).token, rotated.body.token);

  const deleted = await eb.api("DELETE", `/v1/heartbeat/${m.id}`, { auth: key });
  assert.deepEqual(deleted.body, { deleted: 1 });
  assert.equal((await eb.api("GET", `/v1/heartbeat/${m.id}`, { auth: key })).status, 404);
  assert.equal((await eb.api("DELETE", `/v1/heartbeat/${m.id}`, { auth: key })).status, 404);
});

test("listing pages through the project's heartbeats", async () => {
  const { key } = await eb.tenant();
  for (const name of ["a", "b", "c"]) await eb.createMonitor(key, { name, interval: 60 });
  const page2 = await eb.api("GET", "/v1/heartbeats?page=2&limit=2", { auth: key });
  assert.equal(page2.status, 200);
  assert.equal(page2.body.total, 3);
  assert.equal(page2.body.page, 2);
  assert.equal(page2.body.limit, 2);
  assert.deepEqual(page2.body.items.map((m) => m.name), ["c"]);
  const all = await eb.api("GET", "/v1/heartbeats", { auth: key });
  assert.equal(all.body.limit, 50);
  assert.deepEqual(all.body.items.map((m) => m.name), ["a", "b", "c"]);
  for (const q of ["page=0", "limit=0", "limit=101", "page=x", "limit=2.5"]) {
    const bad = await eb.api("GET", `/v1/heartbeats?${q}`, { auth: key });
    assert.equal(bad.status, 400, q);
    assert.ok(["page", "limit"].includes(bad.body.field));
  }
});

test("monitor validation names the field", async () => {
  const { key } = await eb.tenant();
  const cases = [
    [{ interval: 60 }, "name"],
    [{ name: "x" }, "interval"],
    [{ name: "x", interval: 59 }, "interval"],
    [{ name: "x", interval: 31_536_001 }, "interval"],
    [{ name: "x", interval: "60" }, "interval"],
    [{ name: "x", interval: 60.5 }, "interval"],
    [{ name: "x", interval: 60, grace: -1 }, "grace"],
    [{ name: "x", interval: 60, enabled: "yes" }, "enabled"],
    [{ name: "x".repeat(201), interval: 60 }, "name"],
  ];
  for (const [body, field] of cases) {
    const res = await eb.api("POST", "/v1/heartbeat", { auth: key, body });
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.body.field, field, JSON.stringify(body));
  }
  const badId = await eb.api("GET", "/v1/heartbeat/not-a-uuid", { auth: key });
  assert.equal(badId.status, 400);
  assert.equal(badId.body.field, "id");
  assert.equal((await eb.rows("SELECT COUNT(*) AS n FROM monitors WHERE name = 'x'"))[0].n, 0);
});

test("a read key may only GET", async () => {
  const { project, key } = await eb.tenant();
  const m = await eb.createMonitor(key);
  const read = (await eb.createKey(project.id, "read")).key;
  assert.equal((await eb.api("GET", `/v1/heartbeat/${m.id}`, { auth: read })).status, 200);
  assert.equal((await eb.api("GET", "/v1/heartbeats", { auth: read })).status, 200);
  const writes = [
    ["POST", "/v1/heartbeat", { name: "x", interval: 60 }],
    ["DELETE", `/v1/heartbeat/${m.id}`],
    ["POST", `/v1/heartbeat/${m.id}/rotate-token`],
  ];
  for (const [method, path, body] of writes) {
    const res = await eb.api(method, path, { auth: read, body });
    assert.equal(res.status, 403, `${method} ${path}`);
    assert.equal(res.body.code, "forbidden");
  }
  const after = await eb.monitor(key, m.id);
  assert.equal(after.token, m.token, "nothing changed");
});

test("an ingest key and the admin token cannot manage heartbeats", async () => {
  const { project } = await eb.tenant();
  const ingest = (await eb.createKey(project.id, "ingest")).key;
  assert.equal((await eb.api("GET", "/v1/heartbeats", { auth: ingest })).status, 403);
  assert.equal((await eb.api("GET", "/v1/heartbeats", { auth: ADMIN_TOKEN })).status, 403);
});

test("another project's monitor is a 404 and is left untouched", async () => {
  const a = await eb.tenant("a");
  const b = await eb.tenant("b");
  const mine = await eb.createMonitor(a.key);
  for (const [method, path] of [
    ["GET", `/v1/heartbeat/${mine.id}`],
    ["DELETE", `/v1/heartbeat/${mine.id}`],
    ["POST", `/v1/heartbeat/${mine.id}/rotate-token`],
  ]) {
    const res = await eb.api(method, path, { auth: b.key });
    assert.equal(res.status, 404, `${method} ${path}`);
  }
  const listed = await eb.api("GET", "/v1/heartbeats", { auth: b.key });
  assert.equal(listed.body.total, 0);
  assert.deepEqual(await eb.monitor(a.key, mine.id), mine);
});

test("unknown routes are 404 and wrong methods 405, as JSON", async () => {
  const nf = await eb.api("GET", "/nope");
  assert.equal(nf.status, 404);
  assert.equal(nf.body.code, "not_found");
  const na = await eb.api("PATCH", "/v1/heartbeats");
  assert.equal(na.status, 405);
  assert.equal(na.headers.get("allow"), "GET");
});

test("health check answers without credentials", async () => {
  const res = await eb.api("GET", "/healthz");
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { ok: true });
});
