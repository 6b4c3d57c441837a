// npm run bench:dashboard: the monitor list page at 100, 1,000 and 10,000 monitors. Fills a
// local deployment straight through D1 (monitors created two days ago, a ping an hour each
// for the last 24 hours), then in headless Chromium measures the list's first paint (from
// navigation to the table of the first page with its strips), the requests the page makes to
// open and per refresh, and the D1 statements a refresh costs (the worker's own meter). With
// BENCH_OLD=1 it also drives main's list page (every monitor, a statistic each), served in
// place of today's through request interception, up to BENCH_OLD_MAX monitors (1,000).
// Results go to bench/results/dashboard-<time>.md (git-ignored) and stdout. Figures, not a test.
import { mkdirSync, writeFileSync, existsSync } from "node:fs";
import { execSync } from "node:child_process";
import { readMeter, startBenchServer } from "./server.mjs";

const SIZES = (process.env.BENCH_SIZES ?? "100,1000,10000").split(",").map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const OLD = process.env.BENCH_OLD === "1";
const OLD_MAX = Number(process.env.BENCH_OLD_MAX ?? 1_000);
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const CHUNK = 1_000;
const HOUR = 3_600_000;

if (!existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM}`);

const server = await startBenchServer({ vars: { EDGEBEAT_METER: "1" }, dashboard: true });
const { db, url } = server;
const origin = url.origin;
const { chromium } = await import("playwright-core");
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"] });

async function api(path, auth, body) {
  const res = await fetch(`${origin}${path}`, {
    method: body ? "POST" : "GET",
    headers: { authorization: `Bearer ${auth}`, "content-type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}
const meter = () => readMeter(origin);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Monitors `from`..`to` of the project, each with a ping an hour over the last day. */
async function fill(projectId, from, to) {
  const now = Date.now();
  const created = now - 2 * 24 * HOUR;
  for (let start = from; start < to; start += CHUNK) {
    const rows = [];
    for (let i = start; i < Math.min(start + CHUNK, to); i++) {
      const last = now - (i % 60) * 60_000;
      rows.push({ id: crypto.randomUUID(), token: `hb_${i.toString(36).padStart(22, "0")}`, name: `job ${String(i).padStart(5, "0")}`, tags: JSON.stringify([`team-${i % 20}`]), last, created: created + i });
    }
    await db.prepare(
      `INSERT INTO monitors (id, project_id, name, ping_token, unique_key, tags, interval_s, grace_s, status, last_ping_at, last_signal_at,
         next_due_at, check_at, n_pings, created_at, updated_at)
       SELECT json_extract(value, '$.id'), ?1, json_extract(value, '$.name'), json_extract(value, '$.token'),
         'uk_' || lower(hex(randomblob(12))), json_extract(value, '$.tags'), 3600, 300, 'up',
         json_extract(value, '$.last'), json_extract(value, '$.last'), json_extract(value, '$.last') + 3600000,
         json_extract(value, '$.last') + 3900000, 24, json_extract(value, '$.created'), ?2
       FROM json_each(?3)`,
    ).bind(projectId, now, JSON.stringify(rows)).run();
    // A success an hour for the last 24 hours: what a strip reads.
    await db.prepare(
      `INSERT INTO pings (id, monitor_id, received_at, kind, source, method)
       SELECT lower(hex(randomblob(16))), json_extract(m.value, '$.id'), json_extract(m.value, '$.last') - h.value * 3600000, 'success', 'ping', 'GET'
       FROM json_each(?1) AS m, json_each(?2) AS h`,
    ).bind(JSON.stringify(rows), JSON.stringify([...Array(24).keys()])).run();
  }
}

/** A signed-in browser context (the dashboard's own sign-in form). */
async function signedIn(key) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${origin}/`);
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/monitors/);
  await page.close();
  return context;
}

/** main's list page, served in place of this one's (its api.js has allMonitors). */
function oldPage(context) {
  const files = Object.fromEntries(["monitors.js", "api.js"].map((f) => [f, execSync(`git show main:public/js/${f}`).toString()]));
  return context.route(/\/js\/(monitors|api)\.js$/, (route) =>
    route.fulfill({ contentType: "text/javascript", body: files[new URL(route.request().url()).pathname.split("/").pop()] }),
  );
}

/**
 * Opens /monitors once: ms from navigation start to the first row of the table with its strip
 * drawn (recorded in the page by a MutationObserver), first-contentful-paint, and the API
 * requests made until the page has been quiet for a second.
 */
