// A read scope (a `read` key, or a read session) is what Prometheus scrapers and status walls
// hold: it must never hold a write credential. Checked over every GET route of openapi.json
// that takes a key: no field named like a token, secret, ping key or ping URL, and none of the
// project's write credentials (tokens, monitor ids, which ping while ping_by_id is on, the
// ping key, webhook secrets and URLs, keys) anywhere in an answer. Monitors are addressed by
// their unique_key instead.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { startEdgebeat, eventually } from "./support/edgebeat.mjs";
import { signIn, withSession } from "./support/sessions.mjs";

const DOC = JSON.parse(readFileSync(new URL("../openapi.json", import.meta.url)));
// Field names that are non-secret by design: a monitor's unique_key (read-only, never pings),
// and the badge key (it only reads badges, which are public).
const NON_SECRET_KEYS = new Set(["unique_key", "badge_key"]);
const SECRET_NAME = /token|secret|password|ping_url|_key$|^key$/i;

let eb;
let t;
let other;
before(async () => {
  eb = await startEdgebeat();
  t = await fixtures("wall");
  other = await fixtures("other");
});
after(() => eb?.close());

async function fixtures(name) {
  const { project, key: manage } = await eb.tenant(name);
  const read = await eb.createKey(project.id, "read");
  const monitor = await eb.createMonitor(manage, {
    name: `${name} backup`,
    interval: 3600,
    slug: `${name}-backup`,
    service_id: crypto.randomUUID(),
    tags: ["prod"],
    event_name: `${name}-done`,
  });
  const channel = (await eb.api("POST", "/v1/channels", { auth: manage, body: { kind: "webhook", url: `http://127.0.0.1:9/hooks/${name}-path-secret?token=${name}-query-secret` } })).body;
  await eb.fetch(`/ping/${monitor.token}/0`);
  await eventually(async () => (await eb.storedPings(monitor.id)).length === 1, { what: "the ping stored" });
  await eb.api("POST", `/v1/channels/${channel.id}/test`, { auth: manage });
  const proj = (await eb.api("GET", "/v1/project", { auth: manage })).body;
  const secrets = [
    manage,
    read.key,
    monitor.id,
    monitor.token,
    ...Object.values(monitor.ping_urls),
    proj.ping_key,
    proj.slug_ping_url,
    channel.secret,
    `${name}-path-secret`,
    `${name}-query-secret`,
  ];
  return { project, manage, read: read.key, monitor, channel, secrets };
}

/** GET operations of the document that take a key, with their path filled for tenant `who`. */
function readRoutes(who) {
  const fill = {
    "heartbeat/{id}": who.monitor.unique_key,
    "service/{service_id}": who.monitor.service_id,
    "channels/{id}": who.channel.id,
  };
  const out = [];
  for (const [path, item] of Object.entries(DOC.paths)) {
    const op = item.get;
    if (!op) continue;
    const security = op.security ?? DOC.security ?? [];
    if (!security.some((s) => "bearer" in s)) continue;
    const url = path.replace(/([a-z_]+)\/\{([a-z_]+)\}/g, (whole, before) => {
      const value = fill[whole];
      assert.ok(value, `no fixture for ${whole} in ${path}: give it one`);
      return `${before}/${value}`;
    });
    const required = [...(item.parameters ?? []), ...(op.parameters ?? [])].filter((p) => p.in === "query" && p.required);
    const query = new URLSearchParams(required.map((p) => [p.name, p.name === "name" ? `${who.project.name}-done` : "x"]));
    out.push(required.length ? `${url}?${query}` : url);
  }
  return out;
}

/** Every object key in a JSON value, at any depth. */
function fieldNames(value, out = []) {
  if (Array.isArray(value)) value.forEach((v) => fieldNames(v, out));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      fieldNames(v, out);
    }
  }
  return out;
}

function assertNoCredential(route, res, secrets) {
  assert.equal(res.status, 200, `${route}: ${res.text}`);
  const named = fieldNames(res.body).filter((k) => SECRET_NAME.test(k) && !NON_SECRET_KEYS.has(k));
  assert.deepEqual(named, [], `${route} answers fields named like credentials`);
  for (const secret of secrets) {
    assert.ok(!res.text.includes(secret), `${route} carries a write credential (${secret.slice(0, 12)}…)`);
  }
}

