// Starts the real built worker (workerd + local D1 + Durable Objects) from wrangler.toml
// through wrangler's test harness, and offers the few helpers every spec uses.
import { createTestHarness } from "wrangler";
import assert from "node:assert/strict";

export const ADMIN_TOKEN = "test-admin-token";
/** Signs the dashboard's session cookies in specs. */
export const SESSION_SECRET = "test-session-secret";
/** The deployment's configured base URL: the only source of URLs in answers. */
export const PUBLIC_URL = "https://edgebeat.test";
const ROOT = new URL("../../", import.meta.url);

/**
 * Starts edgebeat with fresh storage; `prebuiltWorkerDir` comes from `npm test`'s build step.
 */
export async function startEdgebeat({ vars, secrets } = {}) {
  // Webhooks from specs go to receivers on this machine only, whatever a spec (or a fuzzer)
  // stores as a channel URL.
  vars = { WEBHOOK_HOSTS: "127.0.0.1", PUBLIC_URL, ...vars };
  const server = createTestHarness({
    root: ROOT.pathname,
    workers: [
      {
        configPath: "./wrangler.toml",
        prebuiltWorkerDir: process.env.EDGEBEAT_PREBUILT ?? "./.wrangler/dist",
        secrets: { ADMIN_TOKEN, SESSION_SECRET, ...secrets },
        vars,
      },
    ],
  });
  const { url } = await server.listen();
  const worker = server.getWorker();
  await worker.applyD1Migrations("DB");
  const env = await worker.getEnv();
  return new Edgebeat(server, worker, env, url);
}

export class Edgebeat {
  constructor(server, worker, env, url) {
    this.server = server;
    this.worker = worker;
    this.env = env;
    this.url = url;
  }

  close() {
    return this.server.close();
  }

  fetch(path, init = {}) {
    return this.server.fetch(new URL(path, this.url), init);
  }

