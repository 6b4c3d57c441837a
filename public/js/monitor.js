// One monitor: ping URLs and snippets, rotate, pause/resume, snooze, acknowledge, edit (with the
// schedule preview and the alert rules), maintenance windows, charts over 24 h / 7 d / 30 d,
// flips, and its recent pings, refreshed every 15 s in place.
import { api, get, qs, monitorRef as ref } from "./api.js";
import { h, $, replace, shell, when, exact, statusBadge, notice, errorText, every, copyField, copyButton, confirmDialog, scheduleText, ms, duration } from "./ui.js";
import { barChart, lineChart } from "./charts.js";
import { scheduleFields, parseTags } from "./schedule-form.js";
import { snippets, pingUrls } from "./snippets.js";
import { KINDS } from "./channel-kinds.js";
import { ruleState, ruleFields, heldText, deliveryWhat } from "./alert-rules.js";
import { showFieldError, clearFieldErrors, field } from "./field-errors.js";
import { ruleFacts, ruleFields as runVolumeFields } from "./run-volume.js";

const kindLabel = (kind) => KINDS.find((k) => k.kind === kind)?.label ?? kind;

const REFRESH_SECONDS = 15;
const SNOOZE_MS = 3_600_000;
const RANGES = { "24h": 24, "7d": 24 * 7, "30d": 24 * 30 };
const PINGS_PER_PAGE = 20;
const MAX_PING_PAGES = 5;

const { canWrite } = await shell("/monitors");
const id = new URLSearchParams(location.search).get("id");
const page = $("#page");

let m;
let range = "24h";
let pings = []; // oldest first, since the range start
let pingCursor = null;
let pingsCapped = false;
let pingPage = 0;
let monitors = []; // the project's first 100 (manage sessions): parents by name and status
let heldBy = null; // the newest flip's held_by

const headBox = h("div", { id: "monitor-head" });
const urlsBox = h("section", { id: "ping-urls", "aria-labelledby": "urls-title" });
const badgesBox = h("section", { id: "badges", "aria-labelledby": "badges-title" });
const editBox = h("section", { id: "edit", "aria-labelledby": "edit-title" });
const maintBox = h("section", { id: "maintenance", "aria-labelledby": "maintenance-title" });
const chartsBox = h("section", { id: "charts", "aria-labelledby": "charts-title" });
const flipsBox = h("section", { id: "flips", "aria-labelledby": "flips-title" });
const pingsBox = h("section", { id: "pings", "aria-labelledby": "pings-title" });

try {
  m = await get(`/v1/heartbeat/${encodeURIComponent(id ?? "")}`);
} catch (e) {
  replace(page, h("p", { class: "notice notice-error" }, e.status === 404 || e.status === 400 ? "No such monitor in this project." : errorText(e)), h("p", {}, h("a", { href: "/monitors" }, "Back to monitors")));
  page.removeAttribute("aria-busy");
  throw e;
}
replace(page, headBox, urlsBox, badgesBox, editBox, maintBox, chartsBox, flipsBox, pingsBox);
page.removeAttribute("aria-busy");
renderHead();
renderUrls();
await renderBadges();
if (canWrite) {
  await loadMonitors();
  await renderEdit();
}
await Promise.all([renderMaintenance(), loadPings(), renderFlips()]);
renderHead();
await renderCharts();

every(REFRESH_SECONDS, async () => {
  m = await get(`/v1/heartbeat/${ref(m)}`);
  if (m.depends_on?.length) await loadMonitors();
  renderHead();
  const before = pings.length;
  await morePings();
  if (pings.length !== before) {
    renderPings();
    await Promise.all([renderCharts(), renderFlips()]);
  }
});

// ---- head: name, status, facts, actions

async function loadMonitors() {
  monitors = (await get("/v1/heartbeats?limit=100").catch(() => ({ items: [] }))).items ?? [];
}

/** The monitors it depends on, when the list knows them all (else the history says). */
function parents() {
  const found = (m.depends_on ?? []).map((p) => monitors.find((o) => o.id === p)).filter(Boolean);
  return canWrite && found.length === (m.depends_on ?? []).length ? found : undefined;
}

