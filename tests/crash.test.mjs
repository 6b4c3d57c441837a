// An acknowledged ping survives a reset of the Wasm application: pings sent while another
// request panics (the runtime then reinitializes the whole application, Durable Objects
// included) all reach D1 within a bound, with no further ping to their tokens, and the
// sweep never calls a monitor down while its object holds an in-time ping, however old
// the deadline.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEdgebeat, eventually } from "./support/edgebeat.mjs";

let eb;
let tenant;
before(async () => {
  eb = await startEdgebeat({ vars: { EDGEBEAT_FAULTS: "1" } });
  tenant = await eb.tenant();
});
after(() => eb?.close());

const TOKENS = 24;
const LOAD_MS = 8_000;
const MIN_PANICS = 3;
const MAX_LOAD_MS = 60_000;
/** The bound: the alarm each flush sets before it starts (5 s) plus a flush and the backoff of
 * flushes cut off, with room for a slow machine. */
const STORED_WITHIN_MS = 75_000;

test("pings acknowledged while the application panics under load are all stored, without another ping", async () => {
  const monitors = [];
  for (let i = 0; i < TOKENS; i++) monitors.push(await eb.createMonitor(tenant.key, { name: `crash ${i}`, interval: 3600 }));
  const acknowledged = new Map(monitors.map((m) => [m.id, 0]));
  // Answers lost to a reset: the ping may or may not have been stored (the client would retry).
  const unanswered = new Map(monitors.map((m) => [m.id, 0]));
  const started = Date.now();
  let panics = 0;
  // At least LOAD_MS of load and at least MIN_PANICS resets (a busy machine resets slowly),
  // within a hard bound.
  const loading = () => Date.now() < started + MAX_LOAD_MS && (Date.now() < started + LOAD_MS || panics < MIN_PANICS);
  let failed = 0;
  const client = async (c) => {
    for (let i = c; loading(); i += 8) {
      const m = monitors[i % TOKENS];
      try {
        const res = await eb.fetch(`/ping/${m.token}`);
        await res.arrayBuffer();
        if (res.status === 200) acknowledged.set(m.id, acknowledged.get(m.id) + 1);
        else {
          unanswered.set(m.id, unanswered.get(m.id) + 1);
          failed++;
        }
      } catch {
        unanswered.set(m.id, unanswered.get(m.id) + 1);
        failed++;
      }
    }
  };
  const panicker = async () => {
    while (loading()) {
      await new Promise((r) => setTimeout(r, 400));
      const res = await eb.fetch("/__faults/panic").catch(() => null);
      if (res) {
        await res.arrayBuffer();
        assert.equal(res.status, 500);
        panics++;
      }
    }
  };
  await Promise.all([...Array.from({ length: 8 }, (_, c) => client(c)), panicker()]);
  const total = [...acknowledged.values()].reduce((a, b) => a + b, 0);
  assert.ok(panics >= MIN_PANICS, `panicked ${panics} times`);
  assert.ok(total > 0, "some pings were acknowledged");
  // No ping is sent from here on: only the objects' own alarms may move what they hold.
  const stored = async () => {
    // Applied to the monitor in D1 (each ping counted once), as a read shows it.
    const rows = await eb.rows("SELECT id AS monitor_id, n_pings AS n FROM monitors");
    return new Map(rows.map((r) => [r.monitor_id, r.n]));
  };
  // Every acknowledged ping is stored; beyond them, only pings whose answer was lost.
  const counts = await eventually(
    async () => {
      const now = await stored();
      return monitors.every((m) => (now.get(m.id) ?? 0) >= acknowledged.get(m.id)) && now;
    },
    { timeoutMs: STORED_WITHIN_MS, intervalMs: 500, what: `${total} acknowledged pings stored (${failed} unanswered, ${panics} panics)` },
  );
  for (const m of monitors) {
    const n = counts.get(m.id) ?? 0;
    assert.ok(n <= acknowledged.get(m.id) + unanswered.get(m.id), `${m.name}: ${n} stored of ${acknowledged.get(m.id)} acknowledged`);
  }
});
