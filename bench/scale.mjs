// npm run bench:scale: many quiet monitors on one local deployment. Seeds BENCH_MONITORS
// (10,000) monitors of one project and pings each once per round (cron-style pings on
// /ping/{token}). After three warm-up rounds (the objects' lookups, the first tells to the
// deadline shards, then check-ins the shards hold durably), it measures the calm check-ins of
// BENCH_SCALE_ROUNDS rounds, then one flush of every token (what the calm alarm does once per
// window), and combines them at PINGS_PER_FLUSH check-ins per flush (one a minute for the 40
// minutes of a calm window). It prints the billable work per ping from the worker's meter, the
// D1 statements and rows a second per 1,000 monitors pinging every 60 s, the dollars per
// million pings, and the capacity model's 1,000,000-monitor row, against D1's walls.
import { d1Size, flushTokens, readMeter, startBenchServer, waitForPings } from "./server.mjs";
import { dollarsPerMillion } from "./prices.mjs";

const MONITORS = Number(process.env.BENCH_MONITORS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_SCALE_ROUNDS ?? 10);
// The calm window (PING_CALM_FLUSH_MS, 40 min) over the period (60 s).
const PINGS_PER_FLUSH = 40;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
// The model's period; the seeded monitors expect a ping an hour, longer than the whole run, so
// every ping is on time however slowly a round goes (starting 10,000 objects locally takes a
// while), and the counters are those of an on-time ping, which do not depend on the period.
const PERIOD_S = 60;
const SEEDED_INTERVAL_S = 3_600;
const CHUNK = 2_000;
// D1's walls (DESIGN.md): one query at a time, ~1,000 a second; 10 GB a database. The issue's
// goal keeps a deployment under half of each.
const D1_STATEMENTS_PER_S = 1_000;
const D1_BYTES = 10e9;

// No calm alarm fires during the run (the flush is measured by asking each object); every
// check-in tells its shard, as minute-apart ones do; snapshots come within a second.
const { mf, db, url } = await startBenchServer({
  vars: { EDGEBEAT_METER: "1", PING_CALM_FLUSH_MS: "86400000", DEADLINE_TELL_STEP_MS: "1", DEADLINE_PERSIST_MS: "1000" },
});
const origin = url.origin;
const meter = () => readMeter(origin);

