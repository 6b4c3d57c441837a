// The Cron Trigger's scheduled handler, driven by real scheduled events.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEdgebeat } from "./support/edgebeat.mjs";

let eb;
before(async () => {
  eb = await startEdgebeat();
});
after(() => eb?.close());

test("wrangler.toml schedules the sweep every minute", async () => {
  const { readFile } = await import("node:fs/promises");
  const toml = await readFile(new URL("../wrangler.toml", import.meta.url), "utf8");
  assert.match(toml, /crons\s*=\s*\["\* \* \* \* \*"\]/);
});

test("a scheduled event runs the sweep and records the run at its scheduled time", async () => {
  const scheduledTime = new Date("2026-11-24T12:00:00Z");
  const result = await eb.worker.scheduled({ cron: "* * * * *", scheduledTime });
  assert.equal(result.outcome, "ok");
  const runs = await eb.rows("SELECT * FROM sweep_runs WHERE scheduled_at = ?", scheduledTime.getTime());
  assert.equal(runs.length, 1);
  assert.equal(runs[0].due_monitors, 0);
});

test("a rerun for the same scheduled time records one run row", async () => {
  const t = Date.parse("2026-11-24T13:00:00Z");
  for (let i = 0; i < 2; i++) {
    assert.equal((await eb.worker.scheduled({ cron: "* * * * *", scheduledTime: new Date(t) })).outcome, "ok");
  }
  assert.equal((await eb.rows("SELECT * FROM sweep_runs WHERE scheduled_at = ?", t)).length, 1);
});
