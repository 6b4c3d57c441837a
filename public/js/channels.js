// Channels: add one of any kind (a webhook's signing secret shown once; other kinds' secrets
// hidden from then on), see each channel's settings, status and the monitors it serves, send
// a test, see deliveries and attempts.
import { api, get } from "./api.js";
import { h, $, replace, shell, when, notice, errorText, copyField, confirmDialog } from "./ui.js";
import { KINDS, kindOf, kindLabel, kindNoun, kindFields, configSummary } from "./channel-kinds.js";
import { showFieldError, clearFieldErrors, field } from "./field-errors.js";

const { canWrite } = await shell("/channels");
const page = $("#page");
const formBox = h("div", {});
const secretBox = h("div", { id: "channel-secret" });
const listBox = h("section", { "aria-labelledby": "channels-title" });
const deliveriesBox = h("section", { id: "deliveries", "aria-live": "polite" });
replace(page, canWrite && formBox, secretBox, listBox, deliveriesBox);
page.removeAttribute("aria-busy");

if (canWrite) formBox.append(addForm());

function addForm() {
  const kind = h(
    "select",
    { id: "ch-kind" },
    [...new Set(KINDS.map((k) => k.group))].map((group) =>
      h("optgroup", { label: group }, KINDS.filter((k) => k.group === group).map((k) => h("option", { value: k.kind }, k.label))),
    ),
  );
  kind.value = "webhook";
  const kindField = field("ch-kind", "Kind", kind, KINDS[0].about);
  const kindHint = kindField.el.querySelector(".hint");
  const name = h("input", { id: "ch-name", type: "text", required: true, maxlength: "100", class: "wide" });
  const nameField = field("ch-name", "Name", name, "How the list and the monitor page name this channel.");
  const switches = [
    ["notify_down", "Monitors going down", true],
    ["notify_up", "Monitors coming back up", true],
    ["notify_errors", "Error digests (every 10 minutes while error events arrive)", false],
  ].map(([key, label, on]) => {
    const box = h("input", { id: `ch-${key}`, type: "checkbox", name: key, checked: on });
    return { key, on, box, el: h("label", { class: "inline", for: `ch-${key}` }, box, label) };
  });
  const kindBox = h("div", {});
  const submit = h("button", { type: "submit", class: "primary" }, "");
  const form = h(
    "form",
    { class: "panel", id: "channel-form" },
    h("h2", {}, "Add a channel"),
    h("div", { class: "row top" }, kindField.el, nameField.el),
    kindBox,
    h("fieldset", {}, h("legend", {}, "Alert this channel about"), switches.map((s) => s.el)),
    submit,
  );

  let fields;
  const show = () => {
    const k = kindOf(kind.value);
    fields = kindFields(k, "ch");
    replace(kindBox, fields.el);
    replace(kindHint, k.about);
    replace(submit, `Add ${kindNoun(k)}`);
  };
  const clear = () => {
    name.value = "";
    for (const s of switches) s.box.checked = s.on;
    show();
  };
  kind.addEventListener("change", () => {
    clearFieldErrors(form);
    show();
  });
  show();

  const slotOf = (f) => {
    const top = f.split(".")[0]; // "headers.X-Token" is about the headers field
    if (top === "kind") return kindField.slot;
    if (top === "name") return nameField.slot;
    return fields.errorSlot(top); // the switches are sent as booleans: the notice says the rest
  };

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    const k = kindOf(kind.value);
    try {
      const body = { kind: k.kind, name: name.value.trim(), ...Object.fromEntries(switches.map((s) => [s.key, s.box.checked])), ...fields.values() };
      const ch = await api("POST", "/v1/channels", body);
      clear();
      shownOnce(k, ch);
      await load();
      if (ch.secret) $("#channel-secret-value").focus();
    } catch (err) {
      const slot = err.field && slotOf(err.field);
      if (slot) showFieldError(slot, err.field, err.message);
      notice(`Could not add the ${kindNoun(k)}${k.noun ? "" : " channel"}: ${errorText(err)}`, "error");
    }
  });
  return form;
}

/** What the creating answer shows once: a webhook's signing secret, or that secrets are hidden now. */
function shownOnce(k, ch) {
  notice(`${k.label} channel "${ch.name}" added.`);
  if (ch.secret) {
    replace(
      secretBox,
      h("div", { class: "secret" }, h("p", {}, h("strong", {}, `Webhook "${ch.name}" added.`), " Its signing secret is shown only now: keep it where the receiver verifies signatures."), copyField("channel-secret-value", "Signing secret", ch.secret)),
    );
    return;
  }
  const hidden = k.fields.filter((f) => f.secret && ch.config?.[f.name] != null).map((f) => f.label);
  replace(
    secretBox,
    hidden.length &&
      h(
        "div",
        { class: "secret", id: "channel-secret-note" },
        h("p", {}, h("strong", {}, `${k.label} channel "${ch.name}" added.`), ` From now on ${hidden.join(" and ")} ${hidden.length > 1 ? "are" : "is"} hidden: the list shows only a hint of ${hidden.length > 1 ? "them" : "it"}. Keep your copy where you keep secrets; to change ${hidden.length > 1 ? "them" : "it"}, add the channel again.`),
      ),
  );
}

// ---- the list

const switchesText = (c) =>
  [
    ["down", c.notify_down],
    ["up", c.notify_up],
    ["error digests", c.notify_errors],
  ].map(([what, on]) => h("span", { class: `switch switch-${on ? "on" : "off"}` }, `${what}: ${on ? "on" : "off"}`));

