// A read session in the dashboard sees everything and no write control, and the API refuses
// its writes anyway; revoking the key behind a session ends that session on its next request.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEdgebeat } from "./support/edgebeat.mjs";
import { skip, launch, newPage, signIn, assertAccessible, cspAndScriptProblems } from "./support/browser.mjs";

let eb;
let tenant;
let readKey;
let monitor;
let browser;

before(async () => {
  if (skip) return;
  eb = await startEdgebeat();
  tenant = await eb.tenant("read only co");
  readKey = (await eb.createKey(tenant.project.id, "read")).key;
  monitor = await eb.pingedMonitor(tenant.key, { name: "invoice run", interval: 3600, tags: ["billing"] });
  const ch = await eb.api("POST", "/v1/channels", { auth: tenant.key, body: { kind: "webhook", name: "ops", url: "http://127.0.0.1:9/hook" } });
  assert.equal(ch.status, 201, ch.text);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await eb?.close();
});

const WRITE_CONTROLS = ["#rotate-badge-key", "#new-monitor", "#create-form", "#edit-form", "#actions", "#pause", "#resume", "#rotate", "#delete", "#key-form", ".revoke", "#channel-form", ".send-test", "button.danger"];

async function writeControls(page) {
  const found = [];
  for (const sel of WRITE_CONTROLS) if (await page.locator(sel).count()) found.push(sel);
  return found;
}

test("a read session sees every page and no write control", { skip }, async () => {
  const page = await newPage(await browser.newContext());
  await signIn(page, eb.url, readKey);
  assert.match(await page.locator("header.top").innerText(), /read only/);
  await page.locator(`tr[data-id="${monitor.unique_key}"]`).waitFor();
  assert.deepEqual(await writeControls(page), [], "monitors page");
  for (const [path, ready] of [
    [`/monitor?id=${monitor.unique_key}`, "#pings-title"],
    ["/channels", "#channels"],
    ["/keys", "#badge-key"],
    ["/events", "#names-title"],
  ]) {
    await page.goto(new URL(path, eb.url).href);
    await page.locator(ready).waitFor();
    assert.deepEqual(await writeControls(page), [], path);
    await assertAccessible(page, `${path} (read session)`);
  }
  assert.deepEqual(cspAndScriptProblems(page), []);
});

test("a read session's pages show no ping URL, token, snippet or monitor id", { skip }, async () => {
  const page = await newPage(await browser.newContext());
  await signIn(page, eb.url, readKey);
  const link = page.locator(`a[data-id="${monitor.unique_key}"]`);
  await link.click();
  await page.locator("#pings-title").waitFor();
  await page.locator("#ping-urls").waitFor();
  assert.equal(await page.locator("#ping-urls .snippet, #ping-urls input, #url-ping").count(), 0);
  assert.match(await page.locator("#ping-urls").innerText(), /manage sessions only/);
  for (const path of [`/monitor?id=${monitor.unique_key}`, "/monitors", "/channels", "/keys"]) {
    await page.goto(new URL(path, eb.url).href);
    await page.locator("main").waitFor();
    await page.waitForLoadState("networkidle");
    const html = await page.content();
    for (const secret of [monitor.token, monitor.id, "/ping/"]) assert.ok(!html.includes(secret), `${path} shows ${secret}`);
  }
  assert.deepEqual(cspAndScriptProblems(page), []);
});

test("the API refuses a read session's writes, even with the CSRF header", { skip }, async () => {
  const page = await newPage(await browser.newContext());
  await signIn(page, eb.url, readKey);
  const status = await page.evaluate(
    async (id) => (await fetch(`/v1/heartbeat/${id}/pause`, { method: "POST", headers: { "x-edgebeat-csrf": "1" } })).status,
    monitor.id,
  );
  assert.equal(status, 403);
  assert.equal((await eb.monitor(tenant.key, monitor.id)).paused, false);
});

test("a write without the CSRF header is refused even for a manage session", { skip }, async () => {
  const page = await newPage(await browser.newContext());
  await signIn(page, eb.url, tenant.key);
  const status = await page.evaluate(async (id) => (await fetch(`/v1/heartbeat/${id}/pause`, { method: "POST" })).status, monitor.id);
  assert.equal(status, 403);
  assert.equal((await eb.monitor(tenant.key, monitor.id)).paused, false);
});

test("revoking the key behind a session sends that browser back to sign-in on its next request", { skip }, async () => {
  const key = await eb.createKey(tenant.project.id, "read");
  const page = await newPage(await browser.newContext());
  await signIn(page, eb.url, key.key);
  await page.locator("#updated", { hasText: "Updated" }).waitFor(); // the page is idle
  const revoked = await eb.api("DELETE", `/v1/keys/${key.id}`, { auth: tenant.key });
  assert.equal(revoked.status, 200, revoked.text);
  // The next page the browser opens asks for the session and is sent to sign-in.
  await page.goto(new URL("/keys", eb.url).href);
  await page.waitForURL(/\/\?next=%2Fkeys/);
  await page.getByLabel("API key").waitFor();
  assert.equal(await page.evaluate(async () => (await (await fetch("/v1/session")).json()).signed_in), false);
});
