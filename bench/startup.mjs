// npm run bench:startup: the built worker's startup as the platform's own tool measures it.
// `wrangler check startup` bundles the worker, starts it in a local workerd with the profiler on
// and reports the CPU its startup took (compiling and instantiating the wasm, the module's top
// level). The platform refuses a worker whose startup takes more than 1 s
// (developers.cloudflare.com/workers/platform/limits, "Worker startup time"). The profiler
// samples coarsely, so the run is repeated (BENCH_STARTUP_RUNS, 9 by default) and the median
// reported beside the spread. Then, as many times, a fresh local server (Miniflare,
// bench/server.mjs) with two monitors made through the API: the first ping after the start (V8
// compiles wasm lazily, so the ping path's own code is compiled on this first use, and its token
// object starts) against a second monitor's first ping right after (the code compiled, its
// object as new). Figures, not a test.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { post, startBenchServer } from "./server.mjs";

const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 9);
const STARTUP_LIMIT_MS = 1000;

/** Wall ms of the first ping after a start and of a second monitor's first ping right after. */
async function firstPings() {
  const server = await startBenchServer();
  try {
    const origin = server.url.origin;
    const project = await post(origin, "/v1/projects", server.adminToken, { name: "startup" });
    const { key } = await post(origin, `/v1/projects/${project.id}/keys`, server.adminToken, { scope: "manage" });
    const [a, b] = await Promise.all([0, 1].map((i) => post(origin, "/v1/heartbeat", key, { name: `startup ${i}`, interval: 60 })));
    const ping = async (token) => {
      const t0 = performance.now();
      const res = await fetch(`${origin}/ping/${token}`);
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`ping answered ${res.status}`);
      return performance.now() - t0;
    };
    const cold = await ping(a.token);
    return { cold_ms: cold, warm_code_ms: await ping(b.token) };
  } finally {
    await server.mf.dispose();
  }
}

// The same worker without wrangler.toml's build command (the build is fresh: scripts/bench.sh
// made it), so each run measures startup and not a rebuild.
const dir = mkdtempSync(join(tmpdir(), "edgebeat-startup-"));
try {
  for (const part of ["build", "public"]) symlinkSync(resolve(part), join(dir, part));
  const config = readFileSync("wrangler.toml", "utf8").replace(/^\[build\]\n(?:[^[\n].*\n)*/m, "");
  if (/^\[build\]/m.test(config)) throw new Error("wrangler.toml's [build] section was not removed");
  writeFileSync(join(dir, "wrangler.toml"), config);
  mkdirSync(join(dir, "logs"));

  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const out = execFileSync(
      process.execPath,
      [resolve("node_modules/wrangler/bin/wrangler.js"), "check", "startup", "--outfile", join(dir, `run-${i}.cpuprofile`)],
      { cwd: dir, encoding: "utf8", env: { ...process.env, WRANGLER_LOG_PATH: join(dir, "logs") }, stdio: ["ignore", "pipe", "pipe"] },
    );
    const active = out.match(/Active: ([\d.]+) ms/);
    const window = out.match(/Profile window: ([\d.]+) ms/);
    if (!active || !window) throw new Error(`wrangler check startup printed no profile:\n${out}`);
    runs.push({ active_ms: Number(active[1]), window_ms: Number(window[1]) });
  }

  const pings = [];
  for (let i = 0; i < RUNS; i++) pings.push(await firstPings());

  const sorted = (key, list = runs) => list.map((r) => r[key]).sort((a, b) => a - b);
  const median = (xs) => xs[Math.floor(xs.length / 2)];
  const active = sorted("active_ms");
  const window = sorted("window_ms");
  const cold = sorted("cold_ms", pings);
  const warm = sorted("warm_code_ms", pings);
  const wasm = readFileSync("build/index_bg.wasm");
  const summary = {
    date: new Date().toISOString(),
    command: "npm run bench:startup",
    runs: RUNS,
    startup_active_ms: { median: median(active), min: active[0], max: active.at(-1) },
    profile_window_ms: { median: median(window), min: window[0], max: window.at(-1) },
    share_of_startup_limit: median(active) / STARTUP_LIMIT_MS,
    first_ping_ms: { median: median(cold), min: cold[0], max: cold.at(-1) },
    second_monitor_first_ping_ms: { median: median(warm), min: warm[0], max: warm.at(-1) },
    wasm_bytes: wasm.length,
    wasm_gzip_bytes: gzipSync(wasm, { level: 9 }).length,
  };
  mkdirSync("bench/results", { recursive: true });
  writeFileSync("bench/results/startup.json", JSON.stringify(summary, null, 2));
  console.log(`wrangler check startup, ${RUNS} runs, local workerd`);
  // The profiler samples about every 10 ms: a start that falls between two samples reads 0.
  const unsampled = active.filter((ms) => ms === 0).length;
  console.log(`startup CPU (active), ms: median ${summary.startup_active_ms.median}, min ${active[0]}, max ${active.at(-1)}${unsampled ? ` (${unsampled} of ${RUNS} runs caught no sample)` : ""}`);
  console.log(`profile window, ms: median ${summary.profile_window_ms.median}, min ${window[0]}, max ${window.at(-1)}`);
  console.log(`median startup / the platform's ${STARTUP_LIMIT_MS} ms limit: ${summary.share_of_startup_limit.toFixed(3)}`);
  const f = (x) => x.toFixed(1);
  console.log(`first ping after a start, wall ms: median ${f(median(cold))}, min ${f(cold[0])}, max ${f(cold.at(-1))}`);
  console.log(`a second monitor's first ping right after, wall ms: median ${f(median(warm))}, min ${f(warm[0])}, max ${f(warm.at(-1))}`);
  console.log(`first ping / second: ${(median(cold) / median(warm)).toFixed(2)}`);
  console.log(`wasm: ${summary.wasm_bytes} bytes raw, ${summary.wasm_gzip_bytes} bytes gzip`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
