// The monitor list as the dashboard reads it: filters and name search in D1, keyset paging,
// each monitor's 24-hour strip and the project's tags in the same answer, and a fixed number
// of D1 statements whatever the project's size.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { startEdgebeat, eventually } from "./support/edgebeat.mjs";

const HOUR = 3_600_000;

let eb;
let tenant;
before(async () => {
  eb = await startEdgebeat({ vars: { EDGEBEAT_METER: "1" } });
  tenant = await eb.tenant("list");
});
after(() => eb?.close());

const list = (query, auth = tenant.key) => eb.api("GET", `/v1/heartbeats?${query}`, { auth });
const names = (res) => res.body.items.map((m) => m.name);
const meter = async () => (await eb.fetch("/__meter")).json();

/** A stored ping of `kind` at `at` (ms), written as a flush would have. */
const storePing = (monitorId, at, kind) =>
  eb.rows(
    "INSERT INTO pings (id, monitor_id, received_at, kind, source, method) VALUES (?, ?, ?, ?, 'ping', 'GET')",
    randomUUID(),
    monitorId,
    at,
    kind,
  );

test("q keeps the names containing it, case-insensitively, with % and _ as themselves", async () => {
  const t = await eb.tenant("search");
  for (const [name, tags] of [
    ["Alpha db backup", ["prod", "db"]],
    ["beta web", ["staging"]],
    ["gamma_db 100%", ["prod"]],
    ["delta", []],
  ]) {
    await eb.createMonitor(t.key, { name, interval: 3600, tags });
  }
  const q = (query) => list(query, t.key);
  assert.deepEqual(names(await q("q=db")), ["Alpha db backup", "gamma_db 100%"]);
  assert.deepEqual(names(await q("q=ALPHA")), ["Alpha db backup"]);
  assert.deepEqual(names(await q("q=_")), ["gamma_db 100%"], "_ is not a wildcard");
  assert.deepEqual(names(await q("q=%25")), ["gamma_db 100%"], "% is not a wildcard");
  assert.deepEqual(names(await q("q=db&tag=prod")), ["Alpha db backup", "gamma_db 100%"]);
  assert.deepEqual(names(await q("q=db&tag=db")), ["Alpha db backup"]);
  assert.equal((await q("q=db")).body.total, 2, "the total counts the matches");
  assert.equal((await q("q=%20%20")).body.total, 4, "a blank search is no search");
  assert.deepEqual(names(await q("q=nothing-like-it")), []);
  // A search longer than D1's 50-byte LIKE pattern cap still searches.
  const long = `${"long name ".repeat(12)}end`;
  await eb.createMonitor(t.key, { name: long, interval: 3600 });
  assert.deepEqual(names(await q(`q=${encodeURIComponent(long.slice(30).toUpperCase())}`)), [long]);
  const most = await q(`q=${"x".repeat(200)}&include=strips`);
  assert.equal(most.status, 200, most.text);
  assert.equal(most.body.total, 0);
});

test("include=tags lists every tag of the project's monitors, sorted, whatever the filters", async () => {
  const t = await eb.tenant("tags");
  await eb.createMonitor(t.key, { name: "a", interval: 3600, tags: ["web", "prod"] });
  await eb.createMonitor(t.key, { name: "b", interval: 3600, tags: ["db", "prod"] });
  const res = await list("include=tags&limit=1&q=a", t.key);
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body.tags, ["db", "prod", "web"]);
  assert.equal((await list("", t.key)).body.tags, undefined, "only when asked for");
});

test("a cursor walks every monitor once, in the list's order, and the last page says so", async () => {
  const t = await eb.tenant("walk");
  for (let i = 0; i < 7; i++) await eb.createMonitor(t.key, { name: `job ${i}`, interval: 3600, tags: i % 2 ? ["odd"] : [] });
  const ordered = names(await list("limit=100", t.key));
  const walked = [];
  let cursor = null;
  let pages = 0;
  do {
    const res = await list(`limit=3${cursor ? `&cursor=${cursor}` : ""}`, t.key);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.total, 7);
    walked.push(...names(res));
    cursor = res.body.next_cursor;
    pages++;
  } while (cursor);
  assert.deepEqual(walked, ordered);
  assert.equal(pages, 3);
  // With a filter, the cursor continues within it.
  const odd = await list("limit=2&tag=odd", t.key);
  const rest = await list(`limit=2&tag=odd&cursor=${odd.body.next_cursor}`, t.key);
  assert.deepEqual([...names(odd), ...names(rest)], ["job 1", "job 3", "job 5"]);
  assert.equal(rest.body.next_cursor, null);
  // A cursor past the end is an empty last page.
  const last = (await list("limit=100", t.key)).body;
  assert.equal(last.next_cursor, null);
});

