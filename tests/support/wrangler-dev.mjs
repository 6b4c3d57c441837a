// `wrangler dev` as a separate process on persisted local state, for the specs that kill the
// runtime mid-load (SIGKILL, its whole process group) and start it again on the same state.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { ADMIN_TOKEN, eventually } from "./edgebeat.mjs";

const ROOT = new URL("../../", import.meta.url).pathname;

export class DevRuntime {
  /** Fresh persisted state (D1 migrated) for a runtime on `port`. */
  static async create(name, port) {
    const dir = mkdtempSync(join(tmpdir(), `edgebeat-${name}-`));
    const migrate = spawn("bash", ["scripts/wrangler.sh", "d1", "migrations", "apply", "DB", "--local", "--persist-to", dir], {
      cwd: ROOT,
      stdio: "ignore",
    });
    assert.equal((await once(migrate, "exit"))[0], 0, "migrations applied");
    return new DevRuntime(dir, port);
  }

  constructor(dir, port) {
    this.dir = dir;
    this.base = `http://127.0.0.1:${port}`;
    this.port = port;
    this.child = null;
  }

  /** Starts `wrangler dev` on the state, with `vars` besides the admin token, and waits until it answers. */
  async start(vars = {}) {
    const more = Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]);
    const child = spawn(
      "bash",
      ["scripts/wrangler.sh", "dev", "--ip", "127.0.0.1", "--port", String(this.port), "--persist-to", this.dir,
        "--var", `ADMIN_TOKEN:${ADMIN_TOKEN}`, "--var", `PUBLIC_URL:${this.base}`, ...more, "--show-interactive-dev-session=false"],
      { cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    this.output = () => output;
    this.child = child;
    await eventually(
      async () => {
        try {
          return (await fetch(`${this.base}/healthz`)).status === 200;
        } catch {
          return false;
        }
      },
      { timeoutMs: 180_000, intervalMs: 250, what: "wrangler dev to answer" },
    );
  }

  /** SIGKILL to the whole process group: no chance to flush anything. */
  async kill() {
    if (!this.child) return;
    const exited = once(this.child, "exit");
    try {
      process.kill(-this.child.pid, "SIGKILL");
    } catch {}
    await exited;
    this.child = null;
  }

  /** A JSON request with a bearer credential. */
  async api(method, path, key, body) {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: body && JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  }

  async dispose() {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
