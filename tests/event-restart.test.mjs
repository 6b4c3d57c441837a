// Kill the runtime while batches of events are coming in (SIGKILL, no chance to flush), start
// it again on the same local state and send nothing more: every event it acknowledged
// reaches D1, exactly once, with the maintained counts agreeing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { ADMIN_TOKEN, eventually } from "./support/edgebeat.mjs";
import { DevRuntime } from "./support/wrangler-dev.mjs";

const CLIENTS = 8;
const BATCH = 10;

/** Every stored event's event_id, read back through the listing (D1 only: the object is left alone). */
async function storedIds(rt, key) {
  const ids = [];
  let cursor = "";
  for (;;) {
    const page = await rt.api("GET", `/v1/events?limit=1000${cursor && `&cursor=${cursor}`}`, key);
    ids.push(...page.body.items.map((e) => e.event_id));
    if (!page.body.next_cursor) return ids;
    cursor = page.body.next_cursor;
  }
}

test("events acknowledged before the runtime is killed are stored once after it restarts, without another request", { timeout: 600_000 }, async () => {
  const rt = await DevRuntime.create("event-restart", 19_000 + (process.pid % 1_000));
  const api = rt.api.bind(rt);
  const BASE = rt.base;
  try {
    await rt.start();
    const project = await api("POST", "/v1/projects", ADMIN_TOKEN, { name: "restart" });
    const manage = (await api("POST", `/v1/projects/${project.body.id}/keys`, ADMIN_TOKEN, { scope: "manage" })).body.key;
    const ingestKey = (await api("POST", `/v1/projects/${project.body.id}/keys`, ADMIN_TOKEN, { scope: "ingest" })).body.key;
    const acknowledged = new Set();
    let stop = false;
    const client = async () => {
      while (!stop) {
        const ids = Array.from({ length: BATCH }, () => randomUUID());
        try {
          const res = await fetch(`${BASE}/v1/ingest/events`, {
            method: "POST",
            headers: { "x-api-key": ingestKey, "content-type": "application/json" },
            body: JSON.stringify({ events: ids.map((event_id, i) => ({ event_id, event_type: `type${i % 3}` })) }),
          });
          await res.arrayBuffer();
          if (res.status === 200) ids.forEach((id) => acknowledged.add(id));
        } catch {
          return; // the runtime is gone
        }
      }
    };
    const load = Promise.all(Array.from({ length: CLIENTS }, client));
    await new Promise((r) => setTimeout(r, 3_000));
    await rt.kill(); // mid-load: answers in flight are lost, acknowledged ones must not be
    stop = true;
    await load;
    assert.ok(acknowledged.size > 0, "events were acknowledged before the kill");

    await rt.start();
    // Nothing is sent to the ingest routes from here on, nor to the project's object.
    const ids = await eventually(async () => {
      const ids = await storedIds(rt, manage);
      const stored = new Set(ids);
      return [...acknowledged].every((id) => stored.has(id)) && ids;
    }, { timeoutMs: 120_000, intervalMs: 1_000, what: `${acknowledged.size} acknowledged events stored after the restart` });
    assert.equal(new Set(ids).size, ids.length, "no event stored twice");
    // Beyond the acknowledged ones, at most the batches in flight at the kill were stored.
    assert.ok(ids.length - acknowledged.size <= CLIENTS * BATCH, `${ids.length - acknowledged.size} stored events were never acknowledged`);
    const names = await api("GET", "/v1/events/names", manage);
    const counted = names.body.items.reduce((sum, n) => sum + n.count, 0);
    assert.equal(counted, ids.length, "the maintained counts agree with the stored events");
  } catch (e) {
    console.error(rt.output?.().slice(-4000));
    throw e;
  } finally {
    await rt.dispose();
  }
});
