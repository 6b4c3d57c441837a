// API keys: list (never a secret), create (the key shown once), revoke with immediate effect.
import { api, get } from "./api.js";
import { h, $, replace, shell, when, notice, errorText, copyField, confirmDialog } from "./ui.js";

const { session, canWrite } = await shell("/keys");
const page = $("#page");
const createdBox = h("div", { id: "key-created" });
const listBox = h("section", { "aria-labelledby": "keys-title" });
const extrasBox = h("section", { id: "project-keys", "aria-labelledby": "extras-title" });
replace(page, canWrite && createForm(), createdBox, listBox, extrasBox);
page.removeAttribute("aria-busy");

function createForm() {
  const name = h("input", { id: "k-name", type: "text", required: true, maxlength: "100" });
  const scope = h(
    "select",
    { id: "k-scope", "aria-describedby": "k-scope-hint" },
    [
      ["read", "read: view only"],
      ["manage", "manage: full control"],
      ["ingest", "ingest: send events and system heartbeats"],
      ["browser", "browser: send events from web pages"],
    ].map(([v, t]) => h("option", { value: v }, t)),
  );
  const form = h(
    "form",
    { class: "panel", id: "key-form" },
    h("h2", {}, "Create a key"),
    h("div", { class: "row" }, h("div", { class: "field" }, h("label", { for: "k-name" }, "Name"), name), h("div", { class: "field" }, h("label", { for: "k-scope" }, "Scope"), scope)),
    h("p", { class: "hint", id: "k-scope-hint" }, "Only manage and read keys can sign in here. Put only a browser key in a web page."),
    h("button", { type: "submit", class: "primary" }, "Create key"),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const k = await api("POST", `/v1/projects/${session.project_id}/keys`, { name: name.value.trim(), scope: scope.value });
      form.reset();
      replace(
        createdBox,
        h("div", { class: "secret" }, h("p", {}, h("strong", {}, `Key "${k.name}" (${k.scope}) created.`), " It is shown only now; edgebeat keeps just its hash."), copyField("new-key", "New key", k.key)),
      );
      await load();
      $("#new-key").focus();
    } catch (err) {
      notice(`Could not create the key: ${errorText(err)}`, "error");
    }
  });
  return form;
}

async function revoke(k) {
  const own = k.id === session.key_id;
  const ok = await confirmDialog({
    title: `Revoke "${k.name}"?`,
    body: own ? "This is the key you signed in with: this session ends too." : "Every request with it fails from the next one on, and its sessions end.",
    confirm: "Revoke key",
    danger: true,
  });
  if (!ok) return;
  try {
    await api("DELETE", `/v1/keys/${k.id}`);
    notice(`Revoked "${k.name}".`);
    await load();
  } catch (e) {
    notice(`Could not revoke: ${errorText(e)}`, "error");
  }
}

async function load() {
  const { keys } = await get("/v1/keys");
  replace(
    listBox,
    h("h2", { id: "keys-title" }, "Keys"),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { id: "keys" },
        h("thead", {}, h("tr", {}, ["Name", "Scope", "Created", "Last used", "State", canWrite ? "Actions" : null].filter(Boolean).map((t) => h("th", { scope: "col" }, t)))),
        h(
          "tbody",
          {},
          keys.map((k) =>
            h(
              "tr",
              { dataset: { id: k.id } },
              h("td", {}, k.name, k.id === session.key_id ? h("span", { class: "muted" }, " (this session)") : null),
              h("td", {}, k.scope, k.allowed_origins?.length ? h("div", { class: "muted" }, k.allowed_origins.join(", ")) : null),
              h("td", {}, when(k.created_at)),
              h("td", {}, when(k.last_used_at, "not tracked yet")),
              h("td", { class: "key-state" }, k.revoked_at ? ["revoked ", when(k.revoked_at)] : "active"),
              canWrite && h("td", {}, !k.revoked_at && h("button", { type: "button", class: "danger revoke", onclick: () => revoke(k) }, "Revoke", h("span", { class: "visually-hidden" }, ` ${k.name}`))),
            ),
          ),
        ),
      ),
    ),
  );
}

/** The badge key (rotatable) and how to scrape Prometheus metrics. */
async function extras() {
  const project = await get("/v1/project");
  const rotate = async () => {
    const ok = await confirmDialog({ title: "Rotate the badge key?", body: "Every embedded badge URL with the current key stops working at once.", confirm: "Rotate badge key", danger: true });
    if (!ok) return;
    try {
      await api("POST", "/v1/project/badge-key");
      notice("Badge key rotated: update embedded badges.");
      await extras();
    } catch (e) {
      notice(`Could not rotate the badge key: ${errorText(e)}`, "error");
    }
  };
  replace(
    extrasBox,
    h("h2", { id: "extras-title" }, "Badges and metrics"),
    h(
      "div",
      { class: "panel" },
      copyField("badge-key", "Badge key", project.badge_key ?? ""),
      h("p", { class: "hint" }, "Badges are public to whoever has this key: ", h("code", {}, "/badge/<badge key>/<slug or tag>.svg"), " (or .json for shields.io)."),
      canWrite && h("button", { type: "button", id: "rotate-badge-key", onclick: rotate }, "Rotate badge key"),
      h("h3", {}, "Prometheus"),
      h("pre", { class: "mono" }, `curl -H "Authorization: Bearer <read key>" ${location.origin}/v1/metrics`),
    ),
  );
}

await load();
await extras();
