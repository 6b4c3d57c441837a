// Kill the runtime mid-load (SIGKILL, no chance to flush), start it again on the same local
// state, send nothing more: every ping it acknowledged before dying reaches D1, once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { ADMIN_TOKEN, eventually } from "./support/edgebeat.mjs";

const ROOT = new URL("../", import.meta.url).pathname;
const PORT = 18_000 + (process.pid % 1_000);
const BASE = `http://127.0.0.1:${PORT}`;

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

test("pings acknowledged before the runtime is killed are stored after it restarts, without another ping", { timeout: 600_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "edgebeat-restart-"));
  const migrate = spawn("bash", ["scripts/wrangler.sh", "d1", "migrations", "apply", "DB", "--local", "--persist-to", dir], {
    cwd: ROOT,
    stdio: "ignore",
  });
  assert.equal((await once(migrate, "exit"))[0], 0, "migrations applied");
  let child = runtime(dir);
  try {
    await ready();
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
    await kill(child); // mid-load: answers in flight are lost, acknowledged ones must not be
    stop = true;
    await load;
    const total = [...acknowledged.values()].reduce((a, b) => a + b, 0);
    assert.ok(total > 0, "pings were acknowledged before the kill");

    child = runtime(dir);
    await ready();
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
    console.error(child.output().slice(-4000));
    throw e;
  } finally {
    await kill(child);
    rmSync(dir, { recursive: true, force: true });
  }
});
