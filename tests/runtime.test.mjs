// Runtime bounds (issue 18, rule 3): a run (a start ping and its end, paired by `rid` or
// else the next end) shorter than `min_runtime` or longer than `max_runtime` is a failure
// whose reason says the figures; a run still open at `max_runtime` after its start is down at
// that moment, found by the Cron Trigger (a real scheduled event) without waiting for the
// grace. Alerts go to a local receiver.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { eventually } from "./support/edgebeat.mjs";
import { alertRig, projectWithWebhook, alertsAt } from "./support/alert-rig.mjs";

const MIN = 60_000;
let eb;
let receiver;
alertRig((rig) => ({ eb, receiver } = rig));

/** A project with a webhook channel at `path` and a monitor with `rules` that has pinged once. */
async function watched(path, rules) {
  const t = await projectWithWebhook(eb, receiver, path);
  const m = await eb.pingedMonitor(t.key, { name: `job ${path}`, interval: 3600, grace: 3600, ...rules });
  return { t, m };
}

const ping = async (token, action = "", rid) => {
  const res = await eb.fetch(`/ping/${token}${action}${rid ? `?rid=${rid}` : ""}`);
  assert.equal(res.status, 200, await res.text());
};
const statusOf = (t, m, status) =>
  eventually(async () => (await eb.monitor(t.key, m.id)).status === status, { what: `status ${status}` });
const alerts = (path) => alertsAt(receiver, path);
const flips = (id) => eb.rows("SELECT at, to_status, reason FROM flips WHERE monitor_id = ? ORDER BY at", id);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test("a run shorter than min_runtime is down with its figures, and the alert says them", async () => {
  const { t, m } = await watched("/too-short", { min_runtime: 60 });
  assert.equal(m.min_runtime, 60);
  await ping(m.token, "/start");
  await ping(m.token);
  await statusOf(t, m, "down");
  const [flip] = await flips(m.id);
  assert.match(flip.reason, /^ran \d+ s, expected at least 1 min$/);
  await eb.sweep(Date.now());
  const [alert] = alerts("/too-short");
  assert.deepEqual([alert.event, alert.flip.reason], ["down", flip.reason]);
});

test("a run that ends past max_runtime is down once, as still running at max_runtime", async () => {
  const { t, m } = await watched("/too-long", { max_runtime: 1 });
  await ping(m.token, "/start");
  await sleep(1_300);
  await ping(m.token);
  await statusOf(t, m, "down");
  // Its end reaches the machine after its deadline: the open run failed then, and the end does
  // not count it a second time.
  assert.deepEqual((await flips(m.id)).map((f) => f.reason), ["still running after 1 s, expected at most 1 s"]);
});

test("a run longer than max_runtime that the machine was not watching is down at its end", async () => {
  const { t, m } = await watched("/too-long-rid", { max_runtime: 2 });
  const [a, b] = [randomUUID(), randomUUID()];
  await ping(m.token, "/start", a);
  await sleep(1_500);
  // Before a's deadline, b's start becomes the open run the clock watches (the latest start);
  // a's end, past its max_runtime, is measured from a's own start.
  await ping(m.token, "/start", b);
  await sleep(1_000);
  await ping(m.token, "", a);
  await statusOf(t, m, "down");
  assert.deepEqual((await flips(m.id)).map((f) => f.reason), ["ran 2 s, expected at most 2 s"]);
});

test("a run within its bounds is a success", async () => {
  const { t, m } = await watched("/in-bounds", { min_runtime: 1, max_runtime: 60 });
  await ping(m.token, "/start");
  await statusOf(t, m, "started");
  await sleep(1_100);
  await ping(m.token);
  await statusOf(t, m, "up");
  assert.deepEqual(await flips(m.id), []);
});

test("runs pair by rid: each end is measured from its own start", async () => {
  const { t, m } = await watched("/by-rid", { min_runtime: 2 });
  const [a, b] = [randomUUID(), randomUUID()];
  await ping(m.token, "/start", a);
  await sleep(2_100);
  await ping(m.token, "/start", b);
  await ping(m.token, "", a);
  await statusOf(t, m, "up");
  await ping(m.token, "", b);
  await statusOf(t, m, "down");
  const reasons = (await flips(m.id)).map((f) => f.reason);
  assert.equal(reasons.length, 1);
  assert.match(reasons[0], /^ran [01] s, expected at least 2 s$/, "b's end measured from b's start, a's was long enough");
});

test("a run still open at max_runtime is down at that moment, found by the Cron Trigger before the grace", async () => {
  const { t, m } = await watched("/still-running", { max_runtime: 120 });
  await ping(m.token, "/start");
  await statusOf(t, m, "started");
  const [{ started_at }] = await eb.rows("SELECT started_at FROM monitors WHERE id = ?", m.id);
  const [{ check_at }] = await eb.rows("SELECT check_at FROM monitors WHERE id = ?", m.id);
  assert.equal(check_at, started_at + 120_000 + 1, "the sweep looks at it at max_runtime, not after the hour of grace");
  await eb.sweep(started_at + MIN);
  assert.equal((await eb.monitor(t.key, m.id)).status, "started", "inside max_runtime");
  await eb.sweep(started_at + 3 * MIN);
  assert.equal((await eb.monitor(t.key, m.id)).status, "down");
  assert.deepEqual(await flips(m.id), [
    { at: started_at + 120_000, to_status: "down", reason: "still running after 2 min, expected at most 2 min" },
  ]);
  const [alert] = alerts("/still-running");
  assert.deepEqual([alert.event, alert.flip.reason], ["down", "still running after 2 min, expected at most 2 min"]);
});

test("runtime bounds are checked fields, cleared with null", async () => {
  const { t, m } = await watched("/runtime-fields", {});
  assert.deepEqual([m.min_runtime, m.max_runtime], [null, null]);
  for (const [body, field] of [
    [{ min_runtime: 0 }, "min_runtime"],
    [{ max_runtime: 30 * 86400 + 1 }, "max_runtime"],
    [{ max_runtime: "60" }, "max_runtime"],
    [{ min_runtime: 61, max_runtime: 60 }, "min_runtime"],
  ]) {
    const res = await eb.api("PUT", `/v1/heartbeat/${m.id}`, { auth: t.key, body });
    assert.deepEqual([res.status, res.body.field], [400, field], JSON.stringify(res.body));
  }
  const set = await eb.api("PUT", `/v1/heartbeat/${m.id}`, { auth: t.key, body: { min_runtime: 5, max_runtime: 60 } });
  assert.deepEqual([set.status, set.body.min_runtime, set.body.max_runtime], [200, 5, 60]);
  const cleared = await eb.api("PUT", `/v1/heartbeat/${m.id}`, { auth: t.key, body: { min_runtime: null } });
  assert.deepEqual([cleared.body.min_runtime, cleared.body.max_runtime], [null, 60]);
});