try {
  const now = Date.now();
  const projectId = crypto.randomUUID();
  await db.prepare("INSERT INTO projects (id, name, status, created_at, ping_key) VALUES (?, 'scale bench', 'active', ?, ?)")
    .bind(projectId, now, `pk_${crypto.randomUUID().replaceAll("-", "").slice(0, 22)}`).run();
  const tokens = [];
  for (let start = 0; start < MONITORS; start += CHUNK) {
    const rows = [];
    for (let i = start; i < Math.min(start + CHUNK, MONITORS); i++) {
      const token = `hb_${i.toString(36).padStart(22, "0")}`;
      tokens.push(token);
      rows.push({ id: crypto.randomUUID(), token });
    }
    await db.prepare(
      `INSERT INTO monitors (id, project_id, name, ping_token, interval_s, grace_s, status, created_at, updated_at)
       SELECT json_extract(value, '$.id'), ?1, 'scale', json_extract(value, '$.token'), ${SEEDED_INTERVAL_S}, 60, 'new', ?2, ?2
       FROM json_each(?3)`,
    ).bind(projectId, now, JSON.stringify(rows)).run();
  }

  let refused = 0;
  const round = async () => {
    const t0 = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < tokens.length) {
        const token = tokens[next++];
        const res = await fetch(`${origin}/ping/${token}`);
        await res.arrayBuffer();
        if (res.status !== 200) refused++;
      }
    }));
    return (performance.now() - t0) / 1000;
  };

  // Warm-up: each token's object starts and looks its monitor up (a new monitor's first ping
  // flushes at once), then tells its shard, then finds the shard's snapshot and has D1's
  // deadline pushed out by its flush.
  let warm = 0;
  let warmS = 0;
  for (let r = 1; r <= 3; r++) {
    warmS += await round();
    await flushTokens(mf, tokens, CONCURRENCY); // a token already calm holds its check-in
    warm = await waitForPings(db, r * MONITORS, 300_000);
    await new Promise((res) => setTimeout(res, 2_000));
  }
  // One more: the calm check-ins that set each token's calm alarm (once a window, counted with
  // the flush below), held with the measured ones.
  warmS += await round();
  const before = await meter();
  const sizeBefore = await d1Size(db);
  const roundSeconds = [];
  for (let r = 0; r < ROUNDS; r++) roundSeconds.push(await round());
  const acknowledged = MONITORS * ROUNDS - refused;
  const mid = await meter();
  // The calm window's flush, one per token: asked of each object here, as its alarm would.
  await flushTokens(mf, tokens, CONCURRENCY);
  const stored = (await waitForPings(db, warm + acknowledged, 300_000)) - warm;
  const after = await meter();
  const calm = Object.fromEntries(Object.keys(after).map((k) => [k, (mid[k] - before[k]) / acknowledged]));
  const flush = Object.fromEntries(Object.keys(after).map((k) => [k, (after[k] - mid[k]) / MONITORS]));
  // The alarm's flush also re-arms the next calm alarm (one row), which a flush asked for does not.
  flush.do_rows_written += 1;
  const perPing = Object.fromEntries(Object.keys(after).map((k) => [k, calm[k] + flush[k] / PINGS_PER_FLUSH]));
  const sizeAfter = await d1Size(db);
  const bytesPerPing = (sizeAfter - sizeBefore) / acknowledged;
  // Pings keep no row in D1 (their history is their token object's ring): D1 holds the
  // monitors, so its size follows them, whatever the pings.
  const bytesPerMonitor = sizeAfter / MONITORS;

  // Per 1,000 monitors pinging every 60 s: 1000/60 pings a second.
  const pingsPerS = 1_000 / PERIOD_S;
  const per1000 = {
    d1_statements_per_s: perPing.d1_statements * pingsPerS,
    d1_rows_written_per_s: perPing.d1_rows_written * pingsPerS,
    do_requests_per_s: perPing.do_requests * pingsPerS,
  };
  const million = 1_000;
  const m = {
    d1_statements_per_s: per1000.d1_statements_per_s * million,
    d1_rows_written_per_s: per1000.d1_rows_written_per_s * million,
    d1_bytes: bytesPerMonitor * 1e6 + Math.max(0, bytesPerPing) * (1e6 / PERIOD_S) * 86_400 * 30,
  };
  const fitsAt = Math.floor((D1_STATEMENTS_PER_S / 2 / per1000.d1_statements_per_s) * 1_000);
  const fitsStorage = Math.floor(D1_BYTES / 2 / (m.d1_bytes / 1e6));

  console.log(`\nseeded ${MONITORS} monitors; warm-up rounds ${warmS.toFixed(1)} s; measured rounds ${roundSeconds.map((s) => s.toFixed(1)).join(", ")} s`);
  console.log(`acknowledged ${acknowledged} pings, stored ${stored}${stored >= acknowledged ? " (none lost)" : " (LOST PINGS)"}, refused ${refused}`);
  console.log("\n| per ping | worker req | DO req | DO rows | D1 stmts | D1 rows written | D1 rows read | D1 bytes | $ per million |");
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
  const line = (name, c, bytes = "", dollars = "") =>
    console.log(`| ${name} | ${c.worker_requests.toFixed(2)} | ${c.do_requests.toFixed(3)} | ${c.do_rows_written.toFixed(3)} | ${c.d1_statements.toFixed(3)} | ${c.d1_rows_written.toFixed(3)} | ${c.d1_rows_read.toFixed(3)} | ${bytes} | ${dollars} |`);
  line(`a calm check-in, measured over ${ROUNDS} rounds`, calm);
  console.log(`| (of which the deadline shards': ${calm.shard_requests.toFixed(3)} DO requests, ${calm.shard_rows_written.toFixed(3)} DO rows, ${calm.shard_d1_statements.toFixed(3)} D1 statements) | | | | | | | | |`);
  line("a calm window's flush, per token, measured (+1 row: the alarm's re-arm)", flush);
  line(`a ping, ${PINGS_PER_FLUSH} check-ins per flush, ${MONITORS} quiet monitors`, perPing, bytesPerPing.toFixed(0), dollarsPerMillion(perPing).toFixed(2));
  console.log(`\nper 1,000 monitors pinging every ${PERIOD_S} s: ${per1000.d1_statements_per_s.toFixed(1)} D1 statements/s, ${per1000.d1_rows_written_per_s.toFixed(1)} D1 rows written/s, ${per1000.do_requests_per_s.toFixed(1)} DO requests/s`);
  console.log(`\nD1 bytes per monitor (everything in the database over the monitors): ${bytesPerMonitor.toFixed(0)}; D1 growth per ping: ${bytesPerPing.toFixed(1)} bytes`);
  console.log(`\n| 1,000,000 monitors every ${PERIOD_S} s | D1 statements/s | D1 rows written/s | D1 storage (the monitors, plus a month of any growth per ping) | $ a month |`);
  console.log("|---|---:|---:|---:|---:|");
  const monthly = dollarsPerMillion(perPing) * (1e6 / PERIOD_S) * 86_400 * 30 / 1e6;
  console.log(`| from these counters | ${m.d1_statements_per_s.toFixed(0)} (goal <= ${D1_STATEMENTS_PER_S / 2}) | ${m.d1_rows_written_per_s.toFixed(0)} | ${(m.d1_bytes / 1e9).toFixed(0)} GB (goal <= ${D1_BYTES / 2e9} GB) | ${monthly.toFixed(0)} |`);
  console.log(`\nthe first wall: D1's query rate at ${fitsAt.toLocaleString("en")} such monitors (half its ~1,000 statements/s); its storage at ${fitsStorage.toLocaleString("en")} (half of 10 GB)`);
  if (stored < acknowledged) process.exitCode = 1;
} finally {
  await mf.dispose();
}