function renderHead() {
  // Redrawn every refresh: keep keyboard focus on the same control.
  const focused = headBox.contains(document.activeElement) ? document.activeElement.id : null;
  document.title = `${m.name} · edgebeat`;
  replace($("h1"), m.name);
  const actions = canWrite
    ? h(
        "div",
        { class: "row", id: "actions" },
        m.paused
          ? h("button", { type: "button", id: "resume", onclick: () => act("resume", "Resumed: it can go down and alert again.") }, "Resume")
          : h("button", { type: "button", id: "pause", onclick: () => act("pause", "Paused: pings are recorded, but it never goes down or alerts.") }, "Pause"),
        snoozed()
          ? h("button", { type: "button", id: "unsnooze", onclick: () => snooze(null) }, "End snooze")
          : h("button", { type: "button", id: "snooze", onclick: () => snooze(SNOOZE_MS) }, "Snooze alerts 1 h"),
        m.alerting && !m.alerting.acknowledged_at && !m.paused && h("button", { type: "button", id: "acknowledge", onclick: acknowledge }, "Acknowledge"),
        h("button", { type: "button", id: "rotate", onclick: rotate }, "Rotate token"),
        h("button", { type: "button", id: "delete", class: "danger", onclick: remove }, "Delete"),
      )
    : null;
  replace(
    headBox,
    h(
      "div",
      { class: "panel spread" },
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, "Status"),
        h("dd", { id: "status" }, statusBadge(m.status), m.paused && m.status !== "paused" ? " (paused)" : "", ruleState(m, { parents: parents(), heldBy }).map((t) => h("span", { class: "muted rule-state" }, ` · ${t}`))),
        h("dt", {}, "Schedule"),
        h("dd", {}, scheduleText(m)),
        h("dt", {}, "Last ping"),
        h("dd", { id: "last-ping" }, when(m.last_ping_at), m.last_value != null ? ` (value ${m.last_value})` : ""),
        h("dt", {}, "Next due"),
        h("dd", { id: "next-due" }, m.paused ? "paused" : when(m.next_due_at, "after the first ping")),
        h("dt", {}, "Pings"),
        h("dd", { id: "n-pings" }, String(m.n_pings)),
        h("dt", {}, "Alerts"),
        h("dd", { id: "alerts" }, snoozed() ? ["snoozed until ", h("time", { datetime: m.snoozed_until, title: exact(m.snoozed_until) }, exact(m.snoozed_until))] : "on"),
        h("dt", {}, "Tags"),
        h("dd", {}, m.tags.length ? m.tags.map((t) => h("span", { class: "tag" }, t)) : h("span", { class: "muted" }, "none")),
        m.description && [h("dt", {}, "Description"), h("dd", {}, m.description)],
        m.event_name && [h("dt", {}, "Fed by"), h("dd", { id: "fed-by" }, feedText(m))],
        ruleFacts(m),
      ),
      actions,
    ),
  );
  if (focused) document.getElementById(focused)?.focus();
}

/** Whether the monitor's alerts are held now (`POST /v1/heartbeat/{id}/snooze`). */
function snoozed() {
  return m.snoozed_until != null && Date.parse(m.snoozed_until) > Date.now();
}

/** Snoozes alerts for `forMs`, or ends the snooze (`null`). */
async function snooze(forMs) {
  try {
    m = forMs == null
      ? await api("DELETE", `/v1/heartbeat/${ref(m)}/snooze`)
      : await api("POST", `/v1/heartbeat/${ref(m)}/snooze`, { until: new Date(Date.now() + forMs).toISOString() });
    renderHead();
    notice(forMs == null ? "Snooze ended: its next flip alerts." : "Snoozed for an hour: flips are recorded, none alerts.");
    $(forMs == null ? "#snooze" : "#unsnooze")?.focus();
  } catch (e) {
    notice(`Could not change the snooze: ${errorText(e)}`, "error");
  }
}

/** Acknowledges the down period: its later reminders and escalation steps stop. */
async function acknowledge() {
  try {
    m = await api("POST", `/v1/heartbeat/${ref(m)}/acknowledge`);
    renderHead();
    notice("Acknowledged: no more reminders or escalation steps for this down period.");
    $("#rotate")?.focus();
  } catch (e) {
    notice(`Could not acknowledge: ${errorText(e)}`, "error");
  }
}

