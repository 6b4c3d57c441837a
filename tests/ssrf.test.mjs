// Webhooks never reach this machine's or its network's internal services unless
// WEBHOOK_HOSTS names the host: refused at channel creation and again at delivery, no
// redirects followed, and no receiver's or runtime's text in a delivery's error. Every
// receiver here listens on loopback; a refused URL must never be connected to.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { createServer as createTcpServer } from "node:net";
import { startEdgebeat, ADMIN_TOKEN } from "./support/edgebeat.mjs";
import { DevRuntime } from "./support/wrangler-dev.mjs";

let open; // WEBHOOK_HOSTS unset: the documented default
let listed; // the specs' usual WEBHOOK_HOSTS=127.0.0.1
const servers = [];
before(async () => {
  [open, listed] = await Promise.all([startEdgebeat({ vars: { WEBHOOK_HOSTS: "" } }), startEdgebeat()]);
});
after(async () => {
  await Promise.all([open?.close(), listed?.close()]);
  for (const s of servers) s.close();
});

/** An HTTP receiver on loopback that answers every request with `respond(req, res)`. */
async function receiver(respond = (req, res) => res.writeHead(200).end("ok")) {
  const received = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      received.push(req.url);
      respond(req, res);
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  servers.push(server);
  return { received, url: (path = "/") => `http://127.0.0.1:${server.address().port}${path}` };
}

/** A raw TCP server on loopback; answers its URL. */
async function tcpReceiver(onConnection) {
  const server = createTcpServer(onConnection);
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  servers.push(server);
  return `http://127.0.0.1:${server.address().port}/`;
}

/** Text only a receiver knows, which must never reach a delivery's record. */
const SECRET_TEXT = "internal-detail-7f3a";

/** A channel row written straight to D1, as an old row or another writer could have left it. */
async function storedChannel(eb, projectId, url) {
  const id = crypto.randomUUID();
  await eb.env.DB.prepare(
    "INSERT INTO channels (id, project_id, kind, name, config, secret, created_at) VALUES (?1, ?2, 'webhook', 'old row', json_object('url', ?3, 'method', 'POST'), 'whsec_x', ?4)",
  ).bind(id, projectId, url, Date.now()).run();
  return id;
}

const testDelivery = async (eb, key, id) => {
  const res = await eb.api("POST", `/v1/channels/${id}/test`, { auth: key });
  assert.equal(res.status, 200, res.text);
  return res.body.delivery;
};

const HOSTILE = [
  "http://127.0.0.1:6379/",
  "http://169.254.169.254/latest/meta-data/",
  "http://[::1]/",
  "http://10.0.0.5/",
  "http://172.16.0.1/",
  "http://192.168.1.1/",
  "http://100.64.0.1/",
  "http://0.0.0.0/",
  "http://224.0.0.1/",
  "http://255.255.255.255/",
  "http://[fe80::1]/",
  "http://[fd00::1]/",
  "http://[::]/",
  "http://[::ffff:127.0.0.1]/",
  "http://[::ffff:a9fe:a9fe]/",
  "http://2130706433/",
  "http://0177.0.0.1/",
  "http://0x7f.1/",
  "http://127.1/",
  "http://127.0.0.1./",
  "http://localhost:8080/",
  "http://LOCALHOST/",
  "http://api.localhost/",
  "http://metadata.google.internal/computeMetadata/v1/",
  "http://printer.local/",
  "http://redis:6379/",
  "http://%31%32%37.0.0.1/",
  "http://user:pass@hooks.example.com/",
  "https://hooks.example.com@127.0.0.1/",
];

test("with WEBHOOK_HOSTS unset, a channel at an internal address is refused and nothing is stored", async () => {
  const t = await open.tenant("hostile");
  for (const url of HOSTILE) {
    const res = await open.api("POST", "/v1/channels", { auth: t.key, body: { kind: "webhook", url } });
    assert.equal(res.status, 400, `${url}: ${res.text}`);
    assert.equal(res.body.field, "url", url);
    assert.match(res.body.error, /^url /, url);
  }
  assert.deepEqual(await open.rows("SELECT config FROM channels WHERE project_id = ?", t.project.id), []);
  // A public host is still a channel (and nothing is sent to it here).
  const ok = await open.api("POST", "/v1/channels", { auth: t.key, body: { kind: "webhook", url: "https://hooks.example.com/edgebeat" } });
  assert.equal(ok.status, 201, ok.text);
});

