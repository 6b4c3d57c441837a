// Kill the runtime while batches of events are coming in (SIGKILL, no chance to flush), start
// it again on the same local state and send nothing more: every event it acknowledged
// reaches D1, exactly once, with the maintained counts agreeing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { randomUUID } from "node:crypto";
import { ADMIN_TOKEN, eventually } from "./support/edgebeat.mjs";

const ROOT = new URL("../", import.meta.url).pathname;
const PORT = 19_000 + (process.pid % 1_000);
const BASE = `http://127.0.0.1:${PORT}`;
const CLIENTS = 8;
const BATCH = 10;

/** `wrangler dev` on the persisted state in `dir`, as its own process group (killable whole). */
function runtime(dir) {
  const child = spawn(
    "bash",
    ["scripts/wrangler.sh", "dev", "--ip", "127.0.0.1", "--port", String(PORT), "--persist-to", dir,
      "--var", `ADMIN_TOKEN:${ADMIN_TOKEN}`, "--var", `PUBLIC_URL:${BASE}`, "--show-interactive-dev-session=false"],
    { cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  child.output = () => output;
  return child;
}

async function ready() {
  await eventually(
    async () => {
      try {
        return (await fetch(`${BASE}/healthz`)).status === 200;
      } catch {
        return false;
      }
    },
    { timeoutMs: 180_000, intervalMs: 250, what: "wrangler dev to answer" },
  );
}

async function api(method, path, key, body) {
  const res = await fetch(`${BASE}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body && JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

function kill(child) {
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {}
  return once(child, "exit");
}

/** Every stored event's event_id, read back through the listing (D1 only: the object is left alone). */
async function storedIds(key) {
  const ids = [];
  let cursor = "";
  for (;;) {
    const page = await api("GET", `/v1/events?limit=1000${cursor && `&cursor=${cursor}`}`, key);
    ids.push(...page.body.items.map((e) => e.event_id));
    if (!page.body.next_cursor) return ids;
    cursor = page.body.next_cursor;
  }
}

test("events acknowledged before the runtime is killed are stored once after it restarts, without another request", { timeout: 600_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "edgebeat-event-restart-"));
  const migrate = spawn("bash", ["scripts/wrangler.sh", "d1", "migrations", "apply", "DB", "--local", "--persist-to", dir], {
    cwd: ROOT,
    stdio: "ignore",
  });
  assert.equal((await once(migrate, "exit"))[0], 0, "migrations applied");
  let child = runtime(dir);
  try {
    await ready();
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
    await kill(child); // mid-load: answers in flight are lost, acknowledged ones must not be
    stop = true;
    await load;
    assert.ok(acknowledged.size > 0, "events were acknowledged before the kill");

    child = runtime(dir);
    await ready();
    // Nothing is sent to the ingest routes from here on, nor to the project's object.
    const ids = await eventually(async () => {
      const ids = await storedIds(manage);
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
    console.error(child.output().slice(-4000));
    throw e;
  } finally {
    await kill(child);
    rmSync(dir, { recursive: true, force: true });
  }
});
