// npm run bench:ingest: in one run, drives the event ingest route of the real built worker
// (Miniflare direct, no dev proxy) with autocannon and reports: events/s accepted with
// 500-event batches, p50/p99 of 100-event batches, 1-event requests from 64 connections
// against the no-op route, D1 statements and rows written per accepted event (as the
// projects' objects count their flushes), workerd CPU, and acknowledged vs stored events.
import autocannon from "autocannon";
import { mkdirSync, writeFileSync } from "node:fs";
import { startBenchServer, workerdCpuMicros } from "./server.mjs";

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const SINGLE_CONNECTIONS = 64;
/** Latency of 100-event batches is measured at a light load (a few senders), not saturated. */
const LATENCY_CONNECTIONS = Number(process.env.BENCH_LATENCY_CONNECTIONS ?? 2);

async function load(name, options, { connections = CONNECTIONS, duration = DURATION, eventsPerRequest = 0 } = {}) {
  const cpuBefore = workerdCpuMicros();
  const result = await autocannon({ connections, duration, ...options });
  const cpu = workerdCpuMicros() - cpuBefore;
  const total = result.requests.total;
  const ok = (result.statusCodeStats["200"]?.count ?? 0) + (result.statusCodeStats["202"]?.count ?? 0);
  return {
    name,
    connections,
    requests: total,
    rps: total / duration,
    events_per_s: (ok * eventsPerRequest) / duration,
    acknowledged_events: ok * eventsPerRequest,
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    statuses: Object.fromEntries(Object.entries(result.statusCodeStats).map(([k, v]) => [k, v.count])),
    errors: result.errors + result.timeouts,
    cpu_us_per_req: total ? cpu / total : null,
    cpu_us_per_event: ok && eventsPerRequest ? cpu / (ok * eventsPerRequest) : null,
  };
}

