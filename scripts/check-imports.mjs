#!/usr/bin/env node
// Fails, naming the files, when the modules of src/ import each other in a circle, or when a
// layer imports one above it (README, "Architecture": every `use` points down the list
// entry, ingest and api, http, edge, core). A module is a file; `crate::`, `super::` and
// `self::` paths, in `use` items and in code, are resolved to the file that defines their
// longest module prefix, so a name re-exported by a `mod.rs` counts as that `mod.rs`.
// `mod` declarations are not imports. Run by `npm test` before anything slow; alone:
// node scripts/check-imports.mjs
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(fileURLToPath(new URL(".", import.meta.url)), "..");
const src = join(root, "src");

// What each layer may import besides itself; `entry` (src/lib.rs) may import everything.
const MAY_IMPORT = {
  entry: ["ingest", "api", "http", "edge", "core"],
  ingest: ["http", "edge", "core"],
  api: ["http", "edge", "core"],
  http: ["edge", "core"],
  edge: ["core"],
  core: [],
};

function layerOf(file) {
  if (file === "src/lib.rs") return "entry";
  const top = file.split("/")[1].replace(/\.rs$/, "");
  if (!(top in MAY_IMPORT) || top === "entry") {
    throw new Error(`${file}: in no layer of the README's table; add it to scripts/check-imports.mjs`);
  }
  return top;
}

function rustFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return rustFiles(path);
    return name.endsWith(".rs") ? [path] : [];
  });
}

