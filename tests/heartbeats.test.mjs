// Seed 001's management API in full: fields, updates, bulk deletes, service listings,
// filters, pause/resume, and when a monitor is next due.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEdgebeat, eventually } from "./support/edgebeat.mjs";

let eb;
let tenant;
before(async () => {
  eb = await startEdgebeat();
  tenant = await eb.tenant();
});
after(() => eb?.close());

const SERVICE = "6766163a-568d-47b4-a1fa-91a0957e06d4";
const put = (id, body, auth = tenant.key) => eb.api("PUT", `/v1/heartbeat/${id}`, { auth, body });

test("seed 001's create body, plus every optional field, round-trips", async () => {
  const m = await eb.createMonitor(tenant.key, {
    service_id: SERVICE,
    name: "Pinghome",
    interval: 60,
    enabled: true,
    methods: ["GET", "POST"],
    grace: 120,
    slug: "pinghome",
    tags: ["prod", "web"],
    description: "front page",
  });
  assert.equal(m.service_id, SERVICE);
  assert.deepEqual(m.methods, ["GET", "POST"]);
  assert.deepEqual(m.tags, ["prod", "web"]);
  assert.equal(m.slug, "pinghome");
  assert.equal(m.description, "front page");
  assert.equal(m.grace, 120);
  assert.equal(m.schedule, null);
  assert.equal(m.tz, "UTC");
  assert.equal(m.status, "new");
  assert.equal(m.next_due_at, null, "not due before its first ping");
});

test("cron schedules take a known time zone; bad ones are 400 naming the field", async () => {
  const m = await eb.createMonitor(tenant.key, { name: "nightly", schedule: "30 2 * * *", tz: "Europe/Berlin", grace: 900 });
  assert.equal(m.schedule, "30 2 * * *");
  assert.equal(m.tz, "Europe/Berlin");
  assert.equal(m.interval, null);
  for (const [body, field] of [
    [{ name: "x", schedule: "30 2 * *" }, "schedule"],
    [{ name: "x", schedule: "99 * * * *" }, "schedule"],
    [{ name: "x", schedule: "0 * * * *", tz: "Mars/Olympus_Mons" }, "tz"],
    [{ name: "x", interval: 60, service_id: "123" }, "service_id"],
    [{ name: "x", interval: 60, tags: "prod" }, "tags"],
    [{ name: "x", interval: 60, slug: "No Spaces" }, "slug"],
  ]) {
    const res = await eb.api("POST", "/v1/heartbeat", { auth: tenant.key, body });
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.body.field, field);
  }
});

test("PUT with seed 001's body changes the fields it names and keeps the rest", async () => {
  const m = await eb.createMonitor(tenant.key, { name: "old", interval: 300, tags: ["keep"], description: "kept" });
  const res = await put(m.id, { name: "My heartbeat", service_id: SERVICE, methods: ["GET"], interval: 60, enabled: true });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.name, "My heartbeat");
  assert.equal(res.body.interval, 60);
  assert.deepEqual(res.body.methods, ["GET"]);
  assert.deepEqual(res.body.tags, ["keep"]);
  assert.equal(res.body.description, "kept");
  assert.equal(res.body.token, m.token);
  assert.deepEqual(await eb.monitor(tenant.key, m.id), res.body);
});

test("PUT validates like create and leaves the monitor untouched on error", async () => {
  const m = await eb.createMonitor(tenant.key, { name: "x", interval: 300 });
  for (const [body, field] of [[{ interval: 10 }, "interval"], [{ name: "" }, "name"], [{ tz: "Nowhere/Special" }, "tz"], [{ methods: [] }, "methods"]]) {
    const res = await put(m.id, body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.body.field, field);
  }
  assert.deepEqual(await eb.monitor(tenant.key, m.id), m);
  const other = await eb.tenant("other");
  assert.equal((await put(m.id, { name: "stolen" }, other.key)).status, 404);
  const read = (await eb.createKey(tenant.project.id, "read")).key;
  assert.equal((await put(m.id, { name: "nope" }, read)).status, 403);
  assert.equal((await eb.monitor(tenant.key, m.id)).name, "x");
});

