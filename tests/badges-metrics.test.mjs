// Status badges (SVG and shields.io endpoint JSON) by a project's badge key, and the
// Prometheus exposition of its monitors: formats, key checks, rotation, and never a word
// of another project's monitors.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { startEdgebeat, eventually } from "./support/edgebeat.mjs";
import { signIn, withSession } from "./support/sessions.mjs";

let eb;
let ours;
let theirs;
before(async () => {
  eb = await startEdgebeat();
  ours = await project("ours", [
    { name: "api", slug: "api", tags: ["prod"], ping: "success" },
    { name: "db backup", slug: "db-backup", tags: ["prod", "db"], ping: "fail" },
    { name: "batch", slug: "batch-job", tags: ["batch"], interval: 60, grace: 86400, ping: "success" },
    { name: "fresh", tags: ["fresh"] },
  ]);
  theirs = await project("theirs", [
    { name: "secret", slug: "secret-job", tags: ["theirs-only", "batch"], ping: "fail" },
  ]);
  // Past the batch monitor's due time, within its grace: late.
  await eb.sweep(Date.now() + 120_000);
  await eventually(async () => (await eb.monitor(ours.key, ours.monitors.batch.id)).status === "grace", { what: "batch late" });
});
after(() => eb?.close());

/** A project with a read and an ingest key and the given monitors, pinged as told. */
async function project(name, specs) {
  const { project, key } = await eb.tenant(name);
  const read = (await eb.createKey(project.id, "read")).key;
  const ingest = (await eb.createKey(project.id, "ingest")).key;
  const monitors = {};
  for (const { ping, interval = 3600, grace = 60, ...spec } of specs) {
    const m = await eb.createMonitor(key, { interval, grace, ...spec });
    if (ping) {
      const res = await eb.fetch(`/ping/${m.token}${ping === "fail" ? "/fail" : ""}`);
      assert.equal(res.status, 200);
      await eventually(async () => (await eb.monitor(key, m.id)).status !== "new", { what: `${spec.name} pinged` });
    }
    monitors[spec.name.split(" ")[0]] = m;
  }
  const badgeKey = (await eb.api("GET", "/v1/project", { auth: key })).body.badge_key;
  return { project, key, read, ingest, monitors, badgeKey };
}

async function badge(badgeKey, selector, format) {
  const res = await eb.fetch(`/badge/${badgeKey}/${encodeURIComponent(selector)}.${format}`);
  return { status: res.status, headers: res.headers, text: await res.text() };
}

async function endpoint(badgeKey, selector) {
  const res = await badge(badgeKey, selector, "json");
  return { ...res, body: JSON.parse(res.text) };
}

test("every project shows a badge key of the documented format", async () => {
  assert.match(ours.badgeKey, /^bk_[0-9A-Za-z]{22}$/);
  assert.notEqual(ours.badgeKey, theirs.badgeKey);
  assert.equal(ours.project.badge_key, ours.badgeKey, "made with the project, and in its creation answer");
  const again = await eb.api("GET", "/v1/project", { auth: ours.read });
  assert.equal(again.body.badge_key, ours.badgeKey, "stable, and shown to read keys");
});

test("a project made before badges gets its badge key on first use", async () => {
  const { project, key } = await eb.tenant("older");
  await eb.rows("UPDATE projects SET badge_key = NULL WHERE id = ?", project.id);
  const shown = await eb.api("GET", "/v1/project", { auth: key });
  assert.equal(shown.status, 200, shown.text);
  assert.match(shown.body.badge_key, /^bk_[0-9A-Za-z]{22}$/);
  assert.equal((await eb.api("GET", "/v1/project", { auth: key })).body.badge_key, shown.body.badge_key, "kept");
  assert.equal((await endpoint(shown.body.badge_key, "anything")).status, 200);
});

