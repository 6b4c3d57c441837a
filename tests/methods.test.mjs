// Routes answer only the methods they list: any other method, known to workers-rs or not
// (PROPFIND, QUERY), is a 405 with `Allow`, and a ping route records nothing for it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEdgebeat, eventually } from "./support/edgebeat.mjs";

const STRANGE_METHODS = ["PROPFIND", "QUERY", "PATCH", "MKCOL"];

let eb;
let tenant;
let monitor;
before(async () => {
  eb = await startEdgebeat();
  tenant = await eb.tenant("methods");
  monitor = await eb.createMonitor(tenant.key);
});
after(() => eb?.close());

async function send(method, path, headers = {}) {
  const res = await eb.fetch(path, { method, headers });
  const text = await res.text();
  return { status: res.status, allow: res.headers.get("allow"), text };
}

test("ping routes answer other methods with 405 and record nothing", async () => {
  const token = monitor.token;
  const routes = [
    [`/ping/${token}`, "GET, POST, HEAD"],
    [`/ping/${token}/fail`, "GET, POST, HEAD"],
    [`/v1/heartbeat/${token}`, "GET, POST, HEAD, PUT, DELETE"],
    [`/api/v1/beet/${token}`, "GET, POST, HEAD, OPTIONS"],
  ];
  for (const [path, allow] of routes) {
    for (const method of STRANGE_METHODS) {
      const res = await send(method, path);
      assert.equal(res.status, 405, `${method} ${path}`);
      assert.equal(res.allow, allow, `${method} ${path}`);
      assert.equal(JSON.parse(res.text).code, "method_not_allowed");
    }
  }
  assert.equal(await eb.pendingPings(token), 0, "nothing waits in the token's object");
  // A real ping still goes through, and is the only one stored.
  assert.equal((await send("GET", `/ping/${token}`)).status, 200);
  const pings = await eventually(async () => {
    const rows = await eb.storedPings(monitor.id);
    return rows.length > 0 && rows;
  }, { what: "the GET ping in D1" });
  assert.deepEqual(pings.map((p) => p.method), ["GET"]);
});

test("management routes answer other methods with 405 and change nothing", async () => {
  const auth = { authorization: `Bearer ${tenant.key}` };
  const before = await eb.rows("SELECT * FROM monitors WHERE id = ?", monitor.id);
  const routes = [
    ["/v1/project", "GET"],
    ["/v1/heartbeats", "GET"],
    ["/v1/heartbeat", "POST, DELETE"],
    [`/v1/heartbeat/${monitor.id}`, "GET, POST, HEAD, PUT, DELETE"],
    [`/v1/heartbeat/${monitor.id}/pause`, "POST"],
    ["/v1/channels", "POST, GET"],
  ];
  for (const [path, allow] of routes) {
    for (const method of STRANGE_METHODS) {
      const res = await send(method, path, auth);
      assert.equal(res.status, 405, `${method} ${path}`);
      assert.equal(res.allow, allow, `${method} ${path}`);
    }
  }
  assert.deepEqual(await eb.rows("SELECT * FROM monitors WHERE id = ?", monitor.id), before);
});
