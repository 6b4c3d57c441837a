// The dashboard as a new user meets it: a deployment without PUBLIC_URL (relative ping URLs),
// a first visit to the sign-in page, the copy buttons, and sign-in links whose `next` tries
// to lead the browser off the site.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEdgebeat } from "./support/edgebeat.mjs";
import { skip, launch, newPage, signIn } from "./support/browser.mjs";

let eb;
let tenant;
let browser;

before(async () => {
  if (skip) return;
  eb = await startEdgebeat({ vars: { PUBLIC_URL: "" } });
  tenant = await eb.tenant("first visit co");
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await eb?.close();
});

/** A browser context with a session of the tenant's manage key. */
async function signedIn() {
  const context = await browser.newContext();
  const page = await newPage(context);
  await signIn(page, eb.url, tenant.key);
  return { context, page };
}

test("the sign-in page logs no console error at all, signed out", { skip }, async () => {
  const page = await newPage(await browser.newContext());
  const probe = page.waitForResponse((r) => new URL(r.url()).pathname === "/v1/session");
  await page.goto(new URL("/", eb.url).href);
  assert.equal((await probe).status(), 200, "not signed in is an answer, not an error");
  await page.waitForLoadState("networkidle");
  await page.getByRole("button", { name: "Sign in" }).waitFor();
  assert.equal(new URL(page.url()).pathname, "/", "stays on the sign-in page");
  assert.deepEqual(page.problems, []);
});

test("with PUBLIC_URL unset the monitor page renders in full, its URLs resolved against this origin", { skip }, async () => {
  const m = await eb.createMonitor(tenant.key, { name: "relative urls", interval: 3600, tags: ["prod"] });
  assert.match(m.ping_urls.ping, /^\/ping\//, "the API answers relative URLs without PUBLIC_URL");
  const { page } = await signedIn();
  await page.goto(new URL(`/monitor?id=${m.id}`, eb.url).href);
  await page.locator("#charts-title").waitFor();
  await page.locator("#pings-title").waitFor();
  const origin = new URL(eb.url).origin;
  assert.equal(await page.locator("#url-ping").inputValue(), `${origin}/ping/${m.token}`);
  assert.equal(await page.locator("#url-beacon").inputValue(), `${origin}/api/v1/beet/${m.token}`);
  await page.getByRole("tab", { name: "curl" }).click();
  assert.match(await page.locator("[role=tabpanel]:not([hidden]) pre").innerText(), new RegExp(`${origin}/ping/${m.token}$`));
  assert.match(await page.locator("#badges input").first().inputValue(), new RegExp(`^!\\[prod\\]\\(${origin}/badge/bk_`));
  assert.deepEqual(page.problems, []);
});

test("a copy button copies and says Copied, with no page error", { skip }, async () => {
  const m = await eb.createMonitor(tenant.key, { name: "copy me", interval: 3600 });
  const { context, page } = await signedIn();
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: new URL(eb.url).origin });
  await page.goto(new URL(`/monitor?id=${m.id}`, eb.url).href);
  await page.locator("#url-ping").waitFor();
  const copy = page.getByRole("button", { name: "Copy Cron ping URL" });
  await copy.click();
  await page.getByRole("button", { name: "Copied Cron ping URL" }).waitFor({ timeout: 2_000 });
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), await page.locator("#url-ping").inputValue());
  await page.getByRole("button", { name: "Copy Cron ping URL" }).waitFor({ timeout: 3_000 });
  assert.deepEqual(page.problems, []);
});

// `next` values a link to the sign-in page could carry; browsers read `/\x` and `/<tab>/x`
// as `//x`, another site.
const OFF_SITE = ["/\\evil.example", "/%5Cevil.example", "/%09/evil.example", "//evil.example", "https://evil.example", "javascript:alert(1)"];

test("a signed-in visit to /?next=<another site> stays on this origin", { skip }, async () => {
  const { context } = await signedIn();
  const offSite = [];
  await context.route((url) => url.hostname === "evil.example", (route) => (offSite.push(route.request().url()), route.fulfill({ body: "evil" })));
  const origin = new URL(eb.url).origin;
  for (const next of OFF_SITE) {
    const page = await newPage(context);
    await page.goto(`${origin}/?next=${next}`);
    await page.waitForURL((u) => u.origin !== origin || u.pathname !== "/");
    assert.equal(new URL(page.url()).origin, origin, `${next}: left for ${page.url()}`);
    assert.equal(new URL(page.url()).pathname, "/monitors", next);
    await page.close();
  }
  assert.deepEqual(offSite, []);
});

test("a signed-in visit to /?next=<a page of this site> goes there, query included", { skip }, async () => {
  const { page } = await signedIn();
  const origin = new URL(eb.url).origin;
  await page.goto(`${origin}/?next=${encodeURIComponent("/monitor.html?id=x")}`);
  await page.waitForURL((u) => u.pathname !== "/");
  const landed = new URL(page.url());
  assert.equal(landed.origin, origin);
  assert.match(landed.pathname, /^\/monitor(\.html)?$/);
  assert.equal(landed.search, "?id=x");
});
