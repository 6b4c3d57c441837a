// Seed 004's ingest API and beacon against the real worker: the seed's examples, per-event
// rejections, every status it names, project limits (rate, monthly quota, inactive), the
// browser scope and its origins, and 503 with nothing half-stored.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { ADMIN_TOKEN, startEdgebeat } from "./support/edgebeat.mjs";
import { eventTenant, flushed, heldEvents, ingest, ingested, setLimits, storedEvents } from "./support/events.mjs";

let eb;
before(async () => {
  eb = await startEdgebeat({ vars: { EVENT_FLUSH_DELAY_MS: "50" } });
});
after(() => eb?.close());

test("the seed's curl example: 200 {accepted: 1, rejected: 0, queued: true}, every field kept", async () => {
  const t = await eventTenant(eb);
  const event = {
    event_type: "play_start",
    ts: "2026-04-23T18:30:12.456Z",
    anonymous_id: "a8f3c2d0-1e5b-4a9c-8d4e-7f2a1b3c4d5e",
    session_id: "sess_a1b2c3d4",
    content_id: "aashiqana_s04e12",
    content_type: "series",
    content_title: "Aashiqana S4 E12",
    position_sec: 0,
    bitrate_kbps: 4500,
    context: { device_type: "tv", app_version: "4.12.0" },
  };
  const res = await ingest(eb, t.key, { events: [event] }, { headers: { "user-agent": "curl/8.5.0" } });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body, { accepted: 1, rejected: 0, queued: true });
  await flushed(eb, t.project.id, 1);
  const [stored] = await storedEvents(eb, t.project.id);
  assert.deepEqual(JSON.parse(stored.document), event);
  assert.equal(stored.name, "play_start");
  assert.equal(stored.ts, Date.parse(event.ts));
  assert.equal(stored.source, "ingest");
});

test("the seed's Node example (event_id from randomUUID, properties) is accepted", async () => {
  const t = await eventTenant(eb);
  const userId = "user-42";
  const res = await eb.fetch("/v1/ingest/events", {
    method: "POST",
    headers: { "X-API-Key": t.key, "Content-Type": "application/json" },
    body: JSON.stringify({
      events: [{
        event_id: randomUUID(),
        event_type: "purchase",
        ts: new Date().toISOString(),
        anonymous_id: userId,
        user_id: userId,
        session_id: `server-${userId}`,
        properties: { plan: "pro", amount: 29 },
      }],
    }),
  });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { accepted: 1, rejected: 0, queued: true });
});

test("the seed's Python example (httpx, isoformat with +00:00) is accepted", async () => {
  const t = await eventTenant(eb);
  const ts = new Date().toISOString().replace("Z", "000+00:00"); // datetime.now(timezone.utc).isoformat()
  const res = await ingest(eb, t.key, {
    events: [{ event_id: randomUUID(), event_type: "login", ts, anonymous_id: "u1", user_id: "u1", session_id: "server-u1", properties: {} }],
  }, { headers: { "user-agent": "python-httpx/0.27.0" } });
  assert.equal(res.status, 200, res.text);
  await flushed(eb, t.project.id, 1);
});

test("the seed's idempotency example: a retried event_id within 24 h is stored once", async () => {
  const t = await eventTenant(eb);
  const body = { events: [{ event_id: "a1b2c3d4-e5f6-7890-a1b2-c3d4e5f67890", event_type: "play_start", ts: "2026-04-23T18:30:12Z", anonymous_id: "...", session_id: "..." }] };
  for (let i = 0; i < 3; i++) assert.deepEqual((await ingest(eb, t.key, body)).body, { accepted: 1, rejected: 0, queued: true });
  await flushed(eb, t.project.id, 1);
});

