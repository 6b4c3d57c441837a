// Seed 000: the beacon route, end to end against the real worker.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEdgebeat, eventually, GIF_BYTES } from "./support/edgebeat.mjs";

let eb;
let tenant;
before(async () => {
  eb = await startEdgebeat();
  tenant = await eb.tenant();
});
after(() => eb?.close());

const freshMonitor = (name = "beacon") => eb.createMonitor(tenant.key, { name, interval: 60 });

function assertGif(res, status = 200) {
  assert.equal(res.status, status);
  assert.equal(res.headers.get("content-type"), "image/gif");
  assert.equal(res.headers.get("cache-control"), "no-store");
  assert.equal(res.headers.get("access-control-allow-origin"), "*");
  assert.deepEqual(res.bytes, GIF_BYTES);
}

test("GET, POST and HEAD on a known token answer the 43-byte GIF and record a ping each", async () => {
  const m = await freshMonitor();
  assertGif(await eb.beacon(m.token));
  assertGif(await eb.beacon(m.token, { method: "POST" }));
  const head = await eb.fetch(`/api/v1/beet/${m.token}`, { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get("content-type"), "image/gif");
  await eventually(async () => (await eb.monitor(tenant.key, m.id)).n_pings === 3, { what: "3 pings" });
  const stored = await eb.storedPings(m.id);
  assert.deepEqual(stored.map((p) => p.method).sort(), ["GET", "HEAD", "POST"]);
  assert.ok(stored.every((p) => p.source === "beacon" && p.kind === "tick"));
});

test("unknown, malformed and empty tokens still get the GIF and record nothing", async () => {
  const before = await eb.rows("SELECT COUNT(*) AS n FROM pings");
  for (const token of ["hb_0000000000000000000000", "not-a-token", "hb_%F0%9F%92%A5", "x".repeat(300)]) {
    assertGif(await eb.beacon(token));
    assertGif(await eb.beacon(token, { method: "POST", body: '{"value": 1}' }));
  }
  const after = await eb.rows("SELECT COUNT(*) AS n FROM pings");
  assert.equal(after[0].n, before[0].n);
  // The well-formed unknown token's object keeps nothing either.
  assert.equal(await eb.pendingPings("hb_0000000000000000000000"), 0);
});

test("a POSTed numeric value is stored with the ping and shown as the monitor's last value", async () => {
  const m = await freshMonitor();
  assertGif(await eb.beacon(m.token, { method: "POST", headers: { "content-type": "application/json" }, body: '{"value": 42}' }));
  const shown = await eventually(async () => {
    const mon = await eb.monitor(tenant.key, m.id);
    return mon.n_pings === 1 && mon;
  });
  assert.equal(shown.last_value, 42);
  assert.match(shown.last_ping_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  const [ping] = await eb.storedPings(m.id);
  assert.equal(ping.value, 42);
});

test("bad bodies still record the ping, without a value, and still answer the GIF", async () => {
  const m = await freshMonitor();
  const bodies = ["", "not json", '{"value": "42"}', '{"value": null}', "[42]", `{"value": 1, "pad": "${"x".repeat(5000)}"}`];
  for (const body of bodies) {
    assertGif(await eb.beacon(m.token, { method: "POST", headers: { "content-type": "application/json" }, body }));
  }
  await eb.storedPingsEventually(m.id, bodies.length, { what: "all pings stored" });
  const stored = await eb.storedPings(m.id);
  assert.ok(stored.every((p) => p.value === null));
  assert.equal((await eb.monitor(tenant.key, m.id)).last_value, null);
});

test("sendBeacon's text/plain body and fetch keepalive's empty POST are both recorded", async () => {
  const m = await freshMonitor();
  // navigator.sendBeacon(url, JSON.stringify({value: 7})) sends text/plain;charset=UTF-8.
  assertGif(await eb.beacon(m.token, { method: "POST", headers: { "content-type": "text/plain;charset=UTF-8" }, body: '{"value": 7}' }));
  // fetch(url, {method: 'POST', keepalive: true}) sends no body.
  assertGif(await eb.beacon(m.token, { method: "POST" }));
  await eb.storedPingsEventually(m.id, 2);
  const values = (await eb.storedPings(m.id)).map((p) => p.value);
  assert.ok(values.includes(7) && values.includes(null));
});

test("CORS preflight is answered for any origin", async () => {
  const res = await eb.fetch("/api/v1/beet/hb_0000000000000000000000", {
    method: "OPTIONS",
    headers: {
      origin: "https://shop.example",
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type",
    },
  });
  assert.equal(res.status, 204);
  assert.equal(res.headers.get("access-control-allow-origin"), "*");
  assert.match(res.headers.get("access-control-allow-methods"), /POST/);
  assert.match(res.headers.get("access-control-allow-headers"), /content-type/i);
});

test("100 concurrent pings to a fresh token: exactly 60 recorded, exactly 40 answered 429", async () => {
  const m = await freshMonitor();
  const answers = await Promise.all(Array.from({ length: 100 }, () => eb.beacon(m.token)));
  const byStatus = answers.reduce((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {});
  assert.deepEqual(byStatus, { 200: 60, 429: 40 });
  for (const r of answers) {
    assert.deepEqual(r.bytes, GIF_BYTES);
    assert.equal(r.headers.get("content-type"), "image/gif");
  }
  await eventually(async () => (await eb.monitor(tenant.key, m.id)).n_pings === 60, { what: "60 pings flushed" });
  await eventually(async () => (await eb.pendingPings(m.token)) === 0, { what: "nothing left pending" });
  assert.equal((await eb.storedPings(m.id)).length, 60);
  assert.equal((await eb.monitor(tenant.key, m.id)).n_pings, 60);
});

test("a limited token stays limited while the window is full, across further bursts", async () => {
  const m = await freshMonitor();
  await Promise.all(Array.from({ length: 60 }, () => eb.beacon(m.token)));
  const again = await Promise.all(Array.from({ length: 30 }, () => eb.beacon(m.token)));
  assert.ok(again.every((r) => r.status === 429));
  await eb.storedPingsEventually(m.id, 60);
});

test("rotation: the old token stops recording on the very next request, the new one works at once", async () => {
  const m = await freshMonitor();
  assertGif(await eb.beacon(m.token)); // the old token's object now knows the token
  await eb.storedPingsEventually(m.id, 1);
  const rotated = await eb.api("POST", `/v1/heartbeat/${m.id}/rotate-token`, { auth: tenant.key });
  assert.equal(rotated.status, 200, rotated.text);
  assert.notEqual(rotated.body.token, m.token);
  assertGif(await eb.beacon(m.token)); // still a GIF, but not recorded
  assertGif(await eb.beacon(rotated.body.token));
  await eventually(async () => (await eb.monitor(tenant.key, m.id)).n_pings === 2, { what: "new token's ping" });
  assertGif(await eb.beacon(m.token));
  const stored = await eb.storedPings(m.id);
  assert.equal(stored.length, 2);
  assert.equal((await eb.monitor(tenant.key, m.id)).token, rotated.body.token);
});

test("a deleted monitor's token records nothing more", async () => {
  const m = await freshMonitor();
  assertGif(await eb.beacon(m.token));
  const del = await eb.api("DELETE", `/v1/heartbeat/${m.id}`, { auth: tenant.key });
  assert.equal(del.status, 200);
  assertGif(await eb.beacon(m.token));
  await eventually(async () => (await eb.pendingPings(m.token)) === 0);
  assert.equal((await eb.storedPings(m.id)).length, 0);
});
