// Seed 003's events API against the real worker: every call of the seed's document, every
// status it names, the key's token bucket, dedup and the clock rules.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { ADMIN_TOKEN, startEdgebeat } from "./support/edgebeat.mjs";
import { eventTenant, flushed, heldEvents, postEvents, reported, storedEvents } from "./support/events.mjs";

let eb;
before(async () => {
  eb = await startEdgebeat({ vars: { EVENT_FLUSH_DELAY_MS: "50" } });
});
after(() => eb?.close());

const MAX_BODY = 512 * 1024;

test("the seed's request body: three events accepted with 202 and stored as sent", async () => {
  const t = await eventTenant(eb);
  const res = await postEvents(eb, t.key, {
    events: [
      { type: "event", name: "signup" },
      { type: "event", name: "payment", value: 29, meta: { plan: "pro" } },
      { type: "error", name: "webhook failed", message: "timeout after 3 retries" },
    ],
  });
  assert.equal(res.status, 202, res.text);
  assert.deepEqual(res.body, { accepted: 3 });
  await flushed(eb, t.project.id, 3);
  const stored = await storedEvents(eb, t.project.id);
  const byName = Object.fromEntries(stored.map((e) => [e.name, e]));
  assert.equal(byName.payment.value, 29);
  assert.deepEqual(JSON.parse(byName.payment.document).meta, { plan: "pro" });
  assert.equal(byName["webhook failed"].kind, "error");
  assert.equal(byName["webhook failed"].message, "timeout after 3 retries");
  assert.ok(stored.every((e) => e.source === "events" && e.client_ts === null && e.ts === e.received_at));
});

test("the seed's Python example (requests, json=) is accepted", async () => {
  const t = await eventTenant(eb);
  // requests.post(url, headers={"Authorization": f"Bearer {key}"}, json={...}, timeout=5)
  const res = await eb.fetch("/api/v1/events", {
    method: "POST",
    headers: { Authorization: `Bearer ${t.key}`, "Content-Type": "application/json", "User-Agent": "python-requests/2.32.3" },
    body: JSON.stringify({ events: [{ type: "event", name: "report-generated" }] }),
  });
  assert.equal(res.status, 202);
  assert.deepEqual(await res.json(), { accepted: 1 });
});

test("the seed's curl example (a nightly backup's last line) is accepted", async () => {
  const t = await eventTenant(eb);
  const res = await eb.fetch("/api/v1/events", {
    method: "POST",
    headers: { Authorization: `Bearer ${t.key}`, "Content-Type": "application/json", "User-Agent": "curl/8.5.0" },
    body: '{"events":[{"type":"event","name":"backup-completed"}]}',
  });
  assert.equal(res.status, 202);
  await flushed(eb, t.project.id, 1);
});

test("manage keys send events too; read keys get 403", async () => {
  const t = await eventTenant(eb, "read");
  assert.equal((await postEvents(eb, t.manage, reported(1))).status, 202);
  const res = await postEvents(eb, t.key, reported(1));
  assert.equal(res.status, 403);
  assert.equal(typeof res.body.error, "string");
});

test("a missing, malformed, unknown, wrong or admin credential is 401", async () => {
  const t = await eventTenant(eb);
  const wrongSecret = t.key.slice(0, -1) + (t.key.endsWith("A") ? "B" : "A");
  const unknownId = `ebk_${"Z".repeat(12)}_${"a".repeat(32)}`;
  for (const key of [undefined, "nope", unknownId, wrongSecret, ADMIN_TOKEN]) {
    const res = await postEvents(eb, key, reported(1));
    assert.equal(res.status, 401, `${key}: ${res.text}`);
    assert.equal(typeof res.body.error, "string");
  }
  assert.equal(await heldEvents(eb, t.project.id), 0);
});

test("a revoked key is refused on the very next request", async () => {
  const t = await eventTenant(eb);
  assert.equal((await postEvents(eb, t.key, reported(1))).status, 202);
  const revoked = await eb.api("DELETE", `/v1/keys/${t.keyId}`, { auth: t.manage });
  assert.equal(revoked.status, 200, revoked.text);
  const res = await postEvents(eb, t.key, reported(1));
  assert.equal(res.status, 401);
  await flushed(eb, t.project.id, 1);
});