test("invalid events are rejected one by one, with their index and reason; the others are stored", async () => {
  const t = await eventTenant(eb);
  const res = await ingest(eb, t.key, {
    events: [{ event_type: "a" }, { event_type: "" }, { event_type: "c", custom: { deep: [1] } }, { event_type: "d", position_sec: -1 }],
  });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body, {
    accepted: 2,
    rejected: 2,
    queued: true,
    errors: [
      { index: 1, reason: "events[1].event_type: must be 1..200 characters" },
      { index: 3, reason: "events[3].position_sec: must not be negative" },
    ],
  });
  await flushed(eb, t.project.id, 2);
  const c = (await storedEvents(eb, t.project.id)).find((e) => e.name === "c");
  assert.deepEqual(JSON.parse(c.document).custom, { deep: [1] }, "unknown fields are kept");
});

test("400: malformed JSON, a missing or empty events array, over 500 events, no valid event", async () => {
  const t = await eventTenant(eb);
  for (const body of ["{nope", {}, { events: null }, { events: [] }, { events: "x" }, ingested(501), { events: [{}, { event_type: 7 }] }]) {
    const res = await ingest(eb, t.key, body);
    assert.equal(res.status, 400, `${JSON.stringify(body).slice(0, 40)}: ${res.text}`);
    assert.equal(typeof res.body.error, "string");
  }
  assert.equal((await ingest(eb, t.key, ingested(500))).status, 200);
  await flushed(eb, t.project.id, 500);
});

test("401: a missing or invalid X-API-Key", async () => {
  const t = await eventTenant(eb);
  for (const key of [undefined, "tm_live_abc", `ebk_${"Q".repeat(12)}_${"q".repeat(32)}`, t.key.slice(0, -2) + "zz"]) {
    assert.equal((await ingest(eb, key, ingested(1))).status, 401, String(key));
  }
  assert.equal(await heldEvents(eb, t.project.id), 0);
});

test("403 while the project is inactive; PATCH sets it back", async () => {
  const t = await eventTenant(eb);
  assert.equal((await ingest(eb, t.key, ingested(1))).status, 200);
  const patched = await setLimits(eb, t.project.id, { status: "inactive" });
  assert.equal(patched.status, "inactive");
  const res = await ingest(eb, t.key, ingested(1));
  assert.equal(res.status, 403);
  assert.match(res.body.error, /inactive/);
  await setLimits(eb, t.project.id, { status: "active" });
  assert.equal((await ingest(eb, t.key, ingested(1))).status, 200);
  await flushed(eb, t.project.id, 2);
});

test("the monthly quota: a batch that would cross it is refused whole with 403 and stores nothing", async () => {
  const t = await eventTenant(eb);
  await setLimits(eb, t.project.id, { monthly_event_quota: 10 });
  assert.deepEqual((await ingest(eb, t.key, ingested(7))).body.accepted, 7);
  const crossing = await ingest(eb, t.key, ingested(5));
  assert.equal(crossing.status, 403, crossing.text);
  assert.match(crossing.body.error, /quota/);
  assert.equal(await heldEvents(eb, t.project.id), 7);
  assert.equal((await ingest(eb, t.key, ingested(3))).status, 200, "exactly up to the quota");
  assert.equal((await ingest(eb, t.key, ingested(1))).status, 403);
  const project = await eb.api("GET", "/v1/project", { auth: t.manage });
  assert.equal(project.body.monthly_event_quota, 10);
  assert.equal(project.body.event_usage.events, 10);
  // Lifting the quota lets batches in again.
  await setLimits(eb, t.project.id, { monthly_event_quota: null });
  assert.equal((await ingest(eb, t.key, ingested(5))).status, 200);
  await flushed(eb, t.project.id, 15);
});

test("the quota is exact under concurrency: 20 batches of 5 against a quota of 50", async () => {
  const t = await eventTenant(eb);
  await setLimits(eb, t.project.id, { monthly_event_quota: 50 });
  const answers = await Promise.all(Array.from({ length: 20 }, () => ingest(eb, t.key, ingested(5))));
  assert.equal(answers.filter((r) => r.status === 200).length, 10);
  assert.equal(answers.filter((r) => r.status === 403).length, 10);
  await flushed(eb, t.project.id, 50);
});