async function act(what, message) {
  try {
    m = await api("POST", `/v1/heartbeat/${ref(m)}/${what}`);
    if (!m?.id) m = await get(`/v1/heartbeat/${id}`);
    renderHead();
    notice(message);
    $(what === "pause" ? "#resume" : "#pause")?.focus();
  } catch (e) {
    notice(`Could not ${what}: ${errorText(e)}`, "error");
  }
}

async function rotate() {
  const ok = await confirmDialog({
    title: "Rotate the ping token?",
    body: "The current token stops recording pings at once. Every job, page and script that pings this monitor must be given the new URL.",
    confirm: "Rotate token",
    danger: true,
  });
  if (!ok) return;
  try {
    const { token } = await api("POST", `/v1/heartbeat/${ref(m)}/rotate-token`);
    m = await get(`/v1/heartbeat/${ref(m)}`);
    renderHead();
    renderUrls(token);
    notice("Token rotated: the old one no longer records pings.");
    $("#new-token")?.focus();
  } catch (e) {
    notice(`Could not rotate the token: ${errorText(e)}`, "error");
  }
}

async function remove() {
  const ok = await confirmDialog({ title: `Delete "${m.name}"?`, body: "Its ping URLs stop at once and its pings are deleted.", confirm: "Delete monitor", danger: true });
  if (!ok) return;
  try {
    await api("DELETE", `/v1/heartbeat/${ref(m)}`);
    location.assign("/monitors");
  } catch (e) {
    notice(`Could not delete: ${errorText(e)}`, "error");
  }
}

// ---- ping URLs and snippets

// Which events count as this monitor's pings: browser keys never feed one.
function feedText(monitor) {
  const keys = monitor.event_key_ids;
  return [
    "events named ",
    h("code", {}, monitor.event_name),
    keys ? [" from ", keys.length === 1 ? "the key " : "the keys ", keys.map((k, i) => [i ? ", " : "", h("code", {}, k)])] : " from any manage or ingest key",
    " (never a browser key)",
  ];
}

function renderUrls(newToken) {
  if (!m.ping_urls) {
    // A read session: ping URLs are write credentials.
    replace(urlsBox, h("h2", { id: "urls-title" }, "Ping URLs"), h("p", { class: "muted" }, "Ping URLs and snippets are shown to manage sessions only."));
    return;
  }
  const urls = pingUrls(m);
  const tabs = snippets(m);
  const tablist = h("div", { role: "tablist", "aria-label": "Snippets" });
  const panels = tabs.map(([key, label, code], i) =>
    h(
      "div",
      { role: "tabpanel", id: `snip-${key}`, "aria-labelledby": `tab-${key}`, hidden: i !== 0, class: "snippet", tabindex: "0" },
      h("pre", {}, h("code", {}, code)),
      copyButton(code, `${label} snippet`),
    ),
  );
  const tabButtons = tabs.map(([key, label], i) =>
    h("button", { type: "button", role: "tab", id: `tab-${key}`, "aria-controls": `snip-${key}`, "aria-selected": String(i === 0), tabindex: i === 0 ? "0" : "-1" }, label),
  );
  const select = (i) => {
    tabButtons.forEach((b, j) => {
      b.setAttribute("aria-selected", String(i === j));
      b.tabIndex = i === j ? 0 : -1;
      panels[j].hidden = i !== j;
    });
    tabButtons[i].focus();
  };
  tabButtons.forEach((b, i) => {
    b.addEventListener("click", () => select(i));
    b.addEventListener("keydown", (e) => {
      const n = tabButtons.length;
      const to = { ArrowRight: (i + 1) % n, ArrowLeft: (i - 1 + n) % n, Home: 0, End: n - 1 }[e.key];
      if (to !== undefined) {
        e.preventDefault();
        select(to);
      }
    });
  });
  tablist.append(...tabButtons);
  replace(
    urlsBox,
    h("h2", { id: "urls-title" }, "Ping URLs"),
    newToken &&
      h("div", { class: "secret", id: "rotated" }, h("p", {}, h("strong", {}, "New token."), " The old one stopped at once; update every job that pings this monitor."), copyField("new-token", "New token", newToken)),
    h(
      "div",
      { class: "panel" },
      copyField("url-ping", "Cron ping URL", urls.ping),
      copyField("url-heartbeat", "Heartbeat URL", urls.heartbeat),
      copyField("url-beacon", "Beacon URL (web pages)", urls.beacon),
      h("p", { class: "hint" }, "Append ", h("code", {}, "/start"), ", ", h("code", {}, "/fail"), " or an exit status (", h("code", {}, "/0"), ", ", h("code", {}, "/1"), ") to the cron ping URL to time runs and report failures."),
      h("h3", {}, "Snippets"),
      h("div", { class: "tabs" }, tablist, panels),
    ),
  );
}

