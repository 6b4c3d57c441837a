// Dependencies (issue 18, rule 5): a monitor may depend on others of its project
// (`depends_on`). While a parent is down, its children's alerts are held and the parent's down
// alert names them ("and 20 dependent monitors down: ..."); children still down when the
// parent recovers alert on their own. Time moves by real scheduled events (the Cron Trigger);
// alerts go to a local receiver.
import { test } from "node:test";
import assert from "node:assert/strict";
import { eventually } from "./support/edgebeat.mjs";
import { alertRig, projectWithWebhook, alertsAt } from "./support/alert-rig.mjs";

const MIN = 60_000;
let eb;
let receiver;
alertRig((rig) => ({ eb, receiver } = rig));

async function project(path) {
  const t = await projectWithWebhook(eb, receiver, path);
  return t;
}

const hourly = (name, extra = {}) => ({ name, interval: 3600, grace: 600, ...extra });
const alerts = (path) => alertsAt(receiver, path);
const deadlineOf = (m) => Date.parse(m.next_due_at) + 10 * MIN;
const flipsOf = (id) => eb.rows("SELECT to_status, held_by FROM flips WHERE monitor_id = ? ORDER BY id", id);

test("a parent with 20 children down together sends one alert naming them; children still down after it recovers alert on their own", async () => {
  const t = await project("/family");
  const parent = await eb.pingedMonitor(t.key, hourly("database"));
  const names = Array.from({ length: 20 }, (_, i) => `app ${String(i).padStart(2, "0")}`);
  const children = [];
  for (const name of names) children.push(await eb.pingedMonitor(t.key, hourly(name, { depends_on: [parent.id] })));
  assert.deepEqual(children[0].depends_on, [parent.id]);
  const last = Math.max(...[parent, ...children].map(deadlineOf));

  await eb.sweep(last + MIN);
  const told = alerts("/family");
  assert.equal(told.length, 1, JSON.stringify(told.map((a) => a.monitor.name)));
  assert.deepEqual([told[0].event, told[0].monitor.name], ["down", "database"]);
  assert.deepEqual(told[0].dependents, { count: 20, names }, "the one alert names every child");
  for (const c of children) assert.deepEqual(await flipsOf(c.id), [{ to_status: "down", held_by: `parent:${parent.id}` }]);

  // One child recovers while its parent is still down: its recovery is held too (its down never
  // went out). (Pings carry real time, earlier than the sweep's simulated deadline: flips by id.)
  assert.equal((await eb.api("GET", `/v1/heartbeat/${children[0].token}`)).status, 200);
  await eventually(async () => (await flipsOf(children[0].id)).length === 2, { what: "the child's recovery" });
  assert.deepEqual((await flipsOf(children[0].id))[1], { to_status: "up", held_by: `parent:${parent.id}` });

  // The parent recovers: the 19 children still down alert on their own.
  assert.equal((await eb.api("GET", `/v1/heartbeat/${parent.token}`)).status, 200);
  await eventually(async () => (await flipsOf(parent.id)).length === 2, { what: "the parent's recovery" });
  // The flush that records the recovery sends what it queued at once.
  await eventually(async () => alerts("/family").length >= 21, { what: "the recovery and the children's alerts" });
  const after = alerts("/family").slice(1);
  const parentTold = after.filter((a) => a.monitor.name === "database");
  assert.deepEqual(parentTold.map((a) => a.event), ["up"], JSON.stringify(parentTold.map((a) => a.flip)));
  const alone = after.filter((a) => a.monitor.name !== "database");
  assert.deepEqual(alone.map((a) => a.event), Array(19).fill("down"));
  assert.deepEqual(alone.map((a) => a.monitor.name).sort(), names.slice(1));
  // Received is not yet recorded: a sweep 5 minutes ahead would find the deliveries still
  // pending past their lease and send them again (at least once, by design). Once recorded,
  // a sweep sends nothing more.
  await eventually(
    async () => (await eb.rows("SELECT id FROM deliveries WHERE channel_id = ? AND status = 'pending'", t.channelId)).length === 0,
    { what: "the 21 deliveries recorded as sent" },
  );
  await eb.sweep(Date.now() + 5 * MIN);
  assert.equal(alerts("/family").length, 21, "each once");
});

test("a child whose parent is up alerts as usual", async () => {
  const t = await project("/parent-up");
  const parent = await eb.pingedMonitor(t.key, { name: "db", interval: 86_400 });
  const child = await eb.pingedMonitor(t.key, hourly("api", { depends_on: [parent.id] }));
  await eb.sweep(deadlineOf(child) + MIN);
  assert.deepEqual(alerts("/parent-up").map((a) => [a.event, a.monitor.name, a.dependents]), [["down", "api", undefined]]);
});

test("depends_on names monitors of the same project, never itself nor a cycle", async () => {
  const t = await project("/dependency-checks");
  const a = await eb.createMonitor(t.key, hourly("a"));
  const b = await eb.createMonitor(t.key, hourly("b", { depends_on: [a.id] }));
  const c = await eb.createMonitor(t.key, hourly("c", { depends_on: [b.id] }));
  const put = (id, depends_on, key = t.key) => eb.api("PUT", `/v1/heartbeat/${id}`, { auth: key, body: { depends_on } });
  for (const [id, list, message] of [
    [a.id, [c.id], "would make a cycle"],
    [a.id, [a.id], "must not name the monitor itself"],
    [a.id, ["db"], "must be a list of monitor ids"],
    [a.id, Array.from({ length: 11 }, () => crypto.randomUUID()), "at most 10"],
  ]) {
    const res = await put(id, list);
    assert.deepEqual([res.status, res.body.field, res.body.error?.includes(message)], [400, "depends_on", true], JSON.stringify(res.body));
  }
  assert.equal((await put(a.id, [crypto.randomUUID()])).status, 404, "an id of no monitor");
  const other = await eb.tenant("dependency-stranger");
  const foreign = await eb.createMonitor(other.key, hourly("theirs"));
  assert.equal((await put(a.id, [foreign.id])).status, 404, "another project's monitor is not found");
  assert.equal((await eb.api("POST", "/v1/heartbeat", { auth: t.key, body: hourly("d", { depends_on: [foreign.id] }) })).status, 404);
  const read = await eb.createKey(t.project.id, "read", t.key);
  assert.equal((await put(c.id, [a.id], read.key)).status, 403);
  assert.deepEqual((await eb.monitor(t.key, c.id)).depends_on, [b.id], "no refused request changed it");
  const diamond = await put(c.id, [b.id, a.id]);
  assert.deepEqual([diamond.status, diamond.body.depends_on], [200, [b.id, a.id]]);
  const cleared = await put(c.id, null);
  assert.deepEqual([cleared.status, cleared.body.depends_on], [200, null]);
  assert.equal((await put(a.id, [c.id])).status, 200, "without c's parents, no cycle");
});
