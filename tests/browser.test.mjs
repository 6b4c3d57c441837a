// A real browser (Debian's Chromium, driven by playwright-core) on a page of another origin
// sends the beacon the three ways seed 000 documents: <img>, fetch keepalive, sendBeacon.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { existsSync } from "node:fs";
import { startEdgebeat, eventually } from "./support/edgebeat.mjs";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const skip = existsSync(CHROMIUM) ? false : `no browser at ${CHROMIUM} (npm test installs Debian's chromium when it can)`;

let eb;
let tenant;
let site;
before(async () => {
  if (skip) return;
  eb = await startEdgebeat();
  tenant = await eb.tenant();
  site = createServer((req, res) => res.writeHead(200, { "content-type": "text/html" }).end(pages.get(req.url) ?? ""));
  await new Promise((r) => site.listen(0, "127.0.0.1", r));
});
after(async () => {
  await eb?.close();
  site?.close();
});

const pages = new Map();

function beaconPage(url) {
  return `<!doctype html><html><body>
<img id="pixel" src="${url}" width="1" height="1" alt="" style="display:none"
     onload="window.imgLoaded = true" onerror="window.imgFailed = true">
<script>
  window.results = {};
  fetch(${JSON.stringify(url)}, { method: "POST", keepalive: true, headers: { "content-type": "application/json" },
    body: JSON.stringify({ value: 7 }) })
    .then((r) => { results.fetchStatus = r.status; results.fetchType = r.headers.get("content-type"); })
    .catch((e) => { results.fetchError = String(e); });
  results.beaconQueued = navigator.sendBeacon(${JSON.stringify(url)}, JSON.stringify({ value: 9 }));
</script></body></html>`;
}

test("a page on another origin records pings by <img>, fetch keepalive and sendBeacon, without errors", { skip }, async () => {
  const { chromium } = await import("playwright-core");
  const m = await eb.createMonitor(tenant.key, { name: "shop front page", interval: 3600 });
  pages.set("/shop", beaconPage(`${eb.url.origin}/api/v1/beet/${m.token}`));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await browser.newPage();
    const consoleErrors = [];
    page.on("console", (msg) => msg.type() === "error" && consoleErrors.push(msg.text()));
    page.on("pageerror", (err) => consoleErrors.push(String(err)));
    await page.goto(`http://127.0.0.1:${site.address().port}/shop`);
    await page.waitForFunction(() => (window.imgLoaded || window.imgFailed) && (window.results.fetchStatus || window.results.fetchError), null, { timeout: 15_000 });
    const seen = await page.evaluate(() => ({ ...window.results, imgLoaded: window.imgLoaded === true, imgFailed: window.imgFailed === true }));
    assert.deepEqual(seen, { fetchStatus: 200, fetchType: "image/gif", beaconQueued: true, imgLoaded: true, imgFailed: false });
    assert.deepEqual(consoleErrors, [], "the beacon never breaks the page");
  } finally {
    await browser.close();
  }
  const stored = await eventually(async () => {
    const rows = await eb.storedPings(m.id);
    return rows.length === 3 && rows;
  }, { what: "three browser pings" });
  assert.deepEqual(stored.map((p) => p.value).sort(), [7, 9, null].sort());
});
