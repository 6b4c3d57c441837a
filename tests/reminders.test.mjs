// Reminders (issue 18, rule 2): while a monitor stays down, `realert_every` seconds after the
// last alert a numbered reminder goes to the same channels, at most `realert_max` of them,
// none while snoozed. Time moves by real scheduled events (the Cron Trigger); alerts go to a
// local receiver.
import { test } from "node:test";
import assert from "node:assert/strict";
import { alertRig, projectWithWebhook, alertsAt } from "./support/alert-rig.mjs";

const MIN = 60_000;
const HOUR = 60 * MIN;
let eb;
let receiver;
alertRig((rig) => ({ eb, receiver } = rig));

/** A project with a webhook channel at `path` and an hourly monitor with `rules` that has pinged once. */
async function watched(path, rules) {
  const t = await projectWithWebhook(eb, receiver, path);
  const m = await eb.pingedMonitor(t.key, { name: `reminded ${path}`, interval: 3600, grace: 600, ...rules });
  return { t, m, downAt: Date.parse(m.next_due_at) + 10 * MIN };
}

const alerts = (path) => alertsAt(receiver, path);

/** Runs the Cron Trigger every `step` from `from` to `to` (inclusive). */
async function sweepEvery(step, from, to) {
  for (let at = from; at <= to; at += step) await eb.sweep(at);
}

test("reminders come every realert_every, numbered, up to realert_max", async () => {
  const { t, m, downAt } = await watched("/reminded", { realert_every: 600, realert_max: 3 });
  assert.deepEqual([m.realert_every, m.realert_max], [600, 3]);
  await sweepEvery(MIN, downAt + MIN, downAt + 50 * MIN);
  const got = alerts("/reminded");
  assert.deepEqual(got.map((a) => [a.event, a.reminder?.number ?? 0]), [["down", 0], ["down", 1], ["down", 2], ["down", 3]]);
  const at = got.slice(1).map((a) => Date.parse(a.reminder.at));
  assert.deepEqual([at[1] - at[0], at[2] - at[1]], [10 * MIN, 10 * MIN], "spaced realert_every apart");
  const first = at[0] - Date.parse(got[0].flip.at);
  assert.ok(first >= 10 * MIN && first < 11 * MIN, `the first one realert_every after going down (${first} ms)`);
  assert.ok(got.slice(1).every((a) => a.reminder.max === 3));
  const shown = await eb.monitor(t.key, m.id);
  assert.equal(shown.alerting.reminders_sent, 3);
  const [{ n }] = await eb.rows("SELECT COUNT(*) AS n FROM deliveries d JOIN flips f ON f.id = d.flip_id WHERE f.monitor_id = ? AND d.seq > 0", m.id);
  assert.equal(n, 3, "no fourth reminder queued either");
  // The alert history numbers them; no escalation, no step.
  const history = await eb.api("GET", `/v1/heartbeat/${m.id}/alerts`, { auth: t.key });
  assert.deepEqual(history.body.items[0].deliveries.map((d) => [d.seq, d.step]), [[0, null], [1, null], [2, null], [3, null]]);
});

test("without realert_every a down monitor is alerted once", async () => {
  const { downAt } = await watched("/once");
  await sweepEvery(5 * MIN, downAt + MIN, downAt + 2 * HOUR);
  assert.deepEqual(alerts("/once").map((a) => a.event), ["down"]);
});

test("no reminder goes out while snoozed; they resume when the snooze ends", async () => {
  const { t, m, downAt } = await watched("/snoozed-reminders", { realert_every: 600, realert_max: 10 });
  await eb.sweep(downAt + MIN);
  assert.deepEqual(alerts("/snoozed-reminders").map((a) => a.event), ["down"]);
  const until = downAt + 45 * MIN;
  const res = await eb.api("POST", `/v1/heartbeat/${m.id}/snooze`, { auth: t.key, body: { until: new Date(until).toISOString() } });
  assert.equal(res.status, 200, res.text);
  await sweepEvery(2 * MIN, downAt + 3 * MIN, until - MIN);
  assert.equal(alerts("/snoozed-reminders").length, 1, "none while snoozed");
  await eb.sweep(until + MIN);
  const got = alerts("/snoozed-reminders");
  assert.deepEqual(got.map((a) => a.reminder?.number ?? 0), [0, 1], "the overdue reminder goes when the snooze ends");
});

test("realert_every and realert_max are checked", async () => {
  const t = await eb.tenant("reminder-checks");
  for (const [body, field, message] of [
    [{ realert_every: 299 }, "realert_every", "must be between 300 and 604800"],
    [{ realert_every: "1h" }, "realert_every", "must be a number"],
    [{ realert_max: 0 }, "realert_max", "must be between 1 and 100"],
  ]) {
    const res = await eb.api("POST", "/v1/heartbeat", { auth: t.key, body: { name: "x", interval: 3600, ...body } });
    assert.deepEqual([res.status, res.body.field, res.body.error?.includes(message)], [400, field, true], JSON.stringify(res.body));
  }
  const m = await eb.createMonitor(t.key, { name: "defaults", interval: 3600 });
  assert.deepEqual([m.realert_every, m.realert_max, m.escalation], [null, 10, null]);
});