test("changing the allowed methods applies to the very next heartbeat ping", async () => {
  const m = await eb.createMonitor(tenant.key, { name: "methods", interval: 60 });
  assert.equal((await eb.api("POST", `/v1/heartbeat/${m.token}`)).status, 200);
  await put(m.id, { methods: ["GET"] });
  assert.equal((await eb.api("POST", `/v1/heartbeat/${m.token}`)).status, 405);
  assert.equal((await eb.api("GET", `/v1/heartbeat/${m.token}`)).status, 200);
});

test("bulk delete removes only the caller's monitors and reports how many", async () => {
  const mine = [await eb.createMonitor(tenant.key), await eb.createMonitor(tenant.key)];
  const other = await eb.tenant("bulk-other");
  const theirs = await eb.createMonitor(other.key);
  const query = [...mine, theirs].map((m) => `id=${m.id}`).join("&");
  const res = await eb.api("DELETE", `/v1/heartbeat?${query}`, { auth: tenant.key });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { deleted: 2 });
  for (const m of mine) assert.equal((await eb.api("GET", `/v1/heartbeat/${m.id}`, { auth: tenant.key })).status, 404);
  assert.equal((await eb.monitor(other.key, theirs.id)).id, theirs.id);
  assert.equal((await eb.beacon(mine[0].token)).status, 200);
  assert.equal((await eb.api("GET", `/v1/heartbeat/${mine[0].token}`)).status, 404, "its ping URL stopped accepting");
  assert.equal((await eb.api("DELETE", `/v1/heartbeat?id=${theirs.id}`, { auth: tenant.key })).status, 404, "none of them the caller's");
  assert.equal((await eb.api("DELETE", "/v1/heartbeat", { auth: tenant.key })).status, 400);
  assert.equal((await eb.api("DELETE", "/v1/heartbeat?id=nope", { auth: tenant.key })).body.field, "id");
});

test("a service's heartbeats page like seed 001 describes", async () => {
  const { key } = await eb.tenant("services");
  const service = crypto.randomUUID();
  for (const name of ["a", "b", "c"]) await eb.createMonitor(key, { name, interval: 60, service_id: service });
  await eb.createMonitor(key, { name: "elsewhere", interval: 60 });
  const page = await eb.api("GET", `/v1/service/${service}/heartbeats?page=1&limit=2`, { auth: key });
  assert.equal(page.status, 200);
  assert.deepEqual([page.body.page, page.body.limit, page.body.total], [1, 2, 3]);
  assert.deepEqual(page.body.items.map((m) => m.name), ["a", "b"]);
  const last = await eb.api("GET", `/v1/service/${service}/heartbeats?page=2&limit=2`, { auth: key });
  assert.deepEqual(last.body.items.map((m) => m.name), ["c"]);
  assert.equal((await eb.api("GET", `/v1/service/not-a-uuid/heartbeats`, { auth: key })).body.field, "service_id");
  assert.equal((await eb.api("GET", `/v1/service/${service}/heartbeats?limit=500`, { auth: key })).status, 400);
  assert.equal((await eb.api("GET", `/v1/service/${service}/heartbeats`, { auth: tenant.key })).status, 404, "another project's service");
});

