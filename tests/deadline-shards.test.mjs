// Deadline shards: an up monitor's check-ins tell their deadline to a shard object (memory,
// written as a snapshot at most every DEADLINE_PERSIST_MS), so they wait for the calm flush and D1's
// deadline is pushed out; the sweep asks the shards which deadlines passed, flushes those
// tokens' objects first, and judges them with every acknowledged ping.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEdgebeat, eventually } from "./support/edgebeat.mjs";

const CALM_MS = 600_000;
let eb;
let tenant;
before(async () => {
  eb = await startEdgebeat({
    vars: { EDGEBEAT_METER: "1", EDGEBEAT_FAULTS: "1", DEADLINE_PERSIST_MS: "300", PING_CALM_FLUSH_MS: String(CALM_MS) },
  });
  tenant = await eb.tenant();
});
after(() => eb?.close());

const meter = async () => (await eb.fetch("/__meter")).json();
const d1 = async (id) => (await eb.rows("SELECT status, n_pings, check_at, last_ping_at FROM monitors WHERE id = ?", id))[0];
const flips = async (id) => (await eb.api("GET", `/v1/heartbeat/${id}/flips`, { auth: tenant.key })).body.items;

/** The token objects the sweep scheduled at `at` called itself, from its log line. */
function sweepCalled(at) {
  const line = eb.server.getLogs().map((l) => l.message).find((m) => m.startsWith(`sweep at ${at}:`));
  assert.ok(line, `the sweep at ${at} logged`);
  return Number(/(\d+) token objects called/.exec(line)[1]);
}

/** Pings the token and waits for that check-in to reach D1 within the busy window, not held for
 * the calm flush (CALM_MS away). */
async function checkInGoesAtOnce(token, what) {
  await ping(token);
  await eventually(async () => (await eb.tokenState(token)).pending === 0, { what, timeoutMs: 15_000 });
}

/** Pings the token; answers when the ping was sent (its received_at is no earlier). */
async function ping(token) {
  const sent = Date.now();
  const res = await eb.fetch(`/ping/${token}`);
  assert.equal(res.status, 200);
  await res.arrayBuffer();
  return sent;
}

/**
 * A monitor (interval 60 s, grace 60 s) whose shard holds its deadline durably and whose D1
 * deadline is pushed out: a first ping (urgent: the monitor is new), then check-ins until one
 * is told to a shard whose snapshot then holds it (a snapshot is written when the last is at
 * least 300 ms old) and its flush pushes D1's deadline. Answers the monitor and its pings.
 */
async function watchedMonitor(name) {
  const m = await eb.createMonitor(tenant.key, { name, interval: 60, grace: 60 });
  await ping(m.token);
  await eb.appliedEventually(m.id, 1);
  for (let n = 2; n <= 4; n++) {
    await new Promise((r) => setTimeout(r, 400));
    const sent = await ping(m.token);
    await eb.appliedEventually(m.id, n, { timeoutMs: 15_000 });
    if ((await d1(m.id)).check_at > sent + CALM_MS) return { ...m, pinged: n };
  }
  assert.fail("D1's deadline was never pushed out");
}

test("a watched monitor's check-ins wait for the calm flush: nothing in D1 until then, and a read still sees them", async () => {
  const m = await watchedMonitor("calm");
  const before = await meter();
  for (let i = 0; i < 3; i++) await ping(m.token);
  await new Promise((r) => setTimeout(r, 1_500));
  const after = await meter();
  const d = (k) => after[k] - before[k];
  assert.equal(d("d1_statements"), 0, "no flush yet");
  assert.equal((await d1(m.id)).n_pings, m.pinged, "D1 has not been told");
  assert.ok((await eb.tokenState(m.token)).armed_at > Date.now() + CALM_MS / 2, "the flush waits for the calm delay");
  assert.equal((await eb.tokenState(m.token)).pending, 3);
  // A read still sees them all (it flushes first).
  const shown = await eb.monitor(tenant.key, m.id);
  assert.equal(shown.n_pings, m.pinged + 3);
  assert.equal((await d1(m.id)).n_pings, m.pinged + 3);
});

