// Snooze (issue 18, rule 4): a person holds one monitor's alerts until a time. Its status
// moves and flips are recorded as always; the flips before `until` queue no alert, a flip at
// or after it alerts as usual, and DELETE ends the snooze at once. Time moves by real
// scheduled events (the Cron Trigger); alerts go to a local receiver.
import { test } from "node:test";
import assert from "node:assert/strict";
import { alertRig, projectWithWebhook } from "./support/alert-rig.mjs";

const MIN = 60_000;
const HOUR = 60 * MIN;
let eb;
let receiver;
alertRig((rig) => ({ eb, receiver } = rig));

/** A project with a webhook channel at `path` and an hourly monitor that has pinged once. */
async function watched(path) {
  const t = await projectWithWebhook(eb, receiver, path);
  const m = await eb.pingedMonitor(t.key, { name: `snoozed ${path}`, interval: 3600, grace: 600 });
  return { t, m, deadline: Date.parse(m.next_due_at) + 10 * MIN };
}

const snooze = (key, id, until) => eb.api("POST", `/v1/heartbeat/${id}/snooze`, { auth: key, body: { until: new Date(until).toISOString() } });
const events = (path) => (receiver.received[path] ?? []).map((r) => JSON.parse(r.body).event);
const flips = async (id) => eb.rows("SELECT to_status FROM flips WHERE monitor_id = ? ORDER BY at", id);

test("a snoozed monitor goes down without an alert; the flip is still recorded", async () => {
  const { t, m, deadline } = await watched("/snoozed-down");
  const res = await snooze(t.key, m.id, deadline + 2 * HOUR);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.snoozed_until, new Date(deadline + 2 * HOUR).toISOString());
  await eb.sweep(deadline + MIN);
  assert.equal((await eb.monitor(t.key, m.id)).status, "down");
  assert.deepEqual(await flips(m.id), [{ to_status: "down" }]);
  assert.deepEqual(events("/snoozed-down"), [], "held");
  const [{ n }] = await eb.rows("SELECT COUNT(*) AS n FROM deliveries d JOIN flips f ON f.id = d.flip_id WHERE f.monitor_id = ?", m.id);
  assert.equal(n, 0, "nothing queued for later either");
  const history = await eb.api("GET", `/v1/heartbeat/${m.id}/alerts`, { auth: t.key });
  assert.deepEqual(history.body.items.map((f) => [f.to, f.held_by, f.deliveries.length]), [["down", "snoozed", 0]], "the history says why");
  const read = await eb.createKey(t.project.id, "read", t.key);
  assert.equal((await eb.api("GET", `/v1/heartbeat/${m.unique_key}/alerts`, { auth: read.key })).status, 200, "read keys see it by unique key");
  const other = await eb.tenant("snooze-history-stranger");
  assert.equal((await eb.api("GET", `/v1/heartbeat/${m.id}/alerts`, { auth: other.key })).status, 404);
  const bad = await eb.api("GET", `/v1/heartbeat/${m.id}/alerts?limit=0`, { auth: t.key });
  assert.deepEqual([bad.status, bad.body.field], [400, "limit"]);
});

test("a flip after the snooze ends alerts as usual", async () => {
  const { t, m, deadline } = await watched("/snooze-over");
  // Snoozed until just before the monitor goes down.
  assert.equal((await snooze(t.key, m.id, Date.now() + MIN)).status, 200);
  await eb.sweep(deadline + MIN);
  assert.deepEqual(events("/snooze-over"), ["down"]);
});

test("DELETE ends a snooze at once: the next flip alerts", async () => {
  const { t, m, deadline } = await watched("/unsnoozed");
  assert.equal((await snooze(t.key, m.id, deadline + 2 * HOUR)).status, 200);
  const ended = await eb.api("DELETE", `/v1/heartbeat/${m.id}/snooze`, { auth: t.key });
  assert.equal(ended.status, 200, ended.text);
  assert.equal(ended.body.snoozed_until, null);
  await eb.sweep(deadline + MIN);
  assert.deepEqual(events("/unsnoozed"), ["down"]);
});

test("snooze requests are checked, and only a manage key of the monitor's project may snooze", async () => {
  const { t, m } = await watched("/snooze-checks");
  for (const [body, message] of [
    [{}, "is required"],
    [{ until: "tomorrow" }, "must be an RFC 3339 time"],
    [{ until: new Date(Date.now() - MIN).toISOString() }, "must be in the future"],
    [{ until: new Date(Date.now() + 32 * 24 * HOUR).toISOString() }, "must be at most 31 days ahead (pause the monitor for longer)"],
  ]) {
    const res = await eb.api("POST", `/v1/heartbeat/${m.id}/snooze`, { auth: t.key, body });
    assert.deepEqual([res.status, res.body.field, res.body.error?.includes(message)], [400, "until", true], JSON.stringify(res.body));
  }
  const read = await eb.createKey(t.project.id, "read", t.key);
  assert.equal((await snooze(read.key, m.id, Date.now() + HOUR)).status, 403);
  const other = await eb.tenant("snooze-stranger");
  assert.equal((await snooze(other.key, m.id, Date.now() + HOUR)).status, 404);
  assert.equal((await eb.monitor(t.key, m.id)).snoozed_until, null, "no refused request snoozed it");
});
