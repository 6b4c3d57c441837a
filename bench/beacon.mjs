// npm run bench: in one run, drives the beacon route and a no-op route of the real built
// worker with autocannon (16 connections, 10 s each) and reports req/s, p50/p99, the ratio
// beacon/no-op, workerd CPU µs per request, and the .wasm size raw and gzip.
import autocannon from "autocannon";
import { execSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { startBenchServer } from "./server.mjs";

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
// Enough tokens that none nears 60 pings per 10 s at the rates reached here.
const TOKENS = Number(process.env.BENCH_TOKENS ?? 500);

/** User+system CPU of this run's workerd, in microseconds. */
function workerdCpuMicros() {
  const pids = execSync(`pgrep -P ${process.pid} -x workerd || true`).toString().split("\n").filter(Boolean);
  const ticksPerSecond = Number(execSync("getconf CLK_TCK").toString());
  return pids.reduce((sum, pid) => {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return sum + ((Number(fields[11]) + Number(fields[12])) * 1e6) / ticksPerSecond;
  }, 0);
}

async function load(name, origin, paths, duration = DURATION) {
  let i = 0;
  const cpuBefore = workerdCpuMicros();
  const result = await autocannon({
    url: origin,
    connections: CONNECTIONS,
    duration,
    requests: [{ setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length] }) }],
  });
  const cpu = workerdCpuMicros() - cpuBefore;
  const total = result.requests.total;
  return {
    name,
    requests: total,
    rps: total / duration,
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    statuses: Object.fromEntries(Object.entries(result.statusCodeStats).map(([k, v]) => [k, v.count])),
    errors: result.errors + result.timeouts,
    cpu_us_per_req: total ? cpu / total : null,
  };
}

async function api(origin, path, auth, body) {
  const res = await fetch(origin + path, { method: "POST", headers: { authorization: `Bearer ${auth}` }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

const countPings = async (db) => (await db.prepare("SELECT COUNT(*) AS n FROM pings").first()).n;

async function waitForPings(db, atLeast, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  let n = await countPings(db);
  while (n < atLeast && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    n = await countPings(db);
  }
  return n;
}

const { mf, url, db, adminToken } = await startBenchServer();
try {
  const origin = url.origin;
  const project = await api(origin, "/v1/projects", adminToken, { name: "bench" });
  const { key } = await api(origin, `/v1/projects/${project.id}/keys`, adminToken, { scope: "manage" });
  const tokens = [];
  for (let k = 0; k < TOKENS; k += 50) {
    const batch = Array.from({ length: Math.min(50, TOKENS - k) }, (_, j) => api(origin, "/v1/heartbeat", key, { name: `bench ${k + j}`, interval: 60 }));
    tokens.push(...(await Promise.all(batch)).map((m) => m.token));
  }

  // Warm-up: the isolate, and each token's object (a page's beacon token is hit again and
  // again; its object's first start is a one-off). One warm-up ping per token leaves ample
  // room in each 60-per-10-s window.
  await load("warmup", origin, ["/healthz"], 3);
  for (let k = 0; k < tokens.length; k += 50) {
    await Promise.all(tokens.slice(k, k + 50).map(async (t) => (await fetch(`${origin}/api/v1/beet/${t}`)).arrayBuffer()));
  }
  const warm = await waitForPings(db, tokens.length);

  const noop = await load("GET /healthz (no-op)", origin, ["/healthz"]);
  const beacon = await load(`GET /api/v1/beet/{token}, ${TOKENS} tokens, all accepted`, origin, tokens.map((t) => `/api/v1/beet/${t}`));
  const hot = await load("GET /api/v1/beet/{token}, 1 hot token, rate limited", origin, [`/api/v1/beet/${tokens[0]}`]);

  // Every acknowledged ping must reach D1. Requests in flight when the load generator stops
  // are served and stored but not counted by it, so stored >= acknowledged.
  const acknowledged = (beacon.statuses["200"] ?? 0) + (hot.statuses["200"] ?? 0);
  const stored = (await waitForPings(db, warm + acknowledged)) - warm;

  const wasm = readFileSync("build/index_bg.wasm");
  const summary = {
    date: new Date().toISOString(),
    command: "npm run bench",
    duration_s: DURATION,
    connections: CONNECTIONS,
    runs: [noop, beacon, hot],
    ratio_beacon_over_noop: beacon.rps / noop.rps,
    ratio_hot_token_over_noop: hot.rps / noop.rps,
    acknowledged_pings: acknowledged,
    stored_pings: stored,
    wasm_bytes: wasm.length,
    wasm_gzip_bytes: gzipSync(wasm, { level: 9 }).length,
  };

  console.log(`\nautocannon, ${CONNECTIONS} connections, ${DURATION} s per route, loopback, one run\n`);
  console.log("| route | req/s | p50 ms | p99 ms | workerd CPU µs/req | statuses |");
  console.log("|---|---:|---:|---:|---:|---|");
  for (const r of summary.runs) {
    console.log(`| ${r.name} | ${r.rps.toFixed(0)} | ${r.p50_ms} | ${r.p99_ms} | ${r.cpu_us_per_req?.toFixed(0)} | ${JSON.stringify(r.statuses)} |`);
  }
  console.log(`\nbeacon/no-op req/s: ${summary.ratio_beacon_over_noop.toFixed(2)}; hot limited token/no-op: ${summary.ratio_hot_token_over_noop.toFixed(2)}`);
  console.log(`acknowledged pings: ${acknowledged}; stored in D1 after the run: ${stored}${stored >= acknowledged ? " (none lost)" : " (LOST PINGS)"}`);
  console.log(`wasm: ${summary.wasm_bytes} bytes raw, ${summary.wasm_gzip_bytes} bytes gzip`);
  mkdirSync("bench/results", { recursive: true });
  writeFileSync("bench/results/beacon.json", JSON.stringify(summary, null, 2));
  if (stored < acknowledged) process.exitCode = 1;
} finally {
  await mf.dispose();
}