test("400 names the first problem by event index and field, and nothing of the batch is stored", async () => {
  const t = await eventTenant(eb);
  const ok = { type: "event", name: "signup" };
  const cases = [
    ["{\"events\": [", "body"],
    [{ events: [] }, "events"],
    [{}, "events"],
    [reported(101), "events"],
    [{ events: [ok, { type: "warning", name: "x" }] }, "events[1].type"],
    [{ events: [ok, { name: "x" }] }, "events[1].type"],
    [{ events: [ok, ok, { type: "event" }] }, "events[2].name"],
    [{ events: [{ type: "event", name: "n".repeat(201) }] }, "events[0].name"],
    [{ events: [{ type: "event", name: "" }] }, "events[0].name"],
    [{ events: [ok, { type: "error", name: "e", message: "m".repeat(2001) }] }, "events[1].message"],
    [{ events: [{ type: "event", name: "v", value: "29" }] }, "events[0].value"],
    [{ events: [{ type: "event", name: "m", meta: { pad: "x".repeat(4_096) } }] }, "events[0].meta"],
    [{ events: [{ type: "event", name: "m", meta: [1] }] }, "events[0].meta"],
    [{ events: [{ type: "event", name: "t", ts: "2026-07-02T10:00:00" }] }, "events[0].ts"],
    [{ events: [{ type: "event", name: "t", event_id: "42" }] }, "events[0].event_id"],
  ];
  for (const [body, field] of cases) {
    const res = await postEvents(eb, t.key, body);
    assert.equal(res.status, 400, `${field}: ${res.text}`);
    assert.ok(res.body.error.startsWith(`${field}:`), `${field}: ${res.body.error}`);
  }
  assert.equal(await heldEvents(eb, t.project.id), 0);
});

test("the limits hold at their edges: 100 events, 200-character names, 2,000-character messages, 4 KB meta", async () => {
  const t = await eventTenant(eb);
  const meta = { pad: "x".repeat(4_096 - '{"pad":""}'.length) };
  const res = await postEvents(eb, t.key, {
    events: [
      { type: "event", name: "n".repeat(200), meta },
      { type: "error", name: "e", message: "m".repeat(2_000) },
      ...Array.from({ length: 98 }, () => ({ type: "event", name: "fill" })),
    ],
  });
  assert.equal(res.status, 202, res.text);
  assert.deepEqual(res.body, { accepted: 100 });
});

/** A valid batch padded with whitespace to exactly `bytes`. */
function bodyOf(bytes) {
  const json = JSON.stringify(reported(1, "big"));
  return json + " ".repeat(bytes - json.length);
}

test("a body of exactly 512 KB is read; one byte more is 413 before parsing", async () => {
  const t = await eventTenant(eb);
  assert.equal((await postEvents(eb, t.key, bodyOf(MAX_BODY))).status, 202);
  const over = await postEvents(eb, t.key, bodyOf(MAX_BODY + 1));
  assert.equal(over.status, 413);
  assert.equal(typeof over.body.error, "string");
  // Not even looked at: invalid JSON of that size is 413, not 400.
  assert.equal((await postEvents(eb, t.key, "x".repeat(MAX_BODY + 1))).status, 413);
  await flushed(eb, t.project.id, 1);
});

test("the key's bucket: a burst of 120, then 429 with Retry-After; a 429'd batch stores and consumes nothing", async () => {
  const t = await eventTenant(eb);
  assert.equal((await postEvents(eb, t.key, reported(100))).status, 202);
  const limited = await postEvents(eb, t.key, reported(21));
  assert.equal(limited.status, 429, limited.text);
  const retryAfter = Number(limited.headers.get("retry-after"));
  assert.ok(retryAfter >= 1 && retryAfter <= 2, `Retry-After ${retryAfter}`);
  assert.equal(await heldEvents(eb, t.project.id), 100, "nothing of the 429'd batch is held");
  // The refused 21 took nothing: the 20 left are all there.
  assert.equal((await postEvents(eb, t.key, reported(20))).status, 202);
  assert.equal((await postEvents(eb, t.key, reported(1))).status, 429);
  await flushed(eb, t.project.id, 120);
});

