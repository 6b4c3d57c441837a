// Channels: add a webhook (its signing secret shown once), send a test, see deliveries and attempts.
import { api, get } from "./api.js";
import { h, $, replace, shell, when, notice, errorText, copyField, confirmDialog } from "./ui.js";

const { canWrite } = await shell("/channels");
const page = $("#page");
const formBox = h("div", {});
const secretBox = h("div", { id: "channel-secret" });
const listBox = h("section", { "aria-labelledby": "channels-title" });
const deliveriesBox = h("section", { id: "deliveries", "aria-live": "polite" });
replace(page, canWrite && formBox, secretBox, listBox, deliveriesBox);
page.removeAttribute("aria-busy");

if (canWrite) {
  const name = h("input", { id: "ch-name", type: "text", required: true, maxlength: "100" });
  const url = h("input", { id: "ch-url", type: "url", required: true, placeholder: "https://example.com/hooks/edgebeat" });
  const form = h(
    "form",
    { class: "panel", id: "channel-form" },
    h("h2", {}, "Add a webhook"),
    h("div", { class: "row" }, h("div", { class: "field" }, h("label", { for: "ch-name" }, "Name"), name), h("div", { class: "field" }, h("label", { for: "ch-url" }, "URL"), url)),
    h("button", { type: "submit", class: "primary" }, "Add webhook"),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const ch = await api("POST", "/v1/channels", { kind: "webhook", name: name.value.trim(), url: url.value.trim() });
      form.reset();
      replace(
        secretBox,
        h("div", { class: "secret" }, h("p", {}, h("strong", {}, `Webhook "${ch.name}" added.`), " Its signing secret is shown only now: keep it where the receiver verifies signatures."), copyField("channel-secret-value", "Signing secret", ch.secret)),
      );
      await load();
    } catch (err) {
      notice(`Could not add the webhook: ${errorText(err)}`, "error");
    }
  });
  formBox.append(form);
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
            h("thead", {}, h("tr", {}, ["Name", "URL", "Added", "Actions"].map((t) => h("th", { scope: "col" }, t)))),
            h(
              "tbody",
              {},
              items.map((c) =>
                h(
                  "tr",
                  { dataset: { id: c.id } },
                  h("td", {}, c.name),
                  h("td", { class: "mono" }, c.url),
                  h("td", {}, when(c.created_at)),
                  h(
                    "td",
                    { class: "row" },
                    h("button", { type: "button", onclick: () => deliveries(c) }, "Deliveries", h("span", { class: "visually-hidden" }, ` of ${c.name}`)),
                    canWrite && h("button", { type: "button", class: "send-test", onclick: () => sendTest(c) }, "Send test", h("span", { class: "visually-hidden" }, ` to ${c.name}`)),
                    canWrite && h("button", { type: "button", class: "danger", onclick: () => remove(c) }, "Delete", h("span", { class: "visually-hidden" }, ` ${c.name}`)),
                  ),
                ),
              ),
            ),
          ),
        )
      : h("p", { class: "muted" }, "No channels yet: a webhook gets a signed POST when a monitor goes down or comes back up."),
  );
}

async function sendTest(c) {
  try {
    await api("POST", `/v1/channels/${c.id}/test`);
    notice(`Test sent to "${c.name}".`);
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