test("pause and resume, and listings filtered by status and tag", async () => {
  const { key } = await eb.tenant("filters");
  const a = await eb.createMonitor(key, { name: "a", interval: 60, tags: ["db"] });
  const b = await eb.createMonitor(key, { name: "b", interval: 60, tags: ["web", "db"] });
  await eb.createMonitor(key, { name: "c", interval: 60 });
  const paused = await eb.api("POST", `/v1/heartbeat/${a.id}/pause`, { auth: key });
  assert.equal(paused.body.status, "paused");
  assert.equal(paused.body.paused, true);
  const byStatus = await eb.api("GET", "/v1/heartbeats?status=paused", { auth: key });
  assert.deepEqual(byStatus.body.items.map((m) => m.name), ["a"]);
  const byTag = await eb.api("GET", "/v1/heartbeats?tag=db", { auth: key });
  assert.deepEqual(byTag.body.items.map((m) => m.name), ["a", "b"]);
  assert.equal(byTag.body.total, 2);
  const resumed = await eb.api("POST", `/v1/heartbeat/${a.id}/resume`, { auth: key });
  assert.equal(resumed.body.status, "new");
  assert.equal((await eb.api("GET", "/v1/heartbeats?status=paused", { auth: key })).body.total, 0);
  assert.equal((await eb.api("GET", "/v1/heartbeats?status=sleeping", { auth: key })).body.field, "status");
  assert.equal((await eb.api("POST", `/v1/heartbeat/${b.id}/pause`, { auth: tenant.key })).status, 404);
});

test("a paused monitor still records pings", async () => {
  const m = await eb.createMonitor(tenant.key, { name: "paused pings", interval: 60 });
  await eb.api("POST", `/v1/heartbeat/${m.id}/pause`, { auth: tenant.key });
  assert.equal((await eb.api("GET", `/v1/heartbeat/${m.token}`)).status, 200);
  await eventually(async () => (await eb.monitor(tenant.key, m.id)).n_pings === 1);
});

test("next_due_at follows a simple schedule from the last ping", async () => {
  const m = await eb.createMonitor(tenant.key, { name: "simple due", interval: 3600 });
  await eb.api("GET", `/v1/heartbeat/${m.token}`);
  const shown = await eventually(async () => {
    const mon = await eb.monitor(tenant.key, m.id);
    return mon.next_due_at && mon;
  });
  assert.equal(Date.parse(shown.next_due_at) - Date.parse(shown.last_ping_at), 3_600_000);
  // Changing the interval moves the due time of the same last ping.
  const changed = await put(m.id, { interval: 600 });
  assert.equal(Date.parse(changed.body.next_due_at) - Date.parse(changed.body.last_ping_at), 600_000);
});

test("next_due_at follows a cron schedule in its time zone", async () => {
  // 09:00 in Kolkata (UTC+05:30, no DST) is 03:30Z.
  const m = await eb.createMonitor(tenant.key, { name: "cron due", schedule: "0 9 * * *", tz: "Asia/Kolkata" });
  await eb.api("GET", `/v1/heartbeat/${m.token}`);
  const shown = await eventually(async () => {
    const mon = await eb.monitor(tenant.key, m.id);
    return mon.next_due_at && mon;
  });
  const last = new Date(shown.last_ping_at);
  let expected = Date.UTC(last.getUTCFullYear(), last.getUTCMonth(), last.getUTCDate(), 3, 30);
  if (expected <= last.getTime()) expected += 86_400_000;
  assert.equal(Date.parse(shown.next_due_at), expected);
  // Switching to an hourly schedule in UTC recomputes it from the same ping.
  const hourly = await put(m.id, { schedule: "0 * * * *", tz: "UTC" });
  const nextHour = Math.floor(last.getTime() / 3_600_000) * 3_600_000 + 3_600_000;
  assert.equal(Date.parse(hourly.body.next_due_at), nextHour);
});

