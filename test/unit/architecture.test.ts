/**
 * The layout's rules, read from the imports of src/ (type imports included): no circle of
 * imports, nothing imports main.ts, only main.ts and commands/ import commands/, verify/,
 * restore/ and metadata/ never import copy/ (commands/ hands them what they need of it), and
 * codec/ is pure (no I/O, nothing of the copy).
 */
import fs from "node:fs";
import path from "node:path";

const SRC = path.resolve(__dirname, "../../src");

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** Every import of `file`: "src/..." paths for its own files (no extension), package or node: names otherwise. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, "utf8");
  const specs = [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)"([^"]+)"/g)].map((m) => m[1] as string);
  return specs.map((spec) => {
    if (!spec.startsWith(".")) return spec;
    const target = path.resolve(path.dirname(file), spec);
    const resolved = fs.existsSync(`${target}.ts`) ? target : path.join(target, "index");
    return path.relative(path.dirname(SRC), resolved);
  });
}

const graph = new Map(
  sourceFiles(SRC).map((f) => [path.relative(path.dirname(SRC), f).replace(/\.ts$/, ""), importsOf(f)]),
);
const own = (name: string) => name.startsWith("src/");
const folderOf = (name: string) => name.split("/")[1] ?? "";

/** The first circle of imports found, as the files in order, or undefined. */
function findCycle(): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    state.set(node, "open");
    stack.push(node);
    for (const next of (graph.get(node) ?? []).filter(own)) {
      if (state.get(next) === "open") return [...stack.slice(stack.indexOf(next)), next];
      if (!state.has(next)) {
        const cycle = visit(next);
        if (cycle) return cycle;
      }
    }
    stack.pop();
    state.set(node, "done");
    return undefined;
  };
  for (const node of graph.keys()) {
    if (state.has(node)) continue;
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

/** "importer -> imported" for every import of a file in `from` folders that `forbidden` refuses. */
function violations(from: string[], forbidden: (imported: string) => boolean): string[] {
  const out: string[] = [];
  for (const [file, imports] of graph) {
    if (!from.includes(folderOf(file))) continue;
    for (const i of imports) if (forbidden(i)) out.push(`${file} -> ${i}`);
  }
  return out;
}

describe("the layout of src/", () => {
  it("reads the imports of every source file", () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get("src/main")).toContain("src/commands/daemon");
  });

  it("has no circle of imports", () => {
    expect(findCycle()).toBeUndefined();
  });

  it("has nothing import main.ts, and only main.ts and commands/ import commands/", () => {
    const importers = [...graph].filter(([, imports]) => imports.includes("src/main")).map(([f]) => f);
    expect(importers).toEqual([]);
    const others = [...graph.keys()].map(folderOf).filter((f) => f !== "commands" && f !== "main");
    expect(violations(others, (i) => own(i) && folderOf(i) === "commands")).toEqual([]);
  });

  it("has no import that runs back up: each folder imports only folders below it", () => {
    // The floors, from the ground up; a folder imports its own files and those of lower floors.
    const floors = [
      ["errors"],
      ["codec"],
      ["influx"],
      ["config"],
      ["observability"],
      ["inventory"],
      ["metadata", "verify", "seed"],
      ["copy", "restore"],
      ["commands"],
      ["main"],
    ];
    const floor = (name: string) => floors.findIndex((f) => f.includes(folderOf(name).replace(/\.ts$/, "")));
    const upward: string[] = [];
    for (const [file, imports] of graph) {
      if (folderOf(file) === "devtools") continue; // the demo seeder, a program of its own
      for (const i of imports.filter(own)) {
        if (folderOf(i) !== folderOf(file) && floor(i) >= floor(file)) upward.push(`${file} -> ${i}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it("keeps verify/, restore/ and metadata/ off copy/: they import inventory/ and codec/", () => {
    expect(violations(["verify", "restore", "metadata"], (i) => own(i) && folderOf(i) === "copy")).toEqual([]);
  });

  it("keeps codec/ pure: no I/O, nothing of the copy, the inventory or the commands", () => {
    const io = /^(node:)?(http|https|net|fs|fs\/promises|child_process|dgram|tls)$/;
    expect(
      violations(
        ["codec"],
        (i) =>
          io.test(i) ||
          (own(i) && ["copy", "inventory", "commands"].includes(folderOf(i))) ||
          i === "src/influx/client",
      ),
    ).toEqual([]);
  });

  it("keeps the HTTP client in influx/ alone", () => {
    const http = /^(node:)?(http|https)$/;
    const outside = [...graph.keys()].map(folderOf).filter((f) => f !== "influx" && f !== "observability");
    // observability/ serves /healthz and /metrics; commands/ and the rest reach InfluxDB through influx/client.ts.
    expect(violations(outside, (i) => http.test(i))).toEqual([]);
  });
});
