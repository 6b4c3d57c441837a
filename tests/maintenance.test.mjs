// Maintenance windows (issue 18, rule 4): while a window holds a monitor its pings are
// recorded and its status moves, the API shows `maintenance`, and nothing alerts; when the
// maintenance ends, a monitor that is down then alerts once. One-off windows, recurring ones
// (cron + duration + tz) and project-wide ones by tag. Time moves by real scheduled events
// (the Cron Trigger); alerts go to a local receiver.
import { test } from "node:test";
import assert from "node:assert/strict";
import { eventually } from "./support/edgebeat.mjs";
import { alertRig, projectWithWebhook, alertsAt } from "./support/alert-rig.mjs";

const MIN = 60_000;
const HOUR = 60 * MIN;
let eb;
let receiver;
alertRig((rig) => ({ eb, receiver } = rig));

/** A project with a webhook channel at `path`. */
async function project(path) {
  const t = await projectWithWebhook(eb, receiver, path);
  return t;
}

/** An hourly monitor (10 min grace) that has pinged once, and when it goes down. */
async function pinged(t, body = {}) {
  const m = await eb.pingedMonitor(t.key, { name: "backup", interval: 3600, grace: 600, ...body });
  return { m, deadline: Date.parse(m.next_due_at) + 10 * MIN };
}

const iso = (ms) => new Date(ms).toISOString();
const alerts = (path) => alertsAt(receiver, path);
const held = (id) => eb.rows("SELECT to_status, held_by FROM flips WHERE monitor_id = ? ORDER BY at, id", id);
const addWindow = (key, id, body) => eb.api("POST", `/v1/heartbeat/${id}/maintenance`, { auth: key, body });

test("a one-off window: down inside it alerts nothing, shows maintenance, and alerts once as it ends", async () => {
  const t = await project("/once");
  const { m, deadline } = await pinged(t);
  const until = deadline + HOUR;
  const res = await addWindow(t.key, m.id, { until: iso(until) });
  assert.equal(res.status, 201, res.text);
  assert.deepEqual([res.body.until, res.body.open_until, res.body.heartbeat, res.body.schedule], [iso(until), iso(until), m.unique_key, null]);
  const shown = await eb.monitor(t.key, m.id);
  assert.deepEqual([shown.status, shown.maintenance_until], ["maintenance", iso(until)]);

  await eb.sweep(deadline + MIN);
  assert.deepEqual(await held(m.id), [{ to_status: "down", held_by: "maintenance" }], "the down is recorded, its alert held");
  await eb.sweep(deadline + 30 * MIN);
  assert.deepEqual(alerts("/once"), [], "nothing inside the window");

  await eb.sweep(until + MIN);
  const told = alerts("/once");
  assert.deepEqual(told.map((a) => [a.event, a.flip.at]), [["down", iso(deadline)]], "one alert, of the down it went into");
  await eb.sweep(until + 2 * MIN);
  assert.equal(alerts("/once").length, 1, "and only once");
});

test("a fail ping inside a window is recorded and held; a recovery inside it leaves nothing to tell", async () => {
  const t = await project("/pings-inside");
  const { m } = await pinged(t);
  // Ends before the monitor's next deadline: only the pings' flips fall inside.
  const until = Date.now() + 30 * MIN;
  assert.equal((await addWindow(t.key, m.id, { from: iso(Date.now() - MIN), until: iso(until) })).status, 201);
  assert.equal((await eb.api("GET", `/ping/${m.token}/fail`)).status, 200);
  await eventually(async () => (await held(m.id)).length === 1, { what: "the fail ping's flip" });
  assert.deepEqual(await held(m.id), [{ to_status: "down", held_by: "maintenance" }]);
  const shown = await eb.monitor(t.key, m.id);
  assert.equal(shown.status, "maintenance", "its status underneath is down; the API shows the window");

  assert.equal((await eb.api("GET", `/ping/${m.token}`)).status, 200);
  await eventually(async () => (await held(m.id)).length === 2, { what: "the recovery's flip" });
  await eb.sweep(until + MIN);
  assert.deepEqual(alerts("/pings-inside"), [], "down and up again inside: no alert then or after");
});

