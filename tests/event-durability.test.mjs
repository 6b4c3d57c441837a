// No acknowledged event is lost or counted twice: not when the project's object restarts
// before its flush, not while D1 refuses the flush, not when a flush dies after D1 stored it.
// The flush delay is stretched so the events are provably still pending when the fault hits.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEdgebeat, eventually } from "./support/edgebeat.mjs";
import { eventTenant, flushed, ingestState, ingest, ingested, postEvents, storedEvents } from "./support/events.mjs";

let eb;
before(async () => {
  eb = await startEdgebeat({ vars: { EVENT_FLUSH_DELAY_MS: "1500" } });
});
after(() => eb?.close());

const sums = async (projectId) =>
  (
    await eb.rows(
      "SELECT (SELECT SUM(count) FROM event_rollups WHERE project_id = ?1 AND bucket = 'hour') AS rolled, \
         (SELECT SUM(count) FROM event_names WHERE project_id = ?1) AS named, \
         (SELECT SUM(events) FROM project_usage WHERE project_id = ?1) AS used",
      projectId,
    )
  )[0];

test("events acknowledged before the object restarts are flushed after it, once", async () => {
  const t = await eventTenant(eb);
  const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => ingest(eb, t.key, ingested(20, `e${i % 2}`))));
  assert.ok(answers.every((r) => r.status === 200));
  const before = await ingestState(eb, t.project.id);
  assert.equal(before.pending_events, 200, "still pending in the object, not yet in D1");
  assert.equal((await storedEvents(eb, t.project.id)).length, 0);

  await eb.worker.evictDurableObject("PROJECT_INGEST", { name: t.project.id });

  await flushed(eb, t.project.id, 200);
  assert.deepEqual(await sums(t.project.id), { rolled: 200, named: 200, used: 200 });
  // The restarted object kept its meters: the month's count survived.
  assert.equal((await ingestState(eb, t.project.id)).stored_this_month, 200);
});

test("dedup ids survive a restart: a retry after it is still recognised", async () => {
  const t = await eventTenant(eb);
  const event = { event_type: "purchase", event_id: crypto.randomUUID() };
  assert.equal((await ingest(eb, t.key, { events: [event] })).status, 200);
  await eb.worker.evictDurableObject("PROJECT_INGEST", { name: t.project.id });
  assert.deepEqual((await ingest(eb, t.key, { events: [event] })).body, { accepted: 1, rejected: 0, queued: true });
  await flushed(eb, t.project.id, 1);
});

test("while D1 refuses the flush, events stay pending and are stored once it recovers, increments applied once", async () => {
  const t = await eventTenant(eb);
  // The object knows its key and project while D1 still answers.
  assert.equal((await postEvents(eb, t.key, { events: [{ type: "event", name: "warm", value: 1 }] })).status, 202);
  await flushed(eb, t.project.id, 1);
  await eb.env.DB.exec("ALTER TABLE events RENAME TO events_offline");
  try {
    const answers = await Promise.all(Array.from({ length: 5 }, () => postEvents(eb, t.key, { events: [{ type: "event", name: "during", value: 2 }, { type: "error", name: "boom" }] })));
    assert.ok(answers.every((r) => r.status === 202), "acknowledged while D1 is failing");
    await eventually(async () => eb.server.getLogs().some((l) => /event flush to D1 failed/.test(l.message)), { what: "a failed flush attempt" });
    assert.equal((await ingestState(eb, t.project.id)).pending_events, 10);
  } finally {
    await eb.env.DB.exec("ALTER TABLE events_offline RENAME TO events");
  }
  await flushed(eb, t.project.id, 11, { timeoutMs: 30_000 });
  assert.deepEqual(await sums(t.project.id), { rolled: 11, named: 11, used: 11 });
  const [during] = await eb.rows("SELECT SUM(sum) AS s FROM event_rollups WHERE project_id = ? AND name = 'during' AND bucket = 'day'", t.project.id);
  assert.equal(during.s, 10);
});

test("a flush that dies after D1 stored it is repeated with the same id: events and increments once", async () => {
  const t = await eventTenant(eb);
  const m = await eb.createMonitor(t.manage, { name: "fed", interval: 3600, event_name: "tick" });
  assert.equal((await postEvents(eb, t.key, { events: [{ type: "event", name: "warm" }] })).status, 202);
  await flushed(eb, t.project.id, 1);
  // The flush's events batch commits; storing the monitor's pings, its next step, fails.
  await eb.env.DB.exec("ALTER TABLE pings RENAME TO pings_offline");
  try {
    assert.equal((await postEvents(eb, t.key, { events: [{ type: "event", name: "tick", value: 3 }, { type: "event", name: "other", value: 4 }] })).status, 202);
    await eventually(async () => (await eb.rows("SELECT COUNT(*) AS n FROM events WHERE project_id = ?", t.project.id))[0].n === 3, {
      what: "the events batch committed",
    });
    await eventually(async () => (await ingestState(eb, t.project.id)).flush_failures > 0, { what: "the flush failing after it" });
    assert.equal((await ingestState(eb, t.project.id)).pending_events, 2, "the object still holds the flush");
  } finally {
    await eb.env.DB.exec("ALTER TABLE pings_offline RENAME TO pings");
  }
  await flushed(eb, t.project.id, 3, { timeoutMs: 30_000 });
  assert.deepEqual(await sums(t.project.id), { rolled: 3, named: 3, used: 3 }, "increments applied once despite the repeat");
  const mon = await eventually(async () => {
    const mon = await eb.monitor(t.manage, m.id);
    return mon.n_pings === 1 && mon;
  });
  assert.equal(mon.status, "up");
  assert.equal(mon.last_value, 3);
});

test("the sweep never calls an event-fed monitor down while its in-time event is still on the way to D1", async () => {
  const t = await eventTenant(eb);
  const m = await eb.createMonitor(t.manage, { name: "fed late", interval: 60, grace: 0, event_name: "job-done" });
  const past = Date.now() - 60_000;
  await eb.env.DB.prepare(
    "UPDATE monitors SET status = 'up', next_due_at = ?2, last_signal_at = ?2, check_at = ?2 + 1 WHERE id = ?1",
  ).bind(m.id, past).run();
  assert.equal((await postEvents(eb, t.key, { events: [{ type: "event", name: "job-done" }] })).status, 202);
  assert.equal((await ingestState(eb, t.project.id)).pending_events, 1);
  await eb.sweep(Date.now());
  assert.equal((await eb.monitor(t.manage, m.id)).status, "up", "deferred, not down");
  const [run] = await eb.rows("SELECT deferred FROM sweep_runs ORDER BY scheduled_at DESC LIMIT 1");
  assert.ok(run.deferred >= 1);
  await flushed(eb, t.project.id, 1);
  assert.equal((await eb.monitor(t.manage, m.id)).n_pings, 1);
});
