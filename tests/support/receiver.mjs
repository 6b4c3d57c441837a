// A local HTTP server standing in for the services alerts go to (Slack, Telegram, PagerDuty,
// a mail API...): records every request exactly as it arrived (method, path with query,
// headers, body) and answers from a plan per path, so a spec can check the request each
// service documents and play the service's errors (401, 429 with Retry-After...).
import { createServer } from "node:http";

/**
 * `plan[path]` is a list of answers used in order, each `{status, body, headers}` or a bare
 * status; without a plan the answer is 200 `ok`. Paths are matched without the query string;
 * a key ending in `*` plans every path that starts with what precedes it (a path that carries
 * an id not known in advance), an exact key first.
 * `received[path]` lists a path's requests; `log` lists every request in arrival order, each
 * with its `path` too (for services whose paths carry ids, such as Matrix's transaction).
 */
export async function startReceiver() {
  const received = {};
  const log = [];
  const plan = {};
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const path = req.url.split("?")[0];
      const body = Buffer.concat(chunks).toString("utf8");
      const request = { method: req.method, url: req.url, headers: req.headers, body };
      (received[path] ??= []).push(request);
      log.push({ path, ...request });
      const key = path in plan ? path : Object.keys(plan).find((k) => k.endsWith("*") && path.startsWith(k.slice(0, -1)));
      let answer = (plan[key] ?? []).shift() ?? { status: 200 };
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
    log,
    plan,
    base,
    url: (path) => `${base}${path}`,
    close: () => new Promise((r) => server.close(r)),
  };
}
