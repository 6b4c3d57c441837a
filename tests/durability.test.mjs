// No acknowledged ping is lost: not when the token's Durable Object restarts before its
// flush, not while D1 refuses writes. The flush delay is stretched so the pings are
// provably still pending when the fault is injected.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEdgebeat, eventually } from "./support/edgebeat.mjs";

let eb;
let tenant;
before(async () => {
  eb = await startEdgebeat({ vars: { PING_FLUSH_DELAY_MS: "1500" } });
  tenant = await eb.tenant();
});
after(() => eb?.close());

test("pings acknowledged before a Durable Object restart are flushed after it", async () => {
  const m = await eb.createMonitor(tenant.key, { name: "restart", interval: 60 });
  const answers = await Promise.all(Array.from({ length: 20 }, () => eb.beacon(m.token)));
  assert.ok(answers.every((r) => r.status === 200));
  assert.equal(await eb.pendingPings(m.token), 20, "still pending in the object, not yet in D1");
  assert.equal((await eb.rows("SELECT n_pings FROM monitors WHERE id = ?", m.id))[0].n_pings, 0, "none applied yet");

  await eb.worker.evictDurableObject("PING_TOKEN", { name: m.token });

  await eb.storedPingsEventually(m.id, 20, { what: "20 pings after restart" });
  assert.equal((await eb.monitor(tenant.key, m.id)).n_pings, 20);
  // The restarted object kept its window: 40 more fit, the 41st does not.
  const more = await Promise.all(Array.from({ length: 41 }, () => eb.beacon(m.token)));
  assert.equal(more.filter((r) => r.status === 200).length, 40);
  assert.equal(more.filter((r) => r.status === 429).length, 1);
});

test("while D1 refuses the flush, pings stay pending and are stored once it recovers", async () => {
  const m = await eb.createMonitor(tenant.key, { name: "d1 outage", interval: 60 });
  // Warm the token (its object resolves the token while D1 still works), then break writes.
  assert.equal((await eb.beacon(m.token)).status, 200);
  await eb.storedPingsEventually(m.id, 1);
  await eb.refuseFlushes();
  try {
    const answers = await Promise.all(Array.from({ length: 10 }, () => eb.beacon(m.token, { method: "POST", body: '{"value": 5}' })));
    assert.ok(answers.every((r) => r.status === 200), "acknowledged while D1 is failing");
    // Let at least one flush attempt fail.
    await eventually(async () => eb.server.getLogs().some((l) => /flush to D1 failed/.test(l.message)), {
      what: "a failed flush attempt",
    });
    assert.equal(await eb.pendingPings(m.token), 10);
  } finally {
    await eb.acceptFlushes();
  }
  await eb.storedPingsEventually(m.id, 11, { timeoutMs: 20_000, what: "retried flush" });
  const mon = await eb.monitor(tenant.key, m.id);
  assert.equal(mon.n_pings, 11, "counted once each, despite the retries");
  assert.equal(mon.last_value, 5);
});

test("the sweep never calls a monitor down while its in-time ping is still on the way to D1", async () => {
  const m = await eb.createMonitor(tenant.key, { name: "in flight", interval: 60, grace: 0 });
  // Due 5 s ago as far as D1 knows: younger than the flush windows, so a ping acknowledged
  // now may still be on its way (tests/sweep-asks.test.mjs has the older deadlines).
  const past = Date.now() - 5_000;
  await eb.env.DB.prepare(
    "UPDATE monitors SET status = 'up', next_due_at = ?2, last_signal_at = ?2, check_at = ?2 + 1 WHERE id = ?1",
  ).bind(m.id, past).run();
  assert.equal((await eb.beacon(m.token)).status, 200); // accepted, held 1.5 s before the flush
  assert.equal(await eb.pendingPings(m.token), 1);
  const result = await eb.worker.scheduled({ cron: "* * * * *", scheduledTime: new Date() });
  assert.equal(result.outcome, "ok");
  assert.equal((await eb.monitor(tenant.key, m.id)).status, "up", "deferred, not down");
  const [run] = await eb.rows("SELECT deferred FROM sweep_runs ORDER BY scheduled_at DESC LIMIT 1");
  assert.equal(run.deferred, 1);
  await eventually(async () => (await eb.pendingPings(m.token)) === 0);
  const flips = (await eb.api("GET", `/v1/heartbeat/${m.id}/flips`, { auth: tenant.key })).body.items;
  assert.equal(flips.length, 2, "the flush records the down it ends and the recovery");
});
