// Events: names with counts and last seen; per name, counts and value sums per day; recent errors.
import { get, qs } from "./api.js";
import { h, $, replace, shell, when, exact, errorText, notice } from "./ui.js";
import { barChart } from "./charts.js";

await shell("/events");
const page = $("#page");
const namesBox = h("section", { "aria-labelledby": "names-title" });
const chartBox = h("section", { id: "name-chart", "aria-live": "polite" });
const errorsBox = h("section", { "aria-labelledby": "errors-title" });
replace(page, h("div", { class: "grid2" }, namesBox, errorsBox), chartBox);
page.removeAttribute("aria-busy");

const { items: names } = await get("/v1/events/names?limit=200");
replace(
  namesBox,
  h("h2", { id: "names-title" }, "Event names"),
  names.length
    ? h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { id: "event-names" },
          h("thead", {}, h("tr", {}, ["Name", "Count", "Last seen"].map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", {}, names.map((n) => h("tr", {}, h("td", {}, h("button", { type: "button", class: "linkish", onclick: () => showName(n.name) }, n.name)), h("td", { class: "num" }, n.count.toLocaleString()), h("td", {}, when(n.last_seen))))),
        ),
      )
    : h("p", { class: "muted" }, "No events yet. Send some with POST /api/v1/events or /v1/ingest/events (see docs/events.md)."),
);

async function showName(name, focus = true) {
  try {
    const to = new Date();
    const from = new Date(to.getTime() - 30 * 86400_000);
    const res = await get(`/v1/events/rollup${qs({ name, bucket: "day", from: from.toISOString(), to: to.toISOString() })}`);
    const items = res.items.map((b) => ({ start: new Date(b.start), count: b.count, sum: b.sum ?? 0 }));
    const total = items.reduce((s, b) => s + b.count, 0);
    const sum = items.reduce((s, b) => s + b.sum, 0);
    replace(
      chartBox,
      h("h2", { id: "chart-title", tabindex: "-1" }, `"${name}" per day, last 30 days`),
      h("h3", {}, `Count (${total.toLocaleString()})`),
      barChart({ label: `${name}: ${total} events over 30 days`, items, end: to, series: [{ key: "count", label: "events", cls: "runs" }], integer: true, format: String }),
      h("h3", {}, `Sum of values (${sum.toLocaleString()})`),
      barChart({ label: `${name}: values summing to ${sum} over 30 days`, items, end: to, series: [{ key: "sum", label: "value sum", cls: "sums" }], format: (v) => v.toLocaleString() }),
    );
    if (focus) $("#chart-title").focus();
  } catch (e) {
    notice(`Could not load "${name}": ${errorText(e)}`, "error");
  }
}

const errors = (await get("/v1/events?type=error&limit=20")).items;
replace(
  errorsBox,
  h("h2", { id: "errors-title" }, "Recent errors"),
  errors.length
    ? h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { id: "recent-errors" },
          h("thead", {}, h("tr", {}, ["When", "Name", "Message"].map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", {}, errors.map((e) => h("tr", {}, h("td", {}, h("time", { datetime: e.ts, title: exact(e.ts) }, when(e.ts).textContent)), h("td", {}, e.name), h("td", {}, e.message ?? "")))),
        ),
      )
    : h("p", { class: "muted" }, "No errors recorded."),
);
if (names.length) await showName(names[0].name, false);
