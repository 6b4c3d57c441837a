// The next firings of a five-field cron expression in a time zone, for the schedule preview
// before saving. Same grammar as the worker's parser (docs/schedules.md): *, a-b (wrapping),
// */n, a-b/n, lists, names, 0 or 7 for Sunday, Vixie's day rule, @macros. The server's own
// next_due_at stays the authority once saved; this only shows what the expression means.

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const MACROS = { "@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@weekly": "0 0 * * 0", "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *" };
const FIELDS = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTHS, base: 1 },
  { name: "day of week", min: 0, max: 7, names: DAYS, base: 0 },
];

function value(text, f) {
  const t = text.toLowerCase();
  if (f.names && f.names.includes(t)) return f.names.indexOf(t) + f.base;
  if (!/^\d{1,2}$/.test(t)) throw new Error(`${f.name}: "${text}" is not a number`);
  const n = Number(t);
  if (n < f.min || n > f.max) throw new Error(`${f.name}: ${n} is outside ${f.min}-${f.max}`);
  return n;
}

function field(text, f) {
  const set = new Set();
  for (const part of text.split(",")) {
    const [range, stepText] = part.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1 || (stepText !== undefined && !/^\d{1,2}$/.test(stepText))) throw new Error(`${f.name}: bad step "${stepText}"`);
    let lo, hi;
    if (range === "*") [lo, hi] = [f.min, f.max === 7 ? 6 : f.max];
    else if (range.includes("-")) [lo, hi] = range.split("-").map((x) => value(x, f));
    else {
      lo = value(range, f);
      hi = stepText === undefined ? lo : f.max === 7 ? 6 : f.max;
    }
    // A range past the field's end wraps (hours 22-2 are 22, 23, 0, 1, 2).
    const top = f.max === 7 ? 6 : f.max;
    const span = lo <= hi ? hi - lo : top - lo + 1 + hi - f.min;
    for (let i = 0; i <= span; i += step) {
      let v = lo + i;
      if (v > top && lo > hi) v = v - top - 1 + f.min;
      set.add(f.max === 7 && v === 7 ? 0 : v);
    }
  }
  return set;
}

/** Parses an expression; throws an Error naming the field when it is wrong. */
export function parseCron(expr) {
  const text = MACROS[expr.trim().toLowerCase()] ?? expr.trim();
  const parts = text.split(/\s+/);
  if (parts.length !== 5) throw new Error("a cron expression has five fields: minute hour day-of-month month day-of-week");
  const [minute, hour, dom, month, dow] = parts.map((p, i) => field(p, FIELDS[i]));
  return { minute, hour, dom, month, dow, domStar: parts[2] === "*", dowStar: parts[4] === "*" };
}

function dayMatches(c, d) {
  const dm = c.dom.has(d.getUTCDate());
  const wd = c.dow.has(d.getUTCDay());
  if (c.domStar && c.dowStar) return true;
  if (c.domStar) return wd;
  if (c.dowStar) return dm;
  return dm || wd; // Vixie: either restricted day field fires
}

/** Offset of `tz` at instant `t` in ms (wall time minus UTC). */
function offset(tz, t) {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: tz, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" })
    .formatToParts(new Date(t))
    .reduce((o, p) => ((o[p.type] = p.value), o), {});
  const wall = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour % 24, +parts.minute, +parts.second);
  return wall - (t - (t % 1000));
}

/** The instant a wall time (as a UTC-based ms number) happens in `tz`: a skipped one shifts by the gap, a repeated one is the first. */
function instant(wall, tz) {
  const first = wall - offset(tz, wall);
  const early = wall - offset(tz, first - 3 * 3600_000);
  const late = wall - offset(tz, first);
  const candidates = [early, late].filter((t) => t + offset(tz, t) === wall).sort((a, b) => a - b);
  return candidates.length ? candidates[0] : late;
}

/** The next `count` firings after `after` (a Date), as Dates. */
export function nextFirings(expr, tz = "UTC", count = 5, after = new Date()) {
  const c = parseCron(expr);
  new Intl.DateTimeFormat("en-US", { timeZone: tz }); // throws RangeError for an unknown zone
  const out = [];
  // Walk wall-clock time in the zone, represented as a UTC date, a field at a time.
  let t = new Date(after.getTime() + offset(tz, after.getTime()));
  t.setUTCSeconds(0, 0);
  t = new Date(t.getTime() + 60_000);
  for (let guard = 0; out.length < count && guard < 200_000; guard++) {
    if (!c.month.has(t.getUTCMonth() + 1) || !dayMatches(c, t)) {
      t = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate() + 1));
      continue;
    }
    if (!c.hour.has(t.getUTCHours())) {
      t = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate(), t.getUTCHours() + 1));
      continue;
    }
    if (!c.minute.has(t.getUTCMinutes())) {
      t = new Date(t.getTime() + 60_000);
      continue;
    }
    const at = instant(t.getTime(), tz);
    if (at > after.getTime() && (!out.length || at > out.at(-1).getTime())) out.push(new Date(at));
    t = new Date(t.getTime() + 60_000);
  }
  if (!out.length) throw new Error("this expression never fires");
  return out;
}

/** The next `count` due times of a simple interval schedule after the last check-in. */
export function nextIntervals(intervalSeconds, from = new Date(), count = 5) {
  return Array.from({ length: count }, (_, i) => new Date(from.getTime() + (i + 1) * intervalSeconds * 1000));
}
