// Bounded ping history: the Cron Trigger keeps the last PING_LOG_LIMIT pings per monitor and
// none older than PING_RETENTION_DAYS, rolls what it prunes into hourly figures that the
// statistic keeps answering from, and never touches flips.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEdgebeat, eventually } from "./support/edgebeat.mjs";

const LIMIT = 5;
const DAY = 86_400_000;
let eb;
let tenant;
before(async () => {
  eb = await startEdgebeat({ vars: { PING_LOG_LIMIT: String(LIMIT), PING_RETENTION_DAYS: "30" } });
  tenant = await eb.tenant();
});
after(() => eb?.close());

const monitorRow = async (id) => (await eb.rows("SELECT n_pings, n_pruned, prune_due FROM monitors WHERE id = ?", id))[0];

async function pinged(name, n) {
  const m = await eb.createMonitor(tenant.key, { name, interval: 3600 });
  for (let i = 0; i < n; i++) assert.equal((await eb.beacon(m.token)).status, 200);
  await eb.appliedEventually(m.id, n);
  return m;
}

/** A monitor whose `n` pings an older build stored in D1 (one a second, ending now), marked for
 * pruning by that build's flush when over the limit. */
async function storedInD1(name, n) {
  const m = await eb.createMonitor(tenant.key, { name, interval: 3600 });
  const now = Date.now();
  for (let i = 0; i < n; i++) {
    await eb.env.DB.prepare(
      "INSERT INTO pings (id, monitor_id, received_at, kind, source, method) VALUES (?, ?, ?, 'tick', 'beacon', 'GET')",
    ).bind(`${name}-${i}`, m.id, now - (n - i) * 1_000).run();
  }
  await eb.env.DB.prepare("UPDATE monitors SET n_pings = ?2, prune_due = ?3 WHERE id = ?1")
    .bind(m.id, n, n > LIMIT + LIMIT / 10 ? 1 : 0).run();
  return m;
}

test("pings an older build stored in D1 over the log limit are pruned to the newest; the statistic still counts them all", async () => {
  const over = await storedInD1("over", LIMIT + 3);
  const under = await storedInD1("under", LIMIT - 1);
  const before = await eb.storedPings(over.id);

  await eb.sweep(Date.now());
  const kept = await eb.storedPings(over.id);
  assert.deepEqual(kept.map((p) => p.id), before.slice(3).map((p) => p.id), "the newest five stay");
  assert.deepEqual(await monitorRow(over.id), { n_pings: LIMIT + 3, n_pruned: 3, prune_due: 0 });
  assert.equal((await eb.storedPings(under.id)).length, LIMIT - 1, "the other monitor is untouched");

  const [hours] = await eb.rows(
    "SELECT SUM(pings) AS pings, SUM(check_ins) AS check_ins, SUM(fails) AS fails FROM ping_hours WHERE monitor_id = ?",
    over.id,
  );
  assert.deepEqual(hours, { pings: 3, check_ins: 3, fails: 0 });
  // The monitor's page shows the count of every ping, and the day's statistic all eight runs.
  assert.equal((await eb.monitor(tenant.key, over.id)).n_pings, LIMIT + 3);
  const stat = await eb.api("GET", `/v1/heartbeat/${over.id}/statistic?interval=1d`, { auth: tenant.key });
  assert.equal(stat.status, 200, stat.text);
  const runs = stat.body.items.reduce((sum, b) => sum + b.run_count, 0);
  assert.equal(runs, LIMIT + 3);

  // Pruning again changes nothing: nothing is over.
  await eb.sweep(Date.now() + 60_000);
  assert.equal((await eb.storedPings(over.id)).length, LIMIT);
  assert.equal((await monitorRow(over.id)).n_pruned, 3);
});

test("a token's ring keeps its newest pings, as many as the log limit; the statistic still counts those that left", async () => {
  const over = await pinged("ring over", LIMIT + 3);
  const kept = await eb.storedPings(over.id);
  assert.equal(kept.length, LIMIT);
  assert.deepEqual(await monitorRow(over.id), { n_pings: LIMIT + 3, n_pruned: 0, prune_due: 0 }, "nothing in D1 to prune");
  const stat = await eb.api("GET", `/v1/heartbeat/${over.id}/statistic?interval=1d`, { auth: tenant.key });
  assert.equal(stat.status, 200, stat.text);
  assert.equal(stat.body.items.reduce((sum, b) => sum + b.run_count, 0), LIMIT + 3);
});

test("pings older than the retention days go, younger ones and flips stay", async () => {
  const m = await pinged("aging", 2);
  const now = Date.now();
  // Two pings from 40 days ago, as if they had been stored then, and a flip of that time.
  for (const [i, at] of [now - 40 * DAY, now - 40 * DAY + 1].entries()) {
    await eb.env.DB.prepare(
      "INSERT INTO pings (id, monitor_id, received_at, kind, source, method) VALUES (?, ?, ?, 'fail', 'beacon', 'GET')",
    ).bind(`old-${i}`, m.id, at).run();
  }
  await eb.env.DB.prepare("UPDATE monitors SET n_pings = n_pings + 2 WHERE id = ?").bind(m.id).run();
  await eb.env.DB.prepare(
    "INSERT INTO flips (monitor_id, at, from_status, to_status, reason, recorded_at) VALUES (?, ?, 'up', 'down', 'test', ?)",
  ).bind(m.id, now - 40 * DAY, now - 40 * DAY).run();

  await eb.sweep(now);
  const kept = await eb.storedPings(m.id);
  assert.equal(kept.length, 2);
  assert.ok(kept.every((p) => p.received_at > now - DAY), "only the recent pings remain");
  assert.equal((await monitorRow(m.id)).n_pruned, 2);
  const hours = await eb.rows("SELECT hour, pings, check_ins, fails FROM ping_hours WHERE monitor_id = ?", m.id);
  assert.deepEqual(hours, [{ hour: Math.floor((now - 40 * DAY) / 3_600_000) * 3_600_000, pings: 2, check_ins: 2, fails: 2 }]);
  assert.equal((await eb.rows("SELECT COUNT(*) AS n FROM flips WHERE monitor_id = ?", m.id))[0].n, 1, "flips outlive pings");
});
