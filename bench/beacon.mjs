// npm run bench: in one run, drives the beacon route and a no-op route of the real built
// worker with autocannon (16 connections, 10 s each) and reports req/s, p50/p99, the ratio
// beacon/no-op, workerd CPU µs per request, the billable work per accepted ping (Durable
// Object requests and rows written, D1 statements and rows, from the worker's own meter),
// where the CPU goes (a no-op, a bare round trip to the token's object, the floor: that trip
// with one durable row written, accepting without flushing, the whole path), and the .wasm
// size raw and gzip. Then a quiet-token run (cron jobs pinging once a minute, time
// compressed) and, for both kinds, the dollars per million accepted pings that the counters
// add up to at published prices (bench/prices.mjs).
import autocannon from "autocannon";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { d1Size, flushTokens, post, readMeter as meter, startBenchServer, waitForPings, workerdCpuMicros } from "./server.mjs";
import { dollarsPerMillion, FLOOR_PER_MILLION } from "./prices.mjs";

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
// Enough tokens that none nears 60 pings per 10 s at the rates reached here.
const TOKENS = Number(process.env.BENCH_TOKENS ?? 500);
// The quiet-token case: cron jobs pinging once a minute. Time is compressed 40-fold: a round
// starts every 1.5 s and stands for a minute, and the calm flush (40 min in production), the
// shards' snapshots (5 min apart) and the tell step (10 s) run 40 times faster too, so the
// counters per ping are those of a minute-apart cron job over two whole calm windows.
const QUIET_TOKENS = Number(process.env.BENCH_QUIET_TOKENS ?? 200);
const QUIET_ROUNDS = Number(process.env.BENCH_QUIET_ROUNDS ?? 80);
const QUIET_SPEEDUP = 40;
const QUIET_GAP_MS = 60_000 / QUIET_SPEEDUP;

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

const perPing = (after, before, n) =>
  Object.fromEntries(Object.keys(after).map((k) => [k, n ? (after[k] - before[k]) / n : null]));

/** A server with 500 warm beacon tokens (one stored ping each). */
async function prepared(vars = {}) {
  const server = await startBenchServer({ vars: { EDGEBEAT_METER: "1", ...vars } });
  const origin = server.url.origin;
  const project = await post(origin, "/v1/projects", server.adminToken, { name: "bench" });
  const { key } = await post(origin, `/v1/projects/${project.id}/keys`, server.adminToken, { scope: "manage" });
  const tokens = [];
  for (let k = 0; k < TOKENS; k += 50) {
    const batch = Array.from({ length: Math.min(50, TOKENS - k) }, (_, j) => post(origin, "/v1/heartbeat", key, { name: `bench ${k + j}`, interval: 60 }));
    tokens.push(...(await Promise.all(batch)).map((m) => m.token));
  }
  await load("warmup", origin, ["/healthz"], 3);
  return { ...server, origin, tokens };
}

/** Each token's object started and its monitor looked up (a page's beacon token is hit again
 * and again; its object's first start is a one-off), right before a measured run, since idle
 * objects are evicted. One ping per token leaves ample room in each 60-per-10-s window. */
async function warmTokens(origin, tokens) {
  for (let k = 0; k < tokens.length; k += 50) {
    await Promise.all(tokens.slice(k, k + 50).map(async (t) => (await fetch(`${origin}/api/v1/beet/${t}`)).arrayBuffer()));
  }
}

const beetPaths = (tokens) => tokens.map((t) => `/api/v1/beet/${t}`);

let summary;

/** Quiet tokens: each pings once per round, rounds QUIET_GAP_MS apart; the meter is read
 * from the end of three warm-up rounds to the end of the last round, then every token's object
 * is flushed and D1 counted. */
