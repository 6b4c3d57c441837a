// A token's object keeps what D1 last told it of its monitor beside its ledger, so an object
// started again (evicted while idle, as a cron job's token is between pings, or reset with the
// application) takes its next ping without asking D1 again; and a token retired while its
// object lived stays refused after the object starts again.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEdgebeat, eventually, withoutShards } from "./support/edgebeat.mjs";

let eb;
let tenant;
before(async () => {
  eb = await startEdgebeat({ vars: { EDGEBEAT_METER: "1", EDGEBEAT_FAULTS: "1" } });
  tenant = await eb.tenant();
});
after(() => eb?.close());

// The deadline shards' work is left out (a shard registers in D1 once, when first told).
const meter = async () => withoutShards(await (await eb.fetch("/__meter")).json());
const since = (after, before) => Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - before[k]]));

/** Resets the application, Durable Objects included (their memory; not their storage). */
async function reset() {
  const res = await eb.fetch("/__faults/panic");
  await res.arrayBuffer();
  assert.equal(res.status, 500);
}

/** The flush of a monitor's pings, its checkpoint written (the alarm's bookkeeping ends). */
async function flushed(m, count) {
  await eb.storedPingsEventually(m.id, count);
  await new Promise((r) => setTimeout(r, 300));
}

test("an object started again takes its token's next ping without looking the token up in D1", async () => {
  const m = await eb.createMonitor(tenant.key, { name: "cron job", interval: 3600 });
  assert.equal((await eb.fetch(`/ping/${m.token}`)).status, 200);
  await flushed(m, 1);
  await reset();
  const start = await meter(); // the meter starts again from zero with the application
  assert.equal((await eb.fetch(`/ping/${m.token}`)).status, 200);
  await flushed(m, 2);
  const used = since(await meter(), start);
  assert.equal(used.d1_statements, 1, "the flush's one update of the monitor, and no lookup");
  assert.equal((await eb.monitor(tenant.key, m.id)).n_pings, 2);
});

test("a token rotated away stays refused after its object starts again", async () => {
  const m = await eb.createMonitor(tenant.key, { name: "rotated", interval: 3600 });
  assert.equal((await eb.fetch(`/ping/${m.token}`)).status, 200);
  await flushed(m, 1);
  const rotated = await eb.api("POST", `/v1/heartbeat/${m.id}/rotate-token`, { auth: tenant.key });
  assert.equal(rotated.status, 200, rotated.text);
  await reset();
  assert.equal((await eb.fetch(`/ping/${m.token}`)).status, 404, "the old token is refused");
  assert.equal((await eb.fetch(`/ping/${rotated.body.token}`)).status, 200);
  await flushed(m, 2);
  const stored = await eb.storedPings(m.id);
  assert.equal(stored.length, 2, "the old token's ping after the reset was not stored");
});

test("a monitor's methods changed while its object lived hold after the object starts again", async () => {
  const m = await eb.createMonitor(tenant.key, { name: "post only later", interval: 3600 });
  assert.equal((await eb.fetch(`/ping/${m.token}`)).status, 200);
  await flushed(m, 1);
  const changed = await eb.api("PUT", `/v1/heartbeat/${m.id}`, { auth: tenant.key, body: { methods: ["POST"] } });
  assert.equal(changed.status, 200, changed.text);
  await reset();
  assert.equal((await eb.api("GET", `/v1/heartbeat/${m.token}`)).status, 405, "GET is no longer allowed");
  assert.equal((await eb.api("POST", `/v1/heartbeat/${m.token}`)).status, 200);
  await eventually(async () => (await eb.storedPings(m.id)).length === 2, { what: "the POST ping stored" });
});
