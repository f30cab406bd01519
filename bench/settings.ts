/** The benchmark's settings (BENCH_* variables), targets, progress lines, number formats and CPU meters. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { cpuSeconds, machineCpu, type Server } from "./servers";

export function intEnv(name: string, def: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return def;
  const n = Number(raw.replace(/_/g, ""));
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name}=${raw}: expected a positive integer`);
  return n;
}

export const SETTINGS = {
  points: intEnv("BENCH_POINTS", 1_000_000),
  series: intEnv("BENCH_SERIES", 200),
  scalePoints: intEnv("BENCH_SCALE_POINTS", 4_000_000),
  skipScale: process.env.BENCH_SKIP_SCALE === "1",
  /** The seed rows (issue 23) run on the scale dataset: skipped with it, or alone with BENCH_SKIP_SEED=1. */
  skipSeed: process.env.BENCH_SKIP_SEED === "1",
  cpuProfile: process.env.BENCH_CPU_PROF === "1",
  /** Each tool run is repeated this many times; medians and spreads are reported. */
  toolRepeats: intEnv("BENCH_TOOL_REPEATS", 3),
  telegrafPoints: intEnv("BENCH_TELEGRAF_POINTS", 1_000_000),
  telegrafHosts: intEnv("BENCH_TELEGRAF_HOSTS", 24),
  skipTelegraf: process.env.BENCH_SKIP_TELEGRAF === "1",
  hcPoints: intEnv("BENCH_HC_POINTS", 1_000_000),
  hcSeries: intEnv("BENCH_HC_SERIES", 100_000),
  skipHc: process.env.BENCH_SKIP_HC === "1",
  batchLines: intEnv("BENCH_BATCH", 5000),
  loadWriters: intEnv("BENCH_LOAD_WRITERS", 2),
  timeoutS: intEnv("BENCH_TIMEOUT_S", 3600),
  toolTimeoutS: intEnv("BENCH_TOOL_TIMEOUT_S", 600),
  resultsDir: process.env.BENCH_RESULTS_DIR || path.join(os.tmpdir(), "influxdb-backup-bench"),
  keep: process.env.BENCH_KEEP === "1",
  daysOfPagination: Number(process.env.DAYS_OF_PAGINATION || 7),
  writeBatchSize: process.env.WRITE_BATCH_SIZE || "5000",
  /** Extra node options for every tool run, e.g. "--max-old-space-size=64" or "--trace-gc". */
  toolNodeArgs: (process.env.BENCH_TOOL_NODE_ARGS ?? "").split(/\s+/).filter(Boolean),
  /** Each ceiling is measured this many times and the best run is kept. */
  repeats: intEnv("BENCH_REPEATS", 2),
  bucket: "5m",
  bucketNs: 300_000_000_000n,
};

/** The targets of issue 22 (light on the primary) and issue 23 (seeding). */
export const TARGETS = {
  /** A first copy's source CPU against one bare read of the same data (aggregated: the tool's own statement). */
  sourceVsBareRead: 1.15,
  /** CPU seconds each server may spend on a run with nothing new, at 100,000 series. */
  noChangeServerCpu: 0.5,
  aggVsServerTime: 1.1,
  rawCpuPerMillion: 1.0,
  rssMiB: 100,
  scaleRssRatio: 1.1,
  /** A seeded first backup (and a seeded restore) against the destination's single-connection write ceiling. */
  seedVsWriteCeiling: 5,
};

export function findRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: string };
      if (pkg.name === "influxdb-backup") return dir;
    } catch {
      // keep looking
    }
    if (path.dirname(dir) === dir) return process.cwd();
  }
}

export const ROOT = findRoot();

/** The node flags of the image's ENTRYPOINT (Dockerfile): the tool runs here as it runs in the image. */
export function imageNodeFlags(): string[] {
  const text = fs.readFileSync(path.join(ROOT, "Dockerfile"), "utf8");
  const m = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(text);
  const argv = m ? (JSON.parse(m[1]!) as string[]) : [];
  const script = argv.indexOf("dist/main.js");
  if (argv[0] !== "node" || script < 0)
    throw new Error(`Dockerfile: expected ENTRYPOINT ["node", ..., "dist/main.js"]`);
  return argv.slice(1, script);
}
export const IMAGE_FLAGS = imageNodeFlags();

/** The MALLOC_* settings of the image (single-line ENV instructions of the Dockerfile). */
export function imageMallocEnv(): Record<string, string> {
  const text = fs.readFileSync(path.join(ROOT, "Dockerfile"), "utf8");
  return Object.fromEntries([...text.matchAll(/^ENV\s+(MALLOC_\w+)=(\S+)\s*$/gm)].map((m) => [m[1]!, m[2]!]));
}
export const IMAGE_ENV = imageMallocEnv();
export const T0 = performance.now();

export function progress(message: string): void {
  const s = ((performance.now() - T0) / 1000).toFixed(1).padStart(6);
  process.stdout.write(`[${s}s] ${message}\n`);
}

// ---------------------------------------------------------------------------------------------
// Formatting

export const int = (n: number): string => Math.round(n).toLocaleString("en-US");
export const fix = (n: number, d = 2): string => n.toFixed(d);
export const rate = (points: number, seconds: number): number => (seconds > 0 ? points / seconds : 0);
export const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;

export function table(rows: string[][], header: string[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => (i === 0 || i === r.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [fmt(header), widths.map((w) => "-".repeat(w)).join("  "), ...all.slice(1).map(fmt)].join("\n");
}

export function loud(lines: string[]): void {
  const bar = "!".repeat(78);
  process.stdout.write(`\n${bar}\n${lines.map((l) => `!! ${l}`).join("\n")}\n${bar}\n\n`);
}

// ---------------------------------------------------------------------------------------------
// CPU accounting: who used the machine's CPU during a measurement

export interface CpuUse {
  source?: number;
  dest?: number;
  /** Processes other than the tool, the two servers and this benchmark. */
  other?: number;
  /** CPU the hypervisor withheld. */
  steal?: number;
}

export const SERVERS: { source?: Server; dest?: Server } = {};

/** Starts measuring; the returned function gives the CPU used since (tool CPU is not counted as other). */
export function cpuMeter(): (toolCpu?: number) => CpuUse {
  const s0 = cpuSeconds(SERVERS.source?.pid);
  const d0 = cpuSeconds(SERVERS.dest?.pid);
  const m0 = machineCpu();
  const self0 = process.cpuUsage();
  return (toolCpu = 0) => {
    const s1 = cpuSeconds(SERVERS.source?.pid);
    const d1 = cpuSeconds(SERVERS.dest?.pid);
    const m1 = machineCpu();
    const self = process.cpuUsage(self0);
    const source = s0 !== undefined && s1 !== undefined ? s1 - s0 : undefined;
    const dest = d0 !== undefined && d1 !== undefined ? d1 - d0 : undefined;
    const other =
      m0 && m1 && source !== undefined && dest !== undefined
        ? Math.max(0, m1.busy - m0.busy - source - dest - toolCpu - (self.user + self.system) / 1e6)
        : undefined;
    return { source, dest, other, steal: m0 && m1 ? m1.steal - m0.steal : undefined };
  };
}

/**
 * Other work took more than a fifth of a core on average (and more than half a second, below
 * which tick granularity and loopback interrupts dominate): the figure is not reliable.
 */
export const disturbed = (cpu: CpuUse, seconds: number): boolean =>
  (cpu.other ?? 0) + (cpu.steal ?? 0) > Math.max(0.5, 0.2 * seconds);

export const cpuText = (n: number | undefined): string => (n === undefined ? "?" : fix(n, 1));
