// Volume bands (issue 18, rule 7): `expect_min` / `expect_max` pings per `expect_window`
// (whole UTC hours). The Cron Trigger (real scheduled events) judges each closed window once,
// a minute after it closes, counting its pings exactly: the stored ones plus the hourly
// figures of pruned ones (`ping_hours`). Out of the band is down with the count in the
// reason; the next window back inside is up; alerts go to a local receiver.
//
// Pings come in real time, so the band is set "two hours ago" (its judging place moved back
// in D1) and the past windows' pings are the hourly figures pruning leaves (plus one stored
// ping written as a flush would): the window of now gets real beacons.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { eventually } from "./support/edgebeat.mjs";
import { alertRig, alertsAt } from "./support/alert-rig.mjs";

const MIN = 60_000;
const HOUR = 60 * MIN;
let eb;
let receiver;
alertRig((rig) => ({ eb, receiver } = rig));

const hhmm = (ms) => new Date(ms).toISOString().slice(11, 16);
const alerts = (path) => alertsAt(receiver, path);
const flips = (id) => eb.rows("SELECT at, to_status, reason FROM flips WHERE monitor_id = ? ORDER BY at", id);

/** The start of this UTC hour, waiting out the last half minute of an hour so pings stay in it. */
async function thisHour() {
  if (HOUR - (Date.now() % HOUR) < 30_000) await new Promise((r) => setTimeout(r, HOUR - (Date.now() % HOUR) + 100));
  return Math.floor(Date.now() / HOUR) * HOUR;
}

test("a band broken from below, back inside, then broken from above: down, up, down, each alerted once", async () => {
  const t = await eb.tenant("band");
  const ch = await eb.api("POST", "/v1/channels", { auth: t.key, body: { kind: "webhook", url: receiver.url("/band"), name: "band" } });
  assert.equal(ch.status, 201, ch.text);
  // The hour is read before the monitor is made (`thisHour` waits out an hour's last half
  // minute): read after it, a monitor made just before the hour turned was one hour off.
  const h = await thisHour();
  const created = await eb.api("POST", "/v1/heartbeat", {
    auth: t.key,
    body: { name: "page views", interval: 3600, grace: 3600, expect_min: 2, expect_max: 3, expect_window: 3600 },
  });
  assert.equal(created.status, 201, created.text);
  const m = created.body;
  assert.deepEqual([m.expect_min, m.expect_max, m.expect_window, m.band_out], [2, 3, 3600, false]);
  const [set] = await eb.rows("SELECT band_judged_until, check_at FROM monitors WHERE id = ?", m.id);
  assert.deepEqual(set, { band_judged_until: h + HOUR, check_at: h + 2 * HOUR + MIN }, "judged from the first whole window");
  // The band set two hours ago.
  await eb.rows("UPDATE monitors SET band_judged_until = ?, check_at = ? WHERE id = ?", h - 2 * HOUR, h - HOUR + MIN, m.id);
  await eb.rows("INSERT INTO ping_hours (monitor_id, hour, pings) VALUES (?, ?, 1), (?, ?, 1)", m.id, h - 2 * HOUR, m.id, h - HOUR);
  await eb.rows(
    "INSERT INTO pings (id, monitor_id, received_at, kind, source, method) VALUES (?, ?, ?, 'tick', 'beacon', 'GET')",
    randomUUID(),
    m.id,
    h - 30 * MIN,
  );

  await eb.sweep(h - HOUR + MIN - 1);
  assert.deepEqual(await flips(m.id), [], "not before a minute after the window closed");
  await eb.sweep(h - HOUR + MIN);
  const low = `1 ping from ${hhmm(h - 2 * HOUR)} to ${hhmm(h - HOUR)} UTC, expected at least 2`;
  assert.deepEqual(await flips(m.id), [{ at: h - HOUR, to_status: "down", reason: low }]);
  assert.equal((await eb.monitor(t.key, m.id)).band_out, true);
  await eb.sweep(h - HOUR + 2 * MIN);
  assert.equal((await flips(m.id)).length, 1, "a window is judged once");

  // One pruned ping and one stored: two, inside the band.
  await eb.sweep(h + MIN);
  const back = `2 pings from ${hhmm(h - HOUR)} to ${hhmm(h)} UTC, within the expected band`;
  assert.deepEqual((await flips(m.id)).slice(1), [{ at: h, to_status: "up", reason: back }]);

  // This hour: four real beacons.
  for (let i = 0; i < 4; i++) {
    const res = await eb.beacon(m.token);
    assert.equal(res.status, 200);
  }
  await eb.storedPingsEventually(m.id, 5);
  await eb.sweep(h + HOUR + MIN);
  const high = `4 pings from ${hhmm(h)} to ${hhmm(h + HOUR)} UTC, expected at most 3`;
  assert.deepEqual((await flips(m.id)).slice(2), [{ at: h + HOUR, to_status: "down", reason: high }]);
  const shown = await eb.monitor(t.key, m.id);
  assert.deepEqual([shown.status, shown.band_out], ["down", true]);

  assert.deepEqual(
    alerts("/band").map((a) => [a.event, a.flip.reason]),
    [
      ["down", low],
      ["up", back],
      ["down", high],
    ],
  );
});

