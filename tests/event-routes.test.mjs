// Event routing (issue 18, rule 8): a project's ordered rules of {match: {type, name_glob},
// channels, mode} decide who is told of which events, and how. An immediate rule sends one
// alert per matching event (never for a browser key's: those join the digest), a digest rule
// gathers a name's events per channel over 10 minutes, and a daily rule sends the day's
// rollup (count, sum, change against the day before) once per channel and UTC day. Time
// moves by real scheduled events (the Cron Trigger); alerts go to a local receiver.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEdgebeat, eventually } from "./support/edgebeat.mjs";
import { startReceiver } from "./support/receiver.mjs";
import { eventTenant, flushed, postEvents } from "./support/events.mjs";

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const iso = (ms) => new Date(ms).toISOString();

let eb;
let receiver;
before(async () => {
  eb = await startEdgebeat({ vars: { EVENT_FLUSH_DELAY_MS: "50" } });
  receiver = await startReceiver();
});
after(async () => {
  await eb?.close();
  await receiver?.close();
});

async function channel(key, path, extra = {}) {
  const res = await eb.api("POST", "/v1/channels", { auth: key, body: { kind: "webhook", url: receiver.url(path), name: path, ...extra } });
  assert.equal(res.status, 201, res.text);
  return res.body.id;
}

async function setRoutes(key, routes) {
  const res = await eb.api("PUT", "/v1/event-routes", { auth: key, body: { routes } });
  assert.equal(res.status, 200, res.text);
  return res.body;
}

const told = (path) => (receiver.received[path] ?? []).map((r) => ({ event: r.headers["x-edgebeat-event"], body: JSON.parse(r.body) }));
const errors = (names) => ({ events: names.map((name, i) => ({ type: "error", name, message: `${name} #${i}` })) });

test("an immediate rule sends one alert per matching error event; other errors keep the default digest", async () => {
  const t = await eventTenant(eb, "ingest", "immediate");
  const now = await channel(t.manage, "/immediate");
  await channel(t.manage, "/immediate-default", { notify_errors: true });
  await setRoutes(t.manage, [{ match: { type: "error", name_glob: "checkout*" }, channels: [now], mode: "immediate" }]);
  const sent = await postEvents(eb, t.key, errors(["checkout failed", "checkout failed", "checkout timeout", "db down"]));
  assert.equal(sent.status, 202, sent.text);
  await flushed(eb, t.project.id, 4);
  const alerts = await eventually(() => told("/immediate").length === 3 && told("/immediate"), { what: "three immediate alerts" });
  assert.deepEqual(alerts.map((a) => a.event), ["error_alert", "error_alert", "error_alert"]);
  assert.deepEqual(
    alerts.map((a) => [a.body.matched.name, a.body.matched.message]).sort(),
    [["checkout failed", "checkout failed #0"], ["checkout failed", "checkout failed #1"], ["checkout timeout", "checkout timeout #2"]],
  );
  assert.equal(alerts[0].body.project.id, t.project.id);
  // The unmatched error: today's digest, to the channel that opted in, and only it.
  const [digest] = await eventually(() => told("/immediate-default").length && told("/immediate-default"), { what: "the default digest" });
  assert.deepEqual([digest.event, digest.body.error.name, digest.body.error.count], ["error_digest", "db down", 1]);
  await eb.sweep(Date.now() + 30 * MIN);
  assert.equal(told("/immediate").length, 3, "nothing more: each event alerted once");
  assert.equal(told("/immediate-default").length, 1);
});

test("a browser key's events never page: under an immediate rule they only join the digest", async () => {
  const t = await eventTenant(eb, "browser", "browser-routes");
  const ingestKey = (await eb.createKey(t.project.id, "ingest")).key;
  const pager = await channel(t.manage, "/pager");
  await setRoutes(t.manage, [{ match: { type: "error", name_glob: "*" }, channels: [pager], mode: "immediate" }]);
  const sent = await postEvents(eb, t.key, errors(["page crashed", "page crashed", "page crashed"]), { headers: { origin: "https://shop.example" } });
  assert.equal(sent.status, 202, sent.text);
  await flushed(eb, t.project.id, 3);
  const [first] = await eventually(() => told("/pager").length && told("/pager"), { what: "the digest" });
  assert.deepEqual([first.event, first.body.error.name, first.body.error.count], ["error_digest", "page crashed", 3]);
  // More within the window wait for it; still no alert of its own.
  await postEvents(eb, t.key, errors(["page crashed"]), { headers: { origin: "https://shop.example" } });
  await flushed(eb, t.project.id, 4);
  await eb.sweep(Date.now() + 5 * MIN);
  assert.deepEqual(told("/pager").map((a) => a.event), ["error_digest"]);
  // The same rule pages for an ingest key's error.
  await postEvents(eb, ingestKey, errors(["api crashed"]));
  await eventually(() => told("/pager").some((a) => a.event === "error_alert"), { what: "an ingest key's alert" });
  assert.equal(told("/pager").filter((a) => a.event === "error_alert").length, 1);
});

