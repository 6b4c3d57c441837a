// The monitor list at size: one page with its strips in one request per refresh whatever the
// project holds (120 monitors here: listing them all and a statistic each took 122), filters
// and search asked of the server, and a pager.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEdgebeat, eventually } from "./support/edgebeat.mjs";
import { skip, launch, newPage, signIn, assertAccessible, cspAndScriptProblems } from "./support/browser.mjs";

const MONITORS = 120;

let eb;
let tenant;
let browser;
let page;
let pinged;
/** Every API request the page made, as "METHOD /path?query". */
const requests = [];

before(async () => {
  if (skip) return;
  eb = await startEdgebeat();
  tenant = await eb.tenant("big list co");
  for (let i = 0; i < MONITORS; i += 20) {
    await Promise.all(
      Array.from({ length: Math.min(20, MONITORS - i) }, (_, k) =>
        eb.createMonitor(tenant.key, { name: `job ${String(i + k).padStart(3, "0")}`, interval: 3600, tags: (i + k) % 10 === 0 ? ["tenth"] : ["rest"] }),
      ),
    );
  }
  pinged = await eb.pingedMonitor(tenant.key, { name: "zz pinged job", interval: 3600, tags: ["tenth"] });
  browser = await launch();
  page = await newPage(await browser.newContext());
  page.on("request", (r) => {
    const url = new URL(r.url());
    if (url.pathname.startsWith("/v1/")) requests.push(`${r.method()} ${url.pathname}${url.search}`);
  });
  await signIn(page, eb.url, tenant.key);
});
after(async () => {
  await browser?.close();
  await eb?.close();
});

const rows = () => page.locator("#monitors tbody tr");
const listRequests = () => requests.filter((r) => r.startsWith("GET /v1/heartbeat"));

/** The API requests the page makes while `action` runs and until it has been quiet for a second. */
async function requestsDuring(action) {
  const from = requests.length;
  const answered = page.waitForResponse((r) => new URL(r.url()).pathname === "/v1/heartbeats");
  await action();
  await answered;
  // Anything a refresh asks for after its first answer (the old page's strips) comes at once.
  let seen = -1;
  while (seen !== requests.length) {
    seen = requests.length;
    await page.waitForTimeout(1_000);
  }
  return requests.slice(from);
}

test("the first page of 121 monitors comes with its strips in one request", { skip }, async () => {
  await rows().first().waitFor();
  await page.locator("#updated", { hasText: "Updated" }).waitFor();
  assert.equal(await rows().count(), 50);
  assert.equal(await page.locator("#monitors tbody tr svg.strip").count(), 50, "every row has its strip");
  assert.equal(await page.locator("#page-info").innerText(), "1–50 of 121");
  assert.deepEqual(listRequests(), ["GET /v1/heartbeats?limit=50&include=strips%2Ctags"]);
  await assertAccessible(page, "monitors page with a pager");
});

test("opening the page and each refresh make at most 3 requests whatever the project's size", { skip }, async () => {
  // Opening the page: its session, then the page of monitors with its strips.
  const opened = await requestsDuring(() => page.goto(new URL("/monitors", eb.url).href));
  assert.ok(opened.length <= 3, `opening the page made ${opened.length} requests: ${opened.slice(0, 5).join(", ")}`);
  // The page refreshes every 15 s and when it becomes visible: ask for one now.
  for (let i = 0; i < 2; i++) {
    const made = await requestsDuring(() => page.evaluate(() => document.dispatchEvent(new Event("visibilitychange"))));
    assert.ok(made.length >= 1 && made.length <= 3, `a refresh made ${made.length} requests: ${made.slice(0, 5).join(", ")}`);
    assert.ok(!made.some((r) => r.includes("/statistic")), "no statistic per monitor");
  }
});

test("the pager walks the pages by cursor and back", { skip }, async () => {
  const next = page.getByRole("button", { name: "Next" });
  const prev = page.getByRole("button", { name: "Previous" });
  assert.equal(await prev.isDisabled(), true);
  const made = await requestsDuring(() => next.click());
  assert.equal(made.length, 1);
  assert.match(made[0], /cursor=/);
  await page.locator("#page-info", { hasText: "51–100 of 121" }).waitFor();
  await next.click();
  await page.locator("#page-info", { hasText: "101–121 of 121" }).waitFor();
  assert.equal(await rows().count(), 21);
  assert.equal(await next.isDisabled(), true, "the last page");
  const last = page.locator(`tr[data-id="${pinged.id}"]`);
  assert.match(await last.innerText(), /up/);
  assert.match(await last.locator("svg.strip").getAttribute("aria-label"), /1 hours ok/);
  await prev.click();
  await page.locator("#page-info", { hasText: "51–100 of 121" }).waitFor();
  await prev.click();
  await page.locator("#page-info", { hasText: "1–50 of 121" }).waitFor();
});

test("filters and search are asked of the server, one request each, from the first page", { skip }, async () => {
  let made = await requestsDuring(() => page.getByLabel("Tag").selectOption("tenth"));
  assert.equal(made.length, 1);
  assert.match(made[0], /tag=tenth/);
  await eventually(async () => (await rows().count()) === 13, { what: "the 13 monitors tagged tenth" });
  assert.equal(await page.locator("#pager").isHidden(), true, "one page: no pager");
  made = await requestsDuring(() => page.getByLabel("Search by name").pressSequentially("job 11", { delay: 20 }));
  assert.ok(made.length <= 3, `typing made ${made.length} requests`);
  assert.match(made.at(-1), /q=job\+11/);
  await eventually(async () => (await rows().count()) === 1, { what: "job 110 only" });
  assert.match(await rows().first().innerText(), /job 110/);
  assert.match(page.url(), /\/monitors\?q=job\+11&tag=tenth$/);
  await page.getByLabel("Search by name").fill("no such job");
  await page.locator("#monitor-list", { hasText: "No monitor matches these filters." }).waitFor();
  await assertAccessible(page, "monitors page, filtered to nothing");
  assert.deepEqual(cspAndScriptProblems(page), []);
});
