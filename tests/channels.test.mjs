// Alert delivery for every channel kind alike: per-channel switches, a permanent refusal
// that marks a channel failing (a good test clears it), a service's Retry-After that holds
// the channel, the monitors a channel serves, and a burst larger than one run delivered over
// the next runs exactly once each.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEdgebeat } from "./support/edgebeat.mjs";
import { startReceiver } from "./support/receiver.mjs";

const MIN = 60_000;
const HOUR = 60 * MIN;
let eb;
let receiver;
before(async () => {
  eb = await startEdgebeat();
  receiver = await startReceiver();
});
after(async () => {
  await eb?.close();
  await receiver?.close();
});

async function channel(key, path, extra = {}) {
  const res = await eb.api("POST", "/v1/channels", { auth: key, body: { kind: "webhook", url: receiver.url(path), name: path, ...extra } });
  assert.equal(res.status, 201, res.text);
  return res.body;
}

/** A project whose monitor is up, with the deadline after which a sweep calls it down. */
async function watched(name, channels) {
  const t = await eb.tenant(name);
  const chs = [];
  for (const [path, extra] of channels) chs.push(await channel(t.key, path, extra));
  const m = await eb.pingedMonitor(t.key, { name: `watched ${name}`, interval: 3600, grace: 600 });
  return { t, chs, m, deadline: Date.parse(m.next_due_at) + 10 * MIN };
}

const listed = async (key, id) => (await eb.api("GET", "/v1/channels", { auth: key })).body.items.find((c) => c.id === id);
const deliveries = async (key, id) => (await eb.api("GET", `/v1/channels/${id}/deliveries`, { auth: key })).body.items;

test("notify_down and notify_up switch each event off per channel", async () => {
  const { t, m, deadline } = await watched("switches", [["/sw-down-only", { notify_up: false }], ["/sw-up-only", { notify_down: false }]]);
  await eb.sweep(deadline + MIN);
  await eb.api("GET", `/v1/heartbeat/${m.token}`);
  await eb.storedPingsEventually(m.id, 2);
  await eb.sweep(Date.now() + 1_000);
  const events = (path) => (receiver.received[path] ?? []).map((r) => JSON.parse(r.body).event);
  assert.deepEqual(events("/sw-down-only"), ["down"]);
  assert.deepEqual(events("/sw-up-only"), ["up"]);
  const bad = await eb.api("POST", "/v1/channels", { auth: t.key, body: { kind: "webhook", url: receiver.url("/x"), notify_down: "yes" } });
  assert.deepEqual([bad.status, bad.body.field], [400, "notify_down"]);
});

test("a permanent refusal fails the delivery at once and marks the channel failing; a good test clears it", async () => {
  const { t, chs: [ch], deadline } = await watched("permanent", [["/revoked", {}]]);
  receiver.plan["/revoked"] = [401];
  await eb.sweep(deadline + MIN);
  const [d] = await deliveries(t.key, ch.id);
  assert.deepEqual([d.event, d.status, d.attempts, d.last_status], ["down", "failed", 1, 401], "no retry after a 401");
  const failing = await listed(t.key, ch.id);
  assert.equal(failing.status, "failing");
  assert.match(failing.failing_reason, /401/);
  assert.ok(failing.failing_since);
  // Later sweeps send nothing more for it.
  await eb.sweep(deadline + 3 * HOUR);
  assert.equal(receiver.received["/revoked"].length, 1);
  // The user fixes the receiver and tests the channel: it is ok again.
  const res = await eb.api("POST", `/v1/channels/${ch.id}/test`, { auth: t.key });
  assert.deepEqual([res.body.delivery.status, res.body.channel_status, res.body.failing_reason], ["delivered", "ok", null]);
  const cleared = await listed(t.key, ch.id);
  assert.deepEqual([cleared.status, cleared.failing_reason, cleared.failing_since], ["ok", null, null]);
});

test("a failed test leaves the channel failing with the service's reason", async () => {
  const t = await eb.tenant("test-refused");
  const ch = await channel(t.key, "/test-refused");
  receiver.plan["/test-refused"] = [403];
  const res = await eb.api("POST", `/v1/channels/${ch.id}/test`, { auth: t.key });
  assert.deepEqual([res.body.delivery.status, res.body.channel_status], ["failed", "failing"]);
  assert.match(res.body.failing_reason, /403/);
});

test("a 429 with Retry-After holds the channel until then, and the delivery goes once the wait is over", async () => {
  const { t, chs: [ch], deadline } = await watched("retry-after", [["/busy", {}]]);
  receiver.plan["/busy"] = [{ status: 429, headers: { "retry-after": "600" } }];
  const at = deadline + MIN;
  await eb.sweep(at);
  let [d] = await deliveries(t.key, ch.id);
  assert.deepEqual([d.status, d.attempts, d.last_status], ["pending", 1, 429]);
  assert.equal(Date.parse(d.next_attempt_at), at + 600_000, "not before the service's wait, though the backoff says 30 s");
  // A test queued meanwhile waits too? No: a test is sent at once, but the sweep holds the rest.
  await eb.sweep(at + 5 * MIN);
  assert.equal(receiver.received["/busy"].length, 1, "nothing sent while the service asked to wait");
  await eb.sweep(at + 11 * MIN);
  assert.equal(receiver.received["/busy"].length, 2);
  [d] = await deliveries(t.key, ch.id);
  assert.deepEqual([d.status, d.attempts], ["delivered", 2]);
  assert.equal((await listed(t.key, ch.id)).status, "ok", "a 429 is not a failing channel");
});