test("include=strips gives each monitor its statistic's last 24 hours, from the pings it has", async () => {
  const m = await eb.createMonitor(tenant.key, { name: "strip job", interval: 3600, grace: 600 });
  const quiet = await eb.createMonitor(tenant.key, { name: "quiet job", interval: 3600 });
  const now = Date.now();
  // Stored pings in the middle of earlier hours of the strip, and an hour whose pings were pruned.
  const mid = (hoursAgo) => now - hoursAgo * HOUR - HOUR / 2;
  await storePing(m.id, mid(20), "success");
  await storePing(m.id, mid(10), "fail");
  await storePing(m.id, mid(5), "success");
  await storePing(m.id, mid(5) + 60_000, "log"); // not a check-in: counts nowhere
  // Two real pings now, through the token's object and its flush.
  assert.equal((await eb.fetch(`/ping/${m.token}`)).status, 200);
  assert.equal((await eb.fetch(`/ping/${m.token}/fail`)).status, 200);
  await eventually(async () => (await eb.storedPings(m.id)).length === 6, { what: "the pings flushed" });

  const res = await list("include=strips&q=job");
  assert.equal(res.status, 200, res.text);
  const item = res.body.items.find((i) => i.id === m.id);
  assert.equal(item.strip.length, 24);
  const sum = (f) => item.strip.reduce((n, b) => n + b[f], 0);
  assert.equal(sum("run_count"), 5, "five check-ins in the last 24 hours");
  assert.equal(sum("fail_count"), 2, "two of them reported failure");
  const at = (t) => item.strip.find((b) => Date.parse(b.received_at) <= t && t < Date.parse(b.received_at) + HOUR);
  assert.equal(at(mid(20)).run_count, 1);
  assert.equal(at(mid(10)).fail_count, 1);
  assert.equal(item.strip.at(-1).run_count, 2, "this hour's two pings");
  // The very numbers the monitor's own statistic gives, bucket by bucket.
  const stat = await eb.api("GET", `/v1/heartbeat/${m.id}/statistic`, { auth: tenant.key });
  const counts = (b) => [b.tick_count, b.run_count, b.fail_count, b.complete_count];
  assert.deepEqual(item.strip.map(counts), stat.body.items.map(counts));
  const q = res.body.items.find((i) => i.id === quiet.id);
  assert.ok(q.strip.every((b) => b.run_count === 0 && b.tick_count === 0 && b.fail_count === 0), "no pings, nothing expected");
  assert.equal((await list("q=job")).body.items[0].strip, undefined, "only when asked for");
});

test("a strip counts a pruned hour from its hourly figures, as the statistic does", async () => {
  const m = await eb.createMonitor(tenant.key, { name: "pruned job", interval: 3600 });
  const now = Date.now();
  const hour = Math.floor((now - 12 * HOUR) / HOUR) * HOUR;
  await eb.rows("INSERT INTO ping_hours (monitor_id, hour, pings, check_ins, fails) VALUES (?, ?, 4, 3, 1)", m.id, hour);
  await storePing(m.id, now - 2 * HOUR, "success");
  const item = (await list("include=strips&q=pruned")).body.items[0];
  const sum = (f) => item.strip.reduce((n, b) => n + b[f], 0);
  assert.equal(sum("run_count"), 4, "three pruned check-ins and one stored");
  assert.equal(sum("fail_count"), 1);
  const stat = await eb.api("GET", `/v1/heartbeat/${m.id}/statistic`, { auth: tenant.key });
  const counts = (b) => [b.tick_count, b.run_count, b.fail_count, b.complete_count];
  assert.deepEqual(item.strip.map(counts), stat.body.items.map(counts));
});

test("a page with its strips and tags costs the same D1 statements for 2 monitors as for 60", async () => {
  const t = await eb.tenant("cost");
  const cost = async () => {
    const before = await meter();
    const res = await list("limit=50&include=strips,tags", t.key);
    assert.equal(res.status, 200, res.text);
    return (await meter()).d1_statements - before.d1_statements;
  };
  for (let i = 0; i < 2; i++) await eb.createMonitor(t.key, { name: `small ${i}`, interval: 3600, tags: [`t${i}`] });
  await cost(); // warm the key cache
  const small = await cost();
  for (let i = 2; i < 60; i++) await eb.createMonitor(t.key, { name: `big ${i}`, interval: 3600, tags: [`t${i}`] });
  await cost();
  const big = await cost();
  assert.ok(small > 0, "the meter counts");
  assert.equal(big, small, `${small} statements for 2 monitors, ${big} for 60`);
  assert.ok(big <= 8, `${big} statements`);
});

