// A token's object holds each ping in a slot of its ring (PING_LOG_LIMIT slots), one row written
// per ping, and marks what D1 has in its checkpoint instead of deleting it. A slot whose ping D1
// does not have yet is never written over: a ping for it waits in a spill table, so pings held
// while D1 refuses them (or while a long flush delay runs) are all stored, also across a reset
// of the application.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEdgebeat } from "./support/edgebeat.mjs";

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

const meter = async () => (await eb.fetch("/__meter")).json();

/** A read of the monitor's events, which moves every held ping to D1 first. */
async function readEvents(m) {
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
  await readEvents(m);
  const stored = await eb.storedPings(m.id);
  assert.deepEqual(
    stored.map((p) => p.message),
    Array.from({ length: SLOTS + 2 }, (_, i) => `ping ${i}`),
  );
});

test("spilled pings survive a reset of the application", async () => {
  const m = await eb.createMonitor(tenant.key, { name: "spill reset", interval: 3600 });
  for (let i = 0; i < SLOTS + 2; i++) await ping(m, `held ${i}`);
  const res = await eb.fetch("/__faults/panic");
  await res.arrayBuffer();
  assert.equal(res.status, 500);
  assert.equal(await eb.pendingPings(m.token), SLOTS + 2, "the restarted object holds them all");
  await readEvents(m);
  assert.equal((await eb.storedPings(m.id)).length, SLOTS + 2);
});

test("once D1 has a ring's pings, new pings take their slots: one row each, no spill", async () => {
  const m = await eb.createMonitor(tenant.key, { name: "wrap", interval: 3600 });
  for (let i = 0; i < SLOTS; i++) await ping(m, `first ${i}`);
  await readEvents(m);
  const start = await meter();
  for (let i = 0; i < SLOTS; i++) await ping(m, `second ${i}`);
  const used = (await meter()).do_rows_written - start.do_rows_written;
  // The three slots, and the flush alarm the first of them arms.
  assert.equal(used, SLOTS + 1);
  await readEvents(m);
  assert.equal((await eb.storedPings(m.id)).length, 2 * SLOTS);
});
