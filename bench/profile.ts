/** Summarises a V8 .cpuprofile: self time per function and per area (package, tool file, node internals). */
import fs from "node:fs";
import { SourceMap } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  functions: { name: string; where: string; ms: number; pct: number }[];
  areas: { area: string; ms: number; pct: number }[];
}

/** Source maps of the bundles (dist/*.js.map), by the bundle's path; null when there is none. */
const maps = new Map<string, SourceMap | null>();

/**
 * The frame as it is in the sources: dist/main.js is one bundle (scripts/build.js), and its
 * source map says which file of src/ or of a package each function came from.
 */
function original(frame: ProfileNode["callFrame"]): ProfileNode["callFrame"] {
  if (!frame.url.startsWith("file:") || !frame.url.endsWith(".js") || !frame.url.includes("/dist/")) return frame;
  const file = fileURLToPath(frame.url);
  if (!maps.has(file)) {
    let map: SourceMap | null = null;
    try {
      map = new SourceMap(JSON.parse(fs.readFileSync(`${file}.map`, "utf8")) as never);
    } catch {
      map = null; // no map: the bundle's own lines
    }
    maps.set(file, map);
  }
  const entry = maps.get(file)?.findEntry(frame.lineNumber, frame.columnNumber);
  // findEntry gives the nearest mapping before the position, even on an earlier line: the
  // bundle's own lines (a module's wrapper) have none, and stay the bundle's.
  if (!entry || !("originalSource" in entry) || entry.generatedLine !== frame.lineNumber) return frame;
  // Sources are relative to the bundle: "../src/codec/transcode.ts", "../node_modules/winston/...".
  return { ...frame, url: path.resolve(path.dirname(file), entry.originalSource), lineNumber: entry.originalLine };
}

/** "src/…" or "dist/…" when the path is the tool's own file. */
function toolFile(path: string): string | undefined {
  const at = Math.max(path.lastIndexOf("/dist/"), path.lastIndexOf("/src/"));
  return at >= 0 ? path.slice(at + 1) : undefined;
}

function shortUrl(url: string): string {
  if (!url) return "";
  const u = url.replace(/^file:\/\//, "");
  const nm = u.lastIndexOf("/node_modules/");
  if (nm >= 0) return u.slice(nm + "/node_modules/".length);
  return toolFile(u) ?? u;
}

function areaOf(frame: ProfileNode["callFrame"]): string {
  const url = frame.url.replace(/^file:\/\//, "");
  if (!url) {
    if (frame.functionName === "(garbage collector)") return "V8 garbage collector";
    if (frame.functionName === "(idle)") return "idle (waiting for I/O)";
    if (frame.functionName === "(program)") return "V8/native (program)";
    return `native ${frame.functionName || "(anonymous)"}`;
  }
  const nm = url.lastIndexOf("/node_modules/");
  if (nm >= 0) {
    const rest = url.slice(nm + "/node_modules/".length).split("/");
    return `package ${rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  const tool = toolFile(url);
  if (tool) return `tool ${tool}`;
  if (url.startsWith("node:")) {
    const mod = url.replace(/^node:(internal\/)?/, "").split("/")[0];
    return `node:${mod}`;
  }
  return url;
}

export function summariseProfile(file: string, top = 20): ProfileSummary {
  const profile = JSON.parse(fs.readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const fn = new Map<string, { name: string; where: string; us: number }>();
  const area = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const f = original(node.callFrame);
    const name = f.functionName || "(anonymous)";
    const where = f.url ? `${shortUrl(f.url)}:${f.lineNumber + 1}` : "";
    const key = `${name}|${where}`;
    const entry = fn.get(key) ?? { name, where, us: 0 };
    entry.us += us;
    fn.set(key, entry);
    const a = areaOf(f);
    area.set(a, (area.get(a) ?? 0) + us);
  }
  const pct = (us: number) => (total > 0 ? (100 * us) / total : 0);
  return {
    file,
    totalMs: total / 1000,
    functions: [...fn.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((e) => ({ name: e.name, where: e.where, ms: e.us / 1000, pct: pct(e.us) })),
    areas: [...area.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([a, us]) => ({ area: a, ms: us / 1000, pct: pct(us) })),
  };
}
