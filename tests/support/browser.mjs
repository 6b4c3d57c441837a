// Debian's Chromium driven by playwright-core for the dashboard specs: launch, sign in through
// the page, axe-core checks and screenshots (kept in tests/artifacts/, which git ignores).
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import assert from "node:assert/strict";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const skip = existsSync(CHROMIUM) ? false : `no browser at ${CHROMIUM} (npm test installs Debian's chromium when it can)`;
export const ARTIFACTS = new URL("../artifacts/", import.meta.url);

export async function launch() {
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/**
 * A page that records console errors and page errors (a CSP violation is a console error),
 * so a spec can assert the dashboard ran clean under its own policy.
 */
export async function newPage(context) {
  const page = await context.newPage();
  page.problems = [];
  page.on("console", (msg) => msg.type() === "error" && page.problems.push(msg.text()));
  page.on("pageerror", (err) => page.problems.push(String(err)));
  return page;
}

/** Problems other than expected failed requests (a refused write, a 401 after revocation). */
export function cspAndScriptProblems(page) {
  return page.problems.filter((p) => !/Failed to load resource/.test(p));
}

/** Signs in through the form and waits for the monitors page. */
export async function signIn(page, base, key) {
  await page.goto(new URL("/", base).href);
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  const refused = page.locator("#notice .notice-error");
  await Promise.race([page.waitForURL(/\/monitors/), refused.waitFor().then(async () => assert.fail(await refused.innerText()))]);
  await page.locator("header.top").waitFor();
  assert.ok(!page.url().includes(key.slice(4, 16)), "the key never reaches a URL");
}

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** axe-core on the page as it stands: answers the serious and critical violations. */
export async function seriousViolations(page) {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern.
  await page.evaluate(AXE);
  const results = await page.evaluate(() => window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } }));
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5) }));
}

export async function assertAccessible(page, what) {
  const violations = await seriousViolations(page);
  assert.deepEqual(violations, [], `${what}: axe found serious or critical violations`);
}

export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.evaluate(() => document.activeElement?.blur());
  await page.screenshot({ path: new URL(`dashboard-${name}.png`, ARTIFACTS).pathname, fullPage: true });
}
