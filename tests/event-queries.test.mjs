// Stored events read back (listing with a stable cursor, names, rollups), events feeding a
// monitor's status, error digests to a real webhook receiver, and retention by the cron.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { createHmac } from "node:crypto";
import { startEdgebeat, eventually } from "./support/edgebeat.mjs";
import { eventTenant, flushed, postEvents, ingest, ingested } from "./support/events.mjs";

let eb;
let receiver;
before(async () => {
  eb = await startEdgebeat({ vars: { EVENT_FLUSH_DELAY_MS: "50" } });
  receiver = await startReceiver();
});
after(async () => {
  await eb?.close();
  receiver?.server.close();
});

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const iso = (ms) => new Date(ms).toISOString();

async function startReceiver() {
  const received = {};
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      (received[req.url] ??= []).push({ headers: req.headers, body });
      res.writeHead(200).end("ok");
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${server.address().port}`;
  return { server, received, url: (path) => `${base}${path}` };
}

const get = (key, path) => eb.api("GET", path, { auth: key });

test("listing: newest first by (ts, id), every event exactly once across pages, also while new ones arrive", async () => {
  const t = await eventTenant(eb);
  const base = Date.now() - HOUR;
  // 20 distinct times and 5 events sharing one: ties are ordered by id.
  const events = [
    ...Array.from({ length: 20 }, (_, i) => ({ type: "event", name: `e${i % 3}`, ts: iso(base + i * 1_000), value: i })),
    ...Array.from({ length: 5 }, () => ({ type: "error", name: "tie", ts: iso(base + 7_500) })),
  ];
  assert.equal((await postEvents(eb, t.key, { events })).status, 202);
  await flushed(eb, t.project.id, 25);
  const seen = [];
  let cursor;
  for (let page = 0; page < 10; page++) {
    const res = await get(t.manage, `/v1/events?limit=10${cursor ? `&cursor=${cursor}` : ""}`);
    assert.equal(res.status, 200, res.text);
    seen.push(...res.body.items);
    if (page === 0) {
      // Newer events arriving between pages land before the cursor, never in later pages.
      await postEvents(eb, t.key, { events: [{ type: "event", name: "late" }] });
      await flushed(eb, t.project.id, 26);
    }
    cursor = res.body.next_cursor;
    if (!cursor) break;
  }
  assert.equal(seen.length, 25);
  assert.equal(new Set(seen.map((e) => e.id)).size, 25);
  const keys = seen.map((e) => [Date.parse(e.ts), e.id]);
  const sorted = [...keys].sort((a, b) => b[0] - a[0] || (a[1] < b[1] ? 1 : -1));
  assert.deepEqual(keys, sorted);
  const first = seen[0];
  assert.deepEqual(
    [first.type, first.name, first.value, first.source, first.document.name],
    ["event", "e1", 19, "events", "e1"],
  );
});

test("listing filters: type, name, since and until; bad parameters name themselves", async () => {
  const t = await eventTenant(eb);
  const base = Date.now() - HOUR;
  await postEvents(eb, t.key, {
    events: [
      { type: "event", name: "a", ts: iso(base) },
      { type: "error", name: "a", ts: iso(base + MIN) },
      { type: "event", name: "b", ts: iso(base + 2 * MIN) },
    ],
  });
  await flushed(eb, t.project.id, 3);
  const names = async (query) => (await get(t.manage, `/v1/events?${query}`)).body.items.map((e) => `${e.type}:${e.name}`);
  assert.deepEqual(await names("type=error"), ["error:a"]);
  assert.deepEqual(await names("name=a"), ["error:a", "event:a"]);
  assert.deepEqual(await names("name=a&type=event"), ["event:a"]);
  assert.deepEqual(await names(`since=${iso(base + MIN)}`), ["event:b", "error:a"]);
  assert.deepEqual(await names(`until=${iso(base + MIN)}`), ["event:a"]);
  for (const [query, field] of [["type=warn", "type"], ["limit=0", "limit"], ["since=soon", "since"], ["cursor=zz", "cursor"]]) {
    const res = await get(t.manage, `/v1/events?${query}`);
    assert.equal(res.status, 400, query);
    assert.equal(res.body.field, field);
  }
  const reader = await eb.createKey(t.project.id, "read");
  assert.equal((await get(reader.key, "/v1/events")).status, 200);
  assert.equal((await get(t.key, "/v1/events")).status, 403, "an ingest key does not read");
});

test("names: each with its count and when it was last seen", async () => {
  const t = await eventTenant(eb);
  const base = Date.now() - HOUR;
  await postEvents(eb, t.key, { events: [{ type: "event", name: "signup", ts: iso(base) }, { type: "event", name: "signup", ts: iso(base + MIN) }] });
  await ingest(eb, t.key, ingested(3, "play_start", { ts: iso(base + 2 * MIN) }));
  await flushed(eb, t.project.id, 5);
  const res = await get(t.manage, "/v1/events/names");
  assert.equal(res.status, 200);
  assert.deepEqual(res.body.items, [
    { name: "play_start", count: 3, last_seen: iso(base + 2 * MIN) },
    { name: "signup", count: 2, last_seen: iso(base + MIN) },
  ]);
});

test("rollups per hour and per day: count, sum, min and max, every bucket listed", async () => {
  const t = await eventTenant(eb);
  const hour = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR;
  await postEvents(eb, t.key, {
    events: [
      { type: "event", name: "payment", value: 10, ts: iso(hour + MIN) },
      { type: "event", name: "payment", value: 20, ts: iso(hour + 2 * MIN) },
      { type: "event", name: "payment", value: -5, ts: iso(hour + HOUR + MIN) },
      { type: "event", name: "payment", ts: iso(hour + HOUR + 2 * MIN) },
      { type: "event", name: "other", value: 1000, ts: iso(hour + MIN) },
    ],
  });
  await flushed(eb, t.project.id, 5);
  const res = await get(t.manage, `/v1/events/rollup?name=payment&bucket=hour&from=${iso(hour)}&to=${iso(hour + 3 * HOUR)}`);
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body.items, [
    { start: iso(hour), count: 2, sum: 30, min: 10, max: 20 },
    { start: iso(hour + HOUR), count: 2, sum: -5, min: -5, max: -5 },
    { start: iso(hour + 2 * HOUR), count: 0, sum: 0, min: null, max: null },
  ]);
  // Through the end of the day of the last event: the two hours may straddle midnight (UTC).
  const lastDay = Math.floor((hour + HOUR + 2 * MIN) / DAY) * DAY;
  const daily = await get(t.manage, `/v1/events/rollup?name=payment&bucket=day&from=${iso(hour)}&to=${iso(lastDay + DAY)}`);
  const total = daily.body.items.reduce((sum, b) => sum + b.count, 0);
  assert.equal(total, 4);
  assert.equal(daily.body.bucket, "day");
  for (const [query, field] of [["bucket=hour", "name"], ["name=payment&bucket=week", "bucket"]]) {
    const bad = await get(t.manage, `/v1/events/rollup?${query}`);
    assert.equal(bad.status, 400, query);
    assert.equal(bad.body.field, field);
  }
  // A range that does not end after it starts has no bucket (like the heartbeat statistic).
  const empty = await get(t.manage, `/v1/events/rollup?name=payment&from=${iso(hour)}&to=${iso(hour)}`);
  assert.equal(empty.status, 200);
  assert.deepEqual(empty.body.items, []);
});

test("a monitor's event_name is set at creation, changed by PUT and shown", async () => {
  const t = await eventTenant(eb);
  const m = await eb.createMonitor(t.manage, { name: "backups", interval: 86400, event_name: "backup-completed" });
  assert.equal(m.event_name, "backup-completed");
  const put = await eb.api("PUT", `/v1/heartbeat/${m.id}`, { auth: t.manage, body: { event_name: "backup-done" } });
  assert.equal(put.body.event_name, "backup-done");
  assert.equal((await eb.monitor(t.manage, m.id)).event_name, "backup-done");
  const bad = await eb.api("PUT", `/v1/heartbeat/${m.id}`, { auth: t.manage, body: { event_name: "" } });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.field, "event_name");
});

test("an event-fed monitor goes up on its events, is called down when they stop, and an error event is a fail", async () => {
  const t = await eventTenant(eb);
  const m = await eb.createMonitor(t.manage, { name: "nightly backup", interval: 3600, grace: 0, event_name: "backup-completed" });
  // Seed 003's curl example, at the end of the backup script.
  assert.equal((await postEvents(eb, t.key, { events: [{ type: "event", name: "backup-completed" }] })).status, 202);
  const up = await eventually(async () => {
    const mon = await eb.monitor(t.manage, m.id);
    return mon.status === "up" && mon;
  }, { what: "the monitor up on its event" });
  assert.equal(up.n_pings, 1);
  const pings = (await get(t.manage, `/v1/heartbeat/${m.id}/events`)).body.items;
  assert.deepEqual(pings.map((p) => [p.source, p.result]), [["event", "success"]]);

  await eb.sweep(Date.parse(up.next_due_at) + MIN);
  assert.equal((await eb.monitor(t.manage, m.id)).status, "down", "called down when its events stopped");

  await postEvents(eb, t.key, { events: [{ type: "event", name: "backup-completed" }] });
  await eventually(async () => (await eb.monitor(t.manage, m.id)).status === "up", { what: "up again" });
  await postEvents(eb, t.key, { events: [{ type: "error", name: "backup-completed", message: "disk full" }] });
  await eventually(async () => (await eb.monitor(t.manage, m.id)).status === "down", { what: "down on an error event" });
  // The sweep ran ahead of the real clock that the later events carry: compare as a set.
  const flips = (await get(t.manage, `/v1/heartbeat/${m.id}/flips`)).body.items;
  assert.deepEqual(flips.map((f) => `${f.from}->${f.to}`).sort(), ["down->up", "up->down", "up->down"]);
  const last = (await get(t.manage, `/v1/heartbeat/${m.id}/events`)).body.items.at(-1);
  assert.deepEqual([last.result, last.message], ["fail", "disk full"]);
  // Events of other names, and of other projects, feed nothing.
  const other = await eventTenant(eb);
  await postEvents(eb, other.key, { events: [{ type: "event", name: "backup-completed" }] });
  await postEvents(eb, t.key, { events: [{ type: "event", name: "unrelated" }] });
  await flushed(eb, other.project.id, 1);
  await flushed(eb, t.project.id, 4);
  assert.equal((await eb.monitor(t.manage, m.id)).n_pings, 3);
});

test("error events notify as a digest: at most one webhook per error name per 10 minutes, with the count and latest message", async () => {
  const t = await eventTenant(eb);
  const ch = await eb.api("POST", "/v1/channels", { auth: t.manage, body: { kind: "webhook", url: receiver.url("/digest"), name: "ops", notify_errors: true } });
  assert.equal(ch.status, 201);
  // Digests go only to channels that opt in: this one is told of flips alone.
  const quiet = await eb.api("POST", "/v1/channels", { auth: t.manage, body: { kind: "webhook", url: receiver.url("/digest-quiet"), name: "flips only" } });
  assert.equal(quiet.body.notify_errors, false);
  const now = Date.now();
  const errors = (n, from) =>
    Array.from({ length: n }, (_, i) => ({ type: "error", name: "webhook failed", message: `timeout #${from + i}`, ts: iso(now - 10_000 + from + i) }));
  assert.equal((await postEvents(eb, t.key, { events: errors(3, 0) })).status, 202);
  const [first] = await eventually(() => receiver.received["/digest"], { what: "the first digest" });
  assert.equal(first.headers["x-edgebeat-event"], "error_digest");
  const expected = `v1=${createHmac("sha256", ch.body.secret).update(`${first.headers["x-edgebeat-timestamp"]}.${first.body}`).digest("hex")}`;
  assert.equal(first.headers["x-edgebeat-signature"], expected, "signed like every delivery");
  const body = JSON.parse(first.body);
  assert.deepEqual([body.event, body.project.id, body.error.name, body.error.count, body.error.message], ["error_digest", t.project.id, "webhook failed", 3, "timeout #2"]);

  // More of the same error within 10 minutes: held, then told together.
  await postEvents(eb, t.key, { events: errors(2, 3) });
  await flushed(eb, t.project.id, 5);
  await eb.sweep(now + 5 * MIN);
  assert.equal(receiver.received["/digest"].length, 1, "no second digest within 10 minutes");
  await eb.sweep(now + 11 * MIN);
  const second = await eventually(() => receiver.received["/digest"].length === 2 && receiver.received["/digest"][1], { what: "the second digest" });
  const next = JSON.parse(second.body);
  assert.deepEqual([next.error.count, next.error.message], [2, "timeout #4"]);

  // Another error name has its own window; plain events send nothing.
  await postEvents(eb, t.key, { events: [{ type: "error", name: "db down" }, { type: "event", name: "signup" }] });
  const third = await eventually(() => receiver.received["/digest"].length === 3 && receiver.received["/digest"][2], { what: "a digest of another name" });
  assert.deepEqual([JSON.parse(third.body).error.name, JSON.parse(third.body).error.count], ["db down", 1]);
  await eb.sweep(now + 30 * MIN);
  assert.equal(receiver.received["/digest"].length, 3);
  assert.equal(receiver.received["/digest-quiet"], undefined, "a channel without notify_errors gets no digest");
});

test("retention: the cron prunes events that arrived more than EVENT_RETENTION_DAYS ago; rollups and names stay", async () => {
  const t = await eventTenant(eb);
  await postEvents(eb, t.key, reported3());
  await flushed(eb, t.project.id, 3);
  const old = Date.now() - 31 * DAY;
  await eb.env.DB.prepare(
    "UPDATE events SET received_at = ?2 WHERE project_id = ?1 AND name = 'old'",
  ).bind(t.project.id, old).run();
  await eb.sweep(Date.now());
  const left = await eb.rows("SELECT name FROM events WHERE project_id = ?", t.project.id);
  assert.deepEqual(left.map((e) => e.name), ["new"]);
  const [names] = await eb.rows("SELECT SUM(count) AS n FROM event_names WHERE project_id = ?", t.project.id);
  assert.equal(names.n, 3);
  const [rollups] = await eb.rows("SELECT SUM(count) AS n FROM event_rollups WHERE project_id = ? AND bucket = 'day'", t.project.id);
  assert.equal(rollups.n, 3);
});

function reported3() {
  return { events: [{ type: "event", name: "old" }, { type: "event", name: "old" }, { type: "event", name: "new" }] };
}