async function openList(context, strips = true) {
  const page = await context.newPage();
  const requests = [];
  page.on("request", (r) => new URL(r.url()).pathname.startsWith("/v1/") && requests.push(r.url()));
  await page.addInitScript((selector) => {
    new MutationObserver((_, obs) => {
      if (document.querySelector(selector)) {
        window.__listPaintedAt = performance.now();
        obs.disconnect();
      }
    }).observe(document, { childList: true, subtree: true });
  }, strips ? "#monitors tbody tr svg.strip" : "#monitors tbody tr");
  await page.goto(`${origin}/monitors`);
  await page.waitForFunction(() => window.__listPaintedAt !== undefined, null, { timeout: 600_000 });
  let seen = -1;
  while (seen !== requests.length) {
    seen = requests.length;
    await page.waitForTimeout(1_000);
  }
  const [paintedMs, fcpMs] = await page.evaluate(() => [
    window.__listPaintedAt,
    performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? null,
  ]);
  return { page, paintedMs, fcpMs, opened: requests.length };
}

/** One refresh (the page refreshes when it becomes visible): its requests and D1 statements. */
async function refresh(page) {
  const requests = [];
  page.on("request", (r) => new URL(r.url()).pathname.startsWith("/v1/") && requests.push(r.url()));
  const before = await meter();
  const answered = page.waitForResponse((r) => new URL(r.url()).pathname === "/v1/heartbeats");
  await page.evaluate(() => document.dispatchEvent(new Event("visibilitychange")));
  await answered;
  let seen = -1;
  while (seen !== requests.length) {
    seen = requests.length;
    await page.waitForTimeout(500);
  }
  const after = await meter();
  return { requests: requests.length, statements: after.d1_statements - before.d1_statements, rowsRead: after.d1_rows_read - before.d1_rows_read };
}

const lines = [];
const out = (line = "") => {
  console.log(line);
  lines.push(line);
};

try {
  const project = await api("/v1/projects", server.adminToken, { name: "dashboard bench" });
  const { key } = await api(`/v1/projects/${project.id}/keys`, server.adminToken, { scope: "read" });
  const context = await signedIn(key);
  let oldContext;
  if (OLD) {
    oldContext = await signedIn(key);
    await oldPage(oldContext);
  }
  out(`\n## Monitor list page (${RUNS} opens per size, medians; Chromium headless, local workerd)\n`);
  out("| page | monitors | list painted ms | first contentful paint ms | requests to open | requests per refresh | D1 statements per refresh | D1 rows read per refresh |");
  out("|---|---:|---:|---:|---:|---:|---:|---:|");
  let filled = 0;
  for (const size of SIZES) {
    const t0 = Date.now();
    await fill(project.id, filled, size);
    filled = size;
    console.error(`filled ${size} monitors in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    for (const [name, ctx] of [["one page (this branch)", context], ...(OLD && size <= OLD_MAX ? [["every monitor (main)", oldContext]] : [])]) {
      const opens = [];
      let refreshed;
      for (let r = 0; r < RUNS; r++) {
        const o = await openList(ctx);
        opens.push(o);
        if (r === RUNS - 1) {
          const refreshes = [];
          for (let k = 0; k < 3; k++) refreshes.push(await refresh(o.page));
          refreshed = refreshes.at(-1);
        }
        await o.page.close();
      }
      out(
        `| ${name} | ${size} | ${median(opens.map((o) => o.paintedMs)).toFixed(0)} | ${median(opens.map((o) => o.fcpMs ?? 0)).toFixed(0)} | ${median(opens.map((o) => o.opened))} | ${refreshed.requests} | ${name.includes("main") ? "(statistic not metered)" : refreshed.statements} | ${name.includes("main") ? "" : refreshed.rowsRead} |`,
      );
    }
  }
  out("\nrequests to open = API requests from navigation until a second of quiet (the session and the list);");
  out("main's page re-asks a strip only when a minute old or its monitor's n_pings changed, so its refresh after opening is lighter than its opening.");
  mkdirSync("bench/results", { recursive: true });
  const file = `bench/results/dashboard-${new Date().toISOString().replace(/[:.]/g, "-")}.md`;
  writeFileSync(file, lines.join("\n") + "\n");
  console.error(`written to ${file}`);
} finally {
  await browser.close();
  await server.mf.dispose();
}
