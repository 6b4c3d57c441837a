// Samples workerd's CPU while a bench runs, through its V8 inspector, and prints the functions
// with the most self time (wasm functions by their Rust names). Figures, not a test:
//   BENCH_INSPECTOR_PORT=9230 BENCH_SECONDS=20 node bench/beacon.mjs &
//   BENCH_INSPECTOR_PORT=9230 PROFILE_SECONDS=15 node bench/profile.mjs
const PORT = Number(process.env.BENCH_INSPECTOR_PORT ?? 9230);
const SECONDS = Number(process.env.PROFILE_SECONDS ?? 15);
const DELAY = Number(process.env.PROFILE_DELAY_SECONDS ?? 0);
const TOP = Number(process.env.PROFILE_TOP ?? 40);

async function targets() {
  for (let i = 0; i < 600; i++) {
    try {
      const list = await (await fetch(`http://127.0.0.1:${PORT}/json/list`)).json();
      if (list.length) return list;
    } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`no inspector on port ${PORT}`);
}

function session(url) {
  const ws = new WebSocket(url);
  let id = 0;
  const waiting = new Map();
  ws.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    if (msg.id && waiting.has(msg.id)) {
      waiting.get(msg.id)(msg);
      waiting.delete(msg.id);
    }
  };
  const opened = new Promise((r) => (ws.onopen = r));
  return {
    opened,
    send: (method, params = {}) =>
      new Promise((resolve) => {
        const n = ++id;
        waiting.set(n, resolve);
        ws.send(JSON.stringify({ id: n, method, params }));
      }),
    close: () => ws.close(),
  };
}

const list = await targets();
await new Promise((r) => setTimeout(r, DELAY * 1000));
const sessions = [];
for (const t of list) {
  const s = session(t.webSocketDebuggerUrl);
  await s.opened;
  await s.send("Profiler.enable");
  await s.send("Profiler.setSamplingInterval", { interval: 200 });
  await s.send("Profiler.start");
  sessions.push([t.title ?? t.id, s]);
}
await new Promise((r) => setTimeout(r, SECONDS * 1000));
const self = new Map();
let total = 0;
for (const [title, s] of sessions) {
  const { result } = await s.send("Profiler.stop");
  s.close();
  const { nodes, samples, timeDeltas } = result.profile;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  samples.forEach((id, i) => {
    const node = byId.get(id);
    const name = node.callFrame.functionName || `(anonymous ${node.callFrame.url.split("/").pop()})`;
    const dt = timeDeltas[i] ?? 0;
    self.set(name, (self.get(name) ?? 0) + dt);
    total += dt;
  });
  console.log(`profiled ${title}`);
}
const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, TOP);
console.log(`| self % | self ms | function |`);
console.log(`|---:|---:|---|`);
for (const [name, us] of rows) console.log(`| ${((100 * us) / total).toFixed(1)} | ${(us / 1000).toFixed(0)} | ${name.slice(0, 140)} |`);
