// Read your writes: an acknowledged ping is in every read that follows it, with no wait,
// although the token's Durable Object moves it to D1 only a second (quiet token) or five
// (busy token) later. A read of status or counters asks the token objects it shows to flush
// first; the events cursor and the statistic read the objects' pings where they are.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEdgebeat, eventually, withoutShards } from "./support/edgebeat.mjs";

let eb;
let tenant;
let read;
before(async () => {
  // The flush delays as deployed: without a read's flush, a ping waits 1 s or 5 s.
  eb = await startEdgebeat({ vars: { EDGEBEAT_METER: "1" } });
  tenant = await eb.tenant("read your writes");
  read = (await eb.createKey(tenant.project.id, "read")).key;
});
after(() => eb?.close());

const get = (path, auth = tenant.key) => eb.api("GET", path, { auth });
// The deadline shards' work is left out: their snapshots are shared and timed by themselves.
const meter = async () => withoutShards(await (await eb.fetch("/__meter")).json());
const since = (later, earlier) => Object.fromEntries(Object.keys(later).map((k) => [k, later[k] - earlier[k]]));

async function pinged(name) {
  const m = await eb.createMonitor(tenant.key, { name, interval: 3600 });
  const ping = await eb.fetch(`/ping/${m.token}`);
  assert.equal(ping.status, 200);
  assert.equal(await ping.text(), "OK");
  return m;
}

/** A token that just flushed, so its next pings wait the busy delay (5 s), then `n` of them. */
async function busy(name, n) {
  const m = await eb.createMonitor(tenant.key, { name, interval: 60 });
  assert.equal((await eb.beacon(m.token)).status, 200);
  await eb.storedPingsEventually(m.id, 1);
  const answers = await Promise.all(Array.from({ length: n }, () => eb.beacon(m.token)));
  assert.ok(answers.every((r) => r.status === 200));
  assert.equal(await eb.pendingPings(m.token), n, "held by the object, not yet in D1");
  return m;
}

test("a quiet token's ping is in GET /v1/heartbeat/{id} at once: last_ping_at, n_pings, status", async () => {
  const before = Date.now();
  const m = await pinged("quiet get");
  const res = await get(`/v1/heartbeat/${m.id}`);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.n_pings, 1);
  assert.equal(res.body.status, "up");
  assert.ok(Date.parse(res.body.last_ping_at) >= before - 1000, res.body.last_ping_at);
  assert.equal(res.headers.get("x-edgebeat-stale"), null);
});

test("a busy token's held pings are all in GET /v1/heartbeat/{id} and the events cursor at once", async () => {
  const m = await busy("busy", 30);
  assert.equal((await get(`/v1/heartbeat/${m.id}`)).body.n_pings, 31);
  assert.equal(await eb.pendingPings(m.token), 0);
  const more = await Promise.all(Array.from({ length: 5 }, () => eb.beacon(m.token)));
  assert.ok(more.every((r) => r.status === 200));
  const events = await get(`/v1/heartbeat/${m.id}/events?limit=1000`);
  assert.equal(events.status, 200, events.text);
  assert.equal(events.body.items.length, 36);
});

test("the events cursor shows a quiet token's ping at once", async () => {
  const m = await pinged("quiet events");
  const events = await get(`/v1/heartbeat/${m.id}/events`);
  assert.equal(events.status, 200, events.text);
  assert.equal(events.body.items.length, 1);
  assert.equal(events.body.items[0].result, "success");
});

test("the statistic counts a ping at once", async () => {
  const m = await pinged("quiet statistic");
  const stat = await get(`/v1/heartbeat/${m.id}/statistic?interval=1h`);
  assert.equal(stat.status, 200, stat.text);
  assert.equal(stat.body.items.reduce((sum, b) => sum + b.run_count, 0), 1);
});

test("the events cursor and the statistic read held pings from the object, one request each, without moving them to D1", async () => {
  const m = await busy("read in place", 10);
  const start = await meter();
  const events = await get(`/v1/heartbeat/${m.id}/events?limit=1000`);
  assert.equal(events.status, 200, events.text);
  assert.equal(events.body.items.length, 11);
  const stat = await get(`/v1/heartbeat/${m.id}/statistic?interval=1h`);
  assert.equal(stat.status, 200, stat.text);
  assert.equal(stat.body.items.reduce((sum, b) => sum + b.run_count, 0), 11);
  const used = since(await meter(), start);
  // Alarms of other monitors may fire meanwhile (the meter counts the whole worker).
  assert.equal(used.do_requests - used.do_alarms, 2, "the token's object, asked once per read");
  assert.equal(await eb.pendingPings(m.token), 10, "still held: the reads did not flush them");
});

test("the flips show at once the flip a fail ping made", async () => {
  const m = await eb.createMonitor(tenant.key, { name: "fails", interval: 3600 });
  assert.equal((await eb.fetch(`/ping/${m.token}/fail`)).status, 200);
  const flips = await get(`/v1/heartbeat/${m.id}/flips`);
  assert.equal(flips.status, 200, flips.text);
  assert.deepEqual(flips.body.items.map((f) => f.to), ["down"]);
});

