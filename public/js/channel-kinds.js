// Every channel kind the API takes, with its fields in the API's names (openapi.json,
// `/v1/channels`): a label, and a one-line hint saying what to paste and where that service
// shows it. `kindFields` builds one kind's part of the add form; `configSummary` shows a
// listed channel's settings as the API gives them (secrets already cut to a hint).
import { h } from "./ui.js";

const chatUrl = (placeholder, hint, label = "Webhook URL") => ({ name: "url", label, type: "url", required: true, secret: true, placeholder, hint });
const optionalUrl = (name, label, placeholder, hint) => ({ name, label, type: "url", placeholder, hint });

/**
 * In the picker's order; `group` is the picker's optgroup, `noun` ends "Add …"; fields with
 * `more` sit behind a disclosure named by the kind's `more` (their defaults suit most people).
 */
export const KINDS = [
  {
    kind: "webhook",
    label: "Webhook",
    noun: "webhook",
    group: "Your own endpoint",
    about: "A signed JSON request to your endpoint, or your own method, headers and body.",
    more: "Method, headers and body templates",
    fields: [
      { name: "url", label: "URL", type: "url", required: true, placeholder: "https://example.com/hooks/edgebeat", hint: "Your endpoint; any 2xx answer counts as delivered." },
      { name: "method", more: true, label: "Method", type: "select", options: [["POST", "POST"], ["PUT", "PUT"], ["GET", "GET (no body)"]], hint: "POST unless your endpoint wants another." },
      { name: "headers", more: true, label: "Extra headers", type: "headers", placeholder: "Authorization: Bearer …", hint: "One per line as Name: value, at most 10; edgebeat sets the X-Edgebeat-* ones." },
      { name: "body_down", more: true, label: "Body when down", type: "template", hint: "Empty sends the signed JSON; else use $NAME $STATUS $NOW $TAGS $REASON $LINK $JSON." },
      { name: "body_up", more: true, label: "Body when up (and for tests)", type: "template", hint: "Empty sends the signed JSON; same variables as when down." },
    ],
  },
  {
    kind: "slack",
    label: "Slack",
    group: "Chat",
    about: "A message in a Slack channel.",
    fields: [chatUrl("https://hooks.slack.com/services/…", "Slack app → Incoming Webhooks → Add New Webhook to Workspace, copy the URL.")],
  },
  {
    kind: "discord",
    label: "Discord",
    group: "Chat",
    about: "A message in a Discord channel.",
    fields: [chatUrl("https://discord.com/api/webhooks/…", "Channel settings → Integrations → Webhooks → New Webhook → Copy Webhook URL.")],
  },
  {
    kind: "teams",
    label: "Microsoft Teams",
    group: "Chat",
    about: "A card in a Teams channel, through a Workflows webhook.",
    fields: [chatUrl("https://….logic.azure.com/workflows/…", "Channel → Workflows → “Post to a channel when a webhook request is received” → copy the URL.", "Workflow URL")],
  },
  {
    kind: "google_chat",
    label: "Google Chat",
    group: "Chat",
    about: "A message in a Google Chat space.",
    fields: [chatUrl("https://chat.googleapis.com/v1/spaces/…", "Space → Apps & integrations → Webhooks → Add webhook, copy the URL.")],
  },
  {
    kind: "mattermost",
    label: "Mattermost",
    group: "Chat",
    about: "A message in a Mattermost channel.",
    fields: [chatUrl("https://mattermost.example.com/hooks/…", "Integrations → Incoming Webhooks → Add Incoming Webhook, copy the URL.")],
  },
  {
    kind: "telegram",
    label: "Telegram",
    group: "Chat",
    about: "A message from your bot to a chat, group or channel.",
    fields: [
      { name: "bot_token", label: "Bot token", required: true, secret: true, placeholder: "123456789:AAE…", hint: "Talk to @BotFather: /newbot answers with the token." },
      { name: "chat_id", label: "Chat id", required: true, placeholder: "-1001234567890 or @channelname", hint: "Message the bot, then read chat.id from getUpdates, or ask @userinfobot." },
      { name: "thread_id", label: "Topic id", type: "integer", min: 1, hint: "Only for a forum topic: the number at the end of the topic's link." },
      optionalUrl("api_url", "Bot API server", "https://api.telegram.org", "Only for a self-hosted Bot API server; empty uses Telegram's."),
    ],
  },
  {
    kind: "matrix",
    label: "Matrix",
    group: "Chat",
    about: "A message in a Matrix room, sent as your bot account.",
    fields: [
      { name: "homeserver", label: "Homeserver", type: "url", required: true, placeholder: "https://matrix.example.org", hint: "The bot account's server, as in Element → Settings → Help & About." },
      { name: "access_token", label: "Access token", required: true, secret: true, hint: "The bot account's token: Element → Settings → Help & About → Access Token." },
      { name: "room_id", label: "Room id", required: true, placeholder: "!abc123:example.org", hint: "Room settings → Advanced → Internal room ID; invite the bot to the room first." },
    ],
  },
  {
    kind: "ntfy",
    label: "ntfy",
    group: "Push",
    about: "A push notification to everyone subscribed to an ntfy topic.",
    fields: [
      optionalUrl("url", "Server", "https://ntfy.sh", "Empty uses https://ntfy.sh; else your own server's URL."),
      { name: "topic", label: "Topic", required: true, placeholder: "edgebeat-alerts-7f3k", hint: "Any topic name; subscribe to it in the ntfy app. On ntfy.sh, pick one hard to guess." },
      { name: "token", label: "Access token", secret: true, placeholder: "tk_…", hint: "Only for protected topics: ntfy → Account → Access tokens." },
      { name: "priority_down", label: "Priority when down", type: "integer", min: 1, max: 5, value: 5, hint: "1 (min) to 5 (urgent)." },
      { name: "priority_up", label: "Priority when up", type: "integer", min: 1, max: 5, value: 3, hint: "1 (min) to 5 (urgent); tests use this one." },
    ],
  },
  {
    kind: "gotify",
    label: "Gotify",
    group: "Push",
    about: "A message on your Gotify server.",
    fields: [
      { name: "url", label: "Server", type: "url", required: true, placeholder: "https://gotify.example.com", hint: "Where your Gotify server is reached." },
      { name: "token", label: "Application token", required: true, secret: true, hint: "Gotify → Apps → Create application → copy its token." },
    ],
  },
  {
    kind: "pushover",
    label: "Pushover",
    group: "Push",
    about: "A push notification to your Pushover devices.",
    fields: [
      { name: "user_key", label: "User key", required: true, secret: true, hint: "pushover.net dashboard: Your User Key (or a group key)." },
      { name: "app_token", label: "API token", required: true, secret: true, hint: "pushover.net → Create an Application/API Token, copy its API token." },
      {
        name: "priority",
        label: "Priority",
        type: "select",
        numeric: true,
        value: "0",
        options: [["-2", "-2 lowest: no notification"], ["-1", "-1 low: quiet"], ["0", "0 normal"], ["1", "1 high: past quiet hours"], ["2", "2 emergency: repeats until acknowledged"]],
        hint: "Emergency repeats until someone acknowledges it, and stops on recovery.",
      },
      optionalUrl("api_url", "API server", "https://api.pushover.net", "Leave empty unless you go through a proxy."),
    ],
  },
  {
    kind: "pagerduty",
    label: "PagerDuty",
    group: "On call",
    about: "An incident that opens when a monitor goes down and resolves when it is back up.",
    fields: [
      { name: "routing_key", label: "Integration key", required: true, secret: true, hint: "Service → Integrations → Add integration → Events API v2 → Integration Key." },
      optionalUrl("events_url", "Events API URL", "https://events.pagerduty.com/v2/enqueue", "EU accounts: https://events.eu.pagerduty.com/v2/enqueue; empty is the US one."),
    ],
  },
  {
    kind: "opsgenie",
    label: "Opsgenie",
    group: "On call",
    about: "An alert that opens when a monitor goes down and closes when it is back up.",
    fields: [
      { name: "api_key", label: "API key", required: true, secret: true, hint: "Settings → Integrations → Add integration → API → API key." },
      { name: "region", label: "Region", type: "select", options: [["us", "US (api.opsgenie.com)"], ["eu", "EU (api.eu.opsgenie.com)"]], hint: "EU if your account is at app.eu.opsgenie.com." },
      optionalUrl("api_url", "API URL", "https://api.opsgenie.com", "Overrides the region; leave empty."),
    ],
  },
  {
    kind: "email",
    label: "Email",
    noun: "email",
    group: "Mail",
    about: "A mail through the mail service this deploy is set up with.",
    fields: [{ name: "to", label: "Addresses", type: "list", required: true, placeholder: "ops@example.com, oncall@example.com", hint: "Up to 10 addresses, comma separated." }],
  },
];

