// Seed 001's heartbeat ping and the healthchecks.io-style cron-job pings, with the events
// endpoint that shows what they recorded.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEdgebeat, eventually, PUBLIC_URL } from "./support/edgebeat.mjs";

let eb;
let tenant;
before(async () => {
  eb = await startEdgebeat();
  tenant = await eb.tenant();
});
after(() => eb?.close());

const monitor = (extra = {}) => eb.createMonitor(tenant.key, { name: "job", interval: 3600, ...extra });

async function events(id, query = "") {
  const res = await eb.api("GET", `/v1/heartbeat/${id}/events${query}`, { auth: tenant.key });
  assert.equal(res.status, 200, res.text);
  return res.body;
}

async function eventsEventually(id, count) {
  return eventually(async () => {
    const page = await events(id, "?limit=1000");
    return page.items.length === count && page.items;
  }, { what: `${count} events` });
}

const text = async (path, init) => {
  const res = await eb.fetch(path, init);
  return { status: res.status, body: await res.text(), headers: res.headers };
};

test("seed 001: GET with result and message in the query records a ping and answers JSON", async () => {
  const m = await monitor();
  const res = await eb.api("GET", `/v1/heartbeat/${m.token}?result=tick&message=Tick%20event%20sent`);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.ok, true);
  assert.equal(res.body.result, "tick");
  const [event] = await eventsEventually(m.id, 1);
  assert.equal(event.result, "tick");
  assert.equal(event.message, "Tick event sent");
  assert.equal(event.method, "GET");
  assert.equal(event.source, "heartbeat");
});

test("seed 001: POST with a JSON body, HEAD, and the default result", async () => {
  const m = await monitor();
  assert.equal((await eb.api("POST", `/v1/heartbeat/${m.token}`, { body: { result: "fail", message: "disk full" } })).status, 200);
  assert.equal((await eb.fetch(`/v1/heartbeat/${m.token}`, { method: "HEAD" })).status, 200);
  assert.equal((await eb.api("POST", `/v1/heartbeat/${m.token}`)).body.result, "tick");
  const items = await eventsEventually(m.id, 3);
  assert.deepEqual(items.map((e) => [e.method, e.result, e.message]), [
    ["POST", "fail", "disk full"],
    ["HEAD", "tick", null],
    ["POST", "tick", null],
  ]);
});

test("seed 001: bad results and bodies are 400, unknown tokens 404, and nothing is recorded", async () => {
  const m = await monitor();
  const bad = await eb.api("GET", `/v1/heartbeat/${m.token}?result=maybe`);
  assert.equal(bad.status, 400);
  assert.equal(bad.body.field, "result");
  assert.equal((await eb.api("POST", `/v1/heartbeat/${m.token}`, { body: "{nope" })).body.field, "body");
  assert.equal((await eb.api("POST", `/v1/heartbeat/${m.token}`, { body: { message: 5 } })).body.field, "message");
  assert.equal((await eb.api("GET", "/v1/heartbeat/hb_0000000000000000000000")).status, 404);
  assert.equal((await eb.api("POST", "/v1/heartbeat/whatever")).status, 404);
  assert.equal((await events(m.id)).items.length, 0);
});

test("with a key, GET holds the ping's query fields to their rules too", async () => {
  const m = await monitor();
  for (const q of ["?result=bogus", "?message=a%00b", `?message=${"x".repeat(2_001)}`]) {
    const res = await eb.api("GET", `/v1/heartbeat/${m.id}${q}`, { auth: tenant.key });
    assert.equal(res.status, 400, q.slice(0, 20));
  }
  assert.equal((await eb.api("GET", `/v1/heartbeat/${m.id}?result=fail&message=ok`, { auth: tenant.key })).status, 200);
  assert.equal((await events(m.id)).items.length, 0, "a read records nothing");
});

test("seed 001: only the monitor's allowed methods are accepted", async () => {
  const m = await monitor({ methods: ["GET"] });
  assert.deepEqual(m.methods, ["GET"]);
  const post = await eb.api("POST", `/v1/heartbeat/${m.token}`);
  assert.equal(post.status, 405);
  assert.equal(post.headers.get("allow"), "GET");
  assert.equal((await eb.api("GET", `/v1/heartbeat/${m.token}`)).status, 200);
  await eventsEventually(m.id, 1);
});

test("with an Authorization header the same GET is the management read", async () => {
  const m = await monitor();
  const res = await eb.api("GET", `/v1/heartbeat/${m.id}`, { auth: tenant.key });
  assert.equal(res.body.id, m.id);
  assert.equal(res.body.ping_urls.heartbeat, `${PUBLIC_URL}/v1/heartbeat/${m.token}`);
  assert.equal(res.body.ping_urls.ping, `${PUBLIC_URL}/ping/${m.token}`);
});

