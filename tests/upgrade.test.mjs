// An object written by an older build upgrades with what it holds: its storage is rewritten
// to the older layout on disk between two runs of `wrangler dev` on the same state, and every
// ping it held reaches D1 once, without another ping. The same way, an object whose checkpoint
// was lost after D1 took a flush counts those pings once when it flushes them again.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { ADMIN_TOKEN, eventually } from "./support/edgebeat.mjs";
import { DevRuntime } from "./support/wrangler-dev.mjs";

/** The SQLite files of the token objects under a persisted state. */
function tokenObjectFiles(dir) {
  const root = join(dir, "v3", "do");
  return readdirSync(root)
    .filter((d) => d.includes("PingToken"))
    .flatMap((d) => readdirSync(join(root, d)).filter((f) => f.endsWith(".sqlite")).map((f) => join(root, d, f)));
}

/** The SQLite file of the local D1 database under a persisted state. */
function d1File(dir) {
  const root = join(dir, "v3", "d1");
  return readdirSync(root)
    .flatMap((d) => readdirSync(join(root, d)).filter((f) => f.endsWith(".sqlite")).map((f) => join(root, d, f)))
    .find((f) => {
      const db = new DatabaseSync(f);
      try {
        return db.prepare("SELECT 1 AS found FROM sqlite_master WHERE name = 'pings'").get() !== undefined;
      } finally {
        db.close();
      }
    });
}

/** Rewrites a token object's storage as builds before the ring kept it: the pings D1 has in
 * D1's pings table, those it lacks in one `held` row of a flush window, and a checkpoint that
 * does not say what D1 has. */
function toHeldRowLayout(file, d1) {
  const db = new DatabaseSync(file);
  const main = new DatabaseSync(d1);
  try {
    const { state } = db.prepare("SELECT state FROM ledger WHERE id = 1").get();
    const { flushed_seq: flushed } = JSON.parse(state);
    const rows = db.prepare("SELECT seq, ping FROM ring ORDER BY seq").all();
    for (const row of rows.filter((r) => r.seq < flushed)) {
      const p = JSON.parse(row.ping);
      main.prepare("INSERT INTO pings (id, monitor_id, received_at, kind, source, method) VALUES (?, ?, ?, ?, ?, ?)")
        .run(p.id, p.monitor_id, p.received_at, p.kind, p.source, p.method);
    }
    const held = rows.filter((r) => r.seq >= flushed).map((r) => JSON.parse(r.ping));
    db.exec("CREATE TABLE held (batch INTEGER PRIMARY KEY, n INTEGER NOT NULL, pings TEXT NOT NULL)");
    db.prepare("INSERT INTO held (batch, n, pings) VALUES (0, ?, ?)").run(held.length, JSON.stringify(held));
    db.exec("DROP TABLE ring");
    db.exec("UPDATE ledger SET state = json_remove(state, '$.flushed_seq', '$.rolled_seq', '$.log_from_seq')");
    return held.length;
  } finally {
    db.close();
    main.close();
  }
}

/** Runs `body` on a persisted `wrangler dev` of its own (port base + this process's pid), its
 * output printed when the body fails, disposed of after. */
async function withRuntime(name, portBase, body) {
  const rt = await DevRuntime.create(name, portBase + (process.pid % 1_000));
  try {
    await body(rt);
  } catch (e) {
    console.error(rt.output?.().slice(-4000));
    throw e;
  } finally {
    await rt.dispose();
  }
}

/** Pings stay held for ten minutes unless a read moves them. */
const HELD = { PING_FLUSH_DELAY_MS: "600000", PING_BUSY_FLUSH_DELAY_MS: "600000" };

/** Starts `rt` with pings held, makes a project, a manage key and one monitor: answers the key,
 * the monitor and a function that pings it (expecting 200). */
async function heldMonitor(rt, name) {
  const api = rt.api.bind(rt);
  await rt.start(HELD);
  const project = await api("POST", "/v1/projects", ADMIN_TOKEN, { name });
  const key = (await api("POST", `/v1/projects/${project.body.id}/keys`, ADMIN_TOKEN, { scope: "manage" })).body.key;
  const m = (await api("POST", "/v1/heartbeat", key, { name, interval: 3600 })).body;
  const ping = async () => assert.equal((await fetch(`${rt.base}/ping/${m.token}`)).status, 200);
  return { key, m, ping };
}

test("a token object of the held-row layout moves its held pings to D1 after the upgrade", { timeout: 600_000 }, () =>
  withRuntime("upgrade", 19_000, async (rt) => {
    const api = rt.api.bind(rt);
    const { key, m, ping } = await heldMonitor(rt, "old object");
    await ping();
    // A read moves the first ping to D1 and writes the checkpoint; two more stay held.
    assert.equal((await api("GET", `/v1/heartbeat/${m.id}`, key)).body.n_pings, 1);
    await ping();
    await ping();
    await rt.kill();

    const [file] = tokenObjectFiles(rt.dir);
    assert.ok(file, "the token's object has its storage on disk");
    assert.equal(toHeldRowLayout(file, d1File(rt.dir)), 2, "two pings held in the old layout");

    await rt.start();
    // Nothing is sent to the ping routes from here on: the read asks the object to flush.
    const n = await eventually(async () => {
      const shown = await api("GET", `/v1/heartbeat/${m.id}`, key);
      return shown.body.n_pings === 3 && shown.body.n_pings;
    }, { timeoutMs: 60_000, intervalMs: 500, what: "the three pings in D1" });
    assert.equal(n, 3);
    const events = (await api("GET", `/v1/heartbeat/${m.id}/events`, key)).body;
    assert.equal(events.items.length, 3);
  }),
);

test("a flush repeated after D1 took it (its checkpoint lost to a reset) counts each ping once, beside newer pings", { timeout: 600_000 }, () =>
  withRuntime("reflush", 20_000, async (rt) => {
    const api = rt.api.bind(rt);
    const { key, m, ping } = await heldMonitor(rt, "reflushed");
    const shown = async () => (await api("GET", `/v1/heartbeat/${m.id}`, key)).body.n_pings;
    await ping();
    await ping();
    await ping();
    // A read moves the three to D1 and the checkpoint says so.
    assert.equal(await shown(), 3);
    await rt.kill();

    // The checkpoint written after that flush is lost, as when a reset comes between D1's
    // commit and the object's: the object takes the last two pings for held again.
    const [file] = tokenObjectFiles(rt.dir);
    const db = new DatabaseSync(file);
    try {
      db.exec("UPDATE ledger SET state = json_set(state, '$.flushed_seq', 1)");
    } finally {
      db.close();
    }

    await rt.start(HELD);
    // Two new pings join them in the next flush: only the new ones count.
    await ping();
    await ping();
    assert.equal(await shown(), 5, "the three counted once, the two new ones once");
    const events = (await api("GET", `/v1/heartbeat/${m.id}/events`, key)).body;
    assert.equal(events.items.length, 5);
  }),
);
