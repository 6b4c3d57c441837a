// Monitors: every monitor with its status (colour and word), tags, last ping, next due and a
// 24-hour strip; filters by status, tag and name; refreshes itself every 15 s in place.
import { api, get, allMonitors, mapLimited, qs, monitorRef as ref } from "./api.js";
import { h, $, replace, shell, when, statusBadge, statusWord, notice, errorText, every, scheduleText } from "./ui.js";
import { strip, bucketState } from "./charts.js";
import { scheduleFields, parseTags } from "./schedule-form.js";

const REFRESH_SECONDS = 15;
const { canWrite } = await shell("/monitors");
const page = $("#page");

const params = new URLSearchParams(location.search);
const search = h("input", { id: "f-search", type: "search", value: params.get("q") ?? "", placeholder: "name contains…" });
const statusSel = h(
  "select",
  { id: "f-status" },
  h("option", { value: "" }, "any status"),
  ["up", "grace", "failing", "down", "started", "new", "paused"].map((s) => h("option", { value: s, selected: params.get("status") === s }, statusWord(s))),
);
const tagSel = h("select", { id: "f-tag" }, h("option", { value: "" }, "any tag"));
const updated = h("span", { class: "muted", id: "updated" });
const listBox = h("div", { id: "monitor-list" });
const createBox = h("div", { id: "create-box" });

let monitors = [];
const strips = new Map(); // monitor id → { at, cells }

const filters = h(
  "form",
  { class: "row panel", role: "search", "aria-label": "Filter monitors", onsubmit: (e) => e.preventDefault() },
  h("div", {}, h("label", { for: "f-search" }, "Search by name"), search),
  h("div", {}, h("label", { for: "f-status" }, "Status"), statusSel),
  h("div", {}, h("label", { for: "f-tag" }, "Tag"), tagSel),
);
const toolbar = h(
  "div",
  { class: "spread" },
  h("p", { class: "legend" }, "Last 24 h: ", ["ok", "late", "failed", "none"].map((s) => h("span", {}, h("span", { class: `swatch ${s}`, "aria-hidden": "true" }), s === "none" ? "no pings" : s))),
  h("div", { class: "row" }, updated, canWrite && h("button", { type: "button", class: "primary", id: "new-monitor", "aria-expanded": "false", "aria-controls": "create-box", onclick: () => toggleCreate() }, "New monitor")),
);
replace(page, toolbar, filters, createBox, listBox);
page.removeAttribute("aria-busy");
let wantedTag = params.get("tag") ?? ""; // until the tags are known
for (const el of [search, statusSel, tagSel]) el.addEventListener("input", () => {
  wantedTag = tagSel.value;
  // Filters live in the URL, so a filtered view can be bookmarked or shared.
  const q = new URLSearchParams();
  if (search.value.trim()) q.set("q", search.value.trim());
  if (statusSel.value) q.set("status", statusSel.value);
  if (tagSel.value) q.set("tag", tagSel.value);
  history.replaceState(null, "", `/monitors${q.size ? `?${q}` : ""}`);
  render();
});

function createForm() {
  const name = h("input", { id: "c-name", type: "text", required: true, maxlength: "200" });
  const tags = h("input", { id: "c-tags", type: "text", "aria-describedby": "c-tags-hint" });
  const sched = scheduleFields("c", undefined);
  const form = h(
    "form",
    { class: "panel", id: "create-form", "aria-labelledby": "create-title" },
    h("h2", { id: "create-title" }, "Create a monitor"),
    h("div", { class: "field" }, h("label", { for: "c-name" }, "Name"), name),
    sched.el,
    h("div", { class: "field" }, h("label", { for: "c-tags" }, "Tags"), tags, h("p", { class: "hint", id: "c-tags-hint" }, "Comma-separated, e.g. prod, backups")),
    h("button", { type: "submit", class: "primary" }, "Create monitor"),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const m = await api("POST", "/v1/heartbeat", { name: name.value.trim(), tags: parseTags(tags.value), ...sched.value() });
      notice(`Created "${m.name}". Open it for its ping URLs and snippets.`);
      form.reset();
      toggleCreate(false);
      await refresh();
      $(`a[data-id="${ref(m)}"]`)?.focus();
    } catch (err) {
      notice(`Could not create the monitor: ${errorText(err)}`, "error");
    }
  });
  return form;
}

