// Sign-in: the key goes to POST /v1/session once and is forgotten; the HttpOnly cookie that
// comes back is the session. Nothing is written to localStorage or sessionStorage.
import { api, currentSession } from "./api.js";
import { $, notice, errorText } from "./ui.js";

const next = () => {
  const n = new URLSearchParams(location.search).get("next");
  // Only a path on this site: never an open redirect.
  return n && n.startsWith("/") && !n.startsWith("//") ? n : "/monitors";
};

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
