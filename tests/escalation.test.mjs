// Escalation and acknowledgement (issue 18, rule 6): a monitor's `escalation` sends its down
// alert to each step's channels after the step's delay unless someone acknowledged; down
// alerts carry a signed single-use acknowledge link (a confirm page, then POST), and
// `POST /v1/heartbeat/{id}/acknowledge` does the same with a manage key. Time moves by
// real scheduled events (the Cron Trigger); alerts go to a local receiver.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PUBLIC_URL } from "./support/edgebeat.mjs";
import { alertRig } from "./support/alert-rig.mjs";

const MIN = 60_000;
let eb;
let receiver;
alertRig((rig) => ({ eb, receiver } = rig));

/** A project with webhook channels "ops" and "pager", and an hourly monitor escalating from ops at once to pager after 15 min. */
async function escalating(name, extra = {}) {
  const t = await eb.tenant(name);
  const channel = async (who) => {
    const res = await eb.api("POST", "/v1/channels", { auth: t.key, body: { kind: "webhook", url: receiver.url(`/${name}/${who}`), name: who } });
    assert.equal(res.status, 201, res.text);
    return res.body.id;
  };
  const [ops, pager] = [await channel("ops"), await channel("pager")];
  const escalation = [{ channels: [ops], after: 0 }, { channels: [pager], after: 900 }];
  const m = await eb.pingedMonitor(t.key, { name, interval: 3600, grace: 600, escalation, ...extra });
  assert.deepEqual(m.escalation, escalation);
  return { t, m, ops, pager, downAt: Date.parse(m.next_due_at) + 10 * MIN };
}

const alerts = (name, who) => (receiver.received[`/${name}/${who}`] ?? []).map((r) => JSON.parse(r.body));
const linkPath = (alert) => {
  assert.ok(alert.acknowledge_url?.startsWith(`${PUBLIC_URL}/ack/`), JSON.stringify(alert));
  return alert.acknowledge_url.slice(PUBLIC_URL.length);
};

test("without acknowledgement the next step's channels hear after its delay", async () => {
  const { t, m, downAt } = await escalating("unanswered");
  await eb.sweep(downAt + MIN);
  assert.deepEqual(alerts("unanswered", "ops").map((a) => a.event), ["down"]);
  assert.deepEqual(alerts("unanswered", "pager"), [], "not yet");
  const shown = await eb.monitor(t.key, m.id);
  assert.equal(shown.alerting.next_step.step, 2);
  assert.equal(Date.parse(shown.alerting.next_step.at), Date.parse(shown.alerting.down_since) + 15 * MIN);
  for (let at = downAt + 2 * MIN; at <= downAt + 14 * MIN; at += 2 * MIN) await eb.sweep(at);
  assert.deepEqual(alerts("unanswered", "pager"), [], "not before 15 min");
  await eb.sweep(downAt + 16 * MIN);
  const paged = alerts("unanswered", "pager");
  assert.deepEqual(paged.map((a) => [a.event, a.escalation?.step]), [["down", 2]]);
  assert.equal(alerts("unanswered", "ops").length, 1, "each step once");
  // The alert history says which step sent what.
  const history = await eb.api("GET", `/v1/heartbeat/${m.id}/alerts`, { auth: t.key });
  assert.deepEqual(history.body.items[0].deliveries.map((d) => [d.channel, d.seq, d.step]), [["ops", 0, 1], ["pager", 0, 2]]);
});

test("an acknowledge link confirms on GET, acknowledges on POST, once; later steps stop", async () => {
  const { t, m, downAt } = await escalating("answered", { realert_every: 300 });
  await eb.sweep(downAt + MIN);
  const path = linkPath(alerts("answered", "ops")[0]);
  const page = await eb.fetch(path);
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-type"), /text\/html/);
  assert.match(await page.text(), /<form method="post">/);
  assert.equal((await eb.monitor(t.key, m.id)).alerting.acknowledged_at, null, "opening the link (a link preview) acknowledges nothing");
  const done = await eb.fetch(path, { method: "POST" });
  assert.equal(done.status, 200);
  assert.match(await done.text(), /Acknowledged/);
  assert.ok((await eb.monitor(t.key, m.id)).alerting.acknowledged_at);
  const again = await eb.fetch(path, { method: "POST" });
  assert.equal(again.status, 410, "single use");
  assert.match(await again.text(), /already acknowledged/);
  for (let at = downAt + 2 * MIN; at <= downAt + 30 * MIN; at += 2 * MIN) await eb.sweep(at);
  assert.deepEqual(alerts("answered", "pager"), [], "no later step");
  assert.equal(alerts("answered", "ops").length, 1, "no reminder");
});

test("a forged or altered link is not found", async () => {
  const { downAt } = await escalating("forged");
  await eb.sweep(downAt + MIN);
  const path = linkPath(alerts("forged", "ops")[0]);
  const [, , key, at, signature] = path.split(/[/.]/);
  for (const bad of [`/ack/${key}.${Number(at) + 1}.${signature}`, `/ack/${key}.${at}.${signature.slice(1)}x`, "/ack/nothing"]) {
    const res = await eb.fetch(bad, { method: "POST" });
    assert.equal(res.status, 404, bad);
  }
});

test("the API acknowledges with a manage key only; a read key or another project cannot", async () => {
  const { t, m, downAt } = await escalating("by-api");
  const ack = (key) => eb.api("POST", `/v1/heartbeat/${m.id}/acknowledge`, { auth: key });
  const notDown = await ack(t.key);
  assert.equal(notDown.status, 409, notDown.text);
  await eb.sweep(downAt + MIN);
  const read = await eb.createKey(t.project.id, "read", t.key);
  assert.equal((await ack(read.key)).status, 403);
  const other = await eb.tenant("ack-stranger");
  assert.equal((await ack(other.key)).status, 404);
  assert.equal((await eb.monitor(t.key, m.id)).alerting.acknowledged_at, null, "no refused request acknowledged it");
  const res = await ack(t.key);
  assert.equal(res.status, 200, res.text);
  assert.ok(res.body.alerting.acknowledged_at);
  assert.equal(res.body.alerting.next_step, null);
  await eb.sweep(downAt + 20 * MIN);
  assert.deepEqual(alerts("by-api", "pager"), []);
});

test("escalation is checked: shape, order, and the project's own channels", async () => {
  const t = await eb.tenant("escalation-checks");
  const ch = await eb.api("POST", "/v1/channels", { auth: t.key, body: { kind: "webhook", url: receiver.url("/checks"), name: "c" } });
  const other = await eb.tenant("escalation-other");
  const theirs = await eb.api("POST", "/v1/channels", { auth: other.key, body: { kind: "webhook", url: receiver.url("/theirs"), name: "t" } });
  const create = (escalation) => eb.api("POST", "/v1/heartbeat", { auth: t.key, body: { name: "x", interval: 3600, escalation } });
  for (const [escalation, message] of [
    [[], "must be a list of 1 to 5 steps"],
    [[{ channels: [ch.body.id], after: 600 }, { channels: [ch.body.id], after: 300 }], "step 2: after must be later than the step before"],
    [[{ channels: ["ops"] }], "step 1: channels must be a list of 1 to 10 channel ids"],
  ]) {
    const res = await create(escalation);
    assert.deepEqual([res.status, res.body.field, res.body.error?.includes(message)], [400, "escalation", true], JSON.stringify(res.body));
  }
  assert.equal((await create([{ channels: [theirs.body.id] }])).status, 404, "another project's channel is not found");
});
