// The monitor's alert rules on its page: the settings (each with a one-line explanation) and
// the state they put the monitor in now ("failing 2 of 3", "reminder 2 of 10 sent").
import { h, replace, short } from "./ui.js";
import { errorSlot } from "./field-errors.js";

const MAX_STEPS = 5;
const MAX_PARENTS = 10;
const clockFmt = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });

/** "06:00" today, "Dec 4, 06:00" on another day. */
function clock(iso) {
  const d = new Date(iso);
  return d.toDateString() === new Date().toDateString() ? clockFmt.format(d) : short(d);
}

const quoted = (names) => names.map((n) => `'${n}'`).join(", ");

/**
 * What the rules say about the monitor now, as short phrases (none when nothing applies).
 * `parents`: the monitors it depends on ({ name, status, alerting }), when known; otherwise
 * `heldBy`, its newest flip's `held_by`, says whether a parent holds its alerts.
 */
export function ruleState(m, { parents, heldBy } = {}) {
  const out = [];
  const a = m.alerting; // set while its machine status is down (maintenance shows over it)
  if (m.status === "failing") out.push(`failing ${m.failures_in_row} of ${m.failure_tolerance + 1}`);
  if ((a || m.status === "down") && m.recovery_threshold > 1) out.push(`recovering ${m.successes_in_row} of ${m.recovery_threshold}`);
  if (m.maintenance_until) out.push(`in maintenance until ${clock(m.maintenance_until)}`);
  if (a?.reminders_sent) out.push(`reminder ${a.reminders_sent} of ${m.realert_max} sent`);
  if (a?.acknowledged_at) out.push("acknowledged");
  else if (a?.next_step) {
    const min = Math.ceil((Date.parse(a.next_step.at) - Date.now()) / 60_000);
    out.push(`escalation step ${a.next_step.step} ${min > 0 ? `in ${min} min` : "due now"}`);
  }
  if (a) {
    const down = (parents ?? []).filter((p) => p.alerting || p.status === "down").map((p) => p.name);
    if (down.length) out.push(`held: ${down.length > 1 ? `parents ${quoted(down)} are` : `parent ${quoted(down)} is`} down`);
    else if (!parents && heldBy?.startsWith("parent:")) out.push("held while a monitor it depends on is down");
  }
  return out;
}

const hint = (id, text) => h("p", { class: "hint", id: `${id}-hint` }, text);

function numberField(id, label, value, { min, max }, text) {
  const input = h("input", { id, type: "number", min: String(min), max: String(max), step: "1", value: String(value), "aria-describedby": `${id}-hint` });
  const error = errorSlot(id);
  return { input, slot: { control: input, error }, el: h("div", { class: "field" }, h("label", { for: id }, label), input, hint(id, text), error) };
}

/** Escalation steps: rows of channels and "after N minutes", at most five; none is no escalation. */
function escalationEditor(steps, channels) {
  const rows = [];
  let n = 0;
  const list = h("ol", { class: "plain", id: "e-steps" });
  const add = h("button", { type: "button", id: "e-step-add", "aria-describedby": "e-escalation-hint" }, "Add a step");
  const error = errorSlot("e-escalation");
  const renumber = () => {
    rows.forEach((r, i) => {
      replace(r.legend, `Step ${i + 1}`);
      r.remove.setAttribute("aria-label", `Remove step ${i + 1}`);
    });
    add.disabled = rows.length >= MAX_STEPS || !channels.length;
  };
  const addRow = (step) => {
    const k = n++;
    const boxes = channels.map((c) => h("input", { type: "checkbox", value: c.id, checked: step?.channels.includes(c.id) }));
    const after = h("input", { id: `e-step-${k}-after`, type: "number", min: "0", max: "1440", step: "any", required: true, class: "short", value: String((step?.after ?? (rows.length ? 10 * 60 * rows.length : 0)) / 60) });
    const legend = h("legend", {});
    const remove = h("button", { type: "button", class: "linkish" }, "Remove");
    const row = { boxes, after, legend, remove };
    row.el = h(
      "li",
      {},
      h(
        "fieldset",
        {},
        legend,
        boxes.map((b, i) => h("label", { class: "inline" }, b, channels[i].name)),
        h("label", { class: "inline", for: after.id }, "After (minutes)"),
        after,
        remove,
      ),
    );
    remove.addEventListener("click", () => {
      rows.splice(rows.indexOf(row), 1);
      row.el.remove();
      renumber();
      add.focus();
    });
    rows.push(row);
    list.append(row.el);
    renumber();
    return row;
  };
  for (const s of steps ?? []) addRow(s);
  renumber();
  add.addEventListener("click", () => (addRow().boxes[0] ?? add).focus());
  return {
    el: h(
      "fieldset",
      { id: "e-escalation", "aria-describedby": "e-escalation-hint" },
      h("legend", {}, "Escalation"),
      hint("e-escalation", "Each step alerts its channels this long into a down period unless someone acknowledges; steps replace the alert channels above. None: no escalation."),
      list,
      channels.length ? add : h("p", { class: "muted" }, "Add a channel first."),
      error,
    ),
    value: () => (rows.length ? rows.map((r) => ({ channels: r.boxes.filter((b) => b.checked).map((b) => b.value), after: Math.round(Number(r.after.value) * 60) })) : null),
    // "step 2: ..." is about that step's row.
    slot: (message) => ({ control: rows[Number(/step (\d+)/.exec(message)?.[1]) - 1]?.after ?? rows[0]?.after ?? add, error }),
  };
}