// ---- status badges: by slug (this monitor) or by tag (the worst of the tag's monitors)

async function renderBadges() {
  const { badge_key: badgeKey } = await get("/v1/project");
  const selectors = [...(m.slug ? [m.slug] : []), ...m.tags];
  // Badges are served where the ping URLs point (PUBLIC_URL), else where this page is.
  const origin = m.ping_urls ? new URL(pingUrls(m).ping).origin : location.origin;
  replace(
    badgesBox,
    h("h2", { id: "badges-title" }, "Status badges"),
    selectors.length && badgeKey
      ? h(
          "div",
          { class: "panel" },
          selectors.map((sel, i) =>
            h(
              "div",
              { class: "badge-row" },
              h("img", { src: `/badge/${encodeURIComponent(badgeKey)}/${encodeURIComponent(sel)}.svg`, alt: `${sel}: status badge`, height: "20" }),
              copyField(`badge-${i}`, `Badge for ${m.slug === sel ? "slug" : "tag"} "${sel}" (Markdown)`, `![${sel}](${origin}/badge/${badgeKey}/${encodeURIComponent(sel)}.svg)`),
            ),
          ),
          h("p", { class: "hint" }, "A tag's badge shows the worst of its monitors. Also as shields.io endpoint JSON: replace .svg with .json. Rotate the badge key on the Keys page."),
        )
      : h("p", { class: "muted" }, "Give this monitor a slug or a tag to get a status badge."),
  );
}

// ---- edit

async function renderEdit() {
  const channels = (await get("/v1/channels").catch(() => ({ items: [] }))).items ?? [];
  const name = h("input", { id: "e-name", type: "text", value: m.name, required: true, maxlength: "200" });
  const tags = h("input", { id: "e-tags", type: "text", value: m.tags.join(", "), "aria-describedby": "e-tags-hint" });
  const sched = scheduleFields("e", m);
  const rules = ruleFields(m, { channels, monitors });
  const runVolume = runVolumeFields(m);
  const methods = ["GET", "POST", "HEAD"].map((v) => h("input", { type: "checkbox", name: "method", value: v, checked: m.methods.includes(v) }));
  const allChannels = h("input", { type: "radio", name: "e-ch", value: "all", checked: m.channels == null });
  const someChannels = h("input", { type: "radio", name: "e-ch", value: "some", checked: m.channels != null });
  const chBoxes = channels.map((c) => h("input", { type: "checkbox", name: "channel", value: c.id, checked: (m.channels ?? []).includes(c.id) }));
  const form = h(
    "form",
    { class: "panel", id: "edit-form" },
    h("div", { class: "field" }, h("label", { for: "e-name" }, "Name"), name),
    sched.el,
    h("div", { class: "field" }, h("label", { for: "e-tags" }, "Tags"), tags, h("p", { class: "hint", id: "e-tags-hint" }, "Comma-separated")),
    h("fieldset", {}, h("legend", {}, "Methods the heartbeat URL accepts"), methods.map((c) => h("label", { class: "inline" }, c, c.value))),
    h(
      "fieldset",
      {},
      h("legend", {}, "Alert channels"),
      h("label", { class: "inline" }, allChannels, "All of the project's channels"),
      h("label", { class: "inline" }, someChannels, "Only these:"),
      chBoxes.length ? chBoxes.map((c, i) => h("label", { class: "inline" }, c, `${channels[i].name} (${kindLabel(channels[i].kind)})`)) : h("span", { class: "muted" }, " (no channels yet: add one on the Channels page)"),
    ),
    rules.el,
    runVolume.el,
    h("button", { type: "submit", class: "primary", id: "save" }, "Save changes"),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    try {
      const body = {
        name: name.value.trim(),
        tags: parseTags(tags.value),
        methods: methods.filter((c) => c.checked).map((c) => c.value),
        channels: allChannels.checked ? null : chBoxes.filter((c) => c.checked).map((c) => c.value),
        ...sched.value(),
        ...rules.value(),
        ...runVolume.value(),
      };
      m = await api("PUT", `/v1/heartbeat/${ref(m)}`, body);
      renderHead();
      renderUrls();
      await renderBadges();
      await renderEdit();
      notice(`Saved. Next due: ${m.next_due_at ? exact(m.next_due_at) : "after the next ping"}.`);
    } catch (err) {
      const slot = err.field && rules.slot(err.field, err.message);
      if (slot) showFieldError(slot, err.field, err.message);
      notice(`Could not save: ${errorText(err)}`, "error");
    }
  });
  replace(editBox, h("h2", { id: "edit-title" }, "Settings"), form);
}

