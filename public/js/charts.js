// Small hand-written SVG charts: no dependency, a few hundred lines, and nothing a strict
// Content-Security-Policy objects to (no inline styles: colours come from classes in app.css).
import { h, short } from "./ui.js";

const W = 720;
const H = 180;
const PAD = { l: 60, r: 8, t: 10, b: 22 };

function svg(label, height = H) {
  return h("svg:svg", { viewBox: `0 0 ${W} ${height}`, role: "img", "aria-label": label, class: "chart" });
}

function niceMax(v) {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 5, 10].map((m) => m * p).find((n) => n >= v);
}

function axes(el, max, x0, x1, format = String, integer = false) {
  const y = (v) => PAD.t + (H - PAD.t - PAD.b) * (1 - v / max);
  for (const v of [0, max / 2, max].filter((v) => !integer || Number.isInteger(v))) {
    el.append(h("svg:line", { x1: PAD.l, x2: W - PAD.r, y1: y(v), y2: y(v), class: "grid" }));
    el.append(h("svg:text", { x: PAD.l - 4, y: y(v) + 4, class: "tick", "text-anchor": "end" }, format(v)));
  }
  el.append(h("svg:text", { x: PAD.l, y: H - 6, class: "tick" }, short(x0)));
  el.append(h("svg:text", { x: W - PAD.r, y: H - 6, class: "tick", "text-anchor": "end" }, short(x1)));
  return y;
}

/**
 * Stacked bars per bucket: `series` = [{ key, label, cls }], `items` = [{ start: Date, [key]: n }].
 */
export function barChart({ label, items, series, end, format, integer = false }) {
  const el = svg(label);
  if (!items.length) return el;
  const top = Math.max(...items.map((it) => series.reduce((s, { key }) => s + (it[key] ?? 0), 0)));
  // Counts keep whole-number gridlines: 0, 1, 2 at least.
  const max = niceMax(integer ? Math.max(2, top + (top % 2)) : top);
  const y = axes(el, max, items[0].start, end ?? items.at(-1).start, format, integer);
  const bw = (W - PAD.l - PAD.r) / items.length;
  items.forEach((it, i) => {
    let base = 0;
    for (const { key, label: name, cls } of series) {
      const v = it[key] ?? 0;
      if (!v) continue;
      const top = y(base + v);
      el.append(
        h(
          "svg:rect",
          { x: PAD.l + i * bw + bw * 0.1, y: top, width: Math.max(bw * 0.8, 1), height: y(base) - top, class: cls },
          h("svg:title", {}, `${short(it.start)}: ${v} ${name}`),
        ),
      );
      base += v;
    }
  });
  return el;
}

/** Points over time with a line through them: `points` = [{ at: Date, value }]. */
export function lineChart({ label, points, from, to, format, cls = "line" }) {
  const el = svg(label);
  const max = niceMax(Math.max(0, ...points.map((p) => p.value)));
  const y = axes(el, max, from, to, format);
  const x = (d) => PAD.l + ((W - PAD.l - PAD.r) * (d - from)) / Math.max(1, to - from);
  if (points.length > 1) {
    el.append(h("svg:polyline", { points: points.map((p) => `${x(p.at)},${y(p.value)}`).join(" "), class: cls }));
  }
  for (const p of points.slice(-500)) {
    el.append(h("svg:circle", { cx: x(p.at), cy: y(p.value), r: 3, class: `${cls}-dot` }, h("svg:title", {}, `${short(p.at)}: ${format ? format(p.value) : p.value}`)));
  }
  return el;
}

/**
 * The 24-hour strip: one cell per hour, ok/late/failed/none. The word for each cell is in its
 * title and the strip's label counts them, so colour is never the only signal.
 */
export function strip(cells, label) {
  const el = h("svg:svg", { viewBox: `0 0 ${cells.length * 6} 16`, role: "img", "aria-label": label, class: "strip", preserveAspectRatio: "none" });
  cells.forEach((c, i) => {
    el.append(h("svg:rect", { x: i * 6, y: 0, width: 5, height: 16, class: `cell-${c.state}` }, h("svg:title", {}, `${short(c.start)}: ${c.state}`)));
  });
  return el;
}

/** One statistic bucket's state for the strip. */
export function bucketState(b) {
  if (b.fail_count > 0) return "failed";
  // Pinged, but an expected check-in of the hour was not met in time.
  if (b.run_count > 0 && b.complete_count < b.tick_count) return "late";
  if (b.run_count > 0 || b.complete_count > 0) return "ok";
  return "none";
}
