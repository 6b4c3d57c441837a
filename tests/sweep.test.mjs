// The status machine driven by real scheduled events: time moves by the event's scheduled
// time and by timestamps the test controls, never by sleeping.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEdgebeat, eventually } from "./support/edgebeat.mjs";

let eb;
let tenant;
before(async () => {
  eb = await startEdgebeat();
  tenant = await eb.tenant();
});
after(() => eb?.close());

const MIN = 60_000;
const sweep = (at) => eb.sweep(at);
const flips = async (id) => (await eb.api("GET", `/v1/heartbeat/${id}/flips`, { auth: tenant.key })).body.items;
const status = async (id) => (await eb.monitor(tenant.key, id)).status;

const pingedMonitor = (body) => eb.pingedMonitor(tenant.key, body);

test("up -> grace -> down -> up, with exactly the two flips", async () => {
  const m = await pingedMonitor({ name: "classic", interval: 3600, grace: 600 });
  assert.equal(m.status, "up");
  const due = Date.parse(m.next_due_at);
  assert.equal(due - Date.parse(m.last_ping_at), 3_600_000);

  await sweep(due - 30 * MIN);
  assert.equal(await status(m.id), "up");
  await sweep(due + MIN);
  assert.equal(await status(m.id), "grace");
  assert.deepEqual(await flips(m.id), [], "grace is not a flip");
  await sweep(due + 11 * MIN);
  assert.equal(await status(m.id), "down");
  const [down] = await flips(m.id);
  assert.deepEqual([down.from, down.to, down.at], ["grace", "down", new Date(due + 10 * MIN).toISOString()]);

  assert.equal((await eb.api("GET", `/v1/heartbeat/${m.token}?result=success`)).status, 200);
  await eventually(async () => (await status(m.id)) === "up", { what: "up at ping time, without a sweep" });
  // The recovery ping carries the real clock, which this test left behind when it moved the
  // sweeps forward; so compare the flips as a set.
  const all = await flips(m.id);
  assert.deepEqual(all.map((f) => `${f.from}->${f.to}`).sort(), ["down->up", "grace->down"]);
});

test("a start with no end within grace goes down", async () => {
  const m = await eb.createMonitor(tenant.key, { name: "hung job", interval: 86400, grace: 300 });
  assert.equal((await eb.fetch(`/ping/${m.token}/start`)).status, 200);
  const started = await eventually(async () => {
    const mon = await eb.monitor(tenant.key, m.id);
    return mon.status === "started" && mon;
  });
  const startAt = Date.parse(started.last_ping_at);
  await sweep(startAt + 4 * MIN);
  assert.equal(await status(m.id), "started");
  await sweep(startAt + 6 * MIN);
  assert.equal(await status(m.id), "down");
  const [flip] = await flips(m.id);
  assert.equal(flip.from, "started");
  assert.equal(flip.at, new Date(startAt + 5 * MIN).toISOString());
  assert.match(flip.reason, /did not end/);
});

test("a fail ping is down at once, and the next success is up", async () => {
  const m = await pingedMonitor({ name: "failing", interval: 3600 });
  await eb.fetch(`/ping/${m.token}/fail`);
  await eventually(async () => (await status(m.id)) === "down", { what: "down without a sweep" });
  await eb.fetch(`/ping/${m.token}/0`);
  await eventually(async () => (await status(m.id)) === "up");
  const all = await flips(m.id);
  assert.deepEqual(all.map((f) => [f.from, f.to]), [["up", "down"], ["down", "up"]]);
  assert.match(all[0].reason, /failure/);
});

test("paused monitors never go down, and resume waits for the next ping", async () => {
  const m = await pingedMonitor({ name: "paused", interval: 3600, grace: 0 });
  await eb.api("POST", `/v1/heartbeat/${m.id}/pause`, { auth: tenant.key });
  await sweep(Date.parse(m.next_due_at) + 100 * MIN);
  assert.equal(await status(m.id), "paused");
  assert.deepEqual(await flips(m.id), []);
  const resumed = await eb.api("POST", `/v1/heartbeat/${m.id}/resume`, { auth: tenant.key });
  assert.equal(resumed.body.status, "new");
  await sweep(Date.parse(m.next_due_at) + 200 * MIN);
  assert.equal(await status(m.id), "new");
  assert.deepEqual(await flips(m.id), []);
});