function statusCell(c) {
  if (c.status !== "failing") return h("td", { class: "channel-status" }, h("span", { class: "status status-ok" }, h("span", { class: "dot", "aria-hidden": "true" }), "ok"));
  return h(
    "td",
    { class: "channel-status" },
    h(
      "div",
      { class: "failing" },
      h("span", { class: "status status-failing" }, h("span", { class: "dot", "aria-hidden": "true" }), "failing"),
      c.failing_reason && h("p", { class: "failing-reason" }, c.failing_reason),
      c.failing_since && h("p", { class: "failing-since" }, "since ", when(c.failing_since)),
      h("p", { class: "hint" }, "Nothing more is sent to it until a test gets through."),
    ),
  );
}

function monitorsText(m = { count: 0, sample: [] }) {
  if (!m.count) return h("span", { class: "muted" }, "no monitors");
  const more = m.count > m.sample.length ? "…" : "";
  return [
    `${m.count} monitor${m.count === 1 ? "" : "s"}: `,
    m.sample.map((s, i) => [i ? ", " : "", h("a", { href: `/monitor?id=${encodeURIComponent(s.unique_key)}` }, s.name)]),
    more,
  ];
}

async function load() {
  const { items } = await get("/v1/channels");
  replace(
    listBox,
    h("h2", { id: "channels-title" }, "Channels"),
    items.length
      ? h(
          "div",
          { class: "table-wrap" },
          h(
            "table",
            { id: "channels" },
            h("thead", {}, h("tr", {}, ["Channel", "Settings", "Status", "Alerts", "Used by", "Added", "Actions"].map((t) => h("th", { scope: "col" }, t)))),
            h(
              "tbody",
              {},
              items.map((c) =>
                h(
                  "tr",
                  { dataset: { id: c.id, kind: c.kind, status: c.status } },
                  h("td", {}, h("span", { class: "channel-name" }, c.name), h("div", { class: "muted" }, kindLabel(c.kind))),
                  h("td", { class: "channel-config" }, configSummary(c.kind, c.config)),
                  statusCell(c),
                  h("td", { class: "channel-switches" }, switchesText(c)),
                  h("td", { class: "channel-monitors" }, monitorsText(c.monitors)),
                  h("td", {}, when(c.created_at)),
                  h(
                    "td",
                    {},
                    h(
                      "div",
                      { class: "row" },
                      h("button", { type: "button", onclick: () => deliveries(c) }, "Deliveries", h("span", { class: "visually-hidden" }, ` of ${c.name}`)),
                      canWrite && h("button", { type: "button", class: "send-test", onclick: () => sendTest(c) }, "Send test", h("span", { class: "visually-hidden" }, ` to ${c.name}`)),
                      canWrite && h("button", { type: "button", class: "danger", onclick: () => remove(c) }, "Delete", h("span", { class: "visually-hidden" }, ` ${c.name}`)),
                    ),
                  ),
                ),
              ),
            ),
          ),
        )
      : h("p", { class: "muted" }, "No channels yet: add one to be told when a monitor goes down or comes back up."),
  );
}

async function sendTest(c) {
  try {
    const res = await api("POST", `/v1/channels/${c.id}/test`);
    const d = res.delivery;
    const answer = [d.last_status != null ? `HTTP ${d.last_status}` : "", d.last_error ?? ""].filter(Boolean).join(" ");
    if (d.status === "delivered") notice(`Test delivered to "${c.name}".`);
    else if (d.status === "failed") notice(`Test to "${c.name}" failed: ${res.failing_reason ?? answer}.`, "error");
    else notice(`Test to "${c.name}" not delivered yet${answer ? ` (${answer})` : ""}: it is retried.`, "error");
    await load();
    await deliveries(c);
  } catch (e) {
    notice(`Could not send a test: ${errorText(e)}`, "error");
  }
}
async function remove(c) {
  if (!(await confirmDialog({ title: `Delete "${c.name}"?`, body: "It stops receiving alerts at once.", confirm: "Delete channel", danger: true }))) return;
  try {
    await api("DELETE", `/v1/channels/${c.id}`);
    notice(`Deleted "${c.name}".`);
    replace(deliveriesBox);
    await load();
  } catch (e) {
    notice(`Could not delete: ${errorText(e)}`, "error");
  }
}

async function deliveries(c) {
  const res = await get(`/v1/channels/${c.id}/deliveries`);
  const items = res.items ?? [];
  replace(
    deliveriesBox,
    h("h2", { id: "deliveries-title", tabindex: "-1" }, `Deliveries to "${c.name}"`),
    items.length
      ? h(
          "div",
          { class: "table-wrap" },
          h(
            "table",
            { id: "delivery-table" },
            h("thead", {}, h("tr", {}, ["Created", "Event", "Status", "Attempts", "Last answer", "Next attempt", "Finished"].map((t) => h("th", { scope: "col" }, t)))),
            h(
              "tbody",
              {},
              items.map((d) =>
                h(
                  "tr",
                  {},
                  h("td", {}, when(d.created_at)),
                  h("td", {}, d.event),
                  h("td", {}, d.status),
                  h("td", { class: "num" }, String(d.attempts)),
                  h("td", {}, d.last_status != null ? `HTTP ${d.last_status}` : "", d.last_error ? ` ${d.last_error}` : ""),
                  h("td", {}, d.next_attempt_at ? when(d.next_attempt_at) : ""),
                  h("td", {}, d.finished_at ? when(d.finished_at) : ""),
                ),
              ),
            ),
          ),
        )
      : h("p", { class: "muted" }, "No deliveries yet."),
  );
  $("#deliveries-title").focus();
}

await load();