/** Checkboxes of the project's other monitors, by name. */
function dependsOnField(m, monitors) {
  const picked = m.depends_on ?? [];
  const others = monitors.filter((o) => o.id && o.id !== m.id);
  // A parent past the first 100 monitors is kept, by id.
  const unknown = picked.filter((id) => !others.some((o) => o.id === id)).map((id) => ({ id, name: id }));
  const boxes = [...others, ...unknown].map((o) => h("input", { type: "checkbox", name: "depends_on", value: o.id, checked: picked.includes(o.id) }));
  const error = errorSlot("e-depends");
  return {
    el: h(
      "fieldset",
      { id: "e-depends", "aria-describedby": "e-depends-hint" },
      h("legend", {}, "Depends on"),
      hint("e-depends", `While one of these is down, this monitor's alerts wait and its parent's alert lists it. At most ${MAX_PARENTS}.`),
      boxes.length ? h("div", { class: "choices" }, boxes.map((b, i) => h("label", { class: "inline" }, b, [...others, ...unknown][i].name))) : h("p", { class: "muted" }, "No other monitors in this project."),
      error,
    ),
    value: () => {
      const ids = boxes.filter((b) => b.checked).map((b) => b.value);
      return ids.length ? ids : null;
    },
    slot: { control: boxes[0] ?? error, error },
  };
}

/**
 * The rule fields of the edit form: { el, value(), slot(field, message) }, the last the place
 * for the API's error about `field` (undefined when it is not one of these).
 */
export function ruleFields(m, { channels = [], monitors = [] } = {}) {
  const tolerance = numberField("e-tolerance", "Failures tolerated in a row", m.failure_tolerance, { min: 0, max: 100 }, "Misses or failed runs before it is down and alerts; it shows failing until then. 0: down on the first.");
  const recovery = numberField("e-recovery", "Successes in a row to recover", m.recovery_threshold, { min: 1, max: 100 }, "A down monitor is up again (and says so) only after this many good runs in a row.");
  const every = numberField("e-realert", "Remind every (minutes)", m.realert_every ? m.realert_every / 60 : "", { min: 5, max: 10080 }, "While it stays down, alert again this often, at least every 5 minutes. Empty: no reminders.");
  const max = numberField("e-realert-max", "Reminders at most", m.realert_max, { min: 1, max: 100 }, "No more reminders than this in one down period.");
  every.input.step = "any";
  const steps = escalationEditor(m.escalation, channels);
  const parents = dependsOnField(m, monitors);
  const slots = { failure_tolerance: tolerance.slot, recovery_threshold: recovery.slot, realert_every: every.slot, realert_max: max.slot, depends_on: parents.slot };
  return {
    el: h("fieldset", { id: "alert-rules" }, h("legend", {}, "Alert rules"), tolerance.el, recovery.el, h("div", { class: "row top" }, every.el, max.el), steps.el, m.depends_on !== undefined && parents.el),
    value: () => ({
      failure_tolerance: Number(tolerance.input.value),
      recovery_threshold: Number(recovery.input.value),
      realert_every: every.input.value === "" ? null : Math.round(Number(every.input.value) * 60),
      realert_max: Number(max.input.value),
      escalation: steps.value(),
      ...(m.depends_on !== undefined && { depends_on: parents.value() }),
    }),
    slot: (field, message) => (field === "escalation" ? steps.slot(message) : slots[field]),
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

/** What a delivery was: the flip's alert, escalation step n, or reminder n. */
export function deliveryWhat(d) {
  if (d.seq > 0) return `reminder ${d.seq}`;
  return d.step != null ? `${d.event}, escalation step ${d.step}` : d.event;
}