test("statistic buckets agree with the schedule and the pings of the range", async () => {
  const m = await eb.createMonitor(tenant.key, { name: "stats", interval: 600, grace: 120 });
  const t0 = Date.parse("2026-01-01T00:00:00Z");
  const minute = 60_000;
  await eb.env.DB.prepare("UPDATE monitors SET created_at = ? WHERE id = ?").bind(t0, m.id).run();
  const pings = [[9, "success"], [19, "tick"], [31, "success"], [45, "fail"], [47, "log"]];
  for (const [at, kind] of pings) {
    await eb.env.DB.prepare(
      "INSERT INTO pings (id, monitor_id, received_at, kind, source, method) VALUES (?, ?, ?, ?, 'ping', 'GET')",
    ).bind(crypto.randomUUID(), m.id, t0 + at * minute, kind).run();
  }
  const q = `interval=30m&start_date=2026-01-01T00:00:00Z&end_date=2026-01-01T01:00:00Z`;
  const res = await eb.api("GET", `/v1/heartbeat/${m.id}/statistic?${q}`, { auth: tenant.key });
  assert.equal(res.status, 200, res.text);
  const rows = res.body.items.map(({ received_at, tick_count, run_count, fail_count, complete_count }) => ({ received_at, tick_count, run_count, fail_count, complete_count }));
  // Expected check-ins follow the status machine: each check-in makes the next due 10 min later.
  assert.deepEqual(rows, [
    // From 9: due 19, met at 19; due 29, met at 31 (within 2 min grace).
    { received_at: "2026-01-01T00:00:00.000Z", tick_count: 2, run_count: 2, fail_count: 0, complete_count: 2 },
    // From 31: due 41, missed; due 51, answered by the fail at 45; from 45: due 55, missed.
    { received_at: "2026-01-01T00:30:00.000Z", tick_count: 3, run_count: 2, fail_count: 3, complete_count: 0 },
  ]);
});

test("statistic answers at most 1000 buckets, the last ones, and nothing for a backwards range", async () => {
  const m = await eb.createMonitor(tenant.key, { name: "long range", interval: 3600 });
  const stat = (q) => eb.api("GET", `/v1/heartbeat/${m.id}/statistic?${q}`, { auth: tenant.key });
  const long = await stat("interval=1m&start_date=2026-01-01T00:00:00Z&end_date=2026-02-01T00:00:00Z");
  assert.equal(long.status, 200, long.text);
  assert.equal(long.body.items.length, 1000);
  assert.deepEqual([long.body.start_date, long.body.end_date], ["2026-01-31T07:20:00.000Z", "2026-02-01T00:00:00.000Z"]);
  const backwards = await stat("start_date=2026-01-02T00:00:00Z&end_date=2026-01-01T00:00:00Z");
  assert.equal(backwards.status, 200, backwards.text);
  assert.deepEqual(backwards.body.items, []);
  assert.equal(backwards.body.start_date, backwards.body.end_date);
});

test("statistic reports a silent range's expected ticks as misses, and validates its query", async () => {
  const m = await eb.createMonitor(tenant.key, { name: "silent", interval: 3600, grace: 0 });
  await eb.env.DB.prepare("UPDATE monitors SET created_at = ? WHERE id = ?").bind(Date.parse("2026-01-01T00:00:00Z"), m.id).run();
  // Its last check-in, half an hour before the range: every hour of the range then expected one.
  await eb.env.DB.prepare(
    "INSERT INTO pings (id, monitor_id, received_at, kind, source, method) VALUES (?, ?, ?, 'success', 'ping', 'GET')",
  ).bind(crypto.randomUUID(), m.id, Date.parse("2026-01-01T23:30:00Z")).run();
  const res = await eb.api("GET", `/v1/heartbeat/${m.id}/statistic?interval=1d&start_date=2026-01-02T00:00:00Z&end_date=2026-01-03T00:00:00Z`, { auth: tenant.key });
  assert.deepEqual(res.body.items.map((b) => [b.tick_count, b.fail_count, b.complete_count, b.run_count]), [[24, 24, 0, 0]]);
  for (const [q, field] of [
    ["interval=7x", "interval"],
    ["interval=05m", "interval"],
    ["interval=5%C3%A9", "interval"],
    ["start_date=yesterday", "start_date"],
  ]) {
    const bad = await eb.api("GET", `/v1/heartbeat/${m.id}/statistic?${q}`, { auth: tenant.key });
    assert.equal(bad.status, 400, q);
    assert.equal(bad.body.field, field, q);
  }
});
