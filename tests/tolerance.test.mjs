// Tolerance (issue 18, rule 1): `failure_tolerance` N lets a monitor fail N times in a row
// (misses or fail pings) showing `failing` with the count, and it goes down (one alert) on
// the N+1st, stamped at that moment; `recovery_threshold` M keeps a down monitor down until
// M successes in a row. Time moves by real scheduled events (the Cron Trigger); alerts go to a
// local receiver.
import { test } from "node:test";
import assert from "node:assert/strict";
import { eventually } from "./support/edgebeat.mjs";
import { alertRig, projectWithWebhook, alertsAt } from "./support/alert-rig.mjs";

const MIN = 60_000;
const HOUR = 60 * MIN;
let eb;
let receiver;
alertRig((rig) => ({ eb, receiver } = rig));

/** A project with a webhook channel at `path` and an hourly monitor (grace 10 min) that has pinged once. */
async function watched(path, rules) {
  const t = await projectWithWebhook(eb, receiver, path);
  const m = await eb.pingedMonitor(t.key, { name: `tolerant ${path}`, interval: 3600, grace: 600, ...rules });
  return { t, m, due: Date.parse(m.next_due_at) };
}

const alerts = (path) => alertsAt(receiver, path);
const flips = (id) => eb.rows("SELECT at, from_status, to_status FROM flips WHERE monitor_id = ? ORDER BY at", id);
const ping = async (token, suffix = "") => {
  const res = await eb.api("GET", `/ping/${token}${suffix}`);
  assert.equal(res.status, 200, res.text);
};
const shown = (key, id, probe, what) => eventually(async () => {
  const m = await eb.monitor(key, id);
  return probe(m) && m;
}, { what, timeoutMs: 30_000 });

test("tolerance 2: two missed deadlines are failing 1 and 2 without an alert; the third is down with one alert", async () => {
  const { t, m, due } = await watched("/tolerance-2", { failure_tolerance: 2 });
  assert.deepEqual([m.failure_tolerance, m.recovery_threshold, m.failures_in_row], [2, 1, 0]);
  const deadline = (k) => due + k * HOUR + 10 * MIN; // the k-th missed check-in's deadline
  await eb.sweep(deadline(0) + MIN);
  let now = await eb.monitor(t.key, m.id);
  assert.deepEqual([now.status, now.failures_in_row], ["failing", 1]);
  assert.equal(now.next_due_at, new Date(due + HOUR).toISOString(), "waits for the next check-in");
  await eb.sweep(deadline(1) + MIN);
  now = await eb.monitor(t.key, m.id);
  assert.deepEqual([now.status, now.failures_in_row], ["failing", 2]);
  assert.deepEqual(alerts("/tolerance-2"), [], "no alert while failing");
  assert.deepEqual(await flips(m.id), []);
  await eb.sweep(deadline(2) + MIN);
  now = await eb.monitor(t.key, m.id);
  assert.deepEqual([now.status, now.failures_in_row], ["down", 3]);
  assert.deepEqual(await flips(m.id), [{ at: deadline(2), from_status: "failing", to_status: "down" }], "stamped at the third deadline");
  await eb.sweep(deadline(2) + 2 * MIN);
  const sent = alerts("/tolerance-2");
  assert.deepEqual(sent.map((a) => a.event), ["down"]);
  assert.equal(sent[0].flip.at, new Date(deadline(2)).toISOString());
  const history = await eb.api("GET", `/v1/heartbeat/${m.id}/alerts`, { auth: t.key });
  assert.equal(history.status, 200, history.text);
  assert.deepEqual(
    history.body.items.map((f) => [f.at, f.from, f.to, f.held_by, f.deliveries.map((d) => [d.channel, d.kind, d.event, d.status])]),
    [[new Date(deadline(2)).toISOString(), "failing", "down", null, [["/tolerance-2", "webhook", "down", "delivered"]]]],
  );
});

test("tolerance 1: a success while failing is up again and the count starts over", async () => {
  const { t, m, due } = await watched("/tolerance-reset", { failure_tolerance: 1 });
  await eb.sweep(due + 11 * MIN);
  assert.equal((await eb.monitor(t.key, m.id)).status, "failing");
  await ping(m.token);
  await shown(t.key, m.id, (s) => s.status === "up" && s.failures_in_row === 0, "up again");
  await ping(m.token, "/fail");
  const failing = await shown(t.key, m.id, (s) => s.n_pings === 3, "the fail ping applied");
  assert.deepEqual([failing.status, failing.failures_in_row], ["failing", 1], "one fail is tolerated again");
  assert.deepEqual(await flips(m.id), []);
  await ping(m.token, "/fail");
  await shown(t.key, m.id, (s) => s.status === "down", "the second fail in a row is down");
  assert.equal((await flips(m.id)).length, 1);
});

test("recovery 3: a down monitor stays down through two successes and is up with one alert on the third", async () => {
  const { t, m } = await watched("/recovery-3", { recovery_threshold: 3 });
  await ping(m.token, "/fail");
  await shown(t.key, m.id, (s) => s.status === "down", "down on the fail");
  await ping(m.token);
  await ping(m.token);
  const recovering = await shown(t.key, m.id, (s) => s.n_pings === 4, "two successes applied");
  assert.deepEqual([recovering.status, recovering.successes_in_row], ["down", 2]);
  await ping(m.token);
  await shown(t.key, m.id, (s) => s.status === "up" && s.successes_in_row === 0, "up on the third");
  assert.deepEqual((await flips(m.id)).map((f) => f.to_status), ["down", "up"]);
  await eb.sweep(Date.now());
  await eventually(() => alerts("/recovery-3").length === 2, { what: "two alerts" });
  assert.deepEqual(alerts("/recovery-3").map((a) => a.event), ["down", "up"]);
});

test("tolerance fields are checked", async () => {
  const t = await eb.tenant("tolerance-checks");
  for (const [body, field] of [
    [{ failure_tolerance: -1 }, "failure_tolerance"],
    [{ failure_tolerance: 101 }, "failure_tolerance"],
    [{ failure_tolerance: "2" }, "failure_tolerance"],
    [{ recovery_threshold: 0 }, "recovery_threshold"],
    [{ recovery_threshold: 101 }, "recovery_threshold"],
  ]) {
    const res = await eb.api("POST", "/v1/heartbeat", { auth: t.key, body: { name: "x", interval: 60, ...body } });
    assert.deepEqual([res.status, res.body.field], [400, field], JSON.stringify(res.body));
  }
  const m = await eb.createMonitor(t.key, { name: "x", interval: 60, failure_tolerance: 3, recovery_threshold: 2 });
  const edited = await eb.api("PUT", `/v1/heartbeat/${m.id}`, { auth: t.key, body: { failure_tolerance: 0 } });
  assert.equal(edited.status, 200, edited.text);
  assert.deepEqual([edited.body.failure_tolerance, edited.body.recovery_threshold], [0, 2]);
});
