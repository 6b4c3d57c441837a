// Signed webhook notifications: channels, the outbox, retries and give-ups, against a real
// HTTP server started by the test; time moves by the scheduled events' times.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { createHmac, timingSafeEqual } from "node:crypto";
import { startEdgebeat, eventually } from "./support/edgebeat.mjs";

let eb;
let tenant;
let receiver;
before(async () => {
  eb = await startEdgebeat();
  tenant = await eb.tenant();
  receiver = await startReceiver();
});
after(async () => {
  await eb?.close();
  receiver?.server.close();
});

/** A webhook receiver: records every request per path; `plan[path]` lists statuses to answer. */
async function startReceiver() {
  const received = {};
  const plan = {};
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      (received[req.url] ??= []).push({ headers: req.headers, body });
      const status = (plan[req.url] ?? []).shift() ?? 200;
      res.writeHead(status).end(status < 300 ? "ok" : "nope");
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${server.address().port}`;
  return { server, received, plan, url: (path) => `${base}${path}` };
}

/** How a receiver checks a delivery: HMAC over "timestamp.body", fresh timestamp. */
function verified(secret, { headers, body }, toleranceSeconds = 300) {
  const timestamp = Number(headers["x-edgebeat-timestamp"]);
  if (!Number.isInteger(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(`v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`);
  const given = Buffer.from(headers["x-edgebeat-signature"] ?? "");
  return expected.length === given.length && timingSafeEqual(expected, given);
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const sweep = (at) => eb.sweep(at);

async function channel(path, key = tenant.key) {
  const res = await eb.api("POST", "/v1/channels", { auth: key, body: { kind: "webhook", url: receiver.url(path), name: path } });
  assert.equal(res.status, 201, res.text);
  return res.body;
}

/** A monitor of a fresh project with one channel, pinged once; answers what the test needs. */
async function watchedMonitor(path) {
  const t = await eb.tenant(path);
  const ch = await channel(path, t.key);
  const shown = await eb.pingedMonitor(t.key, { name: `watched ${path}`, interval: 3600, grace: 600 });
  assert.equal(shown.status, "up");
  return { key: t.key, ch, m: shown, deadline: Date.parse(shown.next_due_at) + 10 * MIN };
}

const deliveries = async (key, ch) => (await eb.api("GET", `/v1/channels/${ch.id}/deliveries`, { auth: key })).body.items;

test("channels: the secret is shown once; list, delete and validation", async () => {
  const ch = await channel("/crud");
  assert.match(ch.secret, /^whsec_[0-9A-Za-z]{32}$/);
  const listed = await eb.api("GET", "/v1/channels", { auth: tenant.key });
  assert.ok(listed.body.items.some((c) => c.id === ch.id));
  assert.ok(!listed.text.includes(ch.secret), "never shown again");
  for (const [body, field] of [[{ kind: "carrier-pigeon", url: receiver.url("/x") }, "kind"], [{ kind: "webhook", url: "ftp://x" }, "url"], [{ kind: "webhook" }, "url"]]) {
    const res = await eb.api("POST", "/v1/channels", { auth: tenant.key, body });
    assert.equal(res.status, 400);
    assert.equal(res.body.field, field);
  }
  const other = await eb.tenant("channel-stranger");
  assert.equal((await eb.api("DELETE", `/v1/channels/${ch.id}`, { auth: other.key })).status, 404);
  assert.equal((await eb.api("DELETE", `/v1/channels/${ch.id}`, { auth: tenant.key })).status, 200);
  assert.equal((await eb.api("GET", `/v1/channels/${ch.id}/deliveries`, { auth: tenant.key })).status, 404);
});

test("a test delivery is sent now, signed", async () => {
  const ch = await channel("/test-delivery");
  const res = await eb.api("POST", `/v1/channels/${ch.id}/test`, { auth: tenant.key });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.delivery.status, "delivered");
  const [got] = receiver.received["/test-delivery"];
  assert.equal(JSON.parse(got.body).event, "test");
  assert.ok(verified(ch.secret, got));
  assert.ok(!verified("whsec_wrong", got));
});

test("webhooks go only to the hosts WEBHOOK_HOSTS names", async () => {
  // The specs' edgebeat allows 127.0.0.1 only; localhost is the same receiver by another name.
  const url = receiver.url("/not-allowed").replace("127.0.0.1", "localhost");
  const refused = await eb.api("POST", "/v1/channels", { auth: tenant.key, body: { kind: "webhook", url } });
  assert.deepEqual([refused.status, refused.body.field], [400, "url"]);
  // A row from before the list changed is checked again when it is sent.
  const id = crypto.randomUUID();
  await eb.env.DB.prepare(
    "INSERT INTO channels (id, project_id, kind, name, config, secret, created_at) VALUES (?1, ?2, 'webhook', 'old', json_object('url', ?3, 'method', 'POST'), 'whsec_x', ?4)",
  ).bind(id, tenant.project.id, url, Date.now()).run();
  const res = await eb.api("POST", `/v1/channels/${id}/test`, { auth: tenant.key });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.delivery.status, "pending");
  assert.equal(res.body.delivery.last_error, "destination host is not in WEBHOOK_HOSTS");
  assert.equal(receiver.received["/not-allowed"], undefined);
});

test("down, then up: exactly one signed webhook each, that a receiver can verify", async () => {
  const { key, ch, m, deadline } = await watchedMonitor("/down-up");
  await sweep(deadline + MIN);
  await sweep(deadline + 2 * MIN); // a second sweep sends nothing more
  const [down, ...rest] = receiver.received["/down-up"];
  assert.equal(rest.length, 0);
  assert.ok(verified(ch.secret, down), "signature verifies");
  const payload = JSON.parse(down.body);
  assert.equal(payload.event, "down");
  assert.equal(payload.monitor.id, m.id);
  assert.equal(payload.flip.to, "down");
  assert.equal(payload.flip.at, new Date(deadline).toISOString());
  assert.equal(payload.last_ping.result, "tick");
  // A replay, a tampered body and a stale timestamp are what a receiver rejects.
  assert.ok(!verified(ch.secret, { ...down, body: down.body.replace('"down"', '"up"') }));
  assert.ok(!verified(ch.secret, down, -1), "outside any tolerance");

  // The recovery is sent right after the flush that applies it, without waiting for a sweep.
  await eb.api("GET", `/v1/heartbeat/${m.token}?result=success`);
  await eventually(async () => receiver.received["/down-up"].length === 2, { what: "the up webhook" });
  await sweep(Date.now() + 1_000); // a sweep afterwards sends nothing more
  const all = receiver.received["/down-up"];
  assert.equal(all.length, 2);
  assert.equal(JSON.parse(all[1].body).event, "up");
  assert.ok(verified(ch.secret, all[1]));
  assert.deepEqual((await deliveries(key, ch)).map((d) => [d.event, d.status, d.attempts]), [["up", "delivered", 1], ["down", "delivered", 1]]);
});

test("a receiver that fails three times then succeeds gets exactly one successful delivery", async () => {
  const { key, ch, deadline } = await watchedMonitor("/flaky");
  receiver.plan["/flaky"] = [500, 503, 404];
  for (let i = 0; i < 7; i++) await sweep(deadline + MIN + i * 2 * HOUR); // each past the longest backoff
  const statuses = receiver.received["/flaky"].length;
  assert.equal(statuses, 4, "three failures, one success, nothing after");
  const [d] = await deliveries(key, ch);
  assert.deepEqual([d.event, d.status, d.attempts, d.last_status], ["down", "delivered", 4, 200]);
});

test("backoff: a retry is not attempted before its time", async () => {
  const { key, ch, deadline } = await watchedMonitor("/backoff");
  receiver.plan["/backoff"] = [500, 500];
  await sweep(deadline + MIN); // attempt 1 fails; next in 30 s
  await sweep(deadline + MIN + 10_000); // too early
  assert.equal(receiver.received["/backoff"].length, 1);
  await sweep(deadline + MIN + 31_000); // attempt 2 fails; next in 60 s
  await sweep(deadline + MIN + 61_000); // too early
  assert.equal(receiver.received["/backoff"].length, 2);
  await sweep(deadline + MIN + 92_000);
  assert.equal(receiver.received["/backoff"].length, 3);
  assert.equal((await deliveries(key, ch))[0].status, "delivered");
});

test("a receiver that never succeeds ends as failed after the last attempt", async () => {
  const { key, ch, deadline } = await watchedMonitor("/dead");
  receiver.plan["/dead"] = Array(20).fill(500);
  for (let i = 0; i < 9; i++) await sweep(deadline + MIN + i * 2 * HOUR);
  assert.equal(receiver.received["/dead"].length, 6, "six attempts, then no more");
  const [d] = await deliveries(key, ch);
  assert.deepEqual([d.status, d.attempts, d.last_status, d.last_error], ["failed", 6, 500, "HTTP 500"]);
});

test("a monitor naming a subset of channels notifies only those", async () => {
  const t = await eb.tenant("subset");
  const a = await channel("/subset-a", t.key);
  await channel("/subset-b", t.key);
  const m = await eb.createMonitor(t.key, { name: "subset", interval: 3600, grace: 0, channels: [a.id] });
  assert.deepEqual(m.channels, [a.id]);
  await eb.api("GET", `/v1/heartbeat/${m.token}`);
  const shown = await eventually(async () => {
    const mon = await eb.monitor(t.key, m.id);
    return mon.status === "up" && mon;
  });
  await sweep(Date.parse(shown.next_due_at) + MIN);
  assert.equal(receiver.received["/subset-a"].length, 1);
  assert.equal(receiver.received["/subset-b"], undefined);
  const foreign = await eb.api("POST", "/v1/heartbeat", { auth: t.key, body: { name: "x", interval: 60, channels: [crypto.randomUUID()] } });
  // Like any id that is not the project's: not found (the document's 404), not malformed.
  assert.deepEqual([foreign.status, foreign.body.error], [404, "channel not found"]);
});

test("a fail ping's webhook goes out right after its flush, once", async () => {
  const { key, ch, m } = await watchedMonitor("/fail-now");
  await eb.fetch(`/ping/${m.token}/fail`, { method: "POST", body: "disk full" });
  await eventually(async () => receiver.received["/fail-now"]?.length === 1, { what: "the down webhook" });
  const [got] = receiver.received["/fail-now"];
  assert.ok(verified(ch.secret, got));
  const payload = JSON.parse(got.body);
  assert.deepEqual([payload.event, payload.flip.from, payload.flip.to, payload.last_ping.message], ["down", "up", "down", "disk full"]);
  await sweep(Date.now() + 1_000);
  assert.equal(receiver.received["/fail-now"].length, 1);
  assert.deepEqual((await deliveries(key, ch)).map((d) => [d.event, d.status]), [["down", "delivered"]]);
});

test("a channel test sends that delivery alone, however many others are due", async () => {
  const other = await eb.tenant("backlog");
  const backlogged = await channel("/backlog", other.key);
  // Another project's delivery, due a minute ago: the cron's work, not the test's.
  await eb.env.DB.prepare(
    "INSERT INTO deliveries (channel_id, event, next_attempt_at, created_at) VALUES (?1, 'test', ?2, ?2)",
  ).bind(backlogged.id, Date.now() - MIN).run();
  const ch = await channel("/alone");
  const res = await eb.api("POST", `/v1/channels/${ch.id}/test`, { auth: tenant.key });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.delivery.status, "delivered");
  assert.equal(receiver.received["/alone"].length, 1);
  assert.equal(receiver.received["/backlog"], undefined, "the backlog was not sent by the test");
  const [row] = await eb.rows("SELECT status, attempts FROM deliveries WHERE channel_id = ?", backlogged.id);
  assert.deepEqual({ ...row }, { status: "pending", attempts: 0 });
});