test("the bucket is exact under concurrency: 30 batches of 10 at once, exactly 12 accepted", async () => {
  const t = await eventTenant(eb);
  const answers = await Promise.all(Array.from({ length: 30 }, () => postEvents(eb, t.key, reported(10))));
  const statuses = answers.map((r) => r.status);
  assert.equal(statuses.filter((s) => s === 202).length, 12, JSON.stringify(statuses));
  assert.equal(statuses.filter((s) => s === 429).length, 18);
  await flushed(eb, t.project.id, 120);
});

test("each key has its own bucket", async () => {
  const t = await eventTenant(eb);
  const other = await eb.createKey(t.project.id, "ingest");
  assert.equal((await postEvents(eb, t.key, reported(100))).status, 202);
  assert.equal((await postEvents(eb, t.key, reported(100))).status, 429);
  assert.equal((await postEvents(eb, other.key, reported(100))).status, 202);
});

test("an event_id seen within 24 hours is accepted again and stored once", async () => {
  const t = await eventTenant(eb);
  const event = { type: "event", name: "payment", value: 5, event_id: "a1b2c3d4-e5f6-7890-a1b2-c3d4e5f67890" };
  assert.deepEqual((await postEvents(eb, t.key, { events: [event] })).body, { accepted: 1 });
  assert.deepEqual((await postEvents(eb, t.key, { events: [event, event] })).body, { accepted: 2 });
  await flushed(eb, t.project.id, 1);
  const [rollup] = await eb.rows("SELECT count, sum FROM event_rollups WHERE project_id = ? AND bucket = 'hour'", t.project.id);
  assert.deepEqual(rollup, { count: 1, sum: 5 });
});

test("the same batch retried concurrently: every answer counts it, it is stored once", async () => {
  const t = await eventTenant(eb);
  const ids = Array.from({ length: 5 }, () => crypto.randomUUID());
  const batch = { events: ids.map((event_id) => ({ type: "event", name: "order", event_id })) };
  const answers = await Promise.all(Array.from({ length: 10 }, () => postEvents(eb, t.key, batch)));
  assert.deepEqual(answers.map((r) => r.status), Array(10).fill(202));
  assert.ok(answers.every((r) => r.body.accepted === 5));
  await flushed(eb, t.project.id, 5);
  assert.deepEqual((await storedEvents(eb, t.project.id)).map((e) => e.event_id).sort(), [...ids].sort());
});

test("ts keeps its offset; a skewed client clock is corrected by sent_at; the client's value is kept", async () => {
  const t = await eventTenant(eb);
  const now = Date.now();
  const iso = (ms) => new Date(ms).toISOString();
  const res = await postEvents(eb, t.key, {
    sent_at: iso(now - 300_000), // the client's clock is 5 minutes behind
    events: [{ type: "event", name: "skewed", ts: iso(now - 360_000) }],
  });
  assert.equal(res.status, 202);
  await postEvents(eb, t.key, { events: [{ type: "event", name: "offset", ts: "2026-07-02T12:00:00+02:00" }] });
  await postEvents(eb, t.key, { events: [{ type: "event", name: "future", ts: iso(now + 3_600_000) }] });
  await postEvents(eb, t.key, { events: [{ type: "event", name: "server", ts: "2020-01-01T00:00:00Z" }] }, { query: "?server_ts=1" });
  await flushed(eb, t.project.id, 4);
  const byName = Object.fromEntries((await storedEvents(eb, t.project.id)).map((e) => [e.name, e]));
  const skewed = byName.skewed;
  assert.equal(skewed.client_ts, now - 360_000);
  assert.ok(Math.abs(skewed.ts - (skewed.received_at - 60_000)) <= 5, "shifted by the 5-minute skew");
  assert.equal(byName.offset.ts, Date.parse("2026-07-02T10:00:00Z"));
  assert.equal(byName.future.ts, byName.future.received_at, "a ts over 30 s ahead is the arrival");
  assert.equal(byName.future.client_ts, now + 3_600_000);
  assert.equal(byName.server.ts, byName.server.received_at);
  assert.equal(byName.server.client_ts, Date.parse("2020-01-01T00:00:00Z"));
});