test("the project's rate: 429 with Retry-After over event_rate_per_min; the refused batch stores nothing", async () => {
  const t = await eventTenant(eb);
  const limits = await setLimits(eb, t.project.id, { event_rate_per_min: 10 });
  assert.equal(limits.event_rate_per_min, 10);
  assert.equal((await ingest(eb, t.key, ingested(8))).status, 200);
  const limited = await ingest(eb, t.key, ingested(5));
  assert.equal(limited.status, 429, limited.text);
  const retryAfter = Number(limited.headers.get("retry-after"));
  assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
  assert.equal(await heldEvents(eb, t.project.id), 8);
  assert.equal((await ingest(eb, t.key, ingested(2))).status, 200);
  // Raised, it admits more at once.
  await setLimits(eb, t.project.id, { event_rate_per_min: 120_000 });
  assert.equal((await ingest(eb, t.key, ingested(500))).status, 200);
  await flushed(eb, t.project.id, 510);
});

test("PATCH /v1/projects/{id} is the admin's and checks its fields", async () => {
  const t = await eventTenant(eb);
  const path = `/v1/projects/${t.project.id}`;
  assert.equal((await eb.api("PATCH", path, { auth: t.manage, body: { status: "inactive" } })).status, 403);
  const bad = await eb.api("PATCH", path, { auth: ADMIN_TOKEN, body: { event_rate_per_min: 0 } });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.field, "event_rate_per_min");
  assert.equal((await eb.api("PATCH", `/v1/projects/${randomUUID()}`, { auth: ADMIN_TOKEN, body: { status: "active" } })).status, 404);
  const project = await eb.api("GET", "/v1/project", { auth: t.manage });
  assert.deepEqual(
    [project.body.status, project.body.event_rate_per_min, project.body.monthly_event_quota, project.body.event_usage.events],
    ["active", 120_000, null, 0],
  );
});

test("?server_ts=1 stores every event at its arrival; client ts kept", async () => {
  const t = await eventTenant(eb);
  assert.equal((await ingest(eb, t.key, ingested(2, "seek", { ts: "2026-04-23T18:30:12Z" }), { query: "?server_ts=1" })).status, 200);
  await flushed(eb, t.project.id, 2);
  for (const e of await storedEvents(eb, t.project.id)) {
    assert.equal(e.ts, e.received_at);
    assert.equal(e.client_ts, Date.parse("2026-04-23T18:30:12Z"));
  }
});

test("503 with Retry-After while storage is unavailable, and nothing half-stored", async () => {
  const t = await eventTenant(eb);
  await eb.env.DB.exec("ALTER TABLE api_keys RENAME TO api_keys_offline");
  let res;
  try {
    res = await ingest(eb, t.key, ingested(3));
  } finally {
    await eb.env.DB.exec("ALTER TABLE api_keys_offline RENAME TO api_keys");
  }
  assert.equal(res.status, 503, res.text);
  assert.ok(Number(res.headers.get("retry-after")) >= 1);
  assert.doesNotMatch(res.text, /api_keys|SQLITE|D1/i, "no internals in the answer");
  assert.equal(await heldEvents(eb, t.project.id), 0);
  assert.equal((await ingest(eb, t.key, ingested(3))).status, 200, "the retry goes through");
  await flushed(eb, t.project.id, 3);
});

test("a body over 1 MiB is 413", async () => {
  const t = await eventTenant(eb);
  const res = await ingest(eb, t.key, "x".repeat(1024 * 1024 + 1));
  assert.equal(res.status, 413);
});

// The beacon.

async function beacon(path, init = {}) {
  const res = await eb.fetch(path, { method: "POST", ...init });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

test("the seed's sendBeacon call (a Blob of application/json) is stored, with CORS for any page", async () => {
  const t = await eventTenant(eb, "browser");
  const res = await beacon(`/v1/ingest/beacon?api_key=${t.key}`, {
    headers: { "content-type": "application/json", origin: "https://www.tapemetric-customer.example" },
    body: JSON.stringify({ events: [{ event_type: "page_unload", properties: { path: "/" } }] }),
  });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { accepted: 1, rejected: 0, queued: true });
  assert.equal(res.headers.get("access-control-allow-origin"), "https://www.tapemetric-customer.example");
  assert.equal(res.headers.get("access-control-allow-credentials"), "true");
  await flushed(eb, t.project.id, 1);
  assert.equal((await storedEvents(eb, t.project.id))[0].source, "beacon");
});