test("cron pings: success, start, fail, log and exit statuses answer OK as text", async () => {
  const m = await monitor();
  for (const [path, method] of [["", "GET"], ["/start", "HEAD"], ["/0", "POST"], ["/fail", "GET"], ["/log", "POST"], ["/1", "GET"], ["/255", "GET"]]) {
    const res = await text(`/ping/${m.token}${path}`, { method });
    assert.equal(res.status, 200, path);
    if (method !== "HEAD") assert.equal(res.body, "OK");
    assert.match(res.headers.get("content-type"), /^text\/plain/);
  }
  const items = await eventsEventually(m.id, 7);
  assert.deepEqual(items.map((e) => [e.result, e.exit_status]), [
    ["success", null],
    ["start", null],
    ["success", 0],
    ["fail", null],
    ["log", null],
    ["fail", 1],
    ["fail", 255],
  ]);
  assert.ok(items.every((e) => e.source === "ping"));
});

test("cron pings: what is not a ping action after a token is not found; a bad rid is 400", async () => {
  const m = await monitor();
  // After a ping key the same segment is a slug, so these name no ping URL at all.
  for (const path of ["/-1", "/abc", "/1.5", "/1e3"]) {
    assert.equal((await text(`/ping/${m.token}${path}`)).status, 404, path);
  }
  assert.equal((await text(`/ping/${m.token}?create=yes`)).status, 400);
  assert.equal((await text(`/ping/${m.token}?rid=not-a-uuid`)).status, 400);
  assert.deepEqual(await text("/ping/hb_0000000000000000000000"), { ...(await text("/ping/hb_0000000000000000000000")), status: 404, body: "not found" });
  assert.equal((await text("/ping/nonsense/start")).status, 404);
  assert.equal((await events(m.id)).items.length, 0);
});

test("cron pings: an exit status over 255 on a known monitor is 400 and records nothing", async () => {
  const m = await monitor({ slug: "big-exit" });
  const pingKey = (await eb.api("GET", "/v1/project", { auth: tenant.key })).body.ping_key;
  for (const path of [`/ping/${m.token}/256`, `/ping/${m.token}/1000`, `/ping/${m.token}/99999999999999999999999`, `/ping/${pingKey}/big-exit/256`]) {
    for (const method of ["GET", "POST"]) {
      const res = await text(path, { method });
      assert.deepEqual([res.status, res.body], [400, "exit status must be 0..255"], `${method} ${path}`);
      assert.match(res.headers.get("content-type"), /^text\/plain/);
    }
  }
  // The same URLs naming no monitor are not found, as before.
  assert.deepEqual(await text("/ping/hb_0000000000000000000000/256"), { ...(await text("/ping/hb_0000000000000000000000/256")), status: 404, body: "not found" });
  assert.equal((await text(`/ping/${pingKey}/no-such-slug/256`)).status, 404);
  // A ping after them is the first thing the monitor recorded.
  assert.equal((await text(`/ping/${m.token}/255`)).body, "OK");
  const items = await eventsEventually(m.id, 1);
  assert.deepEqual(items.map((e) => [e.result, e.exit_status]), [["fail", 255]]);
});

test("cron pings: a POST body's first 10,000 bytes become the message", async () => {
  const m = await monitor();
  await text(`/ping/${m.token}/fail`, { method: "POST", body: "backup failed: " + "x".repeat(20_000) });
  await text(`/ping/${m.token}/log`, { method: "POST", body: "rotated 3 files" });
  const [fail, log] = await eventsEventually(m.id, 2);
  assert.equal(fail.message.length, 10_000);
  assert.ok(fail.message.startsWith("backup failed: x"));
  assert.equal(log.message, "rotated 3 files");
});

test("cron pings: start then end measures the run; without rid the last start pairs", async () => {
  const m = await monitor();
  await text(`/ping/${m.token}/start`);
  await new Promise((r) => setTimeout(r, 50)); // a run that takes a moment
  await text(`/ping/${m.token}/start`);
  await text(`/ping/${m.token}/0`);
  await text(`/ping/${m.token}`);
  const items = await eventsEventually(m.id, 4);
  const [first, second, end, unpaired] = items;
  assert.equal(end.result, "success");
  const expected = Date.parse(end.received_at) - Date.parse(second.received_at);
  assert.equal(end.duration_ms, expected, "paired with the latest start");
  assert.ok(Date.parse(second.received_at) > Date.parse(first.received_at));
  assert.equal(unpaired.duration_ms, null, "the start was consumed");
});