  /** JSON request with an optional bearer credential; answers {status, headers, body}. */
  async api(method, path, { auth, body, headers = {} } = {}) {
    const h = { ...headers };
    if (auth) h.authorization = `Bearer ${auth}`;
    if (body !== undefined) h["content-type"] = "application/json";
    const res = await this.fetch(path, {
      method,
      headers: h,
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, body: json, text };
  }

  async createProject(name = "acme") {
    const res = await this.api("POST", "/v1/projects", { auth: ADMIN_TOKEN, body: { name } });
    assert.equal(res.status, 201, res.text);
    return res.body;
  }

  async createKey(projectId, scope = "manage", auth = ADMIN_TOKEN) {
    const res = await this.api("POST", `/v1/projects/${projectId}/keys`, { auth, body: { name: `${scope} key`, scope } });
    assert.equal(res.status, 201, res.text);
    return res.body;
  }

  /** A project with a manage key, ready to create monitors. */
  async tenant(name = "acme") {
    const project = await this.createProject(name);
    const key = await this.createKey(project.id, "manage");
    return { project, key: key.key, keyId: key.id };
  }

  async createMonitor(key, body = { name: "nightly backup", interval: 3600 }) {
    const res = await this.api("POST", "/v1/heartbeat", { auth: key, body });
    assert.equal(res.status, 201, res.text);
    return res.body;
  }

  async monitor(key, id) {
    const res = await this.api("GET", `/v1/heartbeat/${id}`, { auth: key });
    assert.equal(res.status, 200, res.text);
    return res.body;
  }

  /** A beacon request; answers {status, headers, bytes}. */
  async beacon(token, init = {}) {
    const res = await this.fetch(`/api/v1/beet/${token}`, init);
    const bytes = new Uint8Array(await res.arrayBuffer());
    return { status: res.status, headers: res.headers, bytes };
  }

  /** Rows of a SQL query against the local D1 the worker uses. */
  async rows(sql, ...params) {
    const { results } = await this.env.DB.prepare(sql).bind(...params).all();
    return results;
  }

  /**
   * A monitor's stored pings, wherever they are kept: its token objects' rings (the current
   * token's and earlier ones') and D1 (what older builds and event names stored there).
   */
  async storedPings(monitorId) {
    const pings = await this.rows("SELECT * FROM pings WHERE monitor_id = ? ORDER BY received_at", monitorId);
    const [m] = await this.rows("SELECT ping_token, history_tokens FROM monitors WHERE id = ?", monitorId);
    if (!m) return pings;
    const ns = this.env.PING_TOKEN;
    for (const token of [...JSON.parse(m.history_tokens ?? "[]"), m.ping_token]) {
      const query = { after: -Number.MAX_SAFE_INTEGER, until: Number.MAX_SAFE_INTEGER, limit: 1_000_000 };
      const res = await ns.get(ns.idFromName(token)).fetch("https://ping-token/log", { method: "POST", body: JSON.stringify(query) });
      assert.equal(res.status, 200);
      pings.push(...(await res.json()).pings);
    }
    return pings.sort((a, b) => a.received_at - b.received_at);
  }
}

/**
 * Polls `probe` until it returns a truthy value or the deadline passes. Accepted pings reach
 * D1 asynchronously (the token's Durable Object flushes them a moment later), so tests wait
 * for the flush by observation, bounded, never by a fixed sleep.
 */
export async function eventually(probe, { timeoutMs = 10_000, intervalMs = 50, what = "condition" } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await probe();
    if (last) return last;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  assert.fail(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}

/**
 * The meter's counts (or their difference over a step) without the deadline shards' part: the
 * work of tokens' objects and the rest, which the cost specs count exactly (a shard's snapshot
 * is shared by all its monitors, and its timing is its own).
 */
export function withoutShards(counts) {
  return {
    ...counts,
    do_requests: counts.do_requests - counts.shard_requests,
    do_rows_written: counts.do_rows_written - counts.shard_rows_written,
    d1_statements: counts.d1_statements - counts.shard_d1_statements,
  };
}

export const GIF_BYTES = Uint8Array.from([
  0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0x21,
  0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44,
  0x01, 0x00, 0x3b,
]);

/** A token's Durable Object as its /state says: the pings it holds for D1 (`pending`), its
 * window, and its flush alarm (`armed`, `armed_at`) and last flush (`last_flush_at`). */
Edgebeat.prototype.tokenState = async function (token) {
  const ns = this.env.PING_TOKEN;
  const res = await ns.get(ns.idFromName(token)).fetch("https://ping-token/state");
  assert.equal(res.status, 200);
  return res.json();
};

/** How many accepted pings a token's Durable Object still holds for D1. */
Edgebeat.prototype.pendingPings = async function (token) {
  return (await this.tokenState(token)).pending;
};

/**
 * D1 refuses every flush of a token's pings (a trigger aborts any update of a monitor's ping
 * count) until `acceptFlushes`; reads and other writes go on.
 */
Edgebeat.prototype.refuseFlushes = async function () {
  await this.env.DB.exec(
    "CREATE TRIGGER refuse_flushes BEFORE UPDATE OF n_pings ON monitors BEGIN SELECT RAISE(ABORT, 'flushes refused'); END",
  );
};

Edgebeat.prototype.acceptFlushes = async function () {
  await this.env.DB.exec("DROP TRIGGER refuse_flushes");
};

/** Runs the Cron Trigger as a real scheduled event at `at` (ms): how specs move time. */
Edgebeat.prototype.sweep = async function (at) {
  const result = await this.worker.scheduled({ cron: "* * * * *", scheduledTime: new Date(at) });
  assert.equal(result.outcome, "ok");
};

/**
 * Waits until the monitor has exactly `count` stored pings and its token's object has applied
 * them all to the monitor in D1 (the flush is asynchronous).
 */
Edgebeat.prototype.storedPingsEventually = async function (monitorId, count, options = {}) {
  return eventually(async () => {
    const pings = await this.storedPings(monitorId);
    if (pings.length !== count) return false;
    const [m] = await this.rows("SELECT ping_token FROM monitors WHERE id = ?", monitorId);
    return (!m || (await this.pendingPings(m.ping_token)) === 0) && pings;
  }, { what: `${count} stored pings`, ...options });
};

/**
 * Waits until D1's monitor row counts `count` pings (its token's object applied them), reading
 * D1 alone: no request reaches the worker or an object, so the meter sees none.
 */
Edgebeat.prototype.appliedEventually = async function (monitorId, count, options = {}) {
  return eventually(async () => {
    const [m] = await this.rows("SELECT n_pings FROM monitors WHERE id = ?", monitorId);
    return m?.n_pings === count;
  }, { what: `${count} pings applied`, ...options });
};

/** A monitor that has pinged once, as shown once that ping is applied (its status is no longer new). */
Edgebeat.prototype.pingedMonitor = async function (key, body) {
  const m = await this.createMonitor(key, body);
  const ping = await this.api("GET", `/v1/heartbeat/${m.token}`);
  assert.equal(ping.status, 200, ping.text);
  return eventually(async () => {
    const shown = await this.monitor(key, m.id);
    return shown.status !== "new" && shown;
  }, { what: "the first ping applied" });
};