async function call(origin, method, path, auth, body) {
  const res = await fetch(origin + path, { method, headers: { authorization: `Bearer ${auth}` }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** A project whose rate will not limit the run, and an ingest key for it. */
async function project(origin, adminToken, name) {
  const p = await call(origin, "POST", "/v1/projects", adminToken, { name });
  await call(origin, "PATCH", `/v1/projects/${p.id}`, adminToken, { event_rate_per_min: 100_000_000 });
  const { key } = await call(origin, "POST", `/v1/projects/${p.id}/keys`, adminToken, { scope: "ingest" });
  return { id: p.id, key };
}

function batch(n) {
  return JSON.stringify({
    events: Array.from({ length: n }, (_, i) => ({
      event_type: i % 2 ? "play_start" : "heartbeat",
      session_id: "sess_a1b2c3d4",
      content_id: "aashiqana_s04e12",
      position_sec: i,
      bitrate_kbps: 4500,
      context: { device_type: "tv", app_version: "4.12.0" },
    })),
  });
}

function ingestRequest(key, n) {
  return {
    method: "POST",
    headers: { "x-api-key": key, "content-type": "application/json" },
    body: batch(n),
  };
}

const countEvents = async (db, projectId) =>
  (await db.prepare("SELECT COUNT(*) AS n FROM events WHERE project_id = ?").bind(projectId).first()).n;

async function objectState(mf, projectId) {
  const ns = await mf.getDurableObjectNamespace("PROJECT_INGEST");
  const res = await ns.get(ns.idFromName(projectId)).fetch("https://project-ingest/state", { headers: { "x-edgebeat-project": projectId } });
  return res.json();
}

/** Waits until every project's object has flushed everything; answers D1's counts. */
async function drain(mf, db, projects, timeoutMs = 300_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = await Promise.all(projects.map((p) => objectState(mf, p.id)));
    if (states.every((s) => s.pending_events === 0) || Date.now() > deadline) {
      const stored = await Promise.all(projects.map((p) => countEvents(db, p.id)));
      return { states, stored };
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

const { mf, url, db, adminToken } = await startBenchServer();
try {
  const origin = url.origin;
  const big = await project(origin, adminToken, "bench 500");
  const mid = await project(origin, adminToken, "bench 100");
  const single = await project(origin, adminToken, "bench 1");
  const projects = [big, mid, single];

  // Warm-up: the isolate, each project's object and its first flush.
  await load("warmup", { url: `${origin}/healthz` }, { duration: 2 });
  for (const p of projects) await fetch(`${origin}/v1/ingest/events`, ingestRequest(p.key, 1));
  const warm = await drain(mf, db, projects);

  const noop = await load("GET /healthz (no-op), 64 connections", { url: `${origin}/healthz` }, { connections: SINGLE_CONNECTIONS });
  // Each phase is drained before the next, and its object's flush costs read at once (an idle
  // object is evicted, and its counters with it).
  const phase = async (name, p, n, connections) => {
    const run = await load(name, { url: `${origin}/v1/ingest/events`, ...ingestRequest(p.key, n) }, { connections, eventsPerRequest: n });
    const drainStart = Date.now();
    const before = warm.stored[projects.indexOf(p)];
    const { states, stored } = await drain(mf, db, [p]);
    run.drain_s = (Date.now() - drainStart) / 1000;
    run.stored_events = stored[0] - before;
    run.flushed = states[0].flushed;
    return run;
  };
  const batches500 = await phase(`POST /v1/ingest/events, 500-event batches, ${CONNECTIONS} connections`, big, 500, CONNECTIONS);
  const batches100 = await phase(`POST /v1/ingest/events, 100-event batches, ${LATENCY_CONNECTIONS} connections`, mid, 100, LATENCY_CONNECTIONS);
  const singles = await phase("POST /v1/ingest/events, 1 event, 64 connections", single, 1, SINGLE_CONNECTIONS);
  const runs = [noop, batches500, batches100, singles];
  const ingestRuns = [batches500, batches100, singles];
  const flushCost = (r) => ({
    flushes: r.flushed.flushes,
    events_flushed: r.flushed.events,
    d1_statements_per_event: r.flushed.events ? r.flushed.statements / r.flushed.events : null,
    d1_rows_written_per_event: r.flushed.events ? r.flushed.rows_written / r.flushed.events : null,
    d1_ms_per_1000_events: r.flushed.events ? (1000 * r.flushed.d1_ms) / r.flushed.events : null,
  });
  const summary = {
    date: new Date().toISOString(),
    command: "npm run bench:ingest",
    duration_s: DURATION,
    runs,
    ratio_single_event_over_noop: singles.rps / noop.rps,
    flush_cost: Object.fromEntries(ingestRuns.map((r) => [r.name, flushCost(r)])),
  };

  console.log(`\nautocannon, ${DURATION} s per run, loopback, one run\n`);
  console.log("| run | conns | req/s | events/s | p50 ms | p99 ms | workerd CPU µs/req | µs/event | statuses |");
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---|");
  for (const r of runs) {
    const perEvent = r.cpu_us_per_event ? r.cpu_us_per_event.toFixed(1) : "";
    console.log(
      `| ${r.name} | ${r.connections} | ${r.rps.toFixed(0)} | ${r.events_per_s ? r.events_per_s.toFixed(0) : ""} | ${r.p50_ms} | ${r.p99_ms} | ${r.cpu_us_per_req?.toFixed(0)} | ${perEvent} | ${JSON.stringify(r.statuses)} |`,
    );
  }
  console.log(`\n1-event requests / no-op req/s (64 connections each): ${summary.ratio_single_event_over_noop.toFixed(2)}`);
  console.log("\n| run | flushes | events flushed | D1 statements/event | D1 rows written/event | D1 ms/1000 events | acknowledged | stored | drained after |");
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of ingestRuns) {
    const c = flushCost(r);
    console.log(
      `| ${r.name} | ${c.flushes} | ${c.events_flushed} | ${c.d1_statements_per_event?.toFixed(4)} | ${c.d1_rows_written_per_event?.toFixed(2)} | ${c.d1_ms_per_1000_events?.toFixed(0)} | ${r.acknowledged_events} | ${r.stored_events} | ${r.drain_s.toFixed(1)} s |`,
    );
  }
  const lost = ingestRuns.some((r) => r.stored_events < r.acknowledged_events);
  console.log(`\nacknowledged vs stored: ${lost ? "LOST EVENTS" : "none lost (stored >= acknowledged: requests in flight at the stop are stored but not counted)"}`);
  mkdirSync("bench/results", { recursive: true });
  writeFileSync("bench/results/ingest.json", JSON.stringify(summary, null, 2));
  if (lost) process.exitCode = 1;
} finally {
  await mf.dispose();
}
