// Routes answer only the methods they list: any other method, known to workers-rs or not
// (PROPFIND, QUERY), is a 405 with `Allow`, and a ping route records nothing for it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
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
    ["/v1/project", "GET, PATCH"],
    ["/v1/heartbeats", "GET"],
    ["/v1/heartbeat", "POST, DELETE"],
    [`/v1/heartbeat/${monitor.id}`, "GET, POST, HEAD, PUT, DELETE"],
    [`/v1/heartbeat/${monitor.id}/pause`, "POST"],
    ["/v1/channels", "POST, GET"],
  ];
  for (const [path, allow] of routes) {
    for (const method of STRANGE_METHODS.filter((m) => !allow.split(", ").includes(m))) {
      const res = await send(method, path, auth);
      assert.equal(res.status, 405, `${method} ${path}`);
      assert.equal(res.allow, allow, `${method} ${path}`);
    }
  }
  assert.deepEqual(await eb.rows("SELECT * FROM monitors WHERE id = ?", monitor.id), before);
});

test("answers given without reading the body keep the connection usable", async () => {
  // One keep-alive connection; each request's body goes unread (405, 401). A body left
  // pending broke the connection, and the next request on it failed with a 500.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const send = (method, path, body) =>
    new Promise((resolve, reject) => {
      const req = http.request(new URL(path, eb.url), { method, agent, headers: { "content-type": "application/json", authorization: "Bearer nope" } }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode));
      });
      req.on("error", reject);
      // Headers first, the body a moment later, as Python's http.client sends them.
      req.flushHeaders();
      setTimeout(() => req.end(body), 2);
    });
  const statuses = [];
  for (let i = 0; i < 20; i++) {
    statuses.push(await send("PATCH", "/v1/channels", JSON.stringify({ kind: "webhook", url: "https://0.com", i })));
    statuses.push(await send("POST", "/v1/projects", JSON.stringify({ name: i })));
  }
  agent.destroy();
  assert.deepEqual(statuses, Array.from({ length: 20 }, () => [405, 401]).flat());
});
