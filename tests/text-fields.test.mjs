// One rule for text fields (src/core/http_contract/validation.rs): no NUL or other control characters
// (free text keeps newline and tab), no bidi controls in names, slugs and tags. A refused
// value is a 400 naming the field, and nothing is stored.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEdgebeat, eventually, ADMIN_TOKEN } from "./support/edgebeat.mjs";

let eb;
let tenant;
before(async () => {
  eb = await startEdgebeat();
  tenant = await eb.tenant("text");
});
after(() => eb?.close());

const count = async (table) => (await eb.rows(`SELECT count(*) AS n FROM ${table}`))[0].n;

async function refused(method, path, body, field, { auth = tenant.key, table } = {}) {
  const rowsBefore = table && (await count(table));
  const res = await eb.api(method, path, { auth, body });
  assert.equal(res.status, 400, `${method} ${path} ${JSON.stringify(body)}: ${res.text}`);
  assert.equal(res.body.code, "invalid_request");
  assert.equal(res.body.field, field, JSON.stringify(body));
  if (table) assert.equal(await count(table), rowsBefore, `nothing stored in ${table}`);
  return res;
}

test("monitor names, tags and descriptions follow the text rule", async () => {
  const base = { name: "backup", interval: 3600 };
  await refused("POST", "/v1/heartbeat", { ...base, name: "invoice\u202Etxt.exe" }, "name", { table: "monitors" });
  await refused("POST", "/v1/heartbeat", { ...base, name: "back\u0000up" }, "name", { table: "monitors" });
  await refused("POST", "/v1/heartbeat", { ...base, tags: ["prod\u0000"] }, "tags", { table: "monitors" });
  await refused("POST", "/v1/heartbeat", { ...base, tags: ["\u2066db"] }, "tags", { table: "monitors" });
  await refused("POST", "/v1/heartbeat", { ...base, description: "red \u001b[31malert" }, "description", { table: "monitors" });
  const ok = await eb.createMonitor(tenant.key, { ...base, description: "runs at 3:00\n\tthen uploads" });
  assert.equal(ok.description, "runs at 3:00\n\tthen uploads");
});

test("an update with a refused field changes nothing", async () => {
  const m = await eb.createMonitor(tenant.key, { name: "kept", interval: 3600 });
  const [before] = await eb.rows("SELECT * FROM monitors WHERE id = ?", m.id);
  await refused("PUT", `/v1/heartbeat/${m.id}`, { name: "renamed", description: "a\u0000b" }, "description");
  await refused("PUT", `/v1/heartbeat/${m.id}`, { name: "re\u202Dnamed" }, "name");
  assert.deepEqual((await eb.rows("SELECT * FROM monitors WHERE id = ?", m.id))[0], before);
});

test("project, key and channel text follows the same rule", async () => {
  await refused("POST", "/v1/projects", { name: "acme\u0085" }, "name", { auth: ADMIN_TOKEN, table: "projects" });
  await refused("POST", "/v1/projects", { name: "\u202Eemca" }, "name", { auth: ADMIN_TOKEN, table: "projects" });
  await refused("POST", `/v1/projects/${tenant.project.id}/keys`, { name: "ops\u200F", scope: "read" }, "name", { table: "api_keys" });
  const hook = { kind: "webhook", url: "https://hooks.example.com/x" };
  await refused("POST", "/v1/channels", { ...hook, name: "ops\u0007" }, "name", { table: "channels" });
  await refused("POST", "/v1/channels", { ...hook, url: "https://hooks.example.com/\u202Ex" }, "url", { table: "channels" });
});

test("a heartbeat ping message with control characters is refused and not recorded", async () => {
  const m = await eb.createMonitor(tenant.key, { name: "pinged", interval: 3600 });
  const res = await eb.api("POST", `/v1/heartbeat/${m.token}`, { body: { message: "done\u0000" } });
  assert.equal(res.status, 400, res.text);
  assert.equal(res.body.field, "message");
  const query = await eb.api("GET", `/v1/heartbeat/${m.token}?message=${encodeURIComponent("a\u001bb")}`);
  assert.equal(query.status, 400);
  assert.equal(query.body.field, "message");
  assert.equal(await eb.pendingPings(m.token), 0);
  const fine = await eb.api("POST", `/v1/heartbeat/${m.token}`, { body: { message: "line 1\n\tline 2" } });
  assert.equal(fine.status, 200, fine.text);
  const [ping] = await eventually(async () => {
    const rows = await eb.storedPings(m.id);
    return rows.length > 0 && rows;
  }, { what: "the ping in D1" });
  assert.equal(ping.message, "line 1\n\tline 2");
});

test("a cron job's captured output is kept with its control characters replaced", async () => {
  const m = await eb.createMonitor(tenant.key, { name: "job", interval: 3600 });
  const res = await eb.fetch(`/ping/${m.token}`, { method: "POST", body: "\u001b[32mOK\u001b[0m\nnext\u0000" });
  assert.equal(res.status, 200);
  const [ping] = await eventually(async () => {
    const rows = await eb.storedPings(m.id);
    return rows.length > 0 && rows;
  }, { what: "the ping in D1" });
  assert.equal(ping.message, "\uFFFD[32mOK\uFFFD[0m\nnext\uFFFD");
});