test("a digest routed by a name glob: one message per matching name and channel per 10 minutes, with the count", async () => {
  const t = await eventTenant(eb, "ingest", "glob-digest");
  const payments = await channel(t.manage, "/glob-payments");
  const growth = await channel(t.manage, "/glob-growth");
  await channel(t.manage, "/glob-default", { notify_errors: true });
  await setRoutes(t.manage, [
    { match: { type: "error", name_glob: "pay?ent *" }, channels: [payments], mode: "digest" },
    { match: { type: "event", name_glob: "signup*" }, channels: [growth], mode: "digest" },
  ]);
  const start = Date.now();
  const sent = await postEvents(eb, t.key, {
    events: [
      ...errors(["payment failed", "payment failed", "payment declined", "payments failed", "refund failed"]).events,
      { type: "event", name: "signup", value: 1 },
      { type: "event", name: "signup-trial" },
      { type: "event", name: "login" },
    ],
  });
  assert.equal(sent.status, 202, sent.text);
  await flushed(eb, t.project.id, 8);
  const first = await eventually(() => told("/glob-payments").length === 2 && told("/glob-payments"), { what: "two digests" });
  assert.deepEqual(
    first.map((d) => [d.event, d.body.error.name, d.body.error.count, d.body.window_minutes]).sort(),
    [["error_digest", "payment declined", 1, 10], ["error_digest", "payment failed", 2, 10]],
  );
  const growthTold = await eventually(() => told("/glob-growth").length === 2 && told("/glob-growth"), { what: "event digests" });
  assert.deepEqual(growthTold.map((d) => [d.event, d.body.events.name, d.body.events.count]).sort(), [
    ["event_digest", "signup", 1],
    ["event_digest", "signup-trial", 1],
  ]);
  // Names the glob does not match keep the default: "payments failed" has one character too many.
  const defaults = await eventually(() => told("/glob-default").length === 2 && told("/glob-default"), { what: "default digests" });
  assert.deepEqual(defaults.map((d) => d.body.error.name).sort(), ["payments failed", "refund failed"]);

  // More of a name within 10 minutes: held, then told together by the cron.
  await postEvents(eb, t.key, errors(["payment failed", "payment failed", "payment failed"]));
  await flushed(eb, t.project.id, 11);
  await eb.sweep(start + 5 * MIN);
  assert.equal(told("/glob-payments").length, 2, "no second digest within 10 minutes");
  await eb.sweep(start + 11 * MIN);
  const third = await eventually(() => told("/glob-payments").length === 3 && told("/glob-payments")[2], { what: "the next digest" });
  assert.deepEqual([third.body.error.name, third.body.error.count, third.body.error.message], ["payment failed", 3, "payment failed #2"]);
  await eb.sweep(start + 30 * MIN);
  assert.equal(told("/glob-payments").length, 3);
  assert.equal(told("/glob-default").length, 2, "routed errors never reach the default digest");
});

test("the daily rollup: once per channel and UTC day, with each name's count, sum and change against the day before", async () => {
  const t = await eventTenant(eb, "ingest", "daily");
  const daily = await channel(t.manage, "/daily");
  const other = await channel(t.manage, "/daily-not", { notify_errors: true });
  await setRoutes(t.manage, [
    { match: { type: "error", name_glob: "*" }, channels: [other], mode: "digest" },
    { match: { type: "event", name_glob: "*" }, channels: [daily], mode: "daily" },
  ]);
  const today = Math.floor(Date.now() / DAY) * DAY;
  const sent = await postEvents(eb, t.key, {
    events: [
      { type: "event", name: "payment", value: 10 },
      { type: "event", name: "payment", value: 20 },
      { type: "event", name: "signup" },
      { type: "event", name: "payment", value: 5, ts: iso(today - 3 * 60 * MIN) },
      { type: "event", name: "churn", ts: iso(today - 2 * 60 * MIN) },
    ],
  });
  assert.equal(sent.status, 202, sent.text);
  await flushed(eb, t.project.id, 5);
  // Business events are silent until the day is over.
  await eb.sweep(Date.now() + MIN);
  assert.deepEqual(told("/daily"), []);

  // The first cron run of the next UTC day sends the rollup of today.
  await eb.sweep(today + DAY + MIN);
  const [rollup] = await eventually(() => told("/daily").length && told("/daily"), { what: "the daily rollup" });
  assert.equal(rollup.event, "daily_rollup");
  assert.deepEqual(
    [rollup.body.event, rollup.body.project.id, rollup.body.day, rollup.body.previous_day],
    ["daily_rollup", t.project.id, iso(today).slice(0, 10), iso(today - DAY).slice(0, 10)],
  );
  assert.deepEqual(rollup.body.names, [
    { name: "payment", type: "event", count: 2, sum: 30, previous: { count: 1, sum: 5 }, change: { count: 1, sum: 25 } },
    { name: "signup", type: "event", count: 1, sum: 0, previous: { count: 0, sum: 0 }, change: { count: 1, sum: 0 } },
    { name: "churn", type: "event", count: 0, sum: 0, previous: { count: 1, sum: 0 }, change: { count: -1, sum: 0 } },
  ]);

  // Idempotent: later runs of the day, and a run that lost track of the day, queue nothing more.
  await eb.sweep(today + DAY + 2 * MIN);
  await eb.env.DB.prepare("UPDATE event_routes SET rollup_day = 0 WHERE project_id = ?").bind(t.project.id).run();
  await eb.sweep(today + DAY + 3 * MIN);
  assert.equal(told("/daily").length, 1, "one rollup per channel and day");
  const [{ n }] = await eb.rows("SELECT COUNT(*) AS n FROM deliveries WHERE channel_id = ? AND event = 'daily_rollup'", daily);
  assert.equal(n, 1);
  assert.deepEqual(told("/daily-not"), [], "a channel no daily rule names gets no rollup");
});