test("a page with its strips asks each monitor's token object once: flush and strip in one request", async () => {
  const t = await eb.tenant("one ask");
  const ms = [];
  for (let i = 0; i < 3; i++) ms.push(await eb.createMonitor(t.key, { name: `asked ${i}`, interval: 3600 }));
  // Each object holds a ping for D1 when the page is read (a quiet token's flush waits a second).
  for (const m of ms) assert.equal((await eb.fetch(`/ping/${m.token}`)).status, 200);
  const before = await meter();
  const res = await list("include=strips", t.key);
  assert.equal(res.status, 200, res.text);
  const after = await meter();
  const used = Object.fromEntries(Object.keys(before).map((k) => [k, after[k] - before[k]]));
  // Alarms and the deadline shards' work may run meanwhile (the meter counts the whole worker).
  assert.equal(used.do_requests - used.do_alarms - used.shard_requests, 3, "one request per monitor");
  for (const m of ms) {
    const item = res.body.items.find((i) => i.id === m.id);
    assert.equal(item.n_pings, 1, "the flush moved the held ping");
    assert.equal(item.strip.at(-1).run_count, 1, "the strip counts it");
  }
});

test("while D1 refuses flushes, a page with strips answers, flagged stale, its strips whole", async () => {
  const t = await eb.tenant("stale strips");
  const m = await eb.createMonitor(t.key, { name: "held", interval: 3600 });
  assert.equal((await eb.fetch(`/ping/${m.token}`)).status, 200);
  assert.equal((await list("include=strips", t.key)).body.items[0].n_pings, 1);
  await eb.refuseFlushes();
  try {
    assert.equal((await eb.fetch(`/ping/${m.token}`)).status, 200);
    const res = await list("include=strips", t.key);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get("x-edgebeat-stale"), "1");
    assert.equal(res.body.items[0].n_pings, 1, "what D1 has");
    assert.equal(res.body.items[0].strip.at(-1).run_count, 2, "the object's part of the strip has both");
  } finally {
    await eb.acceptFlushes();
  }
  const res = await list("include=strips", t.key);
  assert.equal(res.headers.get("x-edgebeat-stale"), null);
  assert.equal(res.body.items[0].n_pings, 2);
});

test("bad filters are 400s naming the field, without internals", async () => {
  for (const [query, field] of [
    ["status=sleeping", "status"],
    ["include=pings", "include"],
    ["include=strips,", "include"],
    ["cursor=bogus", "cursor"],
    [`cursor=12_${"x".repeat(36)}`, "cursor"],
    [`q=${"a".repeat(201)}`, "q"],
    ["q=a%00b", "q"],
    ["tag=", "tag"],
  ]) {
    const res = await list(query);
    assert.equal(res.status, 400, query);
    assert.equal(res.body.field, field, query);
    assert.doesNotMatch(res.text, /SQL|D1|sqlite|panicked/i, query);
  }
});

test("another project's list, search, tags and cursors never show this project's monitors", async () => {
  const a = await eb.tenant("iso-a");
  const b = await eb.tenant("iso-b");
  const mine = await eb.createMonitor(a.key, { name: "secret billing", interval: 3600, tags: ["a-only"] });
  await eb.createMonitor(b.key, { name: "b job", interval: 3600, tags: ["b-only"] });
  const theirs = await list("q=secret&include=strips,tags", b.key);
  assert.equal(theirs.body.total, 0);
  assert.deepEqual(theirs.body.tags, ["b-only"]);
  const cursorA = `${Date.parse(mine.created_at) - 1}_${mine.id}`;
  const fromA = await list(`cursor=${cursorA}&include=strips`, b.key);
  assert.equal(fromA.status, 200);
  assert.ok(fromA.body.items.every((m) => m.name === "b job"), "a cursor only orders, never reaches across");
  // A read key sees the strips, and still no id, token or ping URL.
  const read = await eb.createKey(a.project.id, "read");
  const seen = await list("include=strips,tags", read.key);
  assert.equal(seen.status, 200, seen.text);
  assert.equal(seen.body.items[0].strip.length, 24);
  assert.ok(!seen.text.includes(mine.id) && !seen.text.includes(mine.token), "no id or token for a read key");
});