test("an object started again (evicted between a cron job's check-ins) stays calm: its check-in still waits", async () => {
  const m = await watchedMonitor("evicted");
  // Resets the application, Durable Objects included (their memory, not their storage).
  const res = await eb.fetch("/__faults/panic");
  await res.arrayBuffer();
  assert.equal(res.status, 500);
  await ping(m.token);
  await new Promise((r) => setTimeout(r, 1_500));
  const state = await eb.tokenState(m.token);
  assert.equal(state.pending, 1, "held for the calm flush");
  assert.ok(state.armed_at > Date.now() + CALM_MS / 2, "the calm alarm still stands");
  assert.equal((await d1(m.id)).n_pings, m.pinged);
});

test("a watched monitor that stops is called down at its deadline by its shard, with every held ping counted", async () => {
  const m = await watchedMonitor("stops");
  const last = await ping(m.token);
  await eventually(async () => (await eb.tokenState(m.token)).pending === 1, { what: "the last check-in held" });
  // D1's deadline is far: only the shard knows this monitor is due.
  assert.ok((await d1(m.id)).check_at > last + CALM_MS);
  // Earlier tests' monitors are due before this one: a sweep first takes them.
  await eb.sweep(last + 59_000);
  assert.equal((await d1(m.id)).status, "up");
  await eb.sweep(last + 3 * 60_000);
  const row = await d1(m.id);
  assert.equal(row.status, "down");
  assert.equal(row.n_pings, m.pinged + 1, "the held check-in was flushed before the judgment");
  assert.ok(row.last_ping_at >= last, "judged from the last check-in");
  const [down] = await flips(m.id);
  assert.equal(down.to, "down");
  assert.equal(Date.parse(down.at), row.last_ping_at + 120_000, "at the right moment: last ping + interval + grace");
  assert.equal(sweepCalled(last + 3 * 60_000), 0, "the shard had the token's object flush, not the sweep");
});

test("after its shard restarts, a watched monitor that stops is still called down with every held ping: the sweep has the object flush", async () => {
  const m = await watchedMonitor("shard restarted");
  const last = await ping(m.token);
  await eventually(async () => (await eb.tokenState(m.token)).pending === 1, { what: "the last check-in held" });
  // Let the shard's snapshot take the newest deadline, then restart every shard: they keep
  // the deadlines (the snapshot) and forget which token told them.
  await new Promise((r) => setTimeout(r, 400));
  await ping(m.token);
  const newest = Date.now();
  for (const { shard } of await eb.rows("SELECT shard FROM deadline_shards")) {
    try {
      await eb.worker.evictDurableObject("DEADLINE_SHARD", { name: `shard-${shard}` });
    } catch (e) {
      if (!/not currently running/.test(e.message)) throw e;
    }
  }
  const at = newest + 3 * 60_000;
  await eb.sweep(at);
  const row = await d1(m.id);
  assert.equal(row.status, "down");
  assert.equal(row.n_pings, m.pinged + 2, "both held check-ins were flushed before the judgment");
  assert.ok(row.last_ping_at >= last);
  // Earlier tests' monitors, reported by the same restarted shards, may be among them.
  assert.ok(sweepCalled(at) >= 1, "the sweep had the object flush itself");
});

test("once the sweep has judged a watched monitor, its next check-in is not held for the calm flush", async () => {
  const m = await watchedMonitor("judged late");
  const last = await ping(m.token);
  await eventually(async () => (await eb.tokenState(m.token)).pending === 1, { what: "the last check-in held" });
  // Past its due time its shard reports it: the sweep has the object flush and calls it late,
  // writing D1's real deadline (not one pushed past the calm flush).
  await eb.sweep(last + 62_000);
  assert.equal((await d1(m.id)).status, "grace");
  await checkInGoesAtOnce(m.token, "the next check-in flushed within the busy window, not held 10 minutes");
});

