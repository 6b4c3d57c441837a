// A local HTTP server standing in for the services alerts go to (Slack, Telegram, PagerDuty,
// a mail API...): records every request exactly as it arrived (method, path with query,
// headers, body) and answers from a plan per path, so a spec can check the request each
// service documents and play the service's errors (401, 429 with Retry-After...).
import { createServer } from "node:http";

/**
 * `plan[path]` is a list of answers used in order, each `{status, body, headers}` or a bare
 * status; without a plan the answer is 200 `ok`. Paths are matched without the query string.
 */
export async function startReceiver() {
  const received = {};
  const plan = {};
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const path = req.url.split("?")[0];
      const body = Buffer.concat(chunks).toString("utf8");
      (received[path] ??= []).push({ method: req.method, url: req.url, headers: req.headers, body });
      let answer = (plan[path] ?? []).shift() ?? { status: 200 };
      if (typeof answer === "number") answer = { status: answer };
      const status = answer.status ?? 200;
      res.writeHead(status, answer.headers ?? {}).end(answer.body ?? (status < 300 ? "ok" : "nope"));
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    server,
    received,
    plan,
    base,
    url: (path) => `${base}${path}`,
    close: () => new Promise((r) => server.close(r)),
  };
}