async function quietTokens() {
  const { mf, db, origin, tokens } = await prepared({
    PING_CALM_FLUSH_MS: String(2_400_000 / QUIET_SPEEDUP),
    DEADLINE_PERSIST_MS: String(300_000 / QUIET_SPEEDUP),
    DEADLINE_TELL_STEP_MS: String(10_000 / QUIET_SPEEDUP),
  });
  const quiet = tokens.slice(0, QUIET_TOKENS);
  // A round starts QUIET_GAP_MS after the one before (or when it ends, if later).
  let nextStart = 0;
  const round = async () => {
    await new Promise((r) => setTimeout(r, Math.max(0, nextStart - Date.now())));
    nextStart = Date.now() + QUIET_GAP_MS;
    for (let k = 0; k < quiet.length; k += 50) {
      await Promise.all(quiet.slice(k, k + 50).map(async (t) => {
        const res = await fetch(`${origin}/ping/${t}`);
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`quiet ping: ${res.status}`);
      }));
    }
  };
  try {
    // Warm-up: the objects' first lookups (a new monitor's first ping flushes at once), the
    // first tells (the shards' snapshots follow), then the check-ins whose tells find them and
    // whose flush pushes D1's deadline out.
    let warm = 0;
    for (let r = 1; r <= 3; r++) {
      await round();
      await flushTokens(mf, quiet); // a token already calm holds its check-in
      warm = await waitForPings(db, r * quiet.length);
    }
    await new Promise((r) => setTimeout(r, QUIET_GAP_MS));
    const before = await meter(origin);
    for (let r = 0; r < QUIET_ROUNDS; r++) await round();
    await new Promise((res) => setTimeout(res, QUIET_GAP_MS));
    const billed = perPing(await meter(origin), before, quiet.length * QUIET_ROUNDS);
    // Then what the objects still hold (at most a calm window's pings each) goes to D1.
    await flushTokens(mf, quiet);
    const acknowledged = quiet.length * QUIET_ROUNDS;
    const stored = (await waitForPings(db, warm + acknowledged)) - warm;
    return { tokens: quiet.length, rounds: QUIET_ROUNDS, gap_ms: QUIET_GAP_MS, speedup: QUIET_SPEEDUP, acknowledged, stored, billed };
  } finally {
    await mf.dispose();
  }
}

// Part switched off: the flush to D1 (held for an hour), so the CPU is the accept path alone.
{
  const { mf, origin, tokens } = await prepared({ PING_FLUSH_DELAY_MS: "3600000" });
  try {
    await warmTokens(origin, tokens);
    var echo = await load("worker -> token object round trip (records nothing)", origin, tokens.map((t) => `/__meter/echo/${t}`));
    // The floor the issue names: one request, one object call, one durable row (no ledger, no
    // ring): what any design that stores a ping before acknowledging it pays on this disk.
    var floor = await load("worker -> token object, one durable row (the floor)", origin, tokens.map((t) => `/__meter/floor/${t}`));
    var held = await load("beacon ping accepted, flush to D1 switched off", origin, beetPaths(tokens));
  } finally {
    await mf.dispose();
  }
}

const { mf, db, origin, tokens } = await prepared();
try {
  const noop = await load("GET /healthz (no-op)", origin, ["/healthz"]);
  await warmTokens(origin, tokens);
  const warm = await waitForPings(db, tokens.length);
  const sizeBefore = await d1Size(db);
  const before = await meter(origin);
  const beacon = await load(`GET /api/v1/beet/{token}, ${TOKENS} tokens, all accepted`, origin, beetPaths(tokens));
  // Every acknowledged ping must reach D1. Requests in flight when the load generator stops
  // are served and stored but not counted by it, so stored >= acknowledged. Tokens that went
  // calm during the run (their shard holds their deadline) still hold their check-ins: they are
  // flushed now, inside the metered span, as their calm flush would.
  const accepted = beacon.statuses["200"] ?? 0;
  await flushTokens(mf, tokens);
  const storedAfterBeacon = await waitForPings(db, warm + accepted);
  await new Promise((r) => setTimeout(r, 2_000)); // the last flushes' alarm bookkeeping
  const billed = perPing(await meter(origin), before, storedAfterBeacon - warm);
  const d1BytesPerPing = ((await d1Size(db)) - sizeBefore) / (storedAfterBeacon - warm);
  const hot = await load("GET /api/v1/beet/{token}, 1 hot token, rate limited", origin, [`/api/v1/beet/${tokens[0]}`]);
  const acknowledged = accepted + (hot.statuses["200"] ?? 0);
  await flushTokens(mf, [tokens[0]]);
  const stored = (await waitForPings(db, warm + acknowledged)) - warm;

  const wasm = readFileSync("build/index_bg.wasm");
  summary = {
    date: new Date().toISOString(),
    command: "npm run bench",
    duration_s: DURATION,
    connections: CONNECTIONS,
    runs: [noop, echo, floor, held, beacon, hot],
    ratio_beacon_over_noop: beacon.rps / noop.rps,
    ratio_floor_over_noop: floor.rps / noop.rps,
    ratio_hot_token_over_noop: hot.rps / noop.rps,
    per_accepted_ping: { ...billed, d1_bytes: d1BytesPerPing },
    cpu_breakdown_us: {
      noop_request: noop.cpu_us_per_req,
      object_round_trip: echo.cpu_us_per_req - noop.cpu_us_per_req,
      accept_in_object: held.cpu_us_per_req - echo.cpu_us_per_req,
      flush_to_d1: beacon.cpu_us_per_req - held.cpu_us_per_req,
      total: beacon.cpu_us_per_req,
    },
    acknowledged_pings: acknowledged,
    stored_pings: stored,
    wasm_bytes: wasm.length,
    wasm_gzip_bytes: gzipSync(wasm, { level: 9 }).length,
  };
  if (stored < acknowledged) process.exitCode = 1;
} finally {
  await mf.dispose();
}
summary.quiet = await quietTokens();
if (summary.quiet.stored < summary.quiet.acknowledged) process.exitCode = 1;
summary.dollars_per_million = {
  busy: dollarsPerMillion(summary.per_accepted_ping),
  quiet: dollarsPerMillion(summary.quiet.billed),
  floor: FLOOR_PER_MILLION,
};