test("the channel list names the monitors that use each channel", async () => {
  const t = await eb.tenant("users");
  const all = await channel(t.key, "/users-all");
  const picked = await channel(t.key, "/users-picked");
  await eb.createMonitor(t.key, { name: "b every channel", interval: 3600 });
  const only = await eb.createMonitor(t.key, { name: "a picked only", interval: 3600, channels: [picked.id] });
  const items = (await eb.api("GET", "/v1/channels", { auth: t.key })).body.items;
  const of = (id) => items.find((c) => c.id === id).monitors;
  const [{ unique_key }] = await eb.rows("SELECT unique_key FROM monitors WHERE project_id = ? AND name = 'b every channel'", t.project.id);
  assert.deepEqual(of(all.id), { count: 1, sample: [{ unique_key, name: "b every channel" }] });
  assert.deepEqual(of(picked.id).sample.map((m) => m.name), ["a picked only", "b every channel"]);
  assert.equal(of(picked.id).count, 2);
  assert.ok(only.id);
});

test("a burst of 2,000 flips to 2 channels each arrives exactly once, over a bounded number of runs", async () => {
  const t = await eb.tenant("burst");
  const chs = [await channel(t.key, "/burst-a"), await channel(t.key, "/burst-b")];
  const N = 2_000;
  for (let i = 0; i < N; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, N - i) }, (_, j) => eb.createMonitor(t.key, { name: `burst ${i + j}`, interval: 3600, grace: 600 })));
  }
  // Every monitor up, its deadline an hour ago: one sweep calls all of them down at once.
  const now = Date.now();
  await eb.env.DB.prepare(
    "UPDATE monitors SET status = 'up', last_signal_at = ?2, next_due_at = ?3, check_at = ?4, state_version = state_version + 1 WHERE project_id = ?1",
  ).bind(t.project.id, now - 3 * HOUR, now - 2 * HOUR, now - HOUR).run();
  const started = Date.now();
  let runs = 0;
  const total = () => (receiver.received["/burst-a"]?.length ?? 0) + (receiver.received["/burst-b"]?.length ?? 0);
  while (total() < 2 * N && runs < 40) {
    await eb.sweep(now + runs * MIN);
    runs += 1;
  }
  const took = Date.now() - started;
  for (const path of ["/burst-a", "/burst-b"]) {
    const ids = receiver.received[path].map((r) => r.headers["x-edgebeat-delivery"]);
    assert.equal(ids.length, N, `${path}: every flip told`);
    assert.equal(new Set(ids).size, N, `${path}: none twice`);
  }
  // 4,000 deliveries at DELIVERIES_PER_RUN's default of 200: 20 runs (the first also flips).
  assert.ok(runs <= 21, `${runs} runs`);
  await eb.sweep(now + (runs + 5) * MIN);
  assert.equal(total(), 2 * N, "nothing more after the backlog is done");
  const [{ pending }] = await eb.rows(
    "SELECT COUNT(*) AS pending FROM deliveries WHERE status <> 'delivered' AND channel_id IN (?1, ?2)",
    chs[0].id,
    chs[1].id,
  );
  assert.equal(pending, 0);
  console.log(`[burst] ${2 * N} deliveries over ${runs} cron runs in ${took} ms`);
});

test("a webhook's own method, headers and templates: the request as configured, header values never shown again", async () => {
  const t = await eb.tenant("templated");
  const res = await eb.api("POST", "/v1/channels", {
    auth: t.key,
    body: {
      kind: "webhook",
      name: "templated",
      url: receiver.url("/templated"),
      method: "PUT",
      headers: { Authorization: "Bearer chat-token-0123456789" },
      body_up: '{"text": "$NAME is $STATUS", "raw": $JSON}',
    },
  });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.body.config.headers.Authorization, "Bearer chat-token-0123456789", "shown in full once");
  const listed = await eb.api("GET", "/v1/channels", { auth: t.key });
  assert.ok(!listed.text.includes("chat-token-0123456789"), "never again");
  assert.equal(listed.body.items[0].config.headers.Authorization, "…6789");
  const test = await eb.api("POST", `/v1/channels/${res.body.id}/test`, { auth: t.key });
  assert.equal(test.body.delivery.status, "delivered");
  const [got] = receiver.received["/templated"];
  assert.equal(got.method, "PUT");
  assert.equal(got.headers.authorization, "Bearer chat-token-0123456789");
  assert.equal(got.headers["content-type"], "application/json");
  const body = JSON.parse(got.body);
  assert.equal(body.text, "templated is test");
  assert.equal(body.raw.event, "test");
  assert.ok(got.headers["x-edgebeat-signature"], "signed as every webhook");
});