// ---- maintenance windows: the monitor's own and the project's that apply to it

/** A datetime-local input's value as RFC 3339 (it is local time); empty is undefined. */
const fromLocal = (v) => (v ? new Date(v).toISOString() : undefined);

function windowText(w) {
  const what = w.schedule ? [`cron ${w.schedule} (${w.tz}), ${duration(w.duration)} each`] : ["from ", exact(w.from), " until ", exact(w.until)];
  const whose = w.heartbeat ? "" : w.tag ? ` (project-wide, tag ${w.tag})` : " (project-wide, every monitor)";
  return [...what, whose, w.open_until ? ` · open until ${exact(w.open_until)}` : ""];
}

/** A form adding a window from `fields` ([key, label, input, hint]); `body()` builds the request. */
function windowForm(id, title, fields, body, submit) {
  const made = fields.map(([key, label, input, hint]) => ({ key, ...field(`${id}-${key}`, label, Object.assign(input, { id: `${id}-${key}` }), hint) }));
  const form = h("form", { id, class: "panel" }, h("h3", {}, title), h("div", { class: "row top" }, made.map((f) => f.el)), h("button", { type: "submit" }, submit));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    try {
      await api("POST", `/v1/heartbeat/${ref(m)}/maintenance`, body());
      m = await get(`/v1/heartbeat/${ref(m)}`);
      renderHead();
      await renderMaintenance();
      notice(m.maintenance_until ? `Window added: in maintenance until ${exact(m.maintenance_until)}.` : "Window added.");
      $(`#${id} input`)?.focus();
    } catch (err) {
      const slot = made.find((f) => f.key === err.field)?.slot;
      if (slot) showFieldError(slot, err.field, err.message);
      notice(`Could not add the window: ${errorText(err)}`, "error");
    }
  });
  return form;
}

async function renderMaintenance() {
  const { items } = await get(`/v1/heartbeat/${ref(m)}/maintenance`);
  const del = (w, i) => async () => {
    const ok = await confirmDialog({ title: "Delete this maintenance window?", body: "It ends at once: a monitor down then alerts at the next sweep.", confirm: "Delete window", danger: true });
    if (!ok) return;
    try {
      await api("DELETE", `/v1/maintenance/${w.id}`);
      m = await get(`/v1/heartbeat/${ref(m)}`);
      renderHead();
      await renderMaintenance();
      notice("Window deleted.");
      ($(`#maint-list li:nth-child(${i + 1}) button`) ?? $("#maintenance-title")).focus();
    } catch (e) {
      notice(`Could not delete the window: ${errorText(e)}`, "error");
    }
  };
  const from = h("input", { type: "datetime-local" });
  const until = h("input", { type: "datetime-local", required: true });
  const schedule = h("input", { type: "text", required: true, spellcheck: "false" });
  const minutes = h("input", { type: "number", min: "1", max: "1440", step: "1", value: "60", required: true, class: "short" });
  const tz = h("input", { type: "text", value: Intl.DateTimeFormat().resolvedOptions().timeZone ?? "UTC", required: true });
  replace(
    maintBox,
    h("h2", { id: "maintenance-title", tabindex: "-1" }, "Maintenance windows"),
    h("p", { class: "hint" }, "While a window is open, pings are recorded and the status moves, but nothing alerts; a monitor still down when it ends alerts once."),
    items.length
      ? h("ul", { class: "plain", id: "maint-list" }, items.map((w, i) => h("li", { "data-id": w.id }, windowText(w), canWrite && [" ", h("button", { type: "button", class: "linkish", onclick: del(w, i) }, "Delete", h("span", { class: "visually-hidden" }, ` window ${i + 1}`))])))
      : h("p", { class: "muted", id: "no-windows" }, "No maintenance windows."),
    canWrite &&
      h(
        "div",
        { class: "grid2" },
        windowForm(
          "mw",
          "One-off window",
          [
            ["from", "From", from, "Empty: now."],
            ["until", "Until", until, "At most 31 days after it starts."],
          ],
          () => ({ from: fromLocal(from.value), until: fromLocal(until.value) }),
          "Add window",
        ),
        windowForm(
          "mr",
          "Recurring window",
          [
            ["schedule", "Cron schedule", schedule, "Each firing opens the window, e.g. 0 3 * * 0 (Sundays 03:00)."],
            ["duration", "Minutes open", minutes, "1 to 1440."],
            ["tz", "Zone", tz, "The schedule's IANA time zone, e.g. Europe/Berlin."],
          ],
          () => ({ schedule: schedule.value.trim(), duration: Number(minutes.value) * 60, tz: tz.value.trim() }),
          "Add recurring window",
        ),
      ),
  );
}

