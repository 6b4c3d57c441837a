// Runs schemathesis (installed by scripts/setup.sh into a pinned venv) against a running
// edgebeat, so the OpenAPI document is checked against what the server really answers.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir, homedir } from "node:os";
import { join } from "node:path";
import { ADMIN_TOKEN } from "./edgebeat.mjs";

export const SCHEMATHESIS_VERSION = "4.32.5";
/** Fixed, so a failure found once is found again. */
export const SEED = 20261125;

export const SCHEMATHESIS =
  process.env.EDGEBEAT_SCHEMATHESIS ??
  join(homedir(), ".cache", "edgebeat", `schemathesis-${SCHEMATHESIS_VERSION}`, "bin", "schemathesis");

/** Why schemathesis cannot run here, or null. Only a missing python3 is a reason to skip. */
export function skipReason() {
  if (spawnSync("python3", ["--version"]).error) {
    return "python3 is not installed: the OpenAPI conformance runs (schemathesis) need it";
  }
  return null;
}

/**
 * The objects schemathesis should meet besides the ones it invents: a project with keys,
 * monitors (an interval one with a slug, a cron one), a channel. Answers the ids to offer
 * for each path parameter.
 */
export async function seedTenant(eb, name = "conformance") {
  const { project, key: manage } = await eb.tenant(name);
  const read = (await eb.createKey(project.id, "read")).key;
  const ingestKey = await eb.createKey(project.id, "ingest");
  const simple = await eb.createMonitor(manage, { name: "nightly backup", interval: 3600, slug: "nightly-backup", tags: ["prod"] });
  const cron = await eb.createMonitor(manage, { name: "report", schedule: "0 3 * * *", tz: "Europe/Berlin", service_id: "6766163a-568d-47b4-a1fa-91a0957e06d4" });
  const channel = await eb.api("POST", "/v1/channels", { auth: manage, body: { kind: "webhook", url: "http://127.0.0.1:9/hook", name: "ops" } });
  return {
    project,
    // Runs may revoke the ingest key (DELETE /v1/keys/{key_id} is offered its id); the
    // manage and read keys they authenticate with are never offered.
    keys: { manage, read, ingest: ingestKey.key, ingestKeyId: ingestKey.id },
    monitors: [simple, cron],
    channel: channel.body,
    pingKey: project.ping_key,
    // The manage run may rotate it (POST /v1/project/badge-key); badges then answer 404.
    badgeKey: project.badge_key,
  };
}

/**
 * A schemathesis.toml: the run's credential, the real ids and tokens offered to the path
 * parameters half the time, and (for the manage run) the admin token on the bootstrap
 * routes, which only it may use fully.
 */
function config(dir, tenant, { auth, adminForBootstrap }) {
  const list = (values) => `{ values = [${values.map((v) => JSON.stringify(v)).join(", ")}] }`;
  const ids = tenant.monitors.map((m) => m.id);
  const tokens = tenant.monitors.map((m) => m.token);
  const text = `
[dictionaries]
heartbeat = ${list([...ids, ...tokens])}
channel = ${list([tenant.channel.id])}
token = ${list(tokens)}
project = ${list([tenant.project.id])}
key = ${list([tenant.keys.ingestKeyId])}
service = ${list([tenant.monitors[1].service_id])}
ping_key = ${list([tenant.pingKey])}
slug = ${list(["nightly-backup"])}
badge_key = ${list([tenant.badgeKey])}
selector = ${list(["nightly-backup", "prod"])}

[[operations]]
include-path-regex = "^/v1/heartbeat/"
parameters = { "path.id" = { dictionary = "heartbeat", probability = 0.5 } }

[[operations]]
include-path-regex = "^/v1/channels/"
parameters = { "path.id" = { dictionary = "channel", probability = 0.5 } }

# Whether a URL may be a channel depends on the deployment (internal hosts are refused unless
# WEBHOOK_HOSTS names them), which no schema can say: a schema-valid URL may be a 400.
[[operations]]
include-path = "/v1/channels"
include-method = "POST"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]

${auth ? `[headers]\nAuthorization = ${JSON.stringify(auth)}\n` : ""}
${adminForBootstrap ? `[[operations]]\ninclude-path-regex = "^/v1/projects"\nheaders = { Authorization = ${JSON.stringify(`Bearer ${ADMIN_TOKEN}`)} }\n` : ""}
[parameters]
"path.token" = { dictionary = "token", probability = 0.5 }
"path.project_id" = { dictionary = "project", probability = 0.5 }
"path.key_id" = { dictionary = "key", probability = 0.5 }
"path.service_id" = { dictionary = "service", probability = 0.5 }
"path.ping_key" = { dictionary = "ping_key", probability = 0.5 }
"path.slug" = { dictionary = "slug", probability = 0.5 }
"path.badge_key" = { dictionary = "badge_key", probability = 0.5 }
"path.selector" = { dictionary = "selector", probability = 0.5 }
`;
  const path = join(dir, "schemathesis.toml");
  writeFileSync(path, text);
  return path;
}

/**
 * One schemathesis run with every check; resolves to {code, output, seconds}. `auth` is a
 * full Authorization header value or null; `args` adds options (filters).
 */
export async function runSchemathesis(eb, tenant, { auth, maxExamples, adminForBootstrap = false, args = [] }) {
  if (!existsSync(SCHEMATHESIS)) {
    throw new Error(`${SCHEMATHESIS} is missing: run scripts/setup.sh (it installs schemathesis ${SCHEMATHESIS_VERSION})`);
  }
  const dir = mkdtempSync(join(tmpdir(), "edgebeat-schemathesis-"));
  const base = eb.url.toString().replace(/\/$/, "");
  const argv = [
    "--config-file", config(dir, tenant, { auth, adminForBootstrap }),
    "run", `${base}/openapi.json`,
    "--url", base,
    "--checks", "all",
    // POST /v1/heartbeat/{id} is also the heartbeat API's credential-less ping on a token: it
    // creates nothing, but the stateful phase takes its 200 for the creation of what the
    // sub-routes (/events, /maintenance, ...) then read by that token, and calls their 404
    // for a token "created resource not found" (ST302). Monitors are created at POST
    // /v1/heartbeat; the management and isolation specs read them back.
    "--exclude-checks", "ensure_resource_availability",
    "--seed", String(SEED),
    "--max-examples", String(maxExamples),
    "--generation-database", "none",
    "--no-color",
    "--report", "junit", "--report-dir", dir,
    ...args,
  ];
  const started = Date.now();
  const child = spawn(SCHEMATHESIS, argv, { cwd: dir });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const code = await new Promise((resolve) => child.on("close", resolve));
  return { code, output, seconds: (Date.now() - started) / 1000, dir };
}
