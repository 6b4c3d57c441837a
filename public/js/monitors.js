// Monitors: one page of the project's monitors with its status (colour and word), tags, last
// ping, next due and a 24-hour strip; filters by status, tag and name (on the server); pages
// by cursor; refreshes itself every 15 s in place. A refresh is one request whatever the
// project's size: the page, its strips and the tags come in one answer.
import { api, get, qs, monitorRef as ref } from "./api.js";
import { h, $, replace, shell, when, statusBadge, statusWord, notice, errorText, every, scheduleText } from "./ui.js";
import { strip, bucketState } from "./charts.js";
import { scheduleFields, parseTags } from "./schedule-form.js";

const REFRESH_SECONDS = 15;
const PAGE_SIZE = 50;
const SEARCH_DELAY_MS = 250;
const { canWrite } = await shell("/monitors");
const page = $("#page");

const params = new URLSearchParams(location.search);
const search = h("input", { id: "f-search", type: "search", value: params.get("q") ?? "", placeholder: "name contains…", maxlength: "200" });
const statusSel = h(
  "select",
  { id: "f-status" },
  h("option", { value: "" }, "any status"),
  ["up", "grace", "failing", "down", "started", "new", "paused", "maintenance"].map((s) => h("option", { value: s, selected: params.get("status") === s }, statusWord(s))),
);
const tagSel = h("select", { id: "f-tag" }, h("option", { value: "" }, "any tag"));
const updated = h("span", { class: "muted", id: "updated" });
const listBox = h("div", { id: "monitor-list" });
const createBox = h("div", { id: "create-box" });
const prevBtn = h("button", { type: "button", id: "page-prev", onclick: () => turn(-1) }, "Previous");
const nextBtn = h("button", { type: "button", id: "page-next", onclick: () => turn(1) }, "Next");
const pageInfo = h("span", { id: "page-info", class: "muted", "aria-live": "polite" });
const pager = h("nav", { class: "row", id: "pager", "aria-label": "Pages of monitors" }, prevBtn, pageInfo, nextBtn);

let answer = null; // the last page: { items, total, next_cursor, tags }
// The cursors of the pages before this one and of this one (null: the first page).
let cursors = [null];
let wantedTag = params.get("tag") ?? "";
let asked = 0; // the latest load: an older answer arriving after it is dropped
// The project's tags (the tag filter's choices) are asked for on opening, with a new filter or
// monitor, and once a minute: a refresh between reads only its page.
let tags = [];
let tagsAt = 0;
const TAGS_EVERY_MS = 60_000;

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
replace(page, toolbar, filters, createBox, listBox, pager);
page.removeAttribute("aria-busy");

let searchTimer;
for (const el of [search, statusSel, tagSel]) el.addEventListener("input", () => {
  if (el !== search) wantedTag = tagSel.value;
  // Filters live in the URL, so a filtered view can be bookmarked or shared.
  const q = new URLSearchParams();
  if (search.value.trim()) q.set("q", search.value.trim());
  if (statusSel.value) q.set("status", statusSel.value);
  if (wantedTag) q.set("tag", wantedTag);
  history.replaceState(null, "", `/monitors${q.size ? `?${q}` : ""}`);
  clearTimeout(searchTimer);
  // A new filter starts from the first page; typing waits for a pause.
  searchTimer = setTimeout(() => {
    cursors = [null];
    load().catch(failed);
  }, el === search ? SEARCH_DELAY_MS : 0);
});

function failed(err) {
  if (err?.status !== 401) notice(`Could not load the monitors: ${errorText(err)}`, "error");
}

function turn(step) {
  if (step > 0 && answer?.next_cursor) cursors.push(answer.next_cursor);
  else if (step < 0 && cursors.length > 1) cursors.pop();
  else return;
  load()
    .then(() => $("#monitors caption")?.parentElement && (step > 0 ? nextBtn : prevBtn).focus())
    .catch(failed);
}

/** The page the filters and the cursor name, with its strips and the project's tags: one request. */
async function load() {
  const mine = ++asked;
  const withTags = Date.now() - tagsAt >= TAGS_EVERY_MS;
  const res = await get(
    `/v1/heartbeats${qs({ limit: PAGE_SIZE, include: withTags ? "strips,tags" : "strips", q: search.value.trim(), status: statusSel.value, tag: wantedTag, cursor: cursors.at(-1) })}`,
  );
  if (mine !== asked) return;
  if (res.tags) [tags, tagsAt] = [res.tags, Date.now()];
  // The page went away (its monitors were deleted): back to the first.
  if (!res.items.length && cursors.length > 1) {
    cursors = [null];
    return load();
  }
  answer = res;
  render();
  updated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
}

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
      tagsAt = 0;
      await load();
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

function filtered() {
  return Boolean(search.value.trim() || statusSel.value || wantedTag);
}

function render() {
  const { items, total } = answer;
  const choices = [...new Set([...tags, ...(wantedTag ? [wantedTag] : [])])].sort();
  replace(tagSel, h("option", { value: "" }, "any tag"), choices.map((t) => h("option", { value: t, selected: t === wantedTag }, t)));
  const first = (cursors.length - 1) * PAGE_SIZE + 1;
  const last = first + items.length - 1;
  pageInfo.textContent = items.length ? `${first}–${last} of ${total}` : "";
  prevBtn.disabled = cursors.length <= 1;
  nextBtn.disabled = !answer.next_cursor;
  pager.hidden = cursors.length <= 1 && !answer.next_cursor;
  if (!items.length && !filtered()) {
    replace(listBox, emptyState());
    if (canWrite && !createBox.childElementCount) toggleCreate(true);
    return;
  }
  const focused = document.activeElement?.closest?.("#monitor-list a[data-id]")?.dataset.id;
  replace(
    listBox,
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { id: "monitors" },
        h("caption", { class: "visually-hidden" }, items.length ? `Monitors: ${first} to ${last} of ${total}` : "Monitors: none matches"),
        h("thead", {}, h("tr", {}, ["Status", "Name", "Tags", "Last ping", "Next due", "Last 24 h"].map((t) => h("th", { scope: "col" }, t)))),
        h(
          "tbody",
          {},
          items.map((m) =>
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
      !items.length && h("p", { class: "empty" }, "No monitor matches these filters."),
    ),
  );
  // The refresh redraws the table: keep keyboard focus on the same monitor.
  if (focused) $(`#monitor-list a[data-id="${focused}"]`)?.focus();
}

function stripFor(m) {
  const cells = (m.strip ?? []).map((b) => ({ start: new Date(b.received_at), state: bucketState(b) }));
  const count = (st) => cells.filter((c) => c.state === st).length;
  return strip(cells, `Last 24 hours: ${count("ok")} hours ok, ${count("late")} late, ${count("failed")} failed, ${count("none")} without pings`);
}

every(REFRESH_SECONDS, load)();