test("cron pings: overlapping runs pair exactly by rid", async () => {
  const m = await monitor();
  const a = crypto.randomUUID();
  const b = crypto.randomUUID();
  await text(`/ping/${m.token}/start?rid=${a}`);
  await new Promise((r) => setTimeout(r, 30));
  await text(`/ping/${m.token}/start?rid=${b}`);
  await new Promise((r) => setTimeout(r, 30));
  await text(`/ping/${m.token}/fail?rid=${a}`);
  await text(`/ping/${m.token}/0?rid=${b}`);
  const items = await eventsEventually(m.id, 4);
  const find = (rid, result) => items.find((e) => e.run_id === rid && e.result === result);
  const [startA, startB, endA, endB] = [find(a, "start"), find(b, "start"), find(a, "fail"), find(b, "success")];
  // Each end is measured from its own start, though B started after A and A ended first.
  assert.equal(endA.duration_ms, Date.parse(endA.received_at) - Date.parse(startA.received_at));
  assert.equal(endB.duration_ms, Date.parse(endB.received_at) - Date.parse(startB.received_at));
  assert.ok(Date.parse(startB.received_at) > Date.parse(startA.received_at));
  assert.ok(endA.duration_ms >= 60, "A ran across both pauses");
});

test("beacon, heartbeat and cron pings share the token's window of 60 per 10 s", async () => {
  const m = await monitor();
  const sent = await Promise.all([
    ...Array.from({ length: 20 }, () => eb.beacon(m.token)),
    ...Array.from({ length: 20 }, () => eb.api("GET", `/v1/heartbeat/${m.token}`)),
    ...Array.from({ length: 20 }, () => text(`/ping/${m.token}`)),
  ]);
  assert.ok(sent.every((r) => r.status === 200));
  const heartbeat = await eb.api("GET", `/v1/heartbeat/${m.token}`);
  assert.equal(heartbeat.status, 429);
  assert.equal(heartbeat.body.code, "rate_limited");
  assert.ok(Number(heartbeat.headers.get("retry-after")) >= 1);
  assert.equal((await text(`/ping/${m.token}`)).status, 429);
  assert.equal((await eb.beacon(m.token)).status, 429);
  await eventsEventually(m.id, 60);
});

test("events page by last_received_at and validate their parameters", async () => {
  const m = await monitor();
  for (let i = 0; i < 5; i++) {
    await text(`/ping/${m.token}/log`, { method: "POST", body: `line ${i}` });
    await new Promise((r) => setTimeout(r, 3)); // distinct received_at
  }
  await eventsEventually(m.id, 5);
  const first = await events(m.id, "?limit=2");
  assert.deepEqual(first.items.map((e) => e.message), ["line 0", "line 1"]);
  const next = await events(m.id, `?limit=2&last_received_at=${encodeURIComponent(first.last_received_at)}`);
  assert.deepEqual(next.items.map((e) => e.message), ["line 2", "line 3"]);
  for (const q of ["?limit=0", "?limit=1001", "?limit=x", "?last_received_at=yesterday"]) {
    const res = await eb.api("GET", `/v1/heartbeat/${m.id}/events${q}`, { auth: tenant.key });
    assert.equal(res.status, 400, q);
  }
  const other = await eb.tenant("other");
  assert.equal((await eb.api("GET", `/v1/heartbeat/${m.id}/events`, { auth: other.key })).status, 404);
});

test("the OpenAPI document is served and lists the ping routes", async () => {
  const res = await eb.api("GET", "/openapi.json");
  assert.equal(res.status, 200);
  assert.equal(res.body.openapi, "3.1.0");
  for (const path of ["/api/v1/beet/{token}", "/v1/heartbeat/{id}", "/ping/{token}/{action}", "/v1/heartbeat/{id}/events"]) {
    assert.ok(res.body.paths[path], path);
  }
});

test("slug pings: the project's ping key plus a slug name the monitor", async () => {
  const project = await eb.api("GET", "/v1/project", { auth: tenant.key });
  assert.equal(project.status, 200);
  assert.match(project.body.ping_key, /^pk_[0-9A-Za-z]{22}$/);
  const key = project.body.ping_key;
  const m = await monitor({ slug: "nightly-backup" });
  assert.equal((await text(`/ping/${key}/nightly-backup/start`)).body, "OK");
  assert.equal((await text(`/ping/${key}/nightly-backup`, { method: "POST", body: "done" })).body, "OK");
  assert.equal((await text(`/ping/${key}/nightly-backup/1`)).body, "OK");
  const items = await eventsEventually(m.id, 3);
  assert.deepEqual(items.map((e) => e.result), ["start", "success", "fail"]);
  assert.equal(items[1].message, "done");
  assert.ok(items[1].duration_ms >= 0, "the slug start paired with its end");
  assert.equal((await text(`/ping/${key}/no-such-slug`)).status, 404);
  assert.equal((await text(`/ping/pk_0000000000000000000000/nightly-backup`)).status, 404);
});

