// Sign-in: the key goes to POST /v1/session once and is forgotten; the HttpOnly cookie that
// comes back is the session. Nothing is written to localStorage or sessionStorage.
import { api, currentSession } from "./api.js";
import { $, notice, errorText } from "./ui.js";

/**
 * Where to go after sign-in: `next` only when it resolves to this origin. Resolving, not
 * looking at its first characters: browsers read `/\x` and `/<tab>/x` as `//x`, another site.
 */
function sameOriginPath(next, origin = location.origin) {
  if (!next) return null;
  let url;
  try {
    url = new URL(next, origin);
  } catch {
    return null;
  }
  return url.origin === origin ? url.pathname + url.search + url.hash : null;
}

const next = () => sameOriginPath(new URLSearchParams(location.search).get("next")) ?? "/monitors";

$("#signin").addEventListener("submit", async (e) => {
  e.preventDefault();
  const input = $("#key");
  const key = input.value.trim();
  const button = e.target.querySelector("button");
  button.disabled = true;
  try {
    await api("POST", "/v1/session", { key });
    input.value = "";
    location.assign(next());
  } catch (err) {
    const why = err.status === 401 ? "That key is not valid (or was revoked)." : err.status === 403 ? "Only a manage or read key can sign in." : errorText(err);
    notice(`Sign-in failed: ${why}`, "error");
    input.focus();
  } finally {
    button.disabled = false;
  }
});

// The button stays disabled until the handler above is attached: before that, a click or Enter
// would submit the form natively and put the key in the URL.
$("#signin button").disabled = false;
if (await currentSession().catch(() => null)) location.replace(next());
