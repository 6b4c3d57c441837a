// The monitor page's runtime bounds (`min_runtime` / `max_runtime`) and volume band
// (`expect_min` / `expect_max` per `expect_window`): the facts with their current state, and
// the settings fields. docs/alerting.md has the rules.
import { h, duration } from "./ui.js";

const WINDOWS = [3600, 7200, 10800, 14400, 21600, 28800, 43200, 86400];

/** "between 1 min and 40 min", "at least 1 min", "at most 40 min". */
function rangeText(min, max, unit = duration) {
  if (min != null && max != null) return `between ${unit(min)} and ${unit(max)}`;
  return min != null ? `at least ${unit(min)}` : `at most ${unit(max)}`;
}

const count = (n) => n.toLocaleString("en-US");
const per = (window) => (window === 3600 ? "an hour" : window === 86400 ? "a day" : `per ${duration(window)}`);

/** The facts rows (dt, dd) for the rules that are set; none when neither is. */
export function ruleFacts(m) {
  const rows = [];
  if (m.min_runtime != null || m.max_runtime != null) {
    rows.push(
      h("dt", {}, "Run time"),
      h("dd", { id: "runtime" }, `${rangeText(m.min_runtime, m.max_runtime)} `, h("span", { class: "muted" }, "(a run outside this is a failure)")),
    );
  }
  if (m.expect_min != null || m.expect_max != null) {
    rows.push(
      h("dt", {}, "Volume"),
      h(
        "dd",
        { id: "band" },
        `${rangeText(m.expect_min, m.expect_max, count)} pings ${per(m.expect_window)} `,
        m.band_out ? h("strong", {}, "(last window outside the band)") : h("span", { class: "muted" }, "(judged a minute after each UTC window closes)"),
      ),
    );
  }
  return rows;
}

function numberField(id, label, value, hint, attrs) {
  const input = h("input", { id, type: "number", step: "1", value: value ?? "", "aria-describedby": `${id}-hint`, ...attrs });
  return { input, el: h("div", { class: "field" }, h("label", { for: id }, label), input, h("p", { class: "hint", id: `${id}-hint` }, hint)) };
}

/** The settings fields; `value()` is their part of a PUT body (empty is null: no bound). */
export function ruleFields(m) {
  const minRun = numberField("e-min-runtime", "Shortest run (s)", m.min_runtime, "A run (start to end) shorter than this is a failure; empty: none.", { min: "1", max: "2592000" });
  const maxRun = numberField("e-max-runtime", "Longest run (s)", m.max_runtime, "A run longer than this is a failure, found as soon as it passes; empty: none.", { min: "1", max: "2592000" });
  const minVol = numberField("e-expect-min", "Fewest pings per window", m.expect_min, "A window with fewer pings is a failure; empty: none.", { min: "1" });
  const maxVol = numberField("e-expect-max", "Most pings per window", m.expect_max, "A window with more pings is a failure; empty: none.", { min: "0" });
  const window = h(
    "select",
    { id: "e-expect-window", "aria-describedby": "e-expect-window-hint" },
    WINDOWS.map((w) => h("option", { value: String(w), selected: w === m.expect_window }, duration(w))),
  );
  const num = (input) => (input.value.trim() === "" ? null : Number(input.value));
  return {
    el: h(
      "fieldset",
      {},
      h("legend", {}, "Run time and volume"),
      minRun.el,
      maxRun.el,
      minVol.el,
      maxVol.el,
      h("div", { class: "field" }, h("label", { for: "e-expect-window" }, "Volume window"), window, h("p", { class: "hint", id: "e-expect-window-hint" }, "Windows are aligned in UTC (an hour's starts on the hour).")),
    ),
    value: () => ({
      min_runtime: num(minRun.input),
      max_runtime: num(maxRun.input),
      expect_min: num(minVol.input),
      expect_max: num(maxVol.input),
      expect_window: Number(window.value),
    }),
  };
}
