// Kill the runtime mid-load (SIGKILL, no chance to flush), start it again on the same local
// state, send nothing more: every ping it acknowledged before dying reaches D1, once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ADMIN_TOKEN, eventually } from "./support/edgebeat.mjs";
import { DevRuntime } from "./support/wrangler-dev.mjs";


test("pings acknowledged before the runtime is killed are stored after it restarts, without another ping", { timeout: 600_000 }, async () => {
  const rt = await DevRuntime.create("restart", 18_000 + (process.pid % 1_000));
  const api = rt.api.bind(rt);
  const BASE = rt.base;
  try {
    await rt.start();
    const project = await api("POST", "/v1/projects", ADMIN_TOKEN, { name: "restart" });
    const key = (await api("POST", `/v1/projects/${project.body.id}/keys`, ADMIN_TOKEN, { scope: "manage" })).body.key;
    const monitors = [];
    for (let i = 0; i < 16; i++) monitors.push((await api("POST", "/v1/heartbeat", key, { name: `m${i}`, interval: 3600 })).body);
    const acknowledged = new Map(monitors.map((m) => [m.id, 0]));
    let stop = false;
    const client = async (c) => {
      for (let i = c; !stop; i += 8) {
        const m = monitors[i % monitors.length];
        try {
          const res = await fetch(`${BASE}/ping/${m.token}`);
          await res.arrayBuffer();
          if (res.status === 200) acknowledged.set(m.id, acknowledged.get(m.id) + 1);
        } catch {
          return; // the runtime is gone
        }
      }
    };
    const load = Promise.all(Array.from({ length: 8 }, (_, c) => client(c)));
    await new Promise((r) => setTimeout(r, 3_000));
    await rt.kill(); // mid-load: answers in flight are lost, acknowledged ones must not be
    stop = true;
    await load;
    const total = [...acknowledged.values()].reduce((a, b) => a + b, 0);
    assert.ok(total > 0, "pings were acknowledged before the kill");

    await rt.start();
    // Nothing is sent to the ping routes from here on.
    const stored = async () => {
      const counts = new Map();
      for (const m of monitors) counts.set(m.id, (await api("GET", `/v1/heartbeat/${m.id}`, key)).body.n_pings);
      return counts;
    };
    const counts = await eventually(async () => {
      const counts = await stored();
      return monitors.every((m) => counts.get(m.id) >= acknowledged.get(m.id)) && counts;
    }, { timeoutMs: 90_000, intervalMs: 1_000, what: `${total} acknowledged pings stored after the restart` });
    // Beyond the acknowledged ones, at most the 8 requests in flight at the kill were stored.
    const excess = monitors.reduce((sum, m) => sum + counts.get(m.id) - acknowledged.get(m.id), 0);
    assert.ok(excess <= 8, `${excess} stored pings were never acknowledged`);
  } catch (e) {
    console.error(rt.output?.().slice(-4000));
    throw e;
  } finally {
    await rt.dispose();
  }
});
