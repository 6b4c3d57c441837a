// DOM helpers shared by every page. Text always goes in as text (never innerHTML), so a
// monitor named `<img onerror=...>` stays a name.
import { api, currentSession, signInAgain } from "./api.js";

/** h("a", { href, class: "x", onclick }, child, "text", [children]) */
export function h(tag, attrs = {}, ...children) {
  const el = tag.startsWith("svg:")
    ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4))
    : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "value" && "value" in el) el.value = v;
    else if (k === "checked" || k === "selected") el[k] = Boolean(v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export const $ = (sel, root = document) => root.querySelector(sel);

export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// ---- time

const exactFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });
const shortFmt = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });

export const exact = (iso) => (iso ? exactFmt.format(new Date(iso)) : "");
export const short = (d) => shortFmt.format(d instanceof Date ? d : new Date(d));

/** "3 min ago", "in 12 min", "just now". */
export function relative(iso, now = Date.now()) {
  if (!iso) return "never";
  const s = Math.round((new Date(iso).getTime() - now) / 1000);
  const a = Math.abs(s);
  if (a < 10) return "just now";
  const [n, unit] =
    a < 60 ? [a, "s"] : a < 3600 ? [Math.round(a / 60), "min"] : a < 86400 ? [Math.round(a / 3600), "h"] : [Math.round(a / 86400), "d"];
  return s < 0 ? `${n} ${unit} ago` : `in ${n} ${unit}`;
}

/** A <time> showing relative time with the exact time on hover. */
export function when(iso, empty = "never") {
  if (!iso) return h("span", { class: "muted" }, empty);
  return h("time", { datetime: iso, title: exact(iso) }, relative(iso));
}

export function duration(seconds) {
  if (seconds == null) return "";
  if (seconds % 86400 === 0) return `${seconds / 86400} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

export function ms(n) {
  if (n == null) return "";
  return n < 1000 ? `${n} ms` : n < 60_000 ? `${(n / 1000).toFixed(1)} s` : `${(n / 60_000).toFixed(1)} min`;
}

// ---- status: a colour AND a word, never colour alone

const STATUS_WORDS = { new: "new", up: "up", grace: "late", failing: "failing", down: "down", started: "running", paused: "paused" };
export const statusWord = (s) => STATUS_WORDS[s] ?? s;
export function statusBadge(status) {
  return h("span", { class: `status status-${status}` }, h("span", { class: "dot", "aria-hidden": "true" }), statusWord(status));
}

export function scheduleText(m) {
  if (m.schedule) return `cron ${m.schedule} (${m.tz}), grace ${duration(m.grace)}`;
  return `every ${duration(m.interval)}, grace ${duration(m.grace)}`;
}

// ---- feedback

/** Announces a message in the page's live region (and shows it). */
export function notice(text, kind = "ok") {
  const box = $("#notice");
  if (!box) return;
  replace(box, h("p", { class: `notice notice-${kind}` }, text));
}

export function errorText(e) {
  return e?.field ? `${e.message} (${e.field})` : e?.message ?? String(e);
}

/** Copy button for a value; `what` names it for screen readers ("Copy" + " cron ping URL"). */
export function copyButton(getText, what = "") {
  const label = "Copy";
  const shown = h("span", {}, label);
  const btn = h("button", { type: "button", class: "copy" }, shown, what && h("span", { class: "visually-hidden" }, ` ${what}`));
  btn.addEventListener("click", async () => {
    const value = typeof getText === "function" ? getText() : getText;
    try {
      await navigator.clipboard.writeText(value);
      shown.textContent = "Copied";
    } catch {
      shown.textContent = "Select and copy";
    }
    setTimeout(() => (shown.textContent = label), 1500);
  });
  return btn;
}

/** A read-only field with a copy button; `id` labels it. */
export function copyField(id, label, value) {
  const input = h("input", { id, type: "text", readonly: true, value, class: "mono", spellcheck: "false" });
  return h("div", { class: "copy-field" }, h("label", { for: id }, label), h("div", { class: "row" }, input, copyButton(() => input.value, label)));
}

/** Modal confirmation; resolves true when confirmed. */
export function confirmDialog({ title, body, confirm = "Confirm", danger = false }) {
  return new Promise((resolve) => {
    const id = `dlg-${Math.random().toString(36).slice(2)}`;
    const ok = h("button", { type: "submit", value: "ok", class: danger ? "danger" : "primary" }, confirm);
    const dlg = h(
      "dialog",
      { "aria-labelledby": id },
      h(
        "form",
        { method: "dialog" },
        h("h2", { id }, title),
        h("p", {}, body),
        h("div", { class: "row" }, h("button", { type: "submit", value: "cancel" }, "Cancel"), ok),
      ),
    );
    dlg.addEventListener("close", () => {
      resolve(dlg.returnValue === "ok");
      dlg.remove();
    });
    document.body.append(dlg);
    dlg.showModal();
    ok.focus();
  });
}

// ---- the page shell: header, navigation, session, sign out

const NAV = [
  ["/monitors", "Monitors"],
  ["/events", "Events"],
  ["/channels", "Channels"],
  ["/keys", "Keys"],
];

/**
 * Checks the session (back to sign-in without one), draws the header and answers
 * { session, canWrite }. A read session gets no write controls anywhere.
 */
export async function shell(current) {
  const session = await currentSession();
  if (!session) {
    signInAgain();
    return new Promise(() => {});
  }
  const canWrite = session.scope === "manage";
  document.body.dataset.scope = session.scope;
  const signOut = h("button", { type: "button", id: "sign-out" }, "Sign out");
  signOut.addEventListener("click", async () => {
    try {
      await api("DELETE", "/v1/session");
    } finally {
      location.assign("/");
    }
  });
  const header = h(
    "header",
    { class: "top" },
    h("a", { href: "/monitors", class: "brand" }, "edgebeat"),
    h(
      "nav",
      { "aria-label": "Main" },
      h("ul", {}, NAV.map(([href, label]) => h("li", {}, h("a", { href, "aria-current": href === current ? "page" : null }, label)))),
    ),
    h(
      "div",
      { class: "who" },
      h("span", { class: `scope scope-${session.scope}`, title: `project ${session.project_id}` }, canWrite ? "manage" : "read only"),
      signOut,
    ),
  );
  document.body.prepend(h("a", { href: "#main", class: "skip" }, "Skip to content"), header);
  return { session, canWrite };
}

/** Runs `fn` now and every `seconds` while the page is visible; also on return to the tab. */
export function every(seconds, fn) {
  let busy = false;
  const run = async () => {
    if (busy || document.hidden) return;
    busy = true;
    try {
      await fn();
    } catch (e) {
      if (e?.status !== 401) notice(`Refresh failed: ${errorText(e)}`, "error");
    } finally {
      busy = false;
    }
  };
  setInterval(run, seconds * 1000);
  document.addEventListener("visibilitychange", run);
  return run;
}
