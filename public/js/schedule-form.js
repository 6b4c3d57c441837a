// The schedule part of the create and edit forms: interval + grace, or cron + time zone with
// the next five due times shown as the expression is typed, before anything is saved.
import { h, replace, exact } from "./ui.js";
import { nextFirings, nextIntervals } from "./cron.js";

const UNITS = [
  ["60", "minutes"],
  ["3600", "hours"],
  ["86400", "days"],
];

function split(seconds) {
  for (const [u] of [...UNITS].reverse()) if (seconds && seconds % Number(u) === 0) return [seconds / Number(u), u];
  return [Math.round((seconds ?? 0) / 60), "60"];
}

function amount(id, label, seconds, hint) {
  const [n, unit] = split(seconds);
  const num = h("input", { id, type: "number", min: "0", step: "1", value: String(n), required: true });
  const sel = h("select", { id: `${id}-unit`, "aria-label": `${label} unit` }, UNITS.map(([v, t]) => h("option", { value: v, selected: v === unit }, t)));
  return {
    el: h("div", { class: "field" }, h("label", { for: id }, label), h("div", { class: "row" }, num, sel), hint && h("p", { class: "hint" }, hint)),
    seconds: () => Number(num.value) * Number(sel.value),
    inputs: [num, sel],
  };
}

let zones;
function zoneList() {
  zones ??= typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : ["UTC"];
  return zones;
}

/**
 * Builds the fields; `m` is the monitor being edited (or undefined). Answers { el, value() }
 * where value() gives the API fields (throws on an invalid cron expression).
 */
export function scheduleFields(prefix, m) {
  const kind = m?.schedule ? "cron" : "interval";
  const radio = (value, label) =>
    h("label", { class: "inline" }, h("input", { type: "radio", name: `${prefix}-kind`, value, checked: kind === value }), label);
  const interval = amount(`${prefix}-interval`, "Expected every", m?.interval ?? 3600);
  const grace = amount(`${prefix}-grace`, "Grace", m?.grace ?? 300, "How late a ping may be before the monitor is down.");
  const cron = h("input", { id: `${prefix}-cron`, type: "text", class: "mono", value: m?.schedule ?? "0 3 * * *", spellcheck: "false", "aria-describedby": `${prefix}-preview` });
  const tz = h("input", { id: `${prefix}-tz`, type: "text", value: m?.tz ?? "UTC", list: `${prefix}-zones`, spellcheck: "false" });
  const zonesList = h("datalist", { id: `${prefix}-zones` });
  const preview = h("div", { id: `${prefix}-preview`, class: "preview", "aria-live": "polite" });
  const intervalBox = h("div", {}, interval.el);
  const cronBox = h(
    "div",
    {},
    h("div", { class: "field" }, h("label", { for: `${prefix}-cron` }, "Cron expression"), cron, h("p", { class: "hint" }, "Five fields: minute hour day-of-month month day-of-week, e.g. ", h("code", {}, "*/15 9-17 * * mon-fri"), " or @daily.")),
    h("div", { class: "field" }, h("label", { for: `${prefix}-tz` }, "Time zone"), tz, zonesList),
  );
  const fieldset = h(
    "fieldset",
    {},
    h("legend", {}, "Schedule"),
    h("div", { class: "row", role: "radiogroup", "aria-label": "Schedule kind" }, radio("interval", "Interval"), radio("cron", "Cron")),
    intervalBox,
    cronBox,
    grace.el,
    h("h3", {}, "Next five due times"),
    preview,
  );
  const currentKind = () => fieldset.querySelector(`input[name="${prefix}-kind"]:checked`).value;

  function update() {
    const k = currentKind();
    intervalBox.hidden = k !== "interval";
    cronBox.hidden = k !== "cron";
    try {
      const graceMs = grace.seconds() * 1000;
      const times = k === "cron" ? nextFirings(cron.value, tz.value.trim() || "UTC", 5) : nextIntervals(interval.seconds(), m?.last_ping_at ? new Date(m.last_ping_at) : new Date());
      replace(
        preview,
        h("ol", { class: "due" }, times.map((t) => h("li", {}, h("time", { datetime: t.toISOString() }, exact(t.toISOString())), h("span", { class: "muted" }, ` (down after ${exact(new Date(t.getTime() + graceMs).toISOString())})`)))),
        k === "interval" && h("p", { class: "hint" }, m?.last_ping_at ? "Counted from the last ping; each ping moves them." : "Counted from now; each ping moves them."),
      );
      cron.removeAttribute("aria-invalid");
    } catch (e) {
      replace(preview, h("p", { class: "notice notice-error" }, e instanceof RangeError ? `Unknown time zone "${tz.value}"` : e.message));
      if (k === "cron") cron.setAttribute("aria-invalid", "true");
    }
  }
  tz.addEventListener("focus", () => zonesList.childElementCount || zonesList.append(...zoneList().map((z) => h("option", { value: z }))), { once: true });
  for (const el of [cron, tz, ...interval.inputs, ...grace.inputs, ...fieldset.querySelectorAll("input[type=radio]")]) el.addEventListener("input", update);
  update();

  return {
    el: fieldset,
    value() {
      const g = grace.seconds();
      if (currentKind() === "cron") {
        nextFirings(cron.value, tz.value.trim() || "UTC", 1); // refuse what the preview refuses
        return { schedule: cron.value.trim(), tz: tz.value.trim() || "UTC", interval: null, grace: g };
      }
      return { interval: interval.seconds(), grace: g, ...(m?.schedule ? { schedule: null } : {}) };
    },
  };
}

/** "a, b ,c" → ["a","b","c"] */
export const parseTags = (text) => [...new Set(text.split(",").map((t) => t.trim()).filter(Boolean))];