test("a project without routes reads as none, and behaves as it always did", async () => {
  const t = await eventTenant(eb, "ingest", "no-routes");
  const res = await eb.api("GET", "/v1/event-routes", { auth: t.manage });
  assert.deepEqual([res.status, res.body], [200, { routes: [], updated_at: null }]);
  await channel(t.manage, "/none-digest", { notify_errors: true });
  await postEvents(eb, t.key, { events: [{ type: "error", name: "x" }, { type: "event", name: "signup" }] });
  const [digest] = await eventually(() => told("/none-digest").length && told("/none-digest"), { what: "the digest" });
  assert.deepEqual([digest.event, digest.body.error.name, digest.body.error.count], ["error_digest", "x", 1]);
  await eb.sweep(Date.now() + DAY + MIN);
  assert.equal(told("/none-digest").length, 1, "no rollup, nothing for the business event");
});

test("routes are checked, read with a read key, and replaced only with a manage key of the project", async () => {
  const t = await eventTenant(eb, "ingest", "route-checks");
  const mine = await channel(t.manage, "/checks");
  const rule = (overrides = {}) => ({ match: { type: "error", name_glob: "x*" }, channels: [mine], mode: "digest", ...overrides });
  for (const [body, field, message] of [
    [{}, "routes", "is required"],
    [{ routes: {} }, "routes", "must be an array of rules"],
    [{ routes: Array(51).fill(rule()) }, "routes", "must hold at most 50 rules"],
    [{ routes: [rule({ match: { type: "warning", name_glob: "x" } })] }, "routes[0].match.type", "must be event or error"],
    [{ routes: [rule(), rule({ match: { type: "error", name_glob: "[ab]" } })] }, "routes[1].match.name_glob", "takes only * and ?"],
    [{ routes: [rule({ mode: "loud" })] }, "routes[0].mode", "must be immediate, digest or daily"],
    [{ routes: [rule({ channels: ["not-an-id"] })] }, "routes[0].channels", "must hold channel ids (UUIDs)"],
    [{ routes: [rule({ channels: [mine, mine.toUpperCase()] })] }, "routes[0].channels", "must not name a channel twice"],
  ]) {
    const res = await eb.api("PUT", "/v1/event-routes", { auth: t.manage, body });
    assert.deepEqual([res.status, res.body.field, res.body.error?.includes(message)], [400, field, true], JSON.stringify(res.body));
  }
  const stranger = await eventTenant(eb, "ingest", "route-stranger");
  const theirs = await channel(stranger.manage, "/theirs");
  const foreign = await eb.api("PUT", "/v1/event-routes", { auth: t.manage, body: { routes: [rule({ channels: [mine, theirs] })] } });
  assert.deepEqual([foreign.status, foreign.body.error], [404, "channel not found"]);
  const read = await eb.createKey(t.project.id, "read");
  const browser = await eb.createKey(t.project.id, "browser");
  for (const key of [read.key, t.key, browser.key]) {
    assert.equal((await eb.api("PUT", "/v1/event-routes", { auth: key, body: { routes: [] } })).status, 403);
  }
  assert.equal((await eb.api("GET", "/v1/event-routes")).status, 401);
  assert.equal((await eb.api("GET", "/v1/event-routes", { auth: t.key })).status, 403, "an ingest key cannot read them");
  assert.deepEqual((await eb.api("GET", "/v1/event-routes", { auth: read.key })).body.routes, [], "no refused request stored anything");

  const saved = await setRoutes(t.manage, [rule({ channels: [mine.toUpperCase()], mode: "immediate" })]);
  const shown = await eb.api("GET", "/v1/event-routes", { auth: read.key });
  assert.equal(shown.status, 200);
  assert.deepEqual(shown.body, saved);
  assert.deepEqual(shown.body.routes, [{ match: { type: "error", name_glob: "x*" }, channels: [mine], mode: "immediate" }]);
  assert.ok(Date.parse(shown.body.updated_at) > 0);
  assert.deepEqual((await eb.api("GET", "/v1/event-routes", { auth: stranger.manage })).body.routes, [], "another project's rules are its own");
});
