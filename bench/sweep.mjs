// npm run bench:sweep: seeds 100,000 monitors of which 1% are due, runs one sweep through a
// real scheduled event, and prints its wall time and the D1 rows it read and wrote (D1's
// own result meta, as the sweep records it in sweep_runs).
import { startBenchServer } from "./server.mjs";

const MODE = process.env.BENCH_OLD_DEADLINES ? "deadlines 1 h old" : "deadlines 30 s old";
// With BENCH_SHARDS_REGISTERED=1 every deadline shard is registered and warmed by an earlier
// sweep, as on a deployment whose up monitors check in: the sweep then asks each of them which
// deadlines passed and which tokens are held, as it does every minute.
const REGISTERED = process.env.BENCH_SHARDS_REGISTERED === "1";
const MONITORS = Number(process.env.BENCH_MONITORS ?? 100_000);
const DUE_SHARE = Number(process.env.BENCH_DUE_SHARE ?? 0.01);
const CHUNK = 2_000;

const { mf, db } = await startBenchServer({ vars: process.env.BENCH_SHARDS ? { DEADLINE_SHARDS: process.env.BENCH_SHARDS } : {} });
try {
  const now = Date.now();
  const projectId = crypto.randomUUID();
  await db.prepare("INSERT INTO projects (id, name, status, created_at, ping_key) VALUES (?, 'sweep bench', 'active', ?, ?)")
    .bind(projectId, now, `pk_${crypto.randomUUID().replaceAll("-", "").slice(0, 22)}`).run();
  const due = Math.round(MONITORS * DUE_SHARE);
  const seedStart = Date.now();
  for (let start = 0; start < MONITORS; start += CHUNK) {
    const rows = [];
    for (let i = start; i < Math.min(start + CHUNK, MONITORS); i++) {
      const isDue = i < due;
      // Due monitors missed their deadline (due + 60 s grace) 30 s ago, older than the flush
      // windows (25 s), so the sweep judges them from D1 unless their tokens are held; or with
      // BENCH_OLD_DEADLINES=1 an hour ago. The rest pinged just now: due in an hour.
      const missedBy = process.env.BENCH_OLD_DEADLINES ? 3_600_000 : 30_000;
      const last = isDue ? now - 3_600_000 - 60_000 - missedBy : now;
      rows.push({ id: crypto.randomUUID(), token: `hb_${i.toString(36).padStart(22, "0")}`, last, due: last + 3_600_000 });
    }
    await db.prepare(
      `INSERT INTO monitors (id, project_id, name, ping_token, interval_s, grace_s, status, last_ping_at, last_signal_at,
         next_due_at, check_at, created_at, updated_at)
       SELECT json_extract(value, '$.id'), ?1, 'bench', json_extract(value, '$.token'), 3600, 60, 'up',
         json_extract(value, '$.last'), json_extract(value, '$.last'), json_extract(value, '$.due'),
         json_extract(value, '$.due') + 1, ?2, ?2
       FROM json_each(?3)`,
    ).bind(projectId, now, JSON.stringify(rows)).run();
  }
  const seeded = (await db.prepare("SELECT COUNT(*) AS n FROM monitors").first()).n;
  const worker = await mf.getWorker();
  if (REGISTERED) {
    const shards = Number(process.env.BENCH_SHARDS ?? 64);
    await db.prepare("INSERT INTO deadline_shards (shard, since) SELECT value, ?1 FROM json_each(?2)")
      .bind(now, JSON.stringify(Array.from({ length: shards }, (_, i) => i))).run();
    // Two hours earlier nothing is due: this sweep only starts the shards.
    await worker.scheduled({ cron: "* * * * *", scheduledTime: new Date(now - 7_200_000) });
  }
  const scheduledTime = now + 1_000;
  const t0 = performance.now();
  const result = await worker.scheduled({ cron: "* * * * *", scheduledTime: new Date(scheduledTime) });
  const wallMs = performance.now() - t0;
  const run = await db.prepare("SELECT * FROM sweep_runs WHERE scheduled_at = ?").bind(scheduledTime).first();
  const down = (await db.prepare("SELECT COUNT(*) AS n FROM monitors WHERE status = 'down'").first()).n;
  const flips = (await db.prepare("SELECT COUNT(*) AS n FROM flips").first()).n;
  console.log(`\nseeded ${seeded} monitors (${due} due) in ${((Date.now() - seedStart) / 1000).toFixed(1)} s`);
  console.log(`| monitors | due | case | shards asked | sweep outcome | wall ms | rows read | rows written | flips | down after |`);
  console.log(`|---:|---:|---|---|---|---:|---:|---:|---:|---:|`);
  const asked = REGISTERED ? `${process.env.BENCH_SHARDS ?? 64}, warm` : "none registered";
  console.log(`| ${seeded} | ${run?.due_monitors} | ${MODE} | ${asked} | ${result.outcome} | ${wallMs.toFixed(0)} | ${run?.rows_read} | ${run?.rows_written} | ${flips} | ${down} |`);
  if (result.outcome !== "ok" || down !== due || flips !== due) process.exitCode = 1;
} finally {
  await mf.dispose();
}
