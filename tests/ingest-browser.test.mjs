// A real browser (Debian's Chromium, driven by playwright-core) on a page of another origin
// sends events the ways seed 004 documents for web pages: navigator.sendBeacon with a Blob of
// application/json (a credentialed CORS request with a preflight) and with text, and fetch
// with X-API-Key; all with a browser key limited to that page's origin.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { existsSync } from "node:fs";
import { ADMIN_TOKEN, startEdgebeat } from "./support/edgebeat.mjs";
import { flushed, storedEvents } from "./support/events.mjs";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const skip = existsSync(CHROMIUM) ? false : `no browser at ${CHROMIUM} (npm test installs Debian's chromium when it can)`;

let eb;
let site;
before(async () => {
  if (skip) return;
  eb = await startEdgebeat({ vars: { EVENT_FLUSH_DELAY_MS: "50" } });
  site = createServer((req, res) => res.writeHead(200, { "content-type": "text/html" }).end(pages.get(req.url) ?? ""));
  await new Promise((r) => site.listen(0, "127.0.0.1", r));
});
after(async () => {
  await eb?.close();
  site?.close();
});

const pages = new Map();

function trackingPage(origin, key) {
  const beacon = `${origin}/v1/ingest/beacon?api_key=${key}`;
  return `<!doctype html><html><body><script>
  window.results = {};
  // Seed 004's snippet, as on page unload.
  const payload = JSON.stringify({ events: [{ event_type: "page_unload", properties: { path: location.pathname } }] });
  results.blobQueued = navigator.sendBeacon(${JSON.stringify(beacon)}, new Blob([payload], { type: "application/json" }));
  results.textQueued = navigator.sendBeacon(${JSON.stringify(beacon)}, JSON.stringify({ events: [{ event_type: "scroll_depth", properties: { depth: 75 } }] }));
  fetch(${JSON.stringify(`${origin}/v1/ingest/events`)}, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": ${JSON.stringify(key)} },
    body: JSON.stringify({ events: [{ event_type: "play_start", content_id: "aashiqana_s04e12" }] }),
  })
    .then(async (r) => { results.fetchBody = await r.json(); results.fetchStatus = r.status; })
    .catch((e) => { results.fetchError = String(e); });
</script></body></html>`;
}

test("a page sends events by sendBeacon (Blob and text) and fetch with a browser key, without errors", { skip }, async () => {
  const { chromium } = await import("playwright-core");
  const siteOrigin = `http://127.0.0.1:${site.address().port}`;
  const project = await eb.createProject("web");
  const created = await eb.api("POST", `/v1/projects/${project.id}/keys`, {
    auth: ADMIN_TOKEN,
    body: { name: "web page", scope: "browser", allowed_origins: [siteOrigin] },
  });
  assert.equal(created.status, 201, created.text);
  pages.set("/watch", trackingPage(eb.url.origin, created.body.key));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await browser.newPage();
    const consoleErrors = [];
    page.on("console", (msg) => msg.type() === "error" && consoleErrors.push(msg.text()));
    page.on("pageerror", (err) => consoleErrors.push(String(err)));
    await page.goto(`${siteOrigin}/watch`);
    await page.waitForFunction(() => window.results.fetchStatus || window.results.fetchError, null, { timeout: 15_000 });
    const seen = await page.evaluate(() => window.results);
    assert.deepEqual(seen, {
      blobQueued: true,
      textQueued: true,
      fetchStatus: 200,
      fetchBody: { accepted: 1, rejected: 0, queued: true },
    });
    assert.deepEqual(consoleErrors, [], "sending events never breaks the page");
  } finally {
    await browser.close();
  }
  await flushed(eb, project.id, 3);
  const stored = await storedEvents(eb, project.id);
  assert.deepEqual(stored.map((e) => `${e.source}:${e.name}`).sort(), ["beacon:page_unload", "beacon:scroll_depth", "ingest:play_start"]);
});
