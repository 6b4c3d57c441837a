// GET /v1/keys: the caller's project's keys, newest first, never a secret; last_used_at
// written after the answer, at most once an hour per key.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEdgebeat, eventually } from "./support/edgebeat.mjs";
import { signIn, withSession } from "./support/sessions.mjs";

let eb;
before(async () => {
  eb = await startEdgebeat();
});
after(() => eb?.close());

test("a project's keys are listed newest first with their fields and no secret", async () => {
  const { project, key, keyId } = await eb.tenant("listed");
  const read = await eb.createKey(project.id, "read");
  const browser = await eb.api("POST", `/v1/projects/${project.id}/keys`, {
    auth: key,
    body: { name: "site", scope: "browser", allowed_origins: ["https://example.com"] },
  });
  assert.equal(browser.status, 201, browser.text);
  assert.equal((await eb.api("DELETE", `/v1/keys/${read.id}`, { auth: key })).status, 200);
  const res = await eb.api("GET", "/v1/keys", { auth: key });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body.keys.map((k) => k.id), [browser.body.id, read.id, keyId]);
  for (const k of res.body.keys) {
    assert.deepEqual(Object.keys(k).sort(), ["allowed_origins", "created_at", "id", "last_used_at", "name", "revoked_at", "scope"]);
  }
  const [site, revoked, manage] = res.body.keys;
  assert.deepEqual(site.allowed_origins, ["https://example.com"]);
  assert.equal(site.scope, "browser");
  assert.equal(site.revoked_at, null);
  assert.ok(Date.parse(revoked.revoked_at) > 0, "the revoked key says when");
  assert.equal(manage.scope, "manage");
  assert.equal(manage.allowed_origins, null);
  const text = res.text;
  for (const secret of [key, read.key, browser.body.key]) assert.ok(!text.includes(secret.split("_")[2]), "no secret");
  const [hash] = await eb.rows("SELECT secret_hash FROM api_keys WHERE id = ?", keyId);
  assert.ok(!text.includes(hash.secret_hash), "no hash");
});

test("a read key and a session list keys; ingest keys and the admin token do not; other projects' keys never show", async () => {
  const { project, key } = await eb.tenant("lister");
  const { project: other, key: otherKey } = await eb.tenant("other-lister");
  const read = await eb.createKey(project.id, "read");
  const ingest = await eb.createKey(project.id, "ingest");
  const byRead = await eb.api("GET", "/v1/keys", { auth: read.key });
  assert.equal(byRead.status, 200);
  const { cookie } = await signIn(eb, read.key);
  const bySession = await withSession(eb, cookie, "GET", "/v1/keys");
  assert.equal(bySession.status, 200);
  assert.deepEqual(bySession.body.keys.map((k) => k.id), byRead.body.keys.map((k) => k.id));
  const ours = new Set((await eb.rows("SELECT id FROM api_keys WHERE project_id = ?", project.id)).map((r) => r.id));
  assert.deepEqual(new Set(byRead.body.keys.map((k) => k.id)), ours);
  const theirs = (await eb.api("GET", "/v1/keys", { auth: otherKey })).body.keys.map((k) => k.id);
  assert.ok(theirs.every((id) => !ours.has(id)), `${other.id} sees none of ours`);
  assert.equal((await eb.api("GET", "/v1/keys", { auth: ingest.key })).status, 403);
  assert.equal((await eb.api("GET", "/v1/keys")).status, 401);
  assert.equal((await eb.api("GET", "/v1/keys", { auth: key })).status, 200);
});

test("last_used_at is written after a key is used, and not again within the hour", async () => {
  const { project, key } = await eb.tenant("used");
  const read = await eb.createKey(project.id, "read");
  const before = await eb.rows("SELECT last_used_at FROM api_keys WHERE id = ?", read.id);
  assert.equal(before[0].last_used_at, null, "a new key was never used");
  const started = Date.now();
  assert.equal((await eb.api("GET", "/v1/heartbeats", { auth: read.key })).status, 200);
  const [{ last_used_at: first }] = await eventually(async () => {
    const rows = await eb.rows("SELECT last_used_at FROM api_keys WHERE id = ?", read.id);
    return rows[0].last_used_at !== null && rows;
  }, { what: "last_used_at written" });
  assert.ok(first >= started - 1_000 && first <= Date.now() + 1_000);
  for (let i = 0; i < 3; i++) assert.equal((await eb.api("GET", "/v1/heartbeats", { auth: read.key })).status, 200);
  const listed = (await eb.api("GET", "/v1/keys", { auth: key })).body.keys.find((k) => k.id === read.id);
  assert.equal(Date.parse(listed.last_used_at), first, "uses within the hour leave it as it was");
  // An hour-old use is moved on by the next request.
  await eb.rows("UPDATE api_keys SET last_used_at = ? WHERE id = ?", first - 3_600_001, read.id);
  assert.equal((await eb.api("GET", "/v1/heartbeats", { auth: read.key })).status, 200);
  await eventually(async () => {
    const rows = await eb.rows("SELECT last_used_at FROM api_keys WHERE id = ?", read.id);
    return rows[0].last_used_at >= first && rows;
  }, { what: "a stale last_used_at moved on" });
});

test("a session's requests count as uses of its key", async () => {
  const { project } = await eb.tenant("session-use");
  const read = await eb.createKey(project.id, "read");
  const { cookie } = await signIn(eb, read.key);
  await eb.rows("UPDATE api_keys SET last_used_at = NULL WHERE id = ?", read.id);
  assert.equal((await withSession(eb, cookie, "GET", "/v1/heartbeats")).status, 200);
  await eventually(async () => {
    const rows = await eb.rows("SELECT last_used_at FROM api_keys WHERE id = ?", read.id);
    return rows[0].last_used_at !== null;
  }, { what: "the session's use recorded" });
});