test("the beacon takes text/plain bodies and URL-encoded JSON in data", async () => {
  const t = await eventTenant(eb, "browser");
  const plain = await beacon(`/v1/ingest/beacon?api_key=${t.key}`, {
    headers: { "content-type": "text/plain;charset=UTF-8" },
    body: JSON.stringify(ingested(2, "scroll")),
  });
  assert.deepEqual(plain.body, { accepted: 2, rejected: 0, queued: true });
  const data = encodeURIComponent(JSON.stringify(ingested(1, "heartbeat")));
  const query = await beacon(`/v1/ingest/beacon?api_key=${t.key}&data=${data}`);
  assert.deepEqual(query.body, { accepted: 1, rejected: 0, queued: true });
  assert.equal(query.headers.get("access-control-allow-origin"), "*");
  await flushed(eb, t.project.id, 3);
});

test("the beacon always answers 200 with CORS, also on errors, and stores nothing then", async () => {
  const t = await eventTenant(eb, "browser");
  const origin = { origin: "https://page.example" };
  const cases = [
    [`/v1/ingest/beacon`, "{}", 401],
    [`/v1/ingest/beacon?api_key=ebk_nope`, JSON.stringify(ingested(1)), 401],
    [`/v1/ingest/beacon?api_key=${t.key}`, "{not json", 400],
    [`/v1/ingest/beacon?api_key=${t.key}`, JSON.stringify(ingested(501)), 400],
    [`/v1/ingest/beacon?api_key=${t.key}`, "x".repeat(64 * 1024 + 1), 413],
  ];
  for (const [path, body, status] of cases) {
    const res = await beacon(path, { headers: { "content-type": "text/plain", ...origin }, body });
    assert.equal(res.status, 200, path);
    assert.equal(res.body.queued, false);
    assert.equal(res.body.status, status, `${path}: ${JSON.stringify(res.body)}`);
    assert.equal(typeof res.body.error, "string");
    assert.equal(res.headers.get("access-control-allow-origin"), "https://page.example");
  }
  assert.equal(await heldEvents(eb, t.project.id), 0);
});