export const kindOf = (kind) => KINDS.find((k) => k.kind === kind);
export const kindLabel = (kind) => kindOf(kind)?.label ?? kind;
/** "webhook", "email", or the service's name: what "Add …" adds. */
export const kindNoun = (k) => k.noun ?? k.label;

/** A field the form could not turn into the API's shape; shown like the API's 400. */
export class FieldProblem extends Error {
  constructor(field, message) {
    super(`${field} ${message}`);
    this.field = field;
  }
}

function control(f, id, describedBy) {
  const common = { id, name: f.name, required: f.required, "aria-describedby": describedBy };
  const text = { ...common, autocomplete: "off", spellcheck: "false", placeholder: f.placeholder };
  switch (f.type) {
    case "select": {
      const sel = h("select", common, f.options.map(([v, t]) => h("option", { value: v }, t)));
      sel.value = f.value ?? f.options[0][0];
      return sel;
    }
    case "integer":
      return h("input", { ...common, type: "number", step: "1", min: f.min, max: f.max, value: f.value, class: "short" });
    case "headers":
    case "template":
      return h("textarea", { ...text, rows: f.type === "headers" ? "2" : "3", class: "mono" });
    case "url":
      return h("input", { ...text, type: "url", class: f.secret ? "mono wide" : "wide" });
    default:
      return h("input", { ...text, type: "text", class: f.secret ? "mono wide" : "wide" });
  }
}

