// The monitor's alert rules on its page: the settings (each with a one-line explanation) and
// the state they put the monitor in now ("failing 2 of 3", "recovering 1 of 2").
import { h } from "./ui.js";

/** What the rules say about the monitor now, as short phrases (none when nothing applies). */
export function ruleState(m) {
  const out = [];
  if (m.status === "failing") out.push(`failing ${m.failures_in_row} of ${m.failure_tolerance + 1}`);
  if (m.status === "down" && m.recovery_threshold > 1) out.push(`recovering ${m.successes_in_row} of ${m.recovery_threshold}`);
  return out;
}

function numberField(id, label, value, { min, max }, hint) {
  const input = h("input", { id, type: "number", min: String(min), max: String(max), step: "1", value: String(value), "aria-describedby": `${id}-hint` });
  return { input, el: h("div", { class: "field" }, h("label", { for: id }, label), input, h("p", { class: "hint", id: `${id}-hint` }, hint)) };
}

/** The rule fields of the edit form, and the body part they make. */
export function ruleFields(m) {
  const tolerance = numberField("e-tolerance", "Failures tolerated in a row", m.failure_tolerance, { min: 0, max: 100 }, "Misses or failed runs before it is down and alerts; it shows failing until then. 0: down on the first.");
  const recovery = numberField("e-recovery", "Successes in a row to recover", m.recovery_threshold, { min: 1, max: 100 }, "A down monitor is up again (and says so) only after this many good runs in a row.");
  return {
    el: h("fieldset", { id: "alert-rules" }, h("legend", {}, "Alert rules"), tolerance.el, recovery.el),
    value: () => ({
      failure_tolerance: Number(tolerance.input.value),
      recovery_threshold: Number(recovery.input.value),
    }),
  };
}

const HELD = {
  snoozed: "held: snoozed",
  maintenance: "held: in maintenance",
};

/** Why a flip's alert was held, in words. */
export function heldText(heldBy) {
  if (heldBy == null) return null;
  if (heldBy.startsWith("parent:")) return "held: a monitor it depends on was down";
  return HELD[heldBy] ?? `held: ${heldBy}`;
}
