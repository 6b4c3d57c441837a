// The billable work behind accepted pings, read from the worker's own meter (EDGEBEAT_METER=1):
// one storage row per ping (its slot in the object's ring), one alarm per flush window,
// and one D1 batch of two statements per flush once the object knows its monitor.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEdgebeat, eventually, withoutShards } from "./support/edgebeat.mjs";

let eb;
let tenant;
before(async () => {
  eb = await startEdgebeat({ vars: { EDGEBEAT_METER: "1", PING_BUSY_FLUSH_DELAY_MS: "3000" } });
  tenant = await eb.tenant();
});
after(() => eb?.close());

// The deadline shards' work is left out: their snapshots are shared and timed by themselves.
const meter = async () => withoutShards(await (await eb.fetch("/__meter")).json());
const since = (after, before) => Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - before[k]]));

/** Waits until no alarm has fired for 7 s (longer than the 6 s, two busy delays, an alarm left
 * standing by an earlier test's flush waits), bounded: the meter counts the whole worker. */
async function alarmsSettled() {
  const deadline = Date.now() + 30_000;
  let seen = (await meter()).do_alarms;
  let quietSince = Date.now();
  while (Date.now() - quietSince < 7_000) {
    assert.ok(Date.now() < deadline, "alarms kept firing");
    await new Promise((r) => setTimeout(r, 250));
    const now = (await meter()).do_alarms;
    if (now !== seen) [seen, quietSince] = [now, Date.now()];
  }
}

test("the meter exists only where EDGEBEAT_METER is 1", async () => {
  const off = await startEdgebeat();
  try {
    assert.equal((await off.fetch("/__meter")).status, 404);
    assert.equal((await off.fetch("/__meter/floor/anytoken")).status, 404);
  } finally {
    await off.close();
  }
  assert.equal((await eb.fetch("/__meter")).status, 200);
});

test("the bench's floor probe: one object request and one durable row, nothing else", async () => {
  const before = await meter();
  assert.equal((await eb.fetch("/__meter/floor/floor-probe-token")).status, 200);
  const after = await meter();
  assert.equal(after.do_requests - before.do_requests, 1);
  assert.equal(after.do_rows_written - before.do_rows_written, 1);
  assert.equal(after.d1_statements - before.d1_statements, 0);
});

test("a quiet token's first ping: one row, one alarm, the lookup and one D1 batch of two statements", async () => {
  await alarmsSettled();
  const m = await eb.createMonitor(tenant.key, { name: "quiet", interval: 3600 });
  const start = await meter();
  assert.equal((await eb.beacon(m.token)).status, 200);
  await eb.appliedEventually(m.id, 1);
  await eventually(async () => (await meter()).do_alarms > start.do_alarms, { what: "the flush alarm" });
  await new Promise((r) => setTimeout(r, 300));
  const used = since(await meter(), start);
  assert.equal(used.do_alarms, 1);
  assert.equal(used.d1_statements, 2, "the token's lookup, then one update of the monitor (the ping stays in the object)");
  // The ping's ring slot, the alarm, the next alarm the flush's alarm sets, the checkpoint
  // (which also says D1 has the ping, so nothing is deleted; the next alarm is left to fire on
  // nothing rather than deleted: a request is cheaper than a row), and, once in a token's life,
  // its object's two tables (SQLite counts a row each).
  assert.equal(used.do_rows_written, 4 + 2);
});

test("a busy token's burst shares one row, one alarm and one D1 batch", async () => {
  await alarmsSettled();
  const m = await eb.createMonitor(tenant.key, { name: "busy", interval: 60 });
  assert.equal((await eb.beacon(m.token)).status, 200);
  await eb.appliedEventually(m.id, 1);
  await new Promise((r) => setTimeout(r, 300));
  // The flush's alarm leaves the next one standing (4.5-6 s away: two busy delays, less the
  // spread): the next check-ins of the up monitor arm nothing and go together when it fires.
  const start = await meter();
  for (let i = 0; i < 10; i++) assert.equal((await eb.beacon(m.token)).status, 200);
  await eb.appliedEventually(m.id, 11, { timeoutMs: 15_000 });
  await new Promise((r) => setTimeout(r, 300));
  const used = since(await meter(), start);
  assert.equal(used.do_alarms, 1, "one flush for the burst");
  assert.equal(used.d1_statements, 1, "one update of the monitor for the burst");
  // Ten ring slots, plus the checkpoint and the next alarm the flush's alarm sets: the ten
  // arm none, since the alarm the first ping's flush left standing flushes them.
  assert.equal(used.do_rows_written, 12);
  assert.equal(used.do_requests, 11, "ten pings and one alarm");
});