test("a fail ping held by a window alerts once the window ends if the monitor is still down", async () => {
  const t = await project("/ping-then-end");
  const { m } = await pinged(t);
  const until = Date.now() + HOUR;
  assert.equal((await addWindow(t.key, m.id, { until: iso(until) })).status, 201);
  assert.equal((await eb.api("GET", `/ping/${m.token}/fail`)).status, 200);
  await eventually(async () => (await held(m.id)).length === 1, { what: "the fail ping's flip" });
  const [{ check_at }] = await eb.rows("SELECT check_at FROM monitors WHERE id = ?", m.id);
  assert.equal(check_at, until, "the sweep looks at it as the window ends");
  await eb.sweep(until - MIN);
  assert.deepEqual(alerts("/ping-then-end"), []);
  await eb.sweep(until + MIN);
  assert.deepEqual(alerts("/ping-then-end").map((a) => a.event), ["down"]);
});

test("a recurring window holds the down inside each occurrence and alerts once across its end", async () => {
  const t = await project("/recurring");
  const { m, deadline } = await pinged(t);
  // An occurrence that opens 20 minutes before the deadline, every day at that minute (UTC).
  const start = Math.floor((deadline - 20 * MIN) / MIN) * MIN;
  const at = new Date(start);
  const schedule = `${at.getUTCMinutes()} ${at.getUTCHours()} * * *`;
  const res = await addWindow(t.key, m.id, { schedule, duration: 3600, tz: "UTC" });
  assert.equal(res.status, 201, res.text);
  assert.deepEqual([res.body.schedule, res.body.duration, res.body.tz, res.body.from], [schedule, 3600, "UTC", null]);

  await eb.sweep(deadline + MIN);
  assert.deepEqual(await held(m.id), [{ to_status: "down", held_by: "maintenance" }]);
  await eb.sweep(start + HOUR - MIN);
  assert.deepEqual(alerts("/recurring"), [], "inside the occurrence");
  await eb.sweep(start + HOUR + MIN);
  assert.deepEqual(alerts("/recurring").map((a) => a.event), ["down"], "once, as it ends");
  await eb.sweep(start + 25 * HOUR + MIN);
  assert.equal(alerts("/recurring").length, 1, "the next occurrence's end tells nothing more");
});

test("a project-wide window holds the monitors with its tag only, new ones too, until deleted", async () => {
  const t = await project("/by-tag");
  const { m: db, deadline } = await pinged(t, { name: "db backup", tags: ["db"] });
  const { m: web } = await pinged(t, { name: "web", tags: ["web"] });
  const until = deadline + HOUR;
  const res = await eb.api("POST", "/v1/maintenance", { auth: t.key, body: { tag: "db", until: iso(until) } });
  assert.equal(res.status, 201, res.text);
  assert.deepEqual([res.body.tag, res.body.heartbeat], ["db", null]);
  assert.equal((await eb.monitor(t.key, db.id)).status, "maintenance");
  assert.equal((await eb.monitor(t.key, web.id)).status, "up");
  const later = await eb.createMonitor(t.key, { name: "db restore", interval: 3600, tags: ["db"] });
  assert.equal((await eb.monitor(t.key, later.id)).status, "maintenance", "a monitor created with the tag is held too");
  const listed = await eb.api("GET", "/v1/heartbeats?status=maintenance", { auth: t.key });
  assert.deepEqual(listed.body.items.map((i) => i.name).sort(), ["db backup", "db restore"]);
  assert.equal(listed.body.total, 2);

  await eb.sweep(deadline + 5 * MIN);
  assert.deepEqual(alerts("/by-tag").map((a) => a.monitor.name), ["web"], "only the untagged one alerts");
  const windows = await eb.api("GET", "/v1/maintenance", { auth: t.key });
  assert.deepEqual(windows.body.items.map((w) => w.id), [res.body.id]);
  const gone = await eb.api("DELETE", `/v1/maintenance/${res.body.id}`, { auth: t.key });
  assert.deepEqual([gone.status, gone.body], [200, { deleted: 1 }]);
  assert.equal((await eb.monitor(t.key, db.id)).status, "down", "deleting ends the maintenance at once");
  await eb.sweep(deadline + 6 * MIN);
  assert.deepEqual(alerts("/by-tag").map((a) => a.monitor.name).sort(), ["db backup", "web"], "the held down is told at the next sweep");
});