test("a manage or read key in the beacon's URL is refused (200, status 403) and stores nothing; an ingest key there stores", async () => {
  const t = await eventTenant(eb, "ingest");
  const read = await eb.createKey(t.project.id, "read");
  const send = (path, headers = {}) =>
    beacon(path, { headers: { "content-type": "text/plain", origin: "https://page.example", ...headers }, body: JSON.stringify(ingested(1)) });
  for (const key of [t.manage, read.key]) {
    const res = await send(`/v1/ingest/beacon?api_key=${key}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("access-control-allow-origin"), "https://page.example");
    assert.deepEqual([res.body.accepted, res.body.queued, res.body.status], [0, false, 403], JSON.stringify(res.body));
  }
  assert.match((await send(`/v1/ingest/beacon?api_key=${t.manage}`)).body.error, /may not be sent in a URL/);
  assert.equal(await heldEvents(eb, t.project.id), 0, "nothing stored for a manage key in the URL");
  assert.deepEqual((await send(`/v1/ingest/beacon?api_key=${t.key}`)).body, { accepted: 1, rejected: 0, queued: true });
  // The manage key in a header is not in the URL: the beacon takes it, as the ingest route does.
  assert.deepEqual((await send("/v1/ingest/beacon", { "x-api-key": t.manage })).body, { accepted: 1, rejected: 0, queued: true });
  await flushed(eb, t.project.id, 2);
});

test("preflight: OPTIONS on the beacon and the ingest route allow any page to POST with its headers", async () => {
  for (const path of ["/v1/ingest/beacon", "/v1/ingest/events"]) {
    const res = await eb.fetch(path, {
      method: "OPTIONS",
      headers: { origin: "https://page.example", "access-control-request-method": "POST", "access-control-request-headers": "content-type,x-api-key" },
    });
    assert.equal(res.status, 204, path);
    assert.equal(res.headers.get("access-control-allow-origin"), "https://page.example");
    assert.equal(res.headers.get("access-control-allow-credentials"), "true");
    assert.match(res.headers.get("access-control-allow-methods"), /POST/);
    assert.equal(res.headers.get("access-control-allow-headers"), "content-type,x-api-key");
  }
});

test("a browser key sends events and nothing else: no reads, no heartbeats, no management", async () => {
  const t = await eventTenant(eb, "browser");
  assert.equal((await ingest(eb, t.key, ingested(1))).status, 200);
  assert.equal((await eb.api("POST", "/api/v1/events", { auth: t.key, body: { events: [{ type: "event", name: "x" }] } })).status, 202);
  for (const [method, path, body] of [
    ["GET", "/v1/events"],
    ["GET", "/v1/heartbeats"],
    ["GET", "/v1/project"],
    ["POST", "/v1/heartbeat", { name: "x", interval: 60 }],
    ["POST", `/v1/projects/${t.project.id}/keys`, { scope: "manage" }],
    ["POST", "/v1/channels", { kind: "webhook", url: "https://example.com/hook" }],
  ]) {
    const res = await eb.api(method, path, { auth: t.key, body });
    assert.ok([403, 404].includes(res.status), `${method} ${path}: ${res.status}`);
  }
  const basic = Buffer.from(`user:${t.key}`).toString("base64");
  const system = await eb.api("POST", "/api/systems/heartbeat", { headers: { authorization: `Basic ${basic}` }, body: { system_id: randomUUID() } });
  assert.equal(system.status, 403, "no system heartbeats");
  const m = await eb.createMonitor(t.manage, { name: "x", interval: 60 });
  const revoke = await eb.api("DELETE", `/v1/keys/${t.keyId}`, { auth: t.key });
  assert.equal(revoke.status, 403);
  assert.ok(m.id);
});

test("a browser key limited to allowed origins is refused from any other page", async () => {
  const project = await eb.createProject("shop");
  const created = await eb.api("POST", `/v1/projects/${project.id}/keys`, {
    auth: ADMIN_TOKEN,
    body: { name: "web", scope: "browser", allowed_origins: ["https://Shop.example/", "http://localhost:3000"] },
  });
  assert.equal(created.status, 201, created.text);
  assert.deepEqual(created.body.allowed_origins, ["https://shop.example", "http://localhost:3000"]);
  const key = created.body.key;
  const from = (origin) => ingest(eb, key, ingested(1), { headers: origin ? { origin } : {} });
  assert.equal((await from("https://shop.example")).status, 200);
  assert.equal((await from("http://localhost:3000")).status, 200);
  const evil = await from("https://evil.example");
  assert.equal(evil.status, 403);
  assert.match(evil.body.error, /origin/);
  assert.equal((await from(undefined)).status, 403, "no Origin, no use");
  const viaBeacon = await beacon(`/v1/ingest/beacon?api_key=${key}`, { headers: { origin: "https://evil.example" }, body: JSON.stringify(ingested(1)) });
  assert.equal(viaBeacon.status, 200);
  assert.equal(viaBeacon.body.status, 403);
  await flushed(eb, project.id, 2);
});

test("allowed_origins is for browser keys only and must be origins", async () => {
  const project = await eb.createProject("keys");
  for (const body of [
    { scope: "ingest", allowed_origins: ["https://a.example"] },
    { scope: "browser", allowed_origins: ["https://a.example/path"] },
    { scope: "browser", allowed_origins: [] },
    { scope: "browser", allowed_origins: "https://a.example" },
  ]) {
    const res = await eb.api("POST", `/v1/projects/${project.id}/keys`, { auth: ADMIN_TOKEN, body });
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.body.field, "allowed_origins");
  }
});
