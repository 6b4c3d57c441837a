// Tenant isolation, generated from openapi.json: every operation that takes a credential and
// names an object (a path parameter, or an `id` query parameter), called with another
// project's key of each scope and the victim's real object ids, is refused with 404 or 403,
// and the victim's rows are unchanged. Operations added to the document later are covered
// without new code; a new kind of id parameter fails here until it is given a fixture below.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEdgebeat, eventually } from "./support/edgebeat.mjs";

let eb;
let victim;
let intruder;
before(async () => {
  eb = await startEdgebeat();
  victim = await fixtures("victim");
  intruder = await fixtures("intruder");
});
after(() => eb?.close());

/** A project with a key of each scope, a monitor with pings and a service, a channel. */
async function fixtures(name) {
  const { project, key: manage, keyId } = await eb.tenant(name);
  const read = await eb.createKey(project.id, "read");
  const ingest = await eb.createKey(project.id, "ingest");
  const monitor = await eb.createMonitor(manage, { name: `${name} job`, interval: 3600, service_id: crypto.randomUUID(), slug: `${name}-job` });
  const channel = (await eb.api("POST", "/v1/channels", { auth: manage, body: { kind: "webhook", url: "http://127.0.0.1:9/hook" } })).body;
  const window = (await eb.api("POST", `/v1/heartbeat/${monitor.id}/maintenance`, { auth: manage, body: { until: new Date(Date.now() + 3_600_000).toISOString() } })).body;
  await eb.fetch(`/ping/${monitor.token}/fail`);
  await eb.storedPingsEventually(monitor.id, 1, { what: `${name}'s ping in D1` });
  return {
    project,
    keys: { manage, read: read.key, ingest: ingest.key },
    // Each id-bearing parameter, by the collection it names and its own name.
    ids: {
      "projects/{project_id}": project.id,
      "keys/{key_id}": keyId,
      "heartbeat/{id}": monitor.id,
      "service/{service_id}": monitor.service_id,
      "channels/{id}": channel.id,
      "heartbeat?id": monitor.id,
      "maintenance/{window_id}": window.id,
    },
  };
}

/** Where a parameter lives: the literal path segment before it, and its name. */
function parameterKey(path, parameter) {
  const segments = path.split("/").filter(Boolean);
  if (parameter.in === "path") {
    const at = segments.indexOf(`{${parameter.name}}`);
    return `${segments[at - 1]}/{${parameter.name}}`;
  }
  return `${segments.filter((s) => !s.startsWith("{")).at(-1)}?${parameter.name}`;
}

const names = (p) => p.name === "id" || p.name.endsWith("_id");
const CREDENTIAL_SCHEMES = new Set(["bearer", "basic"]);

/** Operations of the document that take a credential and an object id. */
function operations(doc) {
  const out = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!["get", "post", "put", "delete", "head", "patch"].includes(method)) continue;
      const security = op.security ?? doc.security ?? [];
      if (!security.some((s) => Object.keys(s).some((k) => CREDENTIAL_SCHEMES.has(k)))) continue;
      // Operation parameters override the path's of the same name and place.
      const params = new Map();
      for (const p of [...(item.parameters ?? []), ...(op.parameters ?? [])]) params.set(`${p.in}:${p.name}`, p);
      const ids = [...params.values()].filter((p) => p.in === "path" || (p.in === "query" && names(p)));
      if (ids.length > 0) out.push({ path, method: method.toUpperCase(), ids });
    }
  }
  return out;
}

async function snapshot(who) {
  const { project } = who;
  const monitors = "SELECT id FROM monitors WHERE project_id = ?1";
  const channels = "SELECT id FROM channels WHERE project_id = ?1";
  return {
    projects: await eb.rows("SELECT * FROM projects WHERE id = ?", project.id),
    api_keys: await eb.rows("SELECT * FROM api_keys WHERE project_id = ? ORDER BY id", project.id),
    monitors: await eb.rows("SELECT * FROM monitors WHERE project_id = ? ORDER BY id", project.id),
    // Every stored ping of the project's monitors, in D1 and in their token objects.
    pings: await Promise.all((await eb.rows(`${monitors} ORDER BY id`, project.id)).map((m) => eb.storedPings(m.id))),
    flips: await eb.rows(`SELECT * FROM flips WHERE monitor_id IN (${monitors}) ORDER BY id`, project.id),
    channels: await eb.rows("SELECT * FROM channels WHERE project_id = ? ORDER BY id", project.id),
    deliveries: await eb.rows(`SELECT * FROM deliveries WHERE channel_id IN (${channels}) ORDER BY id`, project.id),
    maintenance_windows: await eb.rows("SELECT * FROM maintenance_windows WHERE project_id = ? ORDER BY id", project.id),
  };
}

test("another project's credentials reach none of a project's objects, by any operation the document lists", async (t) => {
  const doc = await (await eb.fetch("/openapi.json")).json();
  const ops = operations(doc);
  const before = await snapshot(victim);
  const unexpected = [];
  let calls = 0;
  for (const op of ops) {
    let url = op.path;
    const query = new URLSearchParams();
    for (const p of op.ids) {
      const key = parameterKey(op.path, p);
      assert.ok(key in victim.ids, `${op.method} ${op.path}: parameter ${p.in} ${p.name} (${key}) has no fixture; add one to fixtures()`);
      if (p.in === "path") url = url.replace(`{${p.name}}`, encodeURIComponent(victim.ids[key]));
      else query.append(p.name, victim.ids[key]);
    }
    if ([...query].length > 0) url += `?${query}`;
    for (const [scope, key] of Object.entries(intruder.keys)) {
      const headers = { authorization: `Bearer ${key}` };
      const body = ["POST", "PUT", "PATCH"].includes(op.method) ? JSON.stringify({}) : undefined;
      if (body) headers["content-type"] = "application/json";
      const res = await eb.fetch(url, { method: op.method, headers, body });
      await res.arrayBuffer();
      calls++;
      if (![403, 404].includes(res.status)) unexpected.push(`${op.method} ${url} as ${scope}: ${res.status}`);
    }
  }
  t.diagnostic(`isolation matrix: ${ops.length} operations x ${Object.keys(intruder.keys).length} foreign credentials = ${calls} calls`);
  assert.ok(ops.length >= 15, `only ${ops.length} operations found`);
  assert.deepEqual(unexpected, [], "every call is refused with 403 or 404");
  assert.deepEqual(await snapshot(victim), before, "the victim's rows are unchanged");
});

test("a parameter the fixtures do not know fails the matrix loudly", () => {
  const doc = { paths: { "/v1/widgets/{widget_id}": { get: { security: [{ bearer: [] }], parameters: [{ name: "widget_id", in: "path" }] } } } };
  const [op] = operations(doc);
  assert.equal(parameterKey(op.path, op.ids[0]), "widgets/{widget_id}");
  assert.ok(!("widgets/{widget_id}" in victim.ids));
});
