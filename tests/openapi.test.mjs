// The OpenAPI document matches the server: schemathesis (pinned, installed by
// scripts/setup.sh) runs every check it has against the real worker with a fixed seed, as a
// manage key (with the admin token for the bootstrap routes), as a read key, and without
// credentials. Any failure fails this spec; schemathesis's summary is printed either way.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEdgebeat, ADMIN_TOKEN } from "./support/edgebeat.mjs";
import { runSchemathesis, seedTenant, skipReason, SEED } from "./support/schemathesis.mjs";

// Per operation and phase; bounded so the three runs take a few minutes on two cores.
const MAX_EXAMPLES = 5;
const skip = skipReason() ?? false;
if (skip) console.log(`# openapi conformance skipped: ${skip}`);

let eb;
before(async () => {
  if (skip) return;
  eb = await startEdgebeat();
});
after(() => eb?.close());

function summary(output) {
  const start = output.indexOf("=================================== SUMMARY");
  return start < 0 ? output.slice(-3_000) : output.slice(start);
}

/** Each run gets a fresh project: the admin run may deactivate its project or revoke its keys. */
async function conforms(t, who, authOf, adminForBootstrap = false) {
  const tenant = await seedTenant(eb);
  const auth = authOf(tenant);
  const run = await runSchemathesis(eb, tenant, { auth, maxExamples: MAX_EXAMPLES, adminForBootstrap });
  const cases = run.output.match(/(\d+) generated/)?.[1];
  t.diagnostic(`${who}: ${cases} test cases, seed ${SEED}, ${run.seconds.toFixed(0)} s`);
  // The whole report only when something failed; the summary always.
  console.log(run.code === 0 ? summary(run.output) : run.output);
  assert.equal(run.code, 0, `schemathesis found failures as ${who} (report above)`);
}

test("the document matches the server for a manage key (the admin token on bootstrap routes)", { skip }, async (t) => {
  await conforms(t, "manage key", (tenant) => `Bearer ${tenant.keys.manage}`, true);
});

test("the document matches the server for a read key", { skip }, async (t) => {
  await conforms(t, "read key", (tenant) => `Bearer ${tenant.keys.read}`);
});

test("the document matches the server without credentials", { skip }, async (t) => {
  await conforms(t, "no credentials", () => null);
});

test("every time zone the document lists is one the worker accepts", { skip }, async () => {
  const doc = await (await eb.fetch("/openapi.json")).json();
  const pattern = doc.components.schemas.TimeZone.pattern;
  const zones = pattern.slice(4, -2).split("|").map((z) => z.replaceAll("\\", ""));
  assert.ok(zones.length > 500, `${zones.length} zones`);
  const tenant = await seedTenant(eb);
  const m = await eb.createMonitor(tenant.keys.manage, { name: "zones", schedule: "0 3 * * *" });
  const refused = [];
  for (const tz of zones) {
    const res = await eb.api("PUT", `/v1/heartbeat/${m.id}`, { auth: tenant.keys.manage, body: { tz } });
    if (res.status !== 200) refused.push(`${tz}: ${res.status}`);
  }
  assert.deepEqual(refused, []);
});