/** "Name: value" lines as the API's `headers` object. */
function parseHeaders(text) {
  const headers = {};
  for (const line of text.split("\n").map((l) => l.trim()).filter(Boolean)) {
    const at = line.indexOf(":");
    if (at <= 0) throw new FieldProblem("headers", "must be one Name: value per line");
    headers[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return headers;
}

/** The field's value for the API, or undefined to leave it out (the API's default). */
function read(f, el) {
  const raw = el.value.trim();
  if (raw === "") return undefined;
  switch (f.type) {
    case "integer":
      return Number(raw);
    case "select":
      return f.numeric ? Number(raw) : raw;
    case "list":
      return raw.split(/[\s,;]+/).filter(Boolean);
    case "headers":
      return parseHeaders(el.value);
    case "template":
      return el.value; // as typed: white space may matter to the receiver
    default:
      return raw;
  }
}

// A field left empty takes the API's default; a select or a prefilled number always has a value.
const optional = (f) => !f.required && f.type !== "select" && f.value == null;

/**
 * One kind's fields for the add form. Answers { el, values(), errorSlot(field) }: values()
 * gives the API's fields (throws a FieldProblem for one it cannot read); errorSlot answers
 * the control and the element that shows an error for a field the API named.
 */
export function kindFields(k, prefix) {
  const parts = k.fields.map((f) => {
    const id = `${prefix}-${f.name}`;
    const hintId = `${id}-hint`;
    const errorId = `${id}-error`;
    const el = control(f, id, hintId);
    const error = h("p", { class: "field-error", id: errorId, hidden: true });
    const wrap = h(
      "div",
      { class: "field" },
      h("label", { for: id }, f.label, optional(f) && h("span", { class: "muted" }, " (optional)")),
      el,
      h("p", { class: "hint", id: hintId }, f.hint),
      error,
    );
    return { f, el, error, wrap };
  });
  const more = parts.filter((p) => p.f.more);
  return {
    el: h(
      "div",
      { class: "kind-fields", dataset: { kind: k.kind } },
      parts.filter((p) => !p.f.more).map((p) => p.wrap),
      more.length > 0 && h("details", {}, h("summary", {}, k.more), more.map((p) => p.wrap)),
    ),
    values() {
      const body = {};
      for (const { f, el } of parts) {
        const v = read(f, el);
        if (v !== undefined) body[f.name] = v;
      }
      return body;
    },
    errorSlot(field) {
      const p = parts.find((x) => x.f.name === field);
      p?.wrap.closest("details")?.setAttribute("open", ""); // an error in a closed part must show
      return p && { control: p.el, error: p.error };
    },
  };
}

// ---- the list: a channel's settings as the API shows them

function shownValue(f, value) {
  if (Array.isArray(value)) return value.join(", ");
  if (value && typeof value === "object") return Object.keys(value).join(", ") || "none";
  if (f?.type === "template") return "custom";
  if (f?.type === "select") return f.options.find(([v]) => v === String(value))?.[1] ?? String(value);
  return String(value);
}

/**
 * The listed channel's `config` as "label: value" pairs, in the kind's field order. Header
 * values and body templates are named, not shown: a header may carry a credential.
 */
export function configSummary(kind, config = {}) {
  const k = kindOf(kind);
  const known = k ? k.fields.map((f) => f.name) : [];
  const names = [...known.filter((n) => n in config), ...Object.keys(config).filter((n) => !known.includes(n))];
  if (!names.length) return h("span", { class: "muted" }, "not shown");
  return h(
    "dl",
    { class: "config" },
    names
      .filter((n) => config[n] !== null && config[n] !== "")
      .map((n) => {
        const f = k?.fields.find((x) => x.name === n);
        return [h("dt", {}, f?.label ?? n), h("dd", { class: f?.secret || f?.type === "url" ? "mono" : null }, shownValue(f, config[n]))];
      }),
  );
}