function toggleCreate(open = !createBox.childElementCount) {
  const btn = $("#new-monitor");
  if (open) {
    replace(createBox, createForm());
    $("#c-name").focus();
  } else replace(createBox);
  btn?.setAttribute("aria-expanded", String(open));
}

function emptyState() {
  return h(
    "div",
    { class: "panel empty", id: "empty" },
    h("h2", {}, "No monitors yet"),
    h("p", {}, "A monitor expects a ping every interval (or on a cron schedule) and tells you when one does not arrive."),
    canWrite
      ? h("p", {}, "Create the first one below: give it a name and a schedule. Its page then shows the ping URL and ready snippets for cron, curl, GitHub Actions, Python and web pages.")
      : h("p", {}, "This session is read only: sign in with a manage key to create one, or use the API: ", h("code", {}, "POST /v1/heartbeat")),
  );
}

function render() {
  const q = search.value.trim().toLowerCase();
  const status = statusSel.value;
  const allTags = [...new Set(monitors.flatMap((m) => m.tags))].sort();
  replace(tagSel, h("option", { value: "" }, "any tag"), allTags.map((t) => h("option", { value: t, selected: t === wantedTag }, t)));
  const tag = tagSel.value;
  if (!monitors.length) {
    replace(listBox, emptyState());
    if (canWrite && !createBox.childElementCount) toggleCreate(true);
    return;
  }
  const focused = document.activeElement?.closest?.("#monitor-list a[data-id]")?.dataset.id;
  const shown = monitors.filter((m) => (!q || m.name.toLowerCase().includes(q)) && (!status || m.status === status) && (!tag || m.tags.includes(tag)));
  replace(
    listBox,
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { id: "monitors" },
        h("caption", { class: "visually-hidden" }, `Monitors: ${shown.length} of ${monitors.length} shown`),
        h("thead", {}, h("tr", {}, ["Status", "Name", "Tags", "Last ping", "Next due", "Last 24 h"].map((t) => h("th", { scope: "col" }, t)))),
        h(
          "tbody",
          {},
          shown.map((m) =>
            h(
              "tr",
              { dataset: { id: ref(m), status: m.status } },
              h("td", {}, statusBadge(m.status)),
              h("td", {}, h("a", { href: `/monitor?id=${ref(m)}`, "data-id": ref(m), class: "monitor-name" }, m.name), h("div", { class: "muted" }, scheduleText(m))),
              h("td", {}, m.tags.map((t) => h("span", { class: "tag" }, t))),
              h("td", { class: "last-ping" }, when(m.last_ping_at), m.n_pings ? h("div", { class: "muted" }, m.n_pings === 1 ? "1 ping" : `${m.n_pings} pings`) : null),
              h("td", {}, m.paused ? h("span", { class: "muted" }, "paused") : when(m.next_due_at, "after the first ping")),
              h("td", {}, stripFor(m)),
            ),
          ),
        ),
      ),
      !shown.length && h("p", { class: "empty" }, "No monitor matches these filters."),
    ),
  );
  // The refresh redraws the table: keep keyboard focus on the same monitor.
  if (focused) $(`#monitor-list a[data-id="${focused}"]`)?.focus();
}

function stripFor(m) {
  const s = strips.get(ref(m));
  if (!s) return h("span", { class: "muted" }, "…");
  const count = (st) => s.cells.filter((c) => c.state === st).length;
  return strip(s.cells, `Last 24 hours: ${count("ok")} hours ok, ${count("late")} late, ${count("failed")} failed, ${count("none")} without pings`);
}

async function loadStrips() {
  const now = Date.now();
  const stale = monitors.filter((m) => !strips.has(ref(m)) || now - strips.get(ref(m)).at > 60_000 || strips.get(ref(m)).n !== m.n_pings);
  await mapLimited(stale, 6, async (m) => {
    const res = await get(`/v1/heartbeat/${ref(m)}/statistic${qs({ interval: "1h" })}`);
    strips.set(ref(m), { at: now, n: m.n_pings, cells: res.items.map((b) => ({ start: new Date(b.received_at), state: bucketState(b) })) });
  });
}

async function refresh() {
  monitors = await allMonitors();
  render();
  await loadStrips();
  render();
  updated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
}

every(REFRESH_SECONDS, refresh)();
