// Seed 002: system heartbeats with HTTP Basic credentials and the {code, message, data} envelope.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEdgebeat, eventually } from "./support/edgebeat.mjs";

let eb;
let tenant;
let ingestKey;
before(async () => {
  eb = await startEdgebeat();
  tenant = await eb.tenant();
  ingestKey = (await eb.createKey(tenant.project.id, "ingest")).key;
});
after(() => eb?.close());

const basic = (password, user = "username") => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

async function heartbeat(body, authorization = basic(ingestKey)) {
  const headers = { "content-type": "application/json" };
  if (authorization) headers.authorization = authorization;
  const res = await eb.fetch("/api/systems/heartbeat", {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  assert.match(res.headers.get("content-type"), /application\/json/);
  return { status: res.status, body: await res.json() };
}

const systemMonitors = (systemId) => eb.rows("SELECT * FROM monitors WHERE system_id = ?", systemId);

test("the seed's curl call is acknowledged, and the system becomes a 10-minute monitor", async () => {
  const systemId = "4cf3053f-d0d5-4b10-b752-ff8f7b63c2f7";
  const res = await heartbeat({ system_id: systemId });
  assert.equal(res.status, 200);
  assert.deepEqual(Object.keys(res.body).sort(), ["code", "data", "message"]);
  assert.equal(res.body.code, 200);
  assert.equal(res.body.message, "heartbeat acknowledged");
  assert.equal(res.body.data.system_id, systemId);
  assert.equal(res.body.data.acknowledged, true);
  assert.match(res.body.data.last_heartbeat, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  const [monitor] = await systemMonitors(systemId);
  assert.equal(monitor.interval_s, 600);
  assert.equal(monitor.project_id, tenant.project.id);
  await eb.storedPingsEventually(monitor.id, 1);
  const [ping] = await eb.storedPings(monitor.id);
  assert.equal(ping.source, "system");
});

test("repeated and concurrent heartbeats of one system share one monitor", async () => {
  const systemId = crypto.randomUUID();
  const answers = await Promise.all(Array.from({ length: 5 }, () => heartbeat({ system_id: systemId })));
  assert.ok(answers.every((a) => a.status === 200));
  const monitors = await systemMonitors(systemId);
  assert.equal(monitors.length, 1);
  await eb.storedPingsEventually(monitors[0].id, 5);
});

test("a manage key works too; the same system id in another project is another monitor", async () => {
  const systemId = crypto.randomUUID();
  assert.equal((await heartbeat({ system_id: systemId }, basic(tenant.key))).status, 200);
  const other = await eb.tenant("other");
  assert.equal((await heartbeat({ system_id: systemId }, basic(other.key, ""))).status, 200);
  const monitors = await systemMonitors(systemId);
  assert.deepEqual(monitors.map((m) => m.project_id).sort(), [tenant.project.id, other.project.id].sort());
});

test("validation errors use the seed's envelope and name the key", async () => {
  const cases = [
    [{}, "system_id", "required", ""],
    [{ system_id: "not-a-uuid" }, "system_id", "must be a UUID", "not-a-uuid"],
    [{ system_id: 42 }, "system_id", "must be a string", "42"],
    ["{not json", "body", "invalid JSON", "{not json"],
  ];
  for (const [body, key, message, value] of cases) {
    const res = await heartbeat(body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.deepEqual(res.body, {
      code: 400,
      message: "validation failed",
      data: { type: "validation_error", errors: [{ key, message, value }] },
    });
  }
});

test("missing or wrong credentials are 401, a read key 403, each as an envelope", async () => {
  const id = { system_id: crypto.randomUUID() };
  const unauthorized = { code: 401, message: "invalid token", data: {} };
  assert.deepEqual((await heartbeat(id, null)).body, unauthorized);
  assert.deepEqual((await heartbeat(id, basic("ebk_AAAAAAAAAAAA_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"))).body, unauthorized);
  assert.deepEqual((await heartbeat(id, `Bearer ${ingestKey}`)).body, unauthorized);
  assert.equal((await heartbeat(id, null)).status, 401);
  const read = (await eb.createKey(tenant.project.id, "read")).key;
  const forbidden = await heartbeat(id, basic(read));
  assert.equal(forbidden.status, 403);
  assert.deepEqual(forbidden.body, { code: 403, message: "insufficient permissions", data: {} });
  assert.equal((await systemMonitors(id.system_id)).length, 0);
});

test("a revoked ingest key is refused on the next heartbeat", async () => {
  const key = await eb.createKey(tenant.project.id, "ingest");
  assert.equal((await heartbeat({ system_id: crypto.randomUUID() }, basic(key.key))).status, 200);
  await eb.api("DELETE", `/v1/keys/${key.id}`, { auth: tenant.key });
  assert.equal((await heartbeat({ system_id: crypto.randomUUID() }, basic(key.key))).status, 401);
});

test("a storage failure is a 500 envelope that reveals nothing inside", async () => {
  await eb.env.DB.exec("ALTER TABLE monitors RENAME TO monitors_offline");
  let res;
  try {
    res = await heartbeat({ system_id: crypto.randomUUID() });
  } finally {
    await eb.env.DB.exec("ALTER TABLE monitors_offline RENAME TO monitors");
  }
  assert.equal(res.status, 500);
  assert.deepEqual(res.body, { code: 500, message: "internal server error", data: {} });
  assert.equal((await heartbeat({ system_id: crypto.randomUUID() })).status, 200, "recovers with storage");
});

test("the path seed 002's heading names answers like the one its curl uses", async () => {
  const systemId = "0b7c1f1e-2f4a-4d2c-9a51-3f3c1d9e8a10";
  const res = await eb.fetch("/systems/heartbeat", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: basic(ingestKey) },
    body: JSON.stringify({ system_id: systemId }),
  });
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.code, 200);
  assert.equal(body.data.system_id, systemId);
  const [monitor] = await systemMonitors(systemId);
  await eb.storedPingsEventually(monitor.id, 1, { what: "the ping stored" });
  const anonymous = await eb.fetch("/systems/heartbeat", { method: "POST", body: JSON.stringify({ system_id: systemId }) });
  assert.equal(anonymous.status, 401);
});