test("the monitor list shows the page's pings at once, busy and quiet tokens alike", async () => {
  const quiet = await pinged("listed quiet");
  const loud = await busy("listed busy", 20);
  const res = await get("/v1/heartbeats?limit=100");
  assert.equal(res.status, 200, res.text);
  const shown = (m) => res.body.items.find((i) => i.id === m.id);
  assert.equal(shown(quiet).n_pings, 1);
  assert.equal(shown(quiet).status, "up");
  assert.equal(shown(loud).n_pings, 21);
  assert.equal(res.headers.get("x-edgebeat-stale"), null);
});

test("/v1/metrics counts a ping at once", async () => {
  const m = await pinged("metered");
  const text = await (await eb.fetch("/v1/metrics", { headers: { authorization: `Bearer ${read}` } })).text();
  const line = text.split("\n").find((l) => l.startsWith("edgebeat_monitor_pings_total{") && l.includes(`unique_key="${m.unique_key}"`));
  assert.ok(line, text);
  assert.equal(Number(line.split(" ").pop()), 1, line);
});

test("a read key's read moves acknowledged pings and changes nothing else", async () => {
  const m = await pinged("read key");
  const res = await get(`/v1/heartbeat/${m.unique_key}`, read);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.n_pings, 1);
  assert.equal(res.body.status, "up");
});

test("a read costs one object request and no storage write when the object holds nothing", async () => {
  const m = await pinged("cost");
  await get(`/v1/heartbeat/${m.id}`);
  const start = await meter();
  const res = await get(`/v1/heartbeat/${m.id}`);
  assert.equal(res.body.n_pings, 1);
  const used = since(await meter(), start);
  assert.equal(used.do_requests, 1, "the token's object, asked once");
  assert.equal(used.do_rows_written, 0);
});

test("a read right after a ping runs the ping's flush earlier and adds no work to it", async () => {
  const m = await pinged("cost after a ping");
  // The object now knows its monitor, and holds nothing; the alarm the first ping armed fires
  // on nothing, and no alarm stands.
  assert.equal((await get(`/v1/heartbeat/${m.id}`)).body.n_pings, 1);
  await eventually(async () => !(await eb.tokenState(m.token)).armed, { what: "no alarm standing" });
  const start = await meter();
  assert.equal((await eb.fetch(`/ping/${m.token}`)).status, 200);
  const res = await get(`/v1/heartbeat/${m.id}`);
  assert.equal(res.body.n_pings, 2);
  // The ping's alarm still fires, on nothing (as the safety alarm does after an alarm's flush).
  await eventually(async () => (await meter()).do_alarms > start.do_alarms, { what: "the flush alarm" });
  const used = since(await meter(), start);
  // Other monitors' safety alarms may fire meanwhile (the meter counts the whole worker); they
  // find nothing and write nothing.
  assert.equal(used.do_requests - used.do_alarms, 2, "the ping and the read's flush, besides alarms");
  // The ping's ring slot, the alarm and the checkpoint: an alarm's flush writes these and a
  // safety alarm too.
  assert.equal(used.do_rows_written, 3);
});

test("while D1 refuses the flush, a read answers what D1 has, flagged stale, and is exact once it recovers", async () => {
  const m = await eb.createMonitor(tenant.key, { name: "d1 outage", interval: 3600 });
  assert.equal((await eb.fetch(`/ping/${m.token}`)).status, 200);
  assert.equal((await get(`/v1/heartbeat/${m.id}`)).body.n_pings, 1);
  await eb.refuseFlushes();
  try {
    assert.equal((await eb.fetch(`/ping/${m.token}`)).status, 200, "acknowledged while D1 is failing");
    const res = await get(`/v1/heartbeat/${m.id}`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get("x-edgebeat-stale"), "1");
    assert.equal(res.body.n_pings, 1, "what D1 has");
    assert.equal(await eb.pendingPings(m.token), 1, "still held, for the object's retries");
  } finally {
    await eb.acceptFlushes();
  }
  const res = await get(`/v1/heartbeat/${m.id}`);
  assert.equal(res.headers.get("x-edgebeat-stale"), null);
  assert.equal(res.body.n_pings, 2);
});

test("after a token rotation, pings the old token acknowledged are read at once", async () => {
  const m = await eb.createMonitor(tenant.key, { name: "rotated", interval: 3600 });
  assert.equal((await eb.fetch(`/ping/${m.token}`)).status, 200);
  const rotated = await eb.api("POST", `/v1/heartbeat/${m.id}/rotate-token`, { auth: tenant.key });
  assert.equal(rotated.status, 200, rotated.text);
  assert.equal((await get(`/v1/heartbeat/${m.id}`)).body.n_pings, 1);
});

test("the alert history shows at once the flip a fail ping made", async () => {
  const m = await eb.createMonitor(tenant.key, { name: "alerted", interval: 3600 });
  assert.equal((await eb.fetch(`/ping/${m.token}/fail`)).status, 200);
  const alerts = await get(`/v1/heartbeat/${m.id}/alerts`);
  assert.equal(alerts.status, 200, alerts.text);
  assert.deepEqual(alerts.body.items.map((a) => a.to), ["down"]);
});

test("reads at once flush a busy token once between them: every ping stored and counted once", async () => {
  const m = await busy("concurrent reads", 20);
  const reads = await Promise.all(Array.from({ length: 8 }, () => get(`/v1/heartbeat/${m.id}`)));
  for (const res of reads) {
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.n_pings, 21);
  }
  assert.equal((await eb.storedPings(m.id)).length, 21);
});