test("WEBHOOK_HOSTS naming a loopback host allows channels there", async () => {
  const t = await listed.tenant("listed");
  const res = await listed.api("POST", "/v1/channels", { auth: t.key, body: { kind: "webhook", url: "http://127.0.0.1:9/hook" } });
  assert.equal(res.status, 201, res.text);
  // Listing 127.0.0.1 opens that host, not loopback as a whole.
  const other = await listed.api("POST", "/v1/channels", { auth: t.key, body: { kind: "webhook", url: "http://localhost:9/hook" } });
  assert.deepEqual([other.status, other.body.field], [400, "url"]);
});

test("a stored channel at the metadata address is refused at delivery, recorded with a fixed phrase", async () => {
  const t = await open.tenant("old-metadata-row");
  const id = await storedChannel(open, t.project.id, "http://169.254.169.254/latest/meta-data/");
  const d = await testDelivery(open, t.key, id);
  assert.deepEqual([d.status, d.attempts, d.last_status, d.last_error], ["pending", 1, null, "destination refused: internal address"]);
});

test("a stored channel at a loopback receiver is refused at delivery without a connection", async () => {
  const r = await receiver();
  const t = await open.tenant("old-loopback-row");
  const id = await storedChannel(open, t.project.id, r.url("/old"));
  const d = await testDelivery(open, t.key, id);
  assert.deepEqual([d.status, d.last_status, d.last_error], ["pending", null, "destination refused: internal address"]);
  assert.deepEqual(r.received, [], "the receiver was never reached");
});

// The harness sends a worker's fetches through Node's fetch, which drops the redirect mode and
// turns a network error into a 500; `wrangler dev` lets workerd fetch by itself, as deployed.
describe("deliveries from workerd's own fetch (wrangler dev)", { timeout: 600_000 }, () => {
  let rt;
  let key;
  before(async () => {
    rt = await DevRuntime.create("ssrf", 17_000 + (process.pid % 1_000));
    await rt.start({ WEBHOOK_HOSTS: "127.0.0.1" });
    const project = await rt.api("POST", "/v1/projects", ADMIN_TOKEN, { name: "ssrf" });
    key = (await rt.api("POST", `/v1/projects/${project.body.id}/keys`, ADMIN_TOKEN, { scope: "manage" })).body.key;
  });
  after(() => rt?.dispose());

  /** A channel at `url` and its test delivery as the API answers it. */
  async function tested(url) {
    const ch = await rt.api("POST", "/v1/channels", key, { kind: "webhook", url });
    assert.equal(ch.status, 201, JSON.stringify(ch.body));
    const res = await rt.api("POST", `/v1/channels/${ch.body.id}/test`, key);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.delivery;
  }

  test("a redirect is not followed: the attempt fails with its status and the target receives nothing", async () => {
    const target = await receiver();
    for (const status of [302, 307]) {
      const bouncer = await receiver((req, res) => res.writeHead(status, { location: target.url(`/after-${status}`) }).end());
      const d = await tested(bouncer.url("/bounce"));
      assert.deepEqual(bouncer.received, ["/bounce"]);
      assert.deepEqual([d.status, d.last_status, d.last_error], ["pending", status, `redirect refused (${status})`]);
    }
    assert.deepEqual(target.received, [], "the redirect's target was never sent to");
  });

  test("a failed attempt's error is the status or a fixed phrase, never the receiver's or the runtime's text", async () => {
    const erring = await receiver((req, res) => res.writeHead(500, { "content-type": "text/plain" }).end(SECRET_TEXT));
    const answered = await tested(erring.url("/500"));
    assert.deepEqual([answered.last_status, answered.last_error], [500, "HTTP 500"]);
    const hangUp = await tcpReceiver((socket) => socket.destroy());
    const dropped = await tested(hangUp);
    assert.deepEqual([dropped.status, dropped.last_status, dropped.last_error], ["pending", null, "connection failed"]);
    // Not HTTP at all, the receiver's text in it: whatever workerd makes of it stays out.
    const garbage = await tcpReceiver((socket) => socket.once("data", () => socket.end(`${SECRET_TEXT} not http\r\n\r\n`)));
    const broken = await tested(garbage);
    assert.deepEqual([broken.last_status, broken.last_error], [null, "connection failed"]);
  });

  test("a receiver that never answers is given up after 10 s with a fixed phrase", async () => {
    const held = [];
    const silent = await tcpReceiver((socket) => held.push(socket));
    try {
      const d = await tested(silent);
      assert.deepEqual([d.status, d.last_status, d.last_error], ["pending", null, "timed out after 10 s"]);
    } finally {
      for (const socket of held) socket.destroy();
    }
  });
});
