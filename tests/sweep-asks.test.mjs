// Which token objects the sweep asks before it counts a failure (docs/alerting.md, "What the
// sweep asks"): a ping acknowledged by the deadline may still be on its way to D1 only while
// the deadline is young (two standing flush windows and a delay: 25 s by default) or while the
// token's object has told its deadline shard that a flush failed (a hold). Older deadlines are
// judged from D1 alone, which keeps a sweep of many due monitors from calling each one's object.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEdgebeat, eventually } from "./support/edgebeat.mjs";

let eb;
let tenant;
before(async () => {
  eb = await startEdgebeat({ vars: { EDGEBEAT_METER: "1" } });
  tenant = await eb.tenant();
});
after(() => eb?.close());

const meter = async () => (await eb.fetch("/__meter")).json();
/** Requests to token objects (and project objects, none here) between two readings. */
const objectCalls = (after, before) => after.do_requests - after.shard_requests - (before.do_requests - before.shard_requests);

/** A monitor with one ping in D1, whose deadline D1 says passed `ago` ms ago. */
async function dueMonitor(name, ago) {
  const m = await eb.createMonitor(tenant.key, { name, interval: 60, grace: 0 });
  assert.equal((await eb.fetch(`/ping/${m.token}`)).status, 200);
  await eb.storedPingsEventually(m.id, 1);
  const due = Date.now() - ago;
  await eb.env.DB.prepare(
    "UPDATE monitors SET status = 'up', next_due_at = ?2, last_signal_at = ?2 - 60000, check_at = ?2 + 1 WHERE id = ?1",
  ).bind(m.id, due).run();
  return m;
}

async function heldTokens() {
  const ns = eb.env.DEADLINE_SHARD;
  let held = 0;
  for (const { shard } of await eb.rows("SELECT shard FROM deadline_shards")) {
    held += (await (await ns.get(ns.idFromName(`shard-${shard}`)).fetch("https://deadline-shard/state")).json()).held;
  }
  return held;
}

test("a deadline older than the flush windows is judged from D1 without calling the token's object", async () => {
  const m = await dueMonitor("old deadline", 10 * 60_000);
  const start = await meter();
  await eb.sweep(Date.now());
  assert.equal(objectCalls(await meter(), start), 0, "no token object asked");
  assert.equal((await eb.monitor(tenant.key, m.id)).status, "down");
});

test("a deadline younger than the flush windows has its token's object asked first", async () => {
  const m = await dueMonitor("young deadline", 5_000);
  const start = await meter();
  await eb.sweep(Date.now());
  assert.ok(objectCalls(await meter(), start) >= 1, "the token object asked");
  // Nothing was held: the down stands, at the deadline.
  assert.equal((await eb.monitor(tenant.key, m.id)).status, "down");
});

test("a failed flush holds its token at its shard: the sweep defers however old the deadline, and the hold ends with the next flush", async () => {
  const m = await eb.createMonitor(tenant.key, { name: "held", interval: 60, grace: 0 });
  // Warm the token (its object resolves the token while D1 still works), then break flushes.
  assert.equal((await eb.fetch(`/ping/${m.token}`)).status, 200);
  await eb.storedPingsEventually(m.id, 1);
  const heldBefore = await heldTokens();
  await eb.refuseFlushes();
  let pingedAt;
  try {
    assert.equal((await eb.fetch(`/ping/${m.token}`)).status, 200);
    pingedAt = Date.now();
    await eventually(async () => (await heldTokens()) === heldBefore + 1, { what: "the hold told to the shard" });
    // As far as D1 knows the monitor was due 30 s after the ping: the ping was in time.
    await eb.env.DB.prepare(
      "UPDATE monitors SET status = 'up', next_due_at = ?2 + 30000, last_signal_at = ?2 - 30000, check_at = ?2 + 30001 WHERE id = ?1",
    ).bind(m.id, pingedAt).run();
    // Ten minutes later the ping is still held: the sweep asks the object and waits.
    await eb.sweep(pingedAt + 600_000);
    assert.equal((await eb.monitor(tenant.key, m.id)).status, "up", "deferred, not down");
    const [run] = await eb.rows("SELECT deferred, flips FROM sweep_runs ORDER BY scheduled_at DESC LIMIT 1");
    assert.deepEqual([run.deferred, run.flips], [1, 0]);
  } finally {
    await eb.acceptFlushes();
  }
  await eb.storedPingsEventually(m.id, 2, { timeoutMs: 30_000, what: "the retried flush" });
  await eventually(async () => (await heldTokens()) === heldBefore, { what: "the hold released" });
  const flips = (await eb.api("GET", `/v1/heartbeat/${m.id}/flips`, { auth: tenant.key })).body.items;
  assert.deepEqual(flips, [], "an in-time ping never makes a down");
});
