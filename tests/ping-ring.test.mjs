// A token's object holds each ping in a slot of its ring (PING_LOG_LIMIT slots), one row written
// per ping: the ring is the monitor's history, the newest PING_LOG_LIMIT pings. A slot whose ping
// D1 has not applied to the monitor yet is never written over: a ping for it waits in a spill
// table, so pings held while D1 refuses them (or while a long flush delay runs) are all applied,
// also across a reset of the application.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEdgebeat, withoutShards } from "./support/edgebeat.mjs";

const SLOTS = 3;
let eb;
let tenant;
before(async () => {
  // Pings stay held for a minute unless a read moves them: more of them than the ring has slots.
  eb = await startEdgebeat({
    vars: {
      PING_LOG_LIMIT: String(SLOTS),
      PING_FLUSH_DELAY_MS: "60000",
      PING_BUSY_FLUSH_DELAY_MS: "60000",
      EDGEBEAT_METER: "1",
      EDGEBEAT_FAULTS: "1",
    },
  });
  tenant = await eb.tenant();
});
after(() => eb?.close());

// The deadline shards' work is left out: their snapshots are shared and timed by themselves.
const meter = async () => withoutShards(await (await eb.fetch("/__meter")).json());

/** A read of the monitor (which moves every held ping to D1 first), then of its events. */
async function readEvents(m) {
  await eb.monitor(tenant.key, m.id);
  const res = await eb.api("GET", `/v1/heartbeat/${m.id}/events`, { auth: tenant.key });
  assert.equal(res.status, 200, res.text);
  return res.body;
}

async function ping(m, message) {
  const res = await eb.fetch(`/ping/${m.token}`, { method: "POST", body: message });
  assert.equal(res.status, 200);
  await res.arrayBuffer();
}

test("pings past a ring full of pings D1 lacks are spilled, not written over", async () => {
  const m = await eb.createMonitor(tenant.key, { name: "spill", interval: 3600 });
  for (let i = 0; i < SLOTS + 2; i++) await ping(m, `ping ${i}`);
  assert.equal(await eb.pendingPings(m.token), SLOTS + 2);
  const events = await readEvents(m);
  assert.deepEqual(
    events.items.map((p) => p.message),
    ["ping 2", "ping 3", "ping 4"],
    "the history is the newest pings, as many as the ring has slots",
  );
  assert.equal((await eb.monitor(tenant.key, m.id)).n_pings, SLOTS + 2, "every ping applied once");
});

test("spilled pings survive a reset of the application", async () => {
  const m = await eb.createMonitor(tenant.key, { name: "spill reset", interval: 3600 });
  for (let i = 0; i < SLOTS + 2; i++) await ping(m, `held ${i}`);
  const res = await eb.fetch("/__faults/panic");
  await res.arrayBuffer();
  assert.equal(res.status, 500);
  assert.equal(await eb.pendingPings(m.token), SLOTS + 2, "the restarted object holds them all");
  assert.equal((await eb.monitor(tenant.key, m.id)).n_pings, SLOTS + 2);
  assert.deepEqual((await readEvents(m)).items.map((p) => p.message), ["held 2", "held 3", "held 4"]);
});

test("once D1 has a ring's pings, new pings take their slots: one row each, no spill", async () => {
  const m = await eb.createMonitor(tenant.key, { name: "wrap", interval: 3600 });
  for (let i = 0; i < SLOTS; i++) await ping(m, `first ${i}`);
  await readEvents(m);
  const start = await meter();
  for (let i = 0; i < SLOTS; i++) await ping(m, `second ${i}`);
  const used = (await meter()).do_rows_written - start.do_rows_written;
  // The three slots alone: the alarm the first pings armed still stands (the read's flush
  // leaves it), so they arm none.
  assert.equal(used, SLOTS);
  const events = await readEvents(m);
  assert.deepEqual(events.items.map((p) => p.message), ["second 0", "second 1", "second 2"]);
  assert.equal((await eb.monitor(tenant.key, m.id)).n_pings, 2 * SLOTS);
});

test("a monitor's history survives token rotations; past five earlier tokens, the oldest's moves to D1", async () => {
  const m = await eb.createMonitor(tenant.key, { name: "rotated often", interval: 3600 });
  const tokens = [m.token];
  let current = m;
  for (let i = 0; i < 7; i++) {
    await ping(current, `token ${i}`);
    if (i === 6) break;
    const rotated = await eb.api("POST", `/v1/heartbeat/${m.id}/rotate-token`, { auth: tenant.key });
    assert.equal(rotated.status, 200, rotated.text);
    current = { ...m, token: rotated.body.token };
    tokens.push(rotated.body.token);
  }
  const events = await readEvents(m);
  assert.deepEqual(events.items.map((p) => p.message), Array.from({ length: 7 }, (_, i) => `token ${i}`));
  const [row] = await eb.rows("SELECT history_tokens FROM monitors WHERE id = ?", m.id);
  assert.deepEqual(JSON.parse(row.history_tokens), tokens.slice(1, 6), "the last five earlier tokens");
  const inD1 = await eb.rows("SELECT message FROM pings WHERE monitor_id = ?", m.id);
  assert.deepEqual(inD1.map((p) => p.message), ["token 0"], "the oldest token's history moved to D1");
  assert.equal(await eb.pendingPings(tokens[0]), 0);
  assert.equal((await eb.monitor(tenant.key, m.id)).n_pings, 7);
});

test("deleting a monitor forgets what its token objects kept", async () => {
  const m = await eb.createMonitor(tenant.key, { name: "deleted", interval: 3600 });
  await ping(m, "kept until the delete");
  const rotated = await eb.api("POST", `/v1/heartbeat/${m.id}/rotate-token`, { auth: tenant.key });
  await ping({ token: rotated.body.token }, "on the new token");
  assert.equal((await eb.storedPings(m.id)).length, 2);
  const deleted = await eb.api("DELETE", `/v1/heartbeat/${m.id}`, { auth: tenant.key });
  assert.equal(deleted.status, 200, deleted.text);
  const ns = eb.env.PING_TOKEN;
  for (const token of [m.token, rotated.body.token]) {
    const query = { after: -Number.MAX_SAFE_INTEGER, until: Number.MAX_SAFE_INTEGER, limit: 100 };
    const res = await ns.get(ns.idFromName(token)).fetch("https://ping-token/log", { method: "POST", body: JSON.stringify(query) });
    assert.deepEqual((await res.json()).pings, [], `the object of ${token} keeps nothing`);
  }
});

test("pings that left the ring still count in the statistic, by their hour's figures", async () => {
  const m = await eb.createMonitor(tenant.key, { name: "rolled", interval: 3600 });
  for (let i = 0; i < SLOTS + 2; i++) {
    const res = await eb.fetch(`/ping/${m.token}/fail`);
    assert.equal(res.status, 200);
    await res.arrayBuffer();
  }
  // The read applies them; the checkpoint rolls them into the hour's figures.
  assert.equal((await readEvents(m)).items.length, SLOTS);
  const stat = await eb.api("GET", `/v1/heartbeat/${m.id}/statistic`, { auth: tenant.key });
  assert.equal(stat.status, 200, stat.text);
  const fails = stat.body.items.reduce((n, b) => n + b.fail_count, 0);
  assert.equal(fails, SLOTS + 2, "the three kept and the two that left");
});