test("a monitor never pinged stays new and never alerts", async () => {
  const m = await eb.createMonitor(tenant.key, { name: "never", interval: 60, grace: 0 });
  await sweep(Date.now() + 1_000 * MIN);
  assert.equal(await status(m.id), "new");
  assert.deepEqual(await flips(m.id), []);
});

test("a repeated, a concurrent and a late sweep record the flip once, at the deadline", async () => {
  const m = await pingedMonitor({ name: "raced", interval: 600, grace: 60 });
  const deadline = Date.parse(m.next_due_at) + MIN;
  await Promise.all([sweep(deadline + MIN), sweep(deadline + MIN), sweep(deadline + 2 * MIN)]);
  await sweep(deadline + MIN);
  await sweep(deadline + 600 * MIN); // hours late
  const all = await flips(m.id);
  assert.equal(all.length, 1);
  assert.equal(all[0].at, new Date(deadline).toISOString());
  const [run] = await eb.rows("SELECT flips FROM sweep_runs WHERE scheduled_at = ?", deadline + 600 * MIN);
  assert.equal(run.flips, 0);
});

test("a cron monitor in Europe/Berlin is due at 09:00 local across the spring DST change", async () => {
  const m = await eb.createMonitor(tenant.key, { name: "berlin", schedule: "0 9 * * *", tz: "Europe/Berlin", grace: 300 });
  // Its last ping: Saturday 2026-03-28 09:00 CET (08:00Z); clocks go forward that night.
  const lastPing = Date.parse("2026-03-28T08:00:00Z");
  await eb.env.DB.prepare(
    "UPDATE monitors SET status = 'up', last_ping_at = ?2, last_signal_at = ?2, next_due_at = ?2 WHERE id = ?1",
  ).bind(m.id, lastPing).run();
  const updated = await eb.api("PUT", `/v1/heartbeat/${m.id}`, { auth: tenant.key, body: { grace: 300 } });
  // Sunday 09:00 CEST is 07:00Z, not 08:00Z.
  assert.equal(updated.body.next_due_at, "2026-03-29T07:00:00.000Z");
  await sweep(Date.parse("2026-03-29T07:04:00Z"));
  assert.equal(await status(m.id), "grace");
  await sweep(Date.parse("2026-03-29T07:06:00Z"));
  assert.equal(await status(m.id), "down");
  const [flip] = await flips(m.id);
  assert.equal(flip.at, "2026-03-29T07:05:00.000Z");
});

test("flips of another project's monitor are a 404", async () => {
  const m = await eb.createMonitor(tenant.key);
  const other = await eb.tenant("other");
  assert.equal((await eb.api("GET", `/v1/heartbeat/${m.id}/flips`, { auth: other.key })).status, 404);
});

test("the statistic agrees with the flips: the down flip is the first missed expected check-in", async () => {
  // History placed in the past (timestamps the test controls), swept at the real time, so the
  // statistic (which judges deadlines against the real clock) sees the same past.
  const m = await eb.createMonitor(tenant.key, { name: "agree", interval: 600, grace: 60 });
  const lastPing = Date.now() - 25 * MIN;
  await eb.env.DB.prepare(
    "INSERT INTO pings (id, monitor_id, received_at, kind, source, method) VALUES (?, ?, ?, 'success', 'ping', 'GET')",
  ).bind(crypto.randomUUID(), m.id, lastPing).run();
  await eb.env.DB.prepare(
    "UPDATE monitors SET status = 'up', created_at = ?2 - 60000, last_ping_at = ?2, last_signal_at = ?2, next_due_at = ?2 + 600000, check_at = ?2 + 600001 WHERE id = ?1",
  ).bind(m.id, lastPing).run();
  await sweep(Date.now());
  const [flip, ...more] = await flips(m.id);
  assert.equal(more.length, 0);
  assert.equal(flip.at, new Date(lastPing + 11 * MIN).toISOString(), "down at the first deadline missed");
  const q = new URLSearchParams({ interval: "5m", start_date: new Date(lastPing).toISOString(), end_date: new Date(lastPing + 25 * MIN).toISOString() });
  const stats = await eb.api("GET", `/v1/heartbeat/${m.id}/statistic?${q}`, { auth: tenant.key });
  const rows = stats.body.items.map((b) => [b.tick_count, b.fail_count, b.complete_count, b.run_count]);
  // Expected at +10 and +20 min, both missed (their deadlines, +11 and +21, have passed).
  assert.deepEqual(rows, [[0, 0, 0, 1], [0, 0, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0], [1, 1, 0, 0]]);
});
