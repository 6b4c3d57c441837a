// Helpers of the event specs: the two event APIs, a project's limits, and what its ingest
// object and D1 hold.
import assert from "node:assert/strict";
import { ADMIN_TOKEN, eventually } from "./edgebeat.mjs";

/** Seed 003: `POST /api/v1/events` with a bearer key; `body` may be a string (sent as is). */
export function postEvents(eb, key, body, { headers = {}, query = "" } = {}) {
  return eb.api("POST", `/api/v1/events${query}`, { auth: key, body, headers });
}

/** Seed 004: `POST /v1/ingest/events` with `X-API-Key`. */
export function ingest(eb, key, body, { headers = {}, query = "" } = {}) {
  const h = { ...headers };
  if (key) h["x-api-key"] = key;
  return eb.api("POST", `/v1/ingest/events${query}`, { body, headers: h });
}

/** `PATCH /v1/projects/{id}` with the admin token. */
export async function setLimits(eb, projectId, limits) {
  const res = await eb.api("PATCH", `/v1/projects/${projectId}`, { auth: ADMIN_TOKEN, body: limits });
  assert.equal(res.status, 200, res.text);
  return res.body;
}

/** A project with a manage key and a key of `scope` (ingest by default). */
export async function eventTenant(eb, scope = "ingest", name = "events") {
  const project = await eb.createProject(name);
  const manage = await eb.createKey(project.id, "manage");
  const sender = await eb.createKey(project.id, scope);
  return { project, manage: manage.key, key: sender.key, keyId: sender.id };
}

/** The project's events in D1, oldest first. */
export function storedEvents(eb, projectId) {
  return eb.rows("SELECT * FROM events WHERE project_id = ? ORDER BY ts, id", projectId);
}

/** What the project's ingest object holds (pending batches and events, dedup ids, flush costs). */
export async function ingestState(eb, projectId) {
  const ns = eb.env.PROJECT_INGEST;
  const res = await ns.get(ns.idFromName(projectId)).fetch("https://project-ingest/state", {
    headers: { "x-edgebeat-project": projectId },
  });
  assert.equal(res.status, 200);
  return res.json();
}

/** Waits until D1 holds exactly `n` of the project's events and nothing is pending. */
export async function flushed(eb, projectId, n, { timeoutMs = 15_000 } = {}) {
  return eventually(
    async () => {
      const [{ count }] = await eb.rows("SELECT COUNT(*) AS count FROM events WHERE project_id = ?", projectId);
      const state = await ingestState(eb, projectId);
      return count === n && state.pending_events === 0 && { count, state };
    },
    { timeoutMs, what: `${n} events stored and none pending` },
  );
}

/**
 * Events the project's object accepted for storage this month (pending or flushed): what a
 * refused batch must not change. One read of the object, so no flush can race it.
 */
export async function heldEvents(eb, projectId) {
  return (await ingestState(eb, projectId)).stored_this_month;
}

/** `n` seed 003 events named `name`. */
export function reported(n, name = "signup", extra = {}) {
  return { events: Array.from({ length: n }, () => ({ type: "event", name, ...extra })) };
}

/** `n` seed 004 events of `event_type`. */
export function ingested(n, eventType = "play_start", extra = {}) {
  return { events: Array.from({ length: n }, () => ({ event_type: eventType, ...extra })) };
}