test("an SVG badge names the selector and its status, coloured, cacheable for 60 s", async () => {
  const res = await badge(ours.badgeKey, "api", "svg");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type"), /^image\/svg\+xml/);
  assert.equal(res.headers.get("cache-control"), "public, max-age=60");
  assert.match(res.text, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(res.text, /<title>api: up<\/title>/);
  assert.match(res.text, /fill="#4c1"/);
  const down = await badge(ours.badgeKey, "db-backup", "svg");
  assert.match(down.text, /<title>db-backup: down<\/title>/);
  assert.match(down.text, /fill="#e05d44"/);
});

test("the JSON badge is a shields.io endpoint document; a tag shows the worst of its monitors", async () => {
  const cases = [
    ["prod", "down", "red"],
    ["db", "down", "red"],
    ["api", "up", "brightgreen"],
    ["batch", "late", "yellow"],
    ["batch-job", "late", "yellow"],
    ["fresh", "unknown", "lightgrey"],
    ["no-such-tag", "unknown", "lightgrey"],
  ];
  for (const [selector, message, color] of cases) {
    const res = await endpoint(ours.badgeKey, selector);
    assert.equal(res.status, 200, selector);
    assert.equal(res.headers.get("cache-control"), "public, max-age=60");
    assert.deepEqual(res.body, { schemaVersion: 1, label: selector, message, color }, selector);
  }
});

test("another project's monitors and tags never show on a project's badges", async () => {
  for (const selector of ["secret-job", "theirs-only"]) {
    assert.equal((await endpoint(ours.badgeKey, selector)).body.message, "unknown", selector);
  }
  // "batch" is a tag in both projects: theirs is down, ours is late.
  assert.equal((await endpoint(ours.badgeKey, "batch")).body.message, "late");
  assert.equal((await endpoint(theirs.badgeKey, "batch")).body.message, "down");
  assert.equal((await endpoint(theirs.badgeKey, "prod")).body.message, "unknown");
});

test("an unknown or malformed badge key answers a grey unknown badge with 404", async () => {
  for (const key of ["bk_AAAAAAAAAAAAAAAAAAAAAA", "pk_AAAAAAAAAAAAAAAAAAAAAA", "nope"]) {
    const svg = await badge(key, "prod", "svg");
    assert.equal(svg.status, 404, key);
    assert.match(svg.headers.get("content-type"), /^image\/svg\+xml/);
    assert.match(svg.text, /<title>prod: unknown<\/title>/);
    const json = await endpoint(key, "prod");
    assert.equal(json.status, 404);
    assert.deepEqual(json.body, { schemaVersion: 1, label: "prod", message: "unknown", color: "lightgrey" });
  }
});

test("a hostile selector is escaped in the SVG", async () => {
  const res = await badge(ours.badgeKey, `<script>alert("x")</script>&`, "svg");
  assert.equal(res.status, 200);
  assert.ok(!res.text.includes("<script>"), res.text);
  assert.match(res.text, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;&amp;/);
});

test("rotating the badge key stops the old one at once; only a manage key rotates", async () => {
  const { key, read } = await project("rotating", [{ name: "api", slug: "api", tags: ["prod"], ping: "success" }]);
  const old = (await eb.api("GET", "/v1/project", { auth: key })).body.badge_key;
  assert.equal((await endpoint(old, "api")).body.message, "up");
  assert.equal((await eb.api("POST", "/v1/project/badge-key", { auth: read })).status, 403);
  const rotated = await eb.api("POST", "/v1/project/badge-key", { auth: key });
  assert.equal(rotated.status, 200, rotated.text);
  assert.match(rotated.body.badge_key, /^bk_[0-9A-Za-z]{22}$/);
  assert.notEqual(rotated.body.badge_key, old);
  const gone = await endpoint(old, "api");
  assert.equal(gone.status, 404);
  assert.equal(gone.body.message, "unknown");
  assert.equal((await endpoint(rotated.body.badge_key, "api")).body.message, "up");
  assert.equal((await eb.api("GET", "/v1/project", { auth: key })).body.badge_key, rotated.body.badge_key);
});

/** A strict parser of the text format 0.0.4 (HELP, TYPE, samples; three escapes). */
function parseExposition(text) {
  assert.ok(text.endsWith("\n"), "ends with a newline");
  const types = new Map();
  const samples = [];
  for (const line of text.slice(0, -1).split("\n")) {
    let m;
    if ((m = line.match(/^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/))) continue;
    if ((m = line.match(/^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge)$/))) {
      assert.ok(!types.has(m[1]), `TYPE twice: ${line}`);
      types.set(m[1], m[2]);
      continue;
    }
    m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$/);
    assert.ok(m, `not a sample: ${JSON.stringify(line)}`);
    assert.ok(types.has(m[1]), `sample before TYPE: ${line}`);
    const labels = {};
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/y;
    let at = 0;
    while (at < m[2].length) {
      re.lastIndex = at;
      const l = re.exec(m[2]);
      assert.ok(l, `bad labels at ${at}: ${JSON.stringify(m[2])}`);
      labels[l[1]] = l[2].replace(/\\(["\\n])/g, (_, c) => (c === "n" ? "\n" : c));
      at = re.lastIndex;
    }
    const value = Number(m[3]);
    assert.ok(!Number.isNaN(value) || m[3] === "NaN", `bad value ${m[3]}`);
    samples.push({ name: m[1], labels, value });
  }
  return { types, samples };
}

function sample(samples, name, id) {
  return samples.find((s) => s.name === name && s.labels.unique_key === id)?.value;
}

test("metrics: the documented families, per monitor, for a read key, only of its project", async () => {
  const res = await eb.fetch("/v1/metrics", { headers: { authorization: `Bearer ${ours.read}` } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const { types, samples } = parseExposition(await res.text());
  assert.deepEqual(Object.fromEntries(types), {
    edgebeat_monitor_up: "gauge",
    edgebeat_monitor_late: "gauge",
    edgebeat_monitor_down: "gauge",
    edgebeat_monitor_seconds_since_last_ping: "gauge",
    edgebeat_monitor_pings_total: "counter",
    edgebeat_monitor_flips_total: "counter",
  });
  const { api, db, batch, fresh } = ours.monitors;
  const ids = new Set(samples.map((s) => s.labels.unique_key));
  assert.deepEqual(ids, new Set([api.unique_key, db.unique_key, batch.unique_key, fresh.unique_key]), "our monitors, none of theirs");
  assert.equal(sample(samples, "edgebeat_monitor_up", api.unique_key), 1);
  assert.equal(sample(samples, "edgebeat_monitor_down", db.unique_key), 1);
  assert.equal(sample(samples, "edgebeat_monitor_up", db.unique_key), 0);
  assert.equal(sample(samples, "edgebeat_monitor_late", batch.unique_key), 1);
  for (const family of ["up", "late", "down"]) assert.equal(sample(samples, `edgebeat_monitor_${family}`, fresh.unique_key), 0);
  assert.equal(sample(samples, "edgebeat_monitor_seconds_since_last_ping", fresh.unique_key), undefined, "never pinged: absent");
  const since = sample(samples, "edgebeat_monitor_seconds_since_last_ping", api.unique_key);
  assert.ok(since >= 0 && since < 600, `${since}`);
  assert.equal(sample(samples, "edgebeat_monitor_pings_total", api.unique_key), 1);
  assert.equal(sample(samples, "edgebeat_monitor_pings_total", fresh.unique_key), 0);
  const flips = (await eb.api("GET", `/v1/heartbeat/${db.id}/flips`, { auth: ours.key })).body.items;
  assert.ok(flips.length >= 1, "the fail ping flipped it down");
  assert.equal(sample(samples, "edgebeat_monitor_flips_total", db.unique_key), flips.length);
  assert.equal(sample(samples, "edgebeat_monitor_flips_total", api.unique_key), 0);
  const dbSample = samples.find((s) => s.labels.unique_key === db.unique_key);
  assert.equal(dbSample.labels.name, "db backup");
  assert.equal(dbSample.labels.tags, "prod,db");
});

test("metrics escape a hostile monitor name and tags so they parse back exactly", async () => {
  const { key, read } = await project("hostile", []);
  const name = `evil" } 1\\n# TYPE x gauge \\ "quoted"`;
  const tags = [`a"b`, `c\\d`];
  const m = await eb.createMonitor(key, { name, interval: 3600, tags });
  const text = await (await eb.fetch("/v1/metrics", { headers: { authorization: `Bearer ${read}` } })).text();
  const { samples } = parseExposition(text);
  const mine = samples.filter((s) => s.labels.unique_key === m.unique_key);
  assert.equal(mine.length, 5, "up, late, down, pings, flips (never pinged)");
  for (const s of mine) {
    assert.equal(s.labels.name, name);
    assert.equal(s.labels.tags, tags.join(","));
  }
});

// Debian's prometheus package ships promtool; `npm test` installs it when it runs as root.
const PROMTOOL = process.env.PROMTOOL_PATH ?? "/usr/bin/promtool";
const noPromtool = spawnSync(PROMTOOL, ["--version"]).error ? `${PROMTOOL} is missing (apt-get install prometheus)` : false;

test("promtool check metrics finds nothing to say about the exposition, hostile names included", { skip: noPromtool }, async () => {
  const { key, read } = await project("promtool", [{ name: "pinged", tags: ["a", "b"], ping: "success" }]);
  await eb.createMonitor(key, { name: `quote" back\\slash`, interval: 3600, tags: [`t"1`] });
  const text = await (await eb.fetch("/v1/metrics", { headers: { authorization: `Bearer ${read}` } })).text();
  const check = spawnSync(PROMTOOL, ["check", "metrics"], { input: text, encoding: "utf8" });
  assert.equal(check.status, 0, `promtool: ${check.stdout}${check.stderr}\n${text}`);
  assert.equal(`${check.stdout}${check.stderr}`.trim(), "", "no lint findings");
});

test("metrics: a session works, an ingest key is 403, no credential 401", async () => {
  const { cookie } = await signIn(eb, ours.read);
  const bySession = await withSession(eb, cookie, "GET", "/v1/metrics");
  assert.equal(bySession.status, 200);
  assert.match(bySession.text, /^# HELP edgebeat_monitor_up /);
  assert.equal((await eb.api("GET", "/v1/metrics", { auth: ours.ingest })).status, 403);
  const anonymous = await eb.api("GET", "/v1/metrics");
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.body.code, "unauthorized");
});