test("the alarm a flush leaves standing finds nothing held and writes nothing", async () => {
  const m = await eb.createMonitor(tenant.key, { name: "left alarm", interval: 3600 });
  assert.equal((await eb.beacon(m.token)).status, 200);
  await eb.appliedEventually(m.id, 1);
  await new Promise((r) => setTimeout(r, 300));
  const start = await meter();
  // The flush's alarm set the next one (the busy delay away) before flushing; it fires on an
  // empty object.
  await eventually(async () => (await meter()).do_alarms > start.do_alarms, { what: "the standing alarm", timeoutMs: 45_000, intervalMs: 500 });
  const used = since(await meter(), start);
  assert.equal(used.do_rows_written, 0);
  assert.equal(used.d1_statements, 0);
  assert.equal((await eb.storedPings(m.id)).length, 1, "the ping is kept");
});

test("the sweep asks a token that never held a ping without writing to its object", async () => {
  // A server of its own: the meter counts the whole worker, and a sweep here judges every
  // monitor earlier tests left due (ending their calm waits writes a row in each).
  const own = await startEdgebeat({ vars: { EDGEBEAT_METER: "1" } });
  try {
    const ownMeter = async () => withoutShards(await (await own.fetch("/__meter")).json());
    const t = await own.tenant();
    // Rotation leaves the monitor with a token whose object has never held a ping.
    const m = await own.pingedMonitor(t.key, { name: "rotated", interval: 60, grace: 60 });
    const rotated = await own.api("POST", `/v1/heartbeat/${m.id}/rotate-token`, { auth: t.key });
    assert.equal(rotated.status, 200, rotated.text);
    // Five seconds past its deadline: young enough that a ping may be on its way, so the
    // sweep asks the (new) token's object.
    const late = Date.parse(m.last_ping_at) + 125_000;
    const start = await ownMeter();
    await own.sweep(late);
    assert.equal((await own.monitor(t.key, m.id)).status, "down");
    const used = since(await ownMeter(), start);
    assert.ok(used.do_requests >= 1, "the sweep asked the new token's object for held pings");
    // Opening the object's tables would write rows (SQLite's own count of the CREATE TABLEs).
    assert.equal(used.do_rows_written, 0);
  } finally {
    await own.close();
  }
});

test("a fail ping moves the standing alarm up to the quick delay; a check-in of an up monitor waits for it", async () => {
  const m = await eb.createMonitor(tenant.key, { name: "urgent", interval: 3600 });
  assert.equal((await eb.beacon(m.token)).status, 200);
  await eb.appliedEventually(m.id, 1);
  // The flush's alarm left the next one standing, two busy delays (6 s) away, less up to half
  // a busy delay (the spread): 4.5 to 6 s after the flush, well past the quick delay (1 s).
  const standing = await eventually(async () => {
    const s = await eb.tokenState(m.token);
    return s.armed && s.armed_at > Date.now() + 2_000 && s;
  }, { what: "the standing alarm" });
  assert.equal((await eb.beacon(m.token)).status, 200);
  assert.equal((await eb.tokenState(m.token)).armed_at, standing.armed_at, "a check-in of an up monitor arms nothing");
  const sent = Date.now();
  const fail = await eb.fetch(`/ping/${m.token}/fail`);
  assert.equal(fail.status, 200);
  await fail.arrayBuffer();
  const moved = (await eb.tokenState(m.token)).armed_at;
  assert.ok(moved < standing.armed_at && moved <= Date.now() + 1_000, "the fail ping's flush comes within the quick delay");
  assert.ok(moved >= sent, "set when the fail ping came");
  await eventually(async () => (await eb.rows("SELECT status FROM monitors WHERE id = ?", m.id))[0].status === "down", { what: "down in D1" });
});

test("tokens that flushed together set their next alarms apart, none later than the standing window", async () => {
  // Sixteen new monitors pinged at once: each first ping flushes after the quick delay, all at
  // about the same moment; each flush's alarm sets the next one two busy delays (6 s) away less
  // a random part of half a busy delay, so the sixteen do not flush together again.
  const monitors = await Promise.all(Array.from({ length: 16 }, (_, i) => eb.createMonitor(tenant.key, { name: `together ${i}`, interval: 3600 })));
  await Promise.all(monitors.map(async (m) => assert.equal((await eb.beacon(m.token)).status, 200)));
  for (const m of monitors) await eb.appliedEventually(m.id, 1);
  // How long after its flush ended each one's next alarm fires: the standing window less the
  // spread, less the flush's own time.
  const gaps = await eventually(async () => {
    const states = await Promise.all(monitors.map((m) => eb.tokenState(m.token)));
    return states.every((s) => s.armed && s.last_flush_at) && states.map((s) => s.armed_at - s.last_flush_at);
  }, { what: "every object's standing alarm" });
  assert.ok(gaps.every((g) => g <= 6_000 && g > 6_000 - 1_500 - 1_000), JSON.stringify(gaps));
  const spread = Math.max(...gaps) - Math.min(...gaps);
  assert.ok(spread > 600, `alarms ${spread} ms apart: ${JSON.stringify(gaps)}`);
});