test("windows are checked, written with a manage key of the monitor's project only, read with a read key", async () => {
  const t = await project("/window-checks");
  const { m } = await pinged(t);
  for (const [body, field, message] of [
    [{}, "until", "is required (or a schedule and duration for a recurring window)"],
    [{ until: "soon" }, "until", "must be an RFC 3339 time"],
    [{ until: iso(Date.now() - MIN) }, "until", "must be in the future"],
    [{ until: iso(Date.now() + 32 * 24 * HOUR) }, "until", "must be at most 31 days after from"],
    [{ schedule: "0 3 * * *" }, "duration", "is required with a schedule"],
    [{ schedule: "0 3 * * *", duration: 30 }, "duration", "must be between 60 and 86400"],
    [{ schedule: "0 3 * * *", duration: 60, tz: "Mars/Olympus" }, "tz", "must be an IANA time zone name"],
    [{ until: iso(Date.now() + HOUR), schedule: "0 3 * * *", duration: 60 }, "schedule", "not both"],
  ]) {
    const res = await addWindow(t.key, m.id, body);
    assert.deepEqual([res.status, res.body.field, res.body.error?.includes(message)], [400, field, true], JSON.stringify(res.body));
  }
  const bad = await eb.api("POST", "/v1/maintenance", { auth: t.key, body: { tag: 5, until: iso(Date.now() + HOUR) } });
  assert.deepEqual([bad.status, bad.body.field], [400, "tag"]);

  const read = await eb.createKey(t.project.id, "read", t.key);
  const body = { until: iso(Date.now() + HOUR) };
  assert.equal((await addWindow(read.key, m.id, body)).status, 403);
  assert.equal((await eb.api("POST", "/v1/maintenance", { auth: read.key, body })).status, 403);
  const mine = await addWindow(t.key, m.id, body);
  assert.equal(mine.status, 201);
  assert.equal((await eb.api("DELETE", `/v1/maintenance/${mine.body.id}`, { auth: read.key })).status, 403);
  const seen = await eb.api("GET", `/v1/heartbeat/${m.unique_key}/maintenance`, { auth: read.key });
  assert.equal(seen.status, 200, seen.text);
  assert.deepEqual([seen.body.items.map((w) => w.id), seen.body.in_maintenance_until], [[mine.body.id], body.until]);

  const other = await eb.tenant("window-stranger");
  assert.equal((await addWindow(other.key, m.id, body)).status, 404);
  assert.equal((await eb.api("GET", `/v1/heartbeat/${m.id}/maintenance`, { auth: other.key })).status, 404);
  assert.equal((await eb.api("DELETE", `/v1/maintenance/${mine.body.id}`, { auth: other.key })).status, 404);
  assert.deepEqual((await eb.api("GET", "/v1/maintenance", { auth: other.key })).body.items, []);
  assert.equal((await eb.api("DELETE", "/v1/maintenance/not-a-uuid", { auth: t.key })).status, 400);
  assert.equal((await eb.api("GET", "/v1/maintenance", { auth: t.key })).body.items.length, 1, "no refused request added one");
});