// The module path a file defines: src/lib.rs is the crate, src/a/mod.rs and src/a.rs are
// `a`, src/a/b.rs is `a::b` (also a nested module of the non-mod.rs file src/a.rs).
function modulePathOf(file) {
  const parts = file.replace(/^src\//, "").replace(/\.rs$/, "").split("/");
  if (parts.at(-1) === "mod" || file === "src/lib.rs") parts.pop();
  return parts;
}

// Comments, strings and character literals become spaces (newlines kept for line numbers),
// so a path in a doc comment or a SQL string is never taken for an import.
function strip(text) {
  let out = "";
  let i = 0;
  const blank = (s) => s.replace(/[^\n]/g, " ");
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (c === "/" && next === "/") {
      const end = text.indexOf("\n", i);
      const stop = end === -1 ? text.length : end;
      out += blank(text.slice(i, stop));
      i = stop;
    } else if (c === "/" && next === "*") {
      let depth = 0;
      let j = i;
      do {
        if (text.startsWith("/*", j)) { depth++; j += 2; }
        else if (text.startsWith("*/", j)) { depth--; j += 2; }
        else j++;
      } while (depth > 0 && j < text.length);
      out += blank(text.slice(i, j));
      i = j;
    } else if (/[rb]/.test(c) && !/[A-Za-z0-9_]/.test(text[i - 1] ?? "") && /^(br|r|b)?#*"/.test(text.slice(i, i + 40))) {
      const m = /^(br|r|b)?(#*)"/.exec(text.slice(i));
      const raw = (m[1] ?? "").includes("r");
      const close = '"' + m[2];
      let j = i + m[0].length;
      while (j < text.length && !text.startsWith(close, j)) j += !raw && text[j] === "\\" ? 2 : 1;
      j += close.length;
      out += blank(text.slice(i, j));
      i = j;
    } else if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      out += blank(text.slice(i, j + 1));
      i = j + 1;
    } else if (c === "'" && (next === "\\" || text[i + 2] === "'")) {
      let j = i + 1;
      while (j < text.length && text[j] !== "'") j += text[j] === "\\" ? 2 : 1;
      out += blank(text.slice(i, j + 1));
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

function tokens(text) {
  const list = [];
  const re = /(r#)?[A-Za-z_][A-Za-z0-9_]*|::|\S/g;
  let line = 1;
  let last = 0;
  for (const m of text.matchAll(re)) {
    for (let k = last; k < m.index; k++) if (text[k] === "\n") line++;
    last = m.index;
    list.push({ t: m[0].replace(/^r#/, ""), line });
  }
  return list;
}

const isIdent = (t) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(t);

const files = rustFiles(src).map((f) => relative(root, f)).sort();
const fileOfModule = new Map(files.map((f) => [modulePathOf(f).join("::"), f]));

// The file that defines the longest module prefix of `path` (an array of names).
function fileFor(path) {
  for (let n = path.length; n >= 0; n--) {
    const file = fileOfModule.get(path.slice(0, n).join("::"));
    if (file) return file;
  }
  return undefined;
}

// Makes a path absolute from the module it is written in (its file's path plus any inline
// `mod x { ... }` around it); undefined for a path into another crate.
function absolute(segments, here) {
  const [first, ...rest] = segments;
  if (first === "crate") return rest;
  if (first === "self") return [...here, ...rest];
  if (first === "super") {
    const base = [...here];
    let k = 0;
    while (segments[k] === "super") { base.pop(); k++; }
    return [...base, ...segments.slice(k)];
  }
  // 2018 paths: a name of a child module of this module.
  if (fileOfModule.has([...here, first].join("::"))) return [...here, ...segments];
  return undefined;
}

// Expands the use tree starting at toks[i] (after `use`); returns [paths, index after `;`].
function useTree(toks, i) {
  const paths = [];
  function tree(prefix) {
    const segs = [...prefix];
    for (;;) {
      const t = toks[i]?.t;
      if (t === "{") {
        i++;
        while (toks[i] && toks[i].t !== "}") {
          tree(segs);
          if (toks[i]?.t === ",") i++;
        }
        i++;
        return;
      }
      if (t === "*") { i++; paths.push(segs); return; }
      if (t === "::") { i++; continue; }
      if (t !== undefined && isIdent(t) && t !== "as") {
        // `self` inside a group names the group's own prefix.
        if (!(t === "self" && segs.length > 0)) segs.push(t);
        i++;
        if (toks[i]?.t === "::") continue;
      }
      if (toks[i]?.t === "as") i += 2;
      paths.push(segs);
      return;
    }
  }
  tree([]);
  while (toks[i] && toks[i].t !== ";") i++;
  return [paths, i + 1];
}

const edges = []; // { from, to, line, path }
for (const file of files) {
  const toks = tokens(strip(readFileSync(join(root, file), "utf8")));
  const base = modulePathOf(file);
  const inline = []; // { name, depth } of the `mod x {` blocks around the current token
  let depth = 0;
  const add = (segments, line) => {
    const abs = absolute(segments, [...base, ...inline.map((m) => m.name)]);
    if (!abs) return;
    const to = fileFor(abs);
    if (to && to !== file) edges.push({ from: file, to, line, path: segments.join("::") });
  };
  for (let i = 0; i < toks.length; ) {
    const { t, line } = toks[i];
    if (t === "{") { depth++; i++; continue; }
    if (t === "}") {
      if (inline.at(-1)?.depth === depth) inline.pop();
      depth--;
      i++;
      continue;
    }
    if (t === "mod" && isIdent(toks[i + 1]?.t ?? "") && toks[i + 2]?.t === "{") {
      inline.push({ name: toks[i + 1].t, depth: depth + 1 });
      i += 2;
      continue;
    }
    if (t === "use") {
      const [paths, after] = useTree(toks, i + 1);
      for (const p of paths) add(p, line);
      i = after;
      continue;
    }
    const here = [...base, ...inline.map((m) => m.name)];
    const pathStart = t === "crate" || t === "super" || t === "self" || fileOfModule.has([...here, t].join("::"));
    if (pathStart && toks[i + 1]?.t === "::" && toks[i - 1]?.t !== "::") {
      const segs = [t];
      let j = i + 1;
      while (toks[j]?.t === "::" && isIdent(toks[j + 1]?.t ?? "")) { segs.push(toks[j + 1].t); j += 2; }
      add(segs, line);
      i = j;
      continue;
    }
    i++;
  }
}

const problems = [];

// The layer rule.
for (const e of edges) {
  const [from, to] = [layerOf(e.from), layerOf(e.to)];
  if (from !== to && !MAY_IMPORT[from].includes(to)) {
    const may = MAY_IMPORT[from].length ? MAY_IMPORT[from].join(", ") : "nothing outside core";
    problems.push(`${e.from}:${e.line}: ${from} imports ${to} (${e.path}, in ${e.to}); ${from} may import ${may}`);
  }
}

// Circles between files: the strongly connected components of the graph (Tarjan), each
// reported with one circle through it.
const out = new Map(files.map((f) => [f, new Map()]));
for (const e of edges) if (!out.get(e.from).has(e.to)) out.get(e.from).set(e.to, e);
const index = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
let counter = 0;
const components = [];
function connect(v) {
  index.set(v, counter);
  low.set(v, counter++);
  stack.push(v);
  onStack.add(v);
  for (const w of out.get(v).keys()) {
    if (!index.has(w)) { connect(w); low.set(v, Math.min(low.get(v), low.get(w))); }
    else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
  }
  if (low.get(v) === index.get(v)) {
    const component = [];
    let w;
    do { w = stack.pop(); onStack.delete(w); component.push(w); } while (w !== v);
    if (component.length > 1) components.push(component);
  }
}
for (const f of files) if (!index.has(f)) connect(f);

for (const component of components) {
  const inside = new Set(component);
  const start = [...component].sort()[0];
  // Breadth-first from `start` back to itself inside the component: a shortest circle.
  const previous = new Map();
  const queue = [start];
  let found = false;
  while (queue.length && !found) {
    const v = queue.shift();
    for (const w of out.get(v).keys()) {
      if (!inside.has(w)) continue;
      if (w === start) { previous.set(start, v); found = true; break; }
      if (!previous.has(w)) { previous.set(w, v); queue.push(w); }
    }
  }
  const circle = [start];
  for (let v = previous.get(start); v !== start; v = previous.get(v)) circle.unshift(v);
  circle.unshift(start);
  const steps = circle.slice(0, -1).map((f, k) => {
    const e = out.get(f).get(circle[k + 1]);
    return `    ${e.from}:${e.line} uses ${e.path}`;
  });
  problems.push(`import circle: ${circle.join(" -> ")}\n${steps.join("\n")}`);
}

if (problems.length) {
  console.error("[check-imports] imports must point down the README's layers, with no circle:");
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.log(`[check-imports] ${files.length} files, ${new Set(edges.map((e) => e.from + " " + e.to)).size} imports: no circle, every import points down`);