// ---- charts

async function renderCharts() {
  const hours = RANGES[range];
  const end = new Date();
  const start = new Date(end.getTime() - hours * 3600_000);
  const stat = await get(`/v1/heartbeat/${ref(m)}/statistic${qs({ interval: "1h", start_date: start.toISOString(), end_date: end.toISOString() })}`);
  const items = stat.items.map((b) => ({ start: new Date(b.received_at), runs: b.run_count, fails: b.fail_count }));
  const runs = items.reduce((s, b) => s + b.runs, 0);
  const fails = items.reduce((s, b) => s + b.fails, 0);
  const durations = pings.filter((p) => p.duration_ms != null && new Date(p.received_at) >= start).map((p) => ({ at: new Date(p.received_at), value: p.duration_ms }));
  const rangeButtons = Object.keys(RANGES).map((r) =>
    h("button", { type: "button", "aria-pressed": String(r === range), onclick: async () => ((range = r), await loadPings(), await renderCharts()) }, r === "24h" ? "24 hours" : r === "7d" ? "7 days" : "30 days"),
  );
  replace(
    chartsBox,
    h("div", { class: "spread" }, h("h2", { id: "charts-title" }, "Runs and failures per hour"), h("div", { class: "row", role: "group", "aria-label": "Chart range" }, rangeButtons)),
    h("p", { class: "legend" }, h("span", {}, h("span", { class: "swatch runs", "aria-hidden": "true" }), `runs (${runs})`), h("span", {}, h("span", { class: "swatch fails", "aria-hidden": "true" }), `failures and missed check-ins (${fails})`)),
    barChart({
      label: `Runs and failures per hour over the last ${hours} hours: ${runs} runs, ${fails} failures`,
      items,
      end,
      series: [
        { key: "runs", label: "runs", cls: "runs" },
        { key: "fails", label: "failures", cls: "fails" },
      ],
      integer: true,
      format: String,
    }),
    h("h3", {}, "Run durations"),
    durations.length
      ? lineChart({ label: `Run durations over the last ${hours} hours: ${durations.length} runs, longest ${ms(Math.max(...durations.map((d) => d.value)))}`, points: durations, from: start, to: end, format: (v) => ms(Math.round(v)) })
      : h("p", { class: "muted" }, "No timed runs in this range: send a /start ping before the job and a success or exit-status ping after it."),
    pingsCapped && h("p", { class: "hint" }, `Durations from the first ${MAX_PING_PAGES * 1000} pings of the range.`),
  );
}

// ---- flips