console.log(`\nautocannon, ${CONNECTIONS} connections, ${DURATION} s per route, loopback, one run\n`);
console.log("| route | req/s | x no-op | p50 ms | p99 ms | workerd CPU µs/req | statuses |");
console.log("|---|---:|---:|---:|---:|---:|---|");
const noopRps = summary.runs[0].rps;
for (const r of summary.runs) {
  console.log(`| ${r.name} | ${r.rps.toFixed(0)} | ${(r.rps / noopRps).toFixed(2)} | ${r.p50_ms} | ${r.p99_ms} | ${r.cpu_us_per_req?.toFixed(0)} | ${JSON.stringify(r.statuses)} |`);
}
const b = summary.cpu_breakdown_us;
console.log(`\nCPU per accepted ping, µs: no-op request ${b.noop_request.toFixed(0)} + round trip to the token object ${b.object_round_trip.toFixed(0)} + accepting in the object ${b.accept_in_object.toFixed(0)} + flush to D1 ${b.flush_to_d1.toFixed(0)} = ${b.total.toFixed(0)}`);
const m = summary.per_accepted_ping;
console.log(`per accepted ping (beacon run): ${m.worker_requests.toFixed(2)} worker requests, ${m.do_requests.toFixed(3)} DO requests (${m.do_alarms.toFixed(3)} alarms), ${m.do_rows_written.toFixed(3)} DO rows written, ${m.d1_statements.toFixed(3)} D1 statements, ${m.d1_rows_written.toFixed(3)} D1 rows written, ${m.d1_rows_read.toFixed(3)} D1 rows read`);
console.log(`D1 database growth per accepted ping: ${m.d1_bytes.toFixed(0)} bytes (rows and indexes)`);
console.log(`beacon/no-op req/s: ${summary.ratio_beacon_over_noop.toFixed(2)}; the floor/no-op: ${summary.ratio_floor_over_noop.toFixed(2)}; beacon/the floor: ${(summary.ratio_beacon_over_noop / summary.ratio_floor_over_noop).toFixed(2)}; hot limited token/no-op: ${summary.ratio_hot_token_over_noop.toFixed(2)}`);
console.log(`acknowledged pings: ${summary.acknowledged_pings}; applied in D1 after the run (each kept in its token object): ${summary.stored_pings}${summary.stored_pings >= summary.acknowledged_pings ? " (none lost)" : " (LOST PINGS)"}`);
console.log(`wasm: ${summary.wasm_bytes} bytes raw, ${summary.wasm_gzip_bytes} bytes gzip`);
const q = summary.quiet;
console.log(`\nper accepted ping, by token kind (the meter's counters; $ at published prices, bench/prices.mjs):`);
console.log("| token | worker req | DO req | DO rows | D1 stmts | D1 rows written | D1 rows read | $ per million pings |");
console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
const row = (name, c, dollars) =>
  console.log(`| ${name} | ${c.worker_requests.toFixed(2)} | ${c.do_requests.toFixed(3)} | ${c.do_rows_written.toFixed(3)} | ${c.d1_statements.toFixed(3)} | ${c.d1_rows_written.toFixed(3)} | ${c.d1_rows_read.toFixed(3)} | ${dollars.toFixed(2)} |`);
row(`quiet (${q.tokens} tokens, a ping each every ${(q.gap_ms * q.speedup) / 1000} s compressed ${q.speedup}x, ${q.rounds} rounds)`, q.billed, summary.dollars_per_million.quiet);
row(`busy (the beacon run, ${m.do_alarms ? (1 / m.do_alarms).toFixed(1) : "-"} pings per flush)`, m, summary.dollars_per_million.busy);
console.log(`| the floor (one request, one object call, one durable row) | 1 | 1 | 1 | 0 | 0 | 0 | ${FLOOR_PER_MILLION.toFixed(2)} |`);
console.log(`quiet pings acknowledged: ${q.acknowledged}; stored: ${q.stored}${q.stored >= q.acknowledged ? " (none lost)" : " (LOST PINGS)"}`);
mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/beacon.json", JSON.stringify(summary, null, 2));
