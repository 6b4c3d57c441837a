// The bench's server: Miniflare driven directly (workerd with no dev proxy in front), with
// every binding read from wrangler.toml (the static assets aside), serving the build that
// `npm run bench` made.
import { Miniflare, convertV4MiniflareOptions } from "miniflare";
import { unstable_getMiniflareWorkerOptions, unstable_splitSqlQuery } from "wrangler";
import { execSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

export async function startBenchServer({ port = 0, vars = {}, dashboard = false } = {}) {
  // The dashboard's static files are left out unless a bench drives the dashboard: on
  // Cloudflare the assets layer answers before the worker and bills nothing to it, while
  // locally its router would run in the same workerd in front of every request (about 1 ms of
  // CPU each here), measuring the router, not edgebeat.
  const { assets, ...workerOptions } = unstable_getMiniflareWorkerOptions("wrangler.toml").workerOptions;
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      ...workerOptions,
      ...(dashboard ? { assets } : {}),
      name: "edgebeat",
      modulesRoot: ".",
      modules: [
        { type: "ESModule", path: "build/index.js" },
        { type: "CompiledWasm", path: "build/index_bg.wasm" },
      ],
      bindings: { ...(workerOptions.bindings ?? {}), ADMIN_TOKEN: "bench-admin-token", ...vars },
      host: "127.0.0.1",
      port,
      // BENCH_INSPECTOR_PORT=9230: workerd's V8 inspector, for bench/profile.mjs.
      ...(process.env.BENCH_INSPECTOR_PORT ? { inspectorPort: Number(process.env.BENCH_INSPECTOR_PORT) } : {}),
    }),
  );
  const url = await mf.ready;
  const db = await mf.getD1Database("DB");
  for (const file of readdirSync("migrations").filter((f) => f.endsWith(".sql")).sort()) {
    for (const statement of unstable_splitSqlQuery(readFileSync(`migrations/${file}`, "utf8"))) {
      await db.prepare(statement).run();
    }
  }
  return { mf, url, db, adminToken: "bench-admin-token" };
}

/** A POST to the management API with a bearer credential; answers the JSON, throws on an error. */
export async function post(origin, path, auth, body) {
  const res = await fetch(origin + path, { method: "POST", headers: { authorization: `Bearer ${auth}` }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** User+system CPU of this run's workerd, in microseconds. */
export function workerdCpuMicros() {
  const pids = execSync(`pgrep -P ${process.pid} -x workerd || true`).toString().split("\n").filter(Boolean);
  const ticksPerSecond = Number(execSync("getconf CLK_TCK").toString());
  return pids.reduce((sum, pid) => {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return sum + ((Number(fields[11]) + Number(fields[12])) * 1e6) / ticksPerSecond;
  }, 0);
}

/** The worker's billable-work counters (the var EDGEBEAT_METER is 1 on the benches' servers). */
export const readMeter = async (origin) => (await fetch(`${origin}/__meter`)).json();

/** The local D1 database's size in bytes. */
export const d1Size = async (db) => (await db.prepare("SELECT 1").run()).meta.size_after;

/** Pings applied to their monitors in D1 (each counted once; the pings themselves stay in
 * their token objects' rings). */
const countPings = async (db) => (await db.prepare("SELECT COALESCE(SUM(n_pings), 0) AS n FROM monitors").first()).n;

/** The pings applied in D1 once there are at least `atLeast` (flushes are asynchronous), or
 * when `timeoutMs` has passed: a bench compares it with the pings acknowledged. */
export async function waitForPings(db, atLeast, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  let n = await countPings(db);
  while (n < atLeast && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    n = await countPings(db);
  }
  return n;
}

/** Has every token's object move what it holds to D1 now, `concurrency` objects at a time (a
 * token whose deadline shard holds its deadline keeps its check-ins for the calm flush, up to
 * 40 minutes). */
export async function flushTokens(mf, tokens, concurrency = 50) {
  const ns = await mf.getDurableObjectNamespace("PING_TOKEN");
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < tokens.length) {
      const token = tokens[next++];
      await (await ns.get(ns.idFromName(token)).fetch("https://ping-token/flush")).arrayBuffer();
    }
  }));
}