test("an object started again after the sweep judged its monitor does not go back to the calm wait", async () => {
  const m = await watchedMonitor("judged, then restarted");
  // Nothing held: the sweep's flush has nothing to write, so the saved binding must forget
  // the shard's deadline by itself.
  const before = Date.now();
  await eb.sweep(before + 62_000);
  assert.equal((await d1(m.id)).status, "grace");
  await eb.worker.evictDurableObject("PING_TOKEN", { name: m.token });
  await checkInGoesAtOnce(m.token, "the check-in after the restart flushed within the busy window");
});

test("a check-in acknowledged in time keeps the monitor up, though its shard's deadline is older", async () => {
  const m = await watchedMonitor("in time");
  // The first check-in comes more than a tell step (10 s) after the last one the shard was
  // told, so it is told; the next two, a second apart, move the deadline less than a step: the
  // shard keeps the first one's deadline, older than the newest, and the object holds all three.
  const { last_ping_at: lastTold } = await d1(m.id);
  await new Promise((r) => setTimeout(r, Math.max(0, lastTold + 10_500 - Date.now())));
  const pings = [];
  for (let i = 0; i < 3; i++) {
    pings.push(await ping(m.token));
    await new Promise((r) => setTimeout(r, 1_000));
  }
  const newest = pings.at(-1);
  const { check_at: pushed } = await d1(m.id);
  await eb.sweep(newest + 59_000);
  const row = await d1(m.id);
  assert.equal(row.status, "up");
  assert.equal(row.n_pings, m.pinged + 3, "the sweep had the object flush before judging");
  assert.deepEqual(await flips(m.id), []);
  assert.ok(row.check_at <= newest + 61_000 && row.check_at !== pushed, "D1 has the real deadline again");
  // The shard now holds that deadline: the monitor is called down when it passes.
  await eb.sweep(newest + 3 * 60_000);
  assert.equal((await d1(m.id)).status, "down");
});

test("a paused or deleted watched monitor leaves its shard at the next sweep", async () => {
  const paused = await watchedMonitor("paused");
  const deleted = await watchedMonitor("deleted");
  const shardStates = async () => {
    const ns = eb.env.DEADLINE_SHARD;
    let watching = 0;
    const [{ n }] = await eb.rows("SELECT COUNT(*) AS n FROM deadline_shards");
    assert.ok(n >= 1, "the shards registered");
    for (const { shard } of await eb.rows("SELECT shard FROM deadline_shards")) {
      watching += (await (await ns.get(ns.idFromName(`shard-${shard}`)).fetch("https://deadline-shard/state")).json()).watching;
    }
    return watching;
  };
  assert.equal((await eb.api("POST", `/v1/heartbeat/${paused.id}/pause`, { auth: tenant.key })).status, 200);
  assert.equal((await eb.api("DELETE", `/v1/heartbeat/${deleted.id}`, { auth: tenant.key })).status, 200);
  const before = await shardStates();
  await eb.sweep(Date.now() + 10 * 60_000);
  assert.equal((await eb.monitor(tenant.key, paused.id)).status, "paused");
  assert.ok((await shardStates()) <= before - 2, "both settled away");
});

test("an edit that brings the deadline closer is seen by the sweep at once", async () => {
  const m = await watchedMonitor("edited");
  const last = await ping(m.token);
  const edit = await eb.api("PUT", `/v1/heartbeat/${m.id}`, { auth: tenant.key, body: { grace: 60 } });
  assert.equal(edit.status, 200, edit.text);
  assert.ok((await d1(m.id)).check_at <= last + 61_000, "the edit wrote the real deadline");
  // The check-in held for the calm flush goes to D1 at once: the sweep would not ask for it
  // once the deadline is old.
  await eventually(async () => (await eb.tokenState(m.token)).pending === 0, { what: "the held check-in flushed after the edit", timeoutMs: 10_000 });
  await eb.sweep(last + 3 * 60_000);
  const row = await d1(m.id);
  assert.equal(row.status, "down");
  assert.ok(row.last_ping_at >= last, "judged from the last check-in");
  const [down] = await flips(m.id);
  assert.equal(Date.parse(down.at), row.last_ping_at + 120_000, "at the right moment");
});