test("slug pings: ?create=1 makes the monitor once, with a 1-day interval and 1-hour grace", async () => {
  const { key } = await eb.tenant("auto-create");
  const pingKey = (await eb.api("GET", "/v1/project", { auth: key })).body.ping_key;
  const answers = await Promise.all(Array.from({ length: 5 }, () => text(`/ping/${pingKey}/fresh-job?create=1`)));
  assert.ok(answers.every((a) => a.status === 200), JSON.stringify(answers.map((a) => a.status)));
  const listed = await eb.api("GET", "/v1/heartbeats", { auth: key });
  assert.equal(listed.body.total, 1, "concurrent first pings created one monitor");
  const [created] = listed.body.items;
  assert.deepEqual([created.slug, created.name, created.interval, created.grace], ["fresh-job", "fresh-job", 86400, 3600]);
  assert.equal((await text(`/ping/${pingKey}/Bad%20Slug?create=1`)).status, 404, "no monitor can have that slug");
  assert.equal((await text(`/ping/${pingKey}/never-created`)).status, 404, "no create without ?create=1");
});

test("slug pings: an ambiguous slug is 409; a rotated ping key stops at once", async () => {
  const { key } = await eb.tenant("ambiguous");
  await eb.createMonitor(key, { name: "one", interval: 60, slug: "twin" });
  await eb.createMonitor(key, { name: "two", interval: 60, slug: "twin" });
  const pingKey = (await eb.api("GET", "/v1/project", { auth: key })).body.ping_key;
  assert.equal((await text(`/ping/${pingKey}/twin`)).status, 409);
  const rotated = await eb.api("POST", "/v1/project/rotate-ping-key", { auth: key });
  assert.equal(rotated.status, 200);
  assert.notEqual(rotated.body.ping_key, pingKey);
  assert.equal((await text(`/ping/${pingKey}/twin`)).status, 404);
  assert.equal((await text(`/ping/${rotated.body.ping_key}/twin`)).status, 409);
  const read = (await eb.createKey((await eb.api("GET", "/v1/project", { auth: key })).body.id, "read")).key;
  assert.equal((await eb.api("POST", "/v1/project/rotate-ping-key", { auth: read })).status, 403);
});

test("URLs in answers come from PUBLIC_URL, never from the Host header", async () => {
  const m = await monitor({ slug: "host-probe" });
  const evil = { host: "evil.example", "x-forwarded-host": "evil.example" };
  const read = await eb.api("GET", `/v1/heartbeat/${m.id}`, { auth: tenant.key, headers: evil });
  assert.equal(read.status, 200, read.text);
  for (const url of Object.values(read.body.ping_urls)) assert.ok(url.startsWith(`${PUBLIC_URL}/`), url);
  const project = await eb.api("GET", "/v1/project", { auth: tenant.key, headers: evil });
  assert.equal(project.body.slug_ping_url, `${PUBLIC_URL}/ping/${project.body.ping_key}/{slug}`);
  const rotated = await eb.api("POST", `/v1/heartbeat/${m.id}/rotate-token`, { auth: tenant.key, headers: evil });
  assert.equal(rotated.body.ping_urls.ping, `${PUBLIC_URL}/ping/${rotated.body.token}`);
  assert.ok(!JSON.stringify([read.body, project.body, rotated.body]).includes("evil.example"));
});

test("paging by last_received_at sees every ping of parallel clients exactly once", async () => {
  const m = await monitor();
  // 11 clients x 5 pings, each client's pings back to back: many land in the same millisecond.
  await Promise.all(
    Array.from({ length: 11 }, async (_, client) => {
      for (let i = 0; i < 5; i++) {
        const res = await eb.api("GET", `/v1/heartbeat/${m.token}?message=${client}-${i}`);
        assert.equal(res.status, 200, res.text);
      }
    }),
  );
  const all = await eventsEventually(m.id, 55);
  assert.equal(new Set(all.map((e) => e.received_at)).size, 55, "distinct received_at");
  for (const limit of [1, 2, 5, 10]) {
    const seen = [];
    let cursor;
    for (let pages = 0; pages < 100; pages++) {
      const page = await events(m.id, `?limit=${limit}${cursor ? `&last_received_at=${encodeURIComponent(cursor)}` : ""}`);
      if (page.items.length === 0) break;
      assert.ok(page.items.length <= limit);
      seen.push(...page.items.map((e) => e.message));
      cursor = page.last_received_at;
    }
    assert.equal(seen.length, 55, `limit ${limit}`);
    assert.equal(new Set(seen).size, 55, `limit ${limit}: no repeats`);
  }
});