async function renderFlips() {
  const { items } = await get(`/v1/heartbeat/${ref(m)}/alerts${qs({ limit: 50 })}`);
  heldBy = items[0]?.held_by ?? null;
  const sent = (f) =>
    f.held_by != null
      ? h("span", { class: "muted" }, heldText(f.held_by))
      : f.deliveries.length
        ? h("ul", { class: "plain" }, f.deliveries.map((d) => h("li", {}, `${deliveryWhat(d)} to ${d.channel} (${kindLabel(d.kind)}): ${d.status}`, d.attempts > 1 ? `, ${d.attempts} attempts` : "")))
        : h("span", { class: "muted" }, "no channel");
  replace(
    flipsBox,
    h("h2", { id: "flips-title" }, "Alert history"),
    items.length
      ? h(
          "div",
          { class: "table-wrap" },
          h(
            "table",
            { id: "alert-history" },
            h("thead", {}, h("tr", {}, ["When", "From", "To", "Why", "Alerts"].map((t) => h("th", { scope: "col" }, t)))),
            h("tbody", {}, items.map((f) => h("tr", {}, h("td", {}, when(f.at)), h("td", {}, statusBadge(f.from)), h("td", {}, statusBadge(f.to)), h("td", {}, f.reason), h("td", {}, sent(f))))),
          ),
        )
      : h("p", { class: "muted" }, "Never down so far."),
  );
}

// ---- pings: paged forward through the events endpoint, shown newest first

async function loadPings() {
  pings = [];
  pingsCapped = false;
  pingPage = 0;
  pingCursor = new Date(Date.now() - RANGES[range] * 3600_000).toISOString();
  await morePings(MAX_PING_PAGES);
  renderPings();
}

async function morePings(maxPages = 2) {
  for (let i = 0; i < maxPages; i++) {
    const res = await get(`/v1/heartbeat/${ref(m)}/events${qs({ limit: 1000, last_received_at: pingCursor })}`);
    pings.push(...res.items);
    if (res.last_received_at) pingCursor = res.last_received_at;
    if (res.items.length < 1000) return;
  }
  pingsCapped = true;
}

function renderPings() {
  const newest = [...pings].reverse();
  const pages = Math.max(1, Math.ceil(newest.length / PINGS_PER_PAGE));
  pingPage = Math.min(pingPage, pages - 1);
  const shown = newest.slice(pingPage * PINGS_PER_PAGE, (pingPage + 1) * PINGS_PER_PAGE);
  const go = (p) => () => {
    pingPage = p;
    renderPings();
    $("#pings-title").focus();
  };
  replace(
    pingsBox,
    h("h2", { id: "pings-title", tabindex: "-1" }, "Recent pings"),
    h("p", { class: "muted", id: "ping-count" }, `${newest.length} pings in the last ${range === "24h" ? "24 hours" : range === "7d" ? "7 days" : "30 days"}${pingsCapped ? " (first 5,000 shown)" : ""}, newest first.`),
    newest.length
      ? h(
          "div",
          { class: "table-wrap" },
          h(
            "table",
            { id: "ping-table" },
            h("thead", {}, h("tr", {}, ["When", "Kind", "Via", "Duration", "Exit status", "Message", "Source address", "User agent"].map((t) => h("th", { scope: "col" }, t)))),
            h(
              "tbody",
              {},
              shown.map((p) =>
                h(
                  "tr",
                  { class: `ping ping-${p.result}` },
                  h("td", {}, h("time", { datetime: p.received_at, title: exact(p.received_at) }, exact(p.received_at))),
                  h("td", {}, p.result),
                  h("td", {}, `${p.source} ${p.method}`),
                  h("td", { class: "num" }, ms(p.duration_ms)),
                  h("td", { class: "num" }, p.exit_status ?? ""),
                  h("td", {}, p.message ?? (p.value != null ? `value ${p.value}` : "")),
                  h("td", { class: "mono" }, p.client_ip ?? p.source_ip ?? h("span", { class: "muted" }, "—")),
                  h("td", {}, p.user_agent ?? h("span", { class: "muted" }, "—")),
                ),
              ),
            ),
          ),
        )
      : h("p", { class: "muted", id: "no-pings" }, "No pings yet. Use one of the URLs above."),
    pages > 1 &&
      h(
        "nav",
        { class: "row", "aria-label": "Ping pages" },
        h("button", { type: "button", disabled: pingPage === 0, onclick: go(pingPage - 1) }, "Newer"),
        h("span", {}, `Page ${pingPage + 1} of ${pages}`),
        h("button", { type: "button", disabled: pingPage >= pages - 1, onclick: go(pingPage + 1) }, "Older"),
      ),
  );
}

