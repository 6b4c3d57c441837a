// What the alerting specs share: a worker and a local receiver started around the spec file,
// a project whose webhook channel posts to the receiver, and the alerts it got there.
import { before, after } from "node:test";
import assert from "node:assert/strict";
import { startEdgebeat } from "./edgebeat.mjs";
import { startReceiver } from "./receiver.mjs";

/**
 * Starts the real worker (with `options`, as `startEdgebeat` takes them) and a receiver before
 * the spec's tests and closes both after; `started({eb, receiver})` hands them to the spec.
 */
export function alertRig(started, options) {
  let rig = {};
  before(async () => {
    const [eb, receiver] = await Promise.all([startEdgebeat(options), startReceiver()]);
    rig = { eb, receiver };
    started(rig);
  });
  after(async () => {
    await rig.eb?.close();
    await rig.receiver?.close();
  });
}

/** A project (named after `path`) with a webhook channel `name` posting to the receiver at `path`. */
export async function projectWithWebhook(eb, receiver, path, name = path) {
  const t = await eb.tenant(path);
  const ch = await eb.api("POST", "/v1/channels", { auth: t.key, body: { kind: "webhook", url: receiver.url(path), name } });
  assert.equal(ch.status, 201, ch.text);
  return { ...t, channelId: ch.body.id };
}

/** The JSON bodies the receiver got at `path`, oldest first. */
export const alertsAt = (receiver, path) => (receiver.received[path] ?? []).map((r) => JSON.parse(r.body));