test("seed 001: a heartbeat is pinged by its id, in any case, as the seed documents", async () => {
  const m = await monitor();
  const byId = await eb.api("GET", `/v1/heartbeat/${m.id}?result=success&message=by%20id`);
  assert.equal(byId.status, 200, byId.text);
  assert.equal(byId.body.result, "success");
  const post = await eb.api("POST", `/v1/heartbeat/${m.id.toUpperCase()}`, { body: { result: "tick" } });
  assert.equal(post.status, 200, post.text);
  const items = await eventsEventually(m.id, 2);
  assert.deepEqual(items.map((e) => e.result), ["success", "tick"]);
  assert.equal(items[0].message, "by id");
  // An id that names no monitor is 404, like an unknown token.
  assert.equal((await eb.api("POST", "/v1/heartbeat/6766163a-568d-47b4-a1fa-91a0957e06d4")).status, 404);
});

test("a project that turns ping-by-id off accepts only the token there", async () => {
  const other = await eb.tenant("ids-apart");
  const m = await eb.createMonitor(other.key, { name: "secret", interval: 3600 });
  const read = (await eb.createKey(other.project.id, "read")).key;
  assert.equal((await eb.api("PATCH", "/v1/project", { auth: read, body: { ping_by_id: false } })).status, 403);
  assert.equal((await eb.api("PATCH", "/v1/project", { auth: other.key, body: { ping_by_id: "no" } })).status, 400);
  const off = await eb.api("PATCH", "/v1/project", { auth: other.key, body: { ping_by_id: false } });
  assert.equal(off.status, 200, off.text);
  assert.equal(off.body.ping_by_id, false);
  assert.equal((await eb.api("GET", "/v1/project", { auth: read })).body.ping_by_id, false);
  assert.equal((await eb.api("GET", `/v1/heartbeat/${m.id}`)).status, 404);
  assert.equal((await eb.api("POST", `/v1/heartbeat/${m.id}`)).status, 404);
  assert.equal((await eb.api("GET", `/v1/heartbeat/${m.token}`)).status, 200);
  await eb.storedPingsEventually(m.id, 1, { what: "the token ping stored" });
  assert.equal((await eb.storedPings(m.id)).length, 1);
  const on = await eb.api("PATCH", "/v1/project", { auth: other.key, body: { ping_by_id: true } });
  assert.equal(on.body.ping_by_id, true);
  assert.equal((await eb.api("GET", `/v1/heartbeat/${m.id}`)).status, 200);
});

test("ping_by_id: null puts the setting back to its default, other types are refused", async () => {
  const other = await eb.tenant("ids-default");
  assert.equal((await eb.api("PATCH", "/v1/project", { auth: other.key, body: { ping_by_id: false } })).body.ping_by_id, false);
  const reset = await eb.api("PATCH", "/v1/project", { auth: other.key, body: { ping_by_id: null } });
  assert.equal(reset.status, 200, reset.text);
  assert.equal(reset.body.ping_by_id, true);
  for (const bad of [1, "true", [], {}]) {
    const res = await eb.api("PATCH", "/v1/project", { auth: other.key, body: { ping_by_id: bad } });
    assert.equal(res.status, 400, JSON.stringify(bad));
    assert.equal(res.body.field, "ping_by_id");
  }
});

test("a ping recorded by the worker before this one (its token in a header, not the URL) is still recorded", async () => {
  // During a deploy, a worker of the previous version may call an object of this one.
  const m = await monitor();
  const ns = eb.env.PING_TOKEN;
  const res = await ns.get(ns.idFromName(m.token)).fetch("https://ping-token/record", {
    method: "POST",
    headers: { "x-edgebeat-token": m.token, "content-type": "application/json" },
    body: JSON.stringify({ source: "ping", kind: "tick", method: "GET" }),
  });
  assert.equal(res.status, 200);
  assert.equal((await res.json()).outcome, "accepted");
  const [ping] = await eventsEventually(m.id, 1);
  assert.ok(ping, "the ping is in the monitor's history");
});