test("pings do not end a band failure: only a window back inside does", async () => {
  const t = await eb.tenant("band-pings");
  const m = (await eb.api("POST", "/v1/heartbeat", { auth: t.key, body: { name: "signups", interval: 3600, grace: 3600, expect_min: 5 } })).body;
  assert.equal(m.expect_window, 3600, "an hour unless told");
  const h = await thisHour();
  await eb.rows("UPDATE monitors SET band_judged_until = ?, check_at = ? WHERE id = ?", h - HOUR, h + MIN, m.id);
  await eb.sweep(h + MIN);
  assert.equal((await eb.monitor(t.key, m.id)).status, "down");
  assert.equal((await eb.beacon(m.token)).status, 200);
  await eb.storedPingsEventually(m.id, 1);
  const shown = await eb.monitor(t.key, m.id);
  assert.deepEqual([shown.status, shown.n_pings], ["down", 1], "the ping is stored, the band still broken");
});

test("band fields are checked: whole hours dividing a day, a minimum no more than the maximum", async () => {
  const t = await eb.tenant("band-fields");
  const m = await eb.createMonitor(t.key, { name: "x", interval: 3600 });
  assert.deepEqual([m.expect_min, m.expect_max, m.expect_window, m.band_out], [null, null, 3600, false]);
  for (const [body, field] of [
    [{ expect_window: 60 }, "expect_window"],
    [{ expect_window: 5400 }, "expect_window"],
    [{ expect_min: 0 }, "expect_min"],
    [{ expect_max: -1 }, "expect_max"],
    [{ expect_min: 10, expect_max: 9 }, "expect_min"],
  ]) {
    const res = await eb.api("PUT", `/v1/heartbeat/${m.id}`, { auth: t.key, body });
    assert.deepEqual([res.status, res.body.field], [400, field], JSON.stringify(res.body));
  }
  const set = await eb.api("PUT", `/v1/heartbeat/${m.id}`, { auth: t.key, body: { expect_max: 0, expect_window: 86400 } });
  assert.deepEqual([set.status, set.body.expect_max, set.body.expect_window], [200, 0, 86400]);
  const [row] = await eb.rows("SELECT band_judged_until FROM monitors WHERE id = ?", m.id);
  assert.equal(row.band_judged_until % (24 * HOUR), 0, "a day's window starts at 00:00 UTC");
  assert.ok(row.band_judged_until > Date.now());
});

test("pausing stops judging windows; resuming starts again at the next whole window", async () => {
  const t = await eb.tenant("band-pause");
  const m = await eb.createMonitor(t.key, { name: "views", interval: 3600, expect_min: 1 });
  const h = await thisHour();
  await eb.rows("UPDATE monitors SET band_judged_until = ?, check_at = ?, band_out = 1 WHERE id = ?", h - HOUR, h + MIN, m.id);
  const paused = await eb.api("POST", `/v1/heartbeat/${m.id}/pause`, { auth: t.key });
  assert.equal(paused.status, 200, paused.text);
  assert.deepEqual(await eb.rows("SELECT check_at FROM monitors WHERE id = ?", m.id), [{ check_at: null }]);
  await eb.sweep(h + MIN);
  assert.deepEqual(await flips(m.id), [], "a paused monitor's windows are not judged");
  const resumed = await eb.api("POST", `/v1/heartbeat/${m.id}/resume`, { auth: t.key });
  assert.deepEqual([resumed.status, resumed.body.status, resumed.body.band_out], [200, "new", false]);
  const [row] = await eb.rows("SELECT band_judged_until, check_at FROM monitors WHERE id = ?", m.id);
  assert.deepEqual(row, { band_judged_until: h + HOUR, check_at: h + 2 * HOUR + MIN });
});