test("every GET route answers a read key without a write credential", async () => {
  const routes = readRoutes(t);
  assert.ok(routes.length >= 12, `the document lists the read routes (${routes.length})`);
  for (const route of routes) {
    assertNoCredential(route, await eb.api("GET", route, { auth: t.read }), t.secrets);
  }
});

test("every GET route answers a read session without a write credential", async () => {
  const { cookie } = await signIn(eb, t.read);
  for (const route of [...readRoutes(t), "/v1/session"]) {
    assertNoCredential(route, await withSession(eb, cookie, "GET", route), t.secrets);
  }
});

test("a read scope sees a monitor's unique_key and reads it by that, never by a ping", async () => {
  const seen = await eb.monitor(t.read, t.monitor.unique_key);
  assert.equal(seen.name, t.monitor.name);
  assert.match(seen.unique_key, /^uk_[0-9a-f]{24}$/);
  assert.equal(seen.unique_key, t.monitor.unique_key, "stable: the manage answer names the same");
  for (const field of ["id", "token", "ping_urls"]) assert.ok(!(field in seen), `no ${field}`);
  const listed = (await eb.api("GET", "/v1/heartbeats", { auth: t.read })).body.items;
  assert.deepEqual(listed.map((m) => m.unique_key), [t.monitor.unique_key]);
  // The manage key still gets everything it needs to ping.
  const full = await eb.monitor(t.manage, t.monitor.id);
  assert.equal(full.token, t.monitor.token);
  assert.ok(full.ping_urls.ping.endsWith(t.monitor.token));
  const project = (await eb.api("GET", "/v1/project", { auth: t.manage })).body;
  assert.match(project.ping_key, /^pk_/);
  // A unique_key is no ping credential: without a key it is not found, and records nothing.
  const ping = await eb.api("POST", `/v1/heartbeat/${t.monitor.unique_key}`);
  assert.equal(ping.status, 404);
  assert.equal((await eb.storedPings(t.monitor.id)).length, 1);
  // Metrics label monitors by unique_key.
  const metrics = await eb.fetch("/v1/metrics", { headers: { authorization: `Bearer ${t.read}` } });
  const text = await metrics.text();
  assert.ok(text.includes(`unique_key="${t.monitor.unique_key}"`), text);
});

test("another project's keys do not reach a monitor by its unique_key", async () => {
  for (const key of [other.read, other.manage]) {
    for (const suffix of ["", "/events", "/statistic", "/flips"]) {
      const res = await eb.api("GET", `/v1/heartbeat/${t.monitor.unique_key}${suffix}`, { auth: key });
      assert.equal(res.status, 404, `${suffix}: ${res.text}`);
    }
  }
});

test("every way a monitor is made gives it a unique_key: the API, a slug ping, a system heartbeat", async () => {
  const proj = (await eb.api("GET", "/v1/project", { auth: t.manage })).body;
  assert.equal((await eb.fetch(`/ping/${proj.ping_key}/made-by-slug?create=1`)).status, 200);
  const ingestKey = (await eb.createKey(t.project.id, "ingest")).key;
  const system = await eb.fetch("/api/systems/heartbeat", {
    method: "POST",
    headers: { authorization: `Basic ${Buffer.from(`edgebeat:${ingestKey}`).toString("base64")}`, "content-type": "application/json" },
    body: JSON.stringify({ system_id: crypto.randomUUID() }),
  });
  assert.ok(system.status < 300, `system heartbeat: ${system.status}`);
  const rows = await eb.rows("SELECT name, unique_key FROM monitors WHERE project_id = ?", t.project.id);
  assert.equal(rows.length, 3, JSON.stringify(rows));
  for (const row of rows) assert.match(row.unique_key ?? "", /^uk_[0-9a-f]{24}$/, row.name);
  assert.equal(new Set(rows.map((r) => r.unique_key)).size, 3);
});
