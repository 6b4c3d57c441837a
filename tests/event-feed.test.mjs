// Event-fed monitors: which keys' events count as a monitor's pings (never a browser key's,
// which sits in page source; only the named keys when `event_key_ids` is set), and that their
// pings follow the same rules as a token's: one strictly increasing time each (the events
// cursor sees every one at any page size) and the ping log limit.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEdgebeat, eventually } from "./support/edgebeat.mjs";
import { postEvents, ingest, flushed, reported } from "./support/events.mjs";

const LIMIT = 5;
let eb;
before(async () => {
  eb = await startEdgebeat({ vars: { PING_LOG_LIMIT: String(LIMIT) } });
});
after(() => eb?.close());

/** A project with a manage key, two ingest keys and a browser key. */
async function project(name) {
  const p = await eb.createProject(name);
  const manage = await eb.createKey(p.id, "manage");
  const [ingestA, ingestB, browser] = [
    await eb.createKey(p.id, "ingest"),
    await eb.createKey(p.id, "ingest"),
    await eb.createKey(p.id, "browser"),
  ];
  return { project: p, manage: manage.key, ingestA, ingestB, browser };
}

const fedMonitor = (t, body) => eb.createMonitor(t.manage, { interval: 3600, ...body });

function oneEvent(name, type = "event") {
  return { events: [{ type, name }] };
}

test("a browser key's events never feed a monitor, without or with a spoofed Origin", async () => {
  const t = await project("browser-feed");
  const m = await fedMonitor(t, { name: "backup", event_name: "backup-completed" });
  // curl ignores allowed_origins (it sets no Origin, or any it likes): accepted as events...
  assert.equal((await postEvents(eb, t.browser.key, oneEvent("backup-completed"))).status, 202);
  const spoofed = await postEvents(eb, t.browser.key, oneEvent("backup-completed", "error"), {
    headers: { origin: "https://shop.example" },
  });
  assert.equal(spoofed.status, 202);
  await flushed(eb, t.project.id, 2);
  // ...but neither keeps the job "up" nor forces it down.
  const after = await eb.monitor(t.manage, m.id);
  assert.equal(after.status, "new");
  assert.equal(after.n_pings, 0);
  assert.equal((await eb.storedPings(m.id)).length, 0);
  assert.equal((await eb.rows("SELECT COUNT(*) AS n FROM flips WHERE monitor_id = ?", m.id))[0].n, 0);

  // The same event from an ingest key does feed it.
  assert.equal((await postEvents(eb, t.ingestA.key, oneEvent("backup-completed"))).status, 202);
  await eventually(async () => (await eb.monitor(t.manage, m.id)).status === "up", { what: "fed by the ingest key" });
  assert.equal((await eb.monitor(t.manage, m.id)).n_pings, 1);
});

test("a monitor with event_key_ids takes events of those keys only", async () => {
  const t = await project("named-keys");
  const m = await fedMonitor(t, { name: "nightly", event_name: "nightly-done", event_key_ids: [t.ingestA.id] });
  assert.deepEqual(m.event_key_ids, [t.ingestA.id]);
  const open = await fedMonitor(t, { name: "any key", event_name: "nightly-done" });

  assert.equal((await ingest(eb, t.ingestB.key, { events: [{ event_type: "nightly-done" }] })).status, 200);
  await flushed(eb, t.project.id, 1);
  await eventually(async () => (await eb.monitor(t.manage, open.id)).n_pings === 1, { what: "the open monitor fed" });
  assert.equal((await eb.monitor(t.manage, m.id)).n_pings, 0, "key B does not feed a monitor that names key A");

  assert.equal((await postEvents(eb, t.ingestA.key, oneEvent("nightly-done", "error"))).status, 202);
  await eventually(async () => (await eb.monitor(t.manage, m.id)).n_pings === 1, { what: "key A feeds it" });
  assert.equal((await eb.storedPings(m.id))[0].kind, "fail");

  // null: any key that may feed monitors again.
  const put = await eb.api("PUT", `/v1/heartbeat/${m.id}`, { auth: t.manage, body: { event_key_ids: null } });
  assert.equal(put.status, 200, put.text);
  assert.equal(put.body.event_key_ids, null);
});

test("event_key_ids names the project's manage or ingest keys, nothing else", async () => {
  const t = await project("key-checks");
  const other = await project("other-project");
  const create = (event_key_ids) =>
    eb.api("POST", "/v1/heartbeat", { auth: t.manage, body: { name: "x", interval: 3600, event_name: "e", event_key_ids } });
  const browser = await create([t.browser.id]);
  assert.equal(browser.status, 400, browser.text);
  assert.equal(browser.body.field, "event_key_ids");
  assert.match(browser.body.error ?? browser.body.message ?? browser.text, /browser/);
  const foreign = await create([other.ingestA.id]);
  assert.equal(foreign.status, 404, foreign.text);
  assert.equal((await create(["not a key id"])).status, 400);
  assert.equal((await eb.rows("SELECT COUNT(*) AS n FROM monitors WHERE project_id = ?", t.project.id))[0].n, 0);
  assert.equal((await create([t.ingestA.id, t.ingestA.id])).status, 201);
});

test("five events of one name in one batch are five pings that every page size sees once", async () => {
  const t = await project("cursor");
  const m = await fedMonitor(t, { name: "burst", event_name: "burst" });
  assert.equal((await postEvents(eb, t.ingestA.key, reported(5, "burst"))).status, 202);
  await eventually(async () => (await eb.storedPings(m.id)).length === 5, { what: "five pings stored" });
  const times = (await eb.storedPings(m.id)).map((p) => p.received_at);
  assert.equal(new Set(times).size, 5, "distinct times");

  for (const limit of [1, 2, 5, 1000]) {
    const seen = [];
    let cursor;
    for (let page = 0; page < 10; page++) {
      const q = new URLSearchParams({ limit: String(limit), ...(cursor ? { last_received_at: cursor } : {}) });
      const res = await eb.api("GET", `/v1/heartbeat/${m.id}/events?${q}`, { auth: t.manage });
      assert.equal(res.status, 200, res.text);
      seen.push(...res.body.items.map((i) => i.received_at));
      if (res.body.items.length < limit) break;
      cursor = res.body.last_received_at;
    }
    assert.equal(seen.length, 5, `limit ${limit} sees every ping`);
    assert.equal(new Set(seen).size, 5, `limit ${limit} sees each ping once`);
  }
});

test("an event-fed monitor keeps PING_LOG_LIMIT pings after the cron, like a token-fed one", async () => {
  const t = await project("event-retention");
  const m = await fedMonitor(t, { name: "chatty", event_name: "chatty" });
  for (let i = 0; i < LIMIT + 3; i++) {
    assert.equal((await postEvents(eb, t.ingestA.key, oneEvent("chatty"))).status, 202);
  }
  await eventually(async () => (await eb.storedPings(m.id)).length === LIMIT + 3, { what: "eight pings stored" });
  const before = await eb.storedPings(m.id);
  const [marked] = await eb.rows("SELECT prune_due FROM monitors WHERE id = ?", m.id);
  assert.equal(marked.prune_due, 1, "the flush marks it for pruning");
  await eb.sweep(Date.now());
  const kept = await eb.storedPings(m.id);
  assert.deepEqual(kept.map((p) => p.id), before.slice(3).map((p) => p.id), "the newest five stay");
  assert.equal((await eb.monitor(t.manage, m.id)).n_pings, LIMIT + 3, "the count keeps every ping");
});
