/**
 * Benchmark of influxdb-backup against real InfluxDB 1.x servers started here (see
 * bench/README.md): server ceilings (destination write, source chunked read, server-side
 * aggregate time), the tool's raw and aggregated runs measured from the outside (wall time,
 * peak RSS, CPU), a memory-scaling run, and a correctness check after every tool run.
 *
 * Usage: npm run bench   (environment: BENCH_POINTS, BENCH_SERIES, BENCH_SCALE_POINTS,
 * BENCH_SKIP_SCALE, BENCH_CPU_PROF, ... see bench/README.md)
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { checkAggregated, checkRaw, type CheckResult } from "./checks";
import { spread, spreadText, type Spread } from "./stats";
import {
  seriesOf,
  telegrafBatches,
  telegrafDataset,
  telegrafRange,
  totalSeries,
  totalTelegrafPoints,
  type TelegrafDataset,
} from "./telegraf";
import {
  FIELD_TYPES,
  MEASUREMENT,
  seriesMajorBatches,
  STEP_S,
  timeMajorBatches,
  timeRange,
  totalPoints,
  type Dataset,
} from "./dataset";
import { InfluxHttp } from "./http";
import { summariseProfile, type ProfileSummary } from "./profile";
import { cpuSeconds, killAllChildrenSync, startServers, machineCpu, waitQuiet, type Server } from "./servers";
import { machineReferenceMs } from "./reference";
import { runTool, type ToolRun } from "./tool";

// ---------------------------------------------------------------------------------------------
// Settings

function intEnv(name: string, def: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return def;
  const n = Number(raw.replace(/_/g, ""));
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name}=${raw}: expected a positive integer`);
  return n;
}

const SETTINGS = {
  points: intEnv("BENCH_POINTS", 1_000_000),
  series: intEnv("BENCH_SERIES", 200),
  scalePoints: intEnv("BENCH_SCALE_POINTS", 4_000_000),
  skipScale: process.env.BENCH_SKIP_SCALE === "1",
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

/** The targets of issue 12. */
const TARGETS = {
  rawVsWriteCeiling: 0.85,
  aggVsServerTime: 1.15,
  rawCpuPerMillion: 1.5,
  aggCpuPerMillion: 0.4,
  rssMiB: 100,
  scaleRssRatio: 1.1,
  /** A run with nothing new, against a first run of the same data. */
  incrementalVsFirst: 0.1,
};

function findRoot(): string {
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

const ROOT = findRoot();

/** The node flags of the image's ENTRYPOINT (Dockerfile): the tool runs here as it runs in the image. */
function imageNodeFlags(): string[] {
  const text = fs.readFileSync(path.join(ROOT, "Dockerfile"), "utf8");
  const m = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(text);
  const argv = m ? (JSON.parse(m[1]!) as string[]) : [];
  const script = argv.indexOf("dist/main.js");
  if (argv[0] !== "node" || script < 0)
    throw new Error(`Dockerfile: expected ENTRYPOINT ["node", ..., "dist/main.js"]`);
  return argv.slice(1, script);
}
const IMAGE_FLAGS = imageNodeFlags();

/** The MALLOC_* settings of the image (single-line ENV instructions of the Dockerfile). */
function imageMallocEnv(): Record<string, string> {
  const text = fs.readFileSync(path.join(ROOT, "Dockerfile"), "utf8");
  return Object.fromEntries([...text.matchAll(/^ENV\s+(MALLOC_\w+)=(\S+)\s*$/gm)].map((m) => [m[1]!, m[2]!]));
}
const IMAGE_ENV = imageMallocEnv();
const T0 = performance.now();

function progress(message: string): void {
  const s = ((performance.now() - T0) / 1000).toFixed(1).padStart(6);
  process.stdout.write(`[${s}s] ${message}\n`);
}

// ---------------------------------------------------------------------------------------------
// Formatting

const int = (n: number): string => Math.round(n).toLocaleString("en-US");
const fix = (n: number, d = 2): string => n.toFixed(d);
const rate = (points: number, seconds: number): number => (seconds > 0 ? points / seconds : 0);
const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;

function table(rows: string[][], header: string[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => (i === 0 || i === r.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [fmt(header), widths.map((w) => "-".repeat(w)).join("  "), ...all.slice(1).map(fmt)].join("\n");
}

function loud(lines: string[]): void {
  const bar = "!".repeat(78);
  process.stdout.write(`\n${bar}\n${lines.map((l) => `!! ${l}`).join("\n")}\n${bar}\n\n`);
}

// ---------------------------------------------------------------------------------------------
// CPU accounting: who used the machine's CPU during a measurement

interface CpuUse {
  source?: number;
  dest?: number;
  /** Processes other than the tool, the two servers and this benchmark. */
  other?: number;
  /** CPU the hypervisor withheld. */
  steal?: number;
}

const SERVERS: { source?: Server; dest?: Server } = {};

/** Starts measuring; the returned function gives the CPU used since (tool CPU is not counted as other). */
function cpuMeter(): (toolCpu?: number) => CpuUse {
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
const disturbed = (cpu: CpuUse, seconds: number): boolean =>
  (cpu.other ?? 0) + (cpu.steal ?? 0) > Math.max(0.5, 0.2 * seconds);

const cpuText = (n: number | undefined): string => (n === undefined ? "?" : fix(n, 1));

// ---------------------------------------------------------------------------------------------
// Phases

interface LoadResult {
  db: string;
  points: number;
  seconds: number;
  pointsPerSec: number;
}

async function load(server: Server, db: string, ds: Dataset): Promise<LoadResult> {
  return loadBatches(server, db, timeMajorBatches(ds, SETTINGS.batchLines), totalPoints(ds));
}

/** Writes the batches with SETTINGS.loadWriters concurrent writers into a new database. */
async function loadBatches(server: Server, db: string, batches: Iterator<string>, points: number): Promise<LoadResult> {
  await server.http.query(`CREATE DATABASE "${db}"`);
  const began = performance.now();
  const writer = async () => {
    for (;;) {
      const next = batches.next();
      if (next.done) return;
      await server.http.write(db, next.value);
    }
  };
  await Promise.all(Array.from({ length: SETTINGS.loadWriters }, writer));
  const seconds = (performance.now() - began) / 1000;
  return { db, points, seconds, pointsPerSec: rate(points, seconds) };
}

interface CeilingResult {
  connections: number;
  points: number;
  batches: number;
  bytes: number;
  seconds: number;
  pointsPerSec: number;
  cpu: CpuUse;
}

/**
 * Pre-generated line protocol of the dataset, in the order the tool writes it, sent in
 * `connections` sequential streams of POST /write (one connection each) into a fresh database.
 */
async function writeCeiling(dest: Server, ds: Dataset, connections: number): Promise<CeilingResult> {
  const db = `ceiling_${connections}`;
  let batches: string[] | undefined = [...seriesMajorBatches(ds, SETTINGS.batchLines)];
  const bytes = batches.reduce((n, b) => n + Buffer.byteLength(b), 0);
  const count = batches.length;
  await dest.http.query(`CREATE DATABASE "${db}"`);
  await waitQuiet(dest);
  const clients = Array.from({ length: connections }, () => new InfluxHttp(dest.url, 1));
  let next = 0;
  const all = batches;
  const meter = cpuMeter();
  const began = performance.now();
  await Promise.all(
    clients.map(async (client) => {
      while (next < all.length) await client.write(db, all[next++]!);
    }),
  );
  const seconds = (performance.now() - began) / 1000;
  const cpu = meter();
  for (const c of clients) c.close();
  batches = undefined;
  (globalThis as { gc?: () => void }).gc?.();
  const counted = await dest.http.query(`SELECT count("usage") FROM "${MEASUREMENT}"`, db);
  const n = Number(counted[0]?.values?.[0]?.[1] ?? 0);
  if (n !== totalPoints(ds))
    throw new Error(`write ceiling: destination holds ${n} points, expected ${totalPoints(ds)}`);
  await dest.http.query(`DROP DATABASE "${db}"`);
  const points = totalPoints(ds);
  return {
    connections,
    points,
    batches: count,
    bytes,
    seconds,
    pointsPerSec: rate(points, seconds),
    cpu,
  };
}

interface ReadResult {
  format: string;
  bytes: number;
  /** Best of the runs. */
  seconds: number;
  runs: number[];
  pointsPerSec: number;
  rows?: number;
  cpu: CpuUse;
}

async function readCeilings(source: Server, db: string, points: number, onlyMsgpack = false): Promise<ReadResult[]> {
  const q = `SELECT * FROM "${MEASUREMENT}" GROUP BY *`;
  const out: ReadResult[] = [];
  const measure = async (format: string, run: () => Promise<{ bytes: number; ms: number; rows?: number }>) => {
    let best: ReadResult | undefined;
    const runs: number[] = [];
    for (let i = 0; i < SETTINGS.repeats; i++) {
      const meter = cpuMeter();
      const r = await run();
      const cpu = meter();
      runs.push(r.ms / 1000);
      if (!best || r.ms / 1000 < best.seconds) {
        best = {
          format,
          bytes: r.bytes,
          seconds: r.ms / 1000,
          runs,
          pointsPerSec: rate(points, r.ms / 1000),
          rows: r.rows,
          cpu,
        };
      }
    }
    out.push(best!);
  };
  await measure("msgpack", () => source.http.drain(q, db, "msgpack"));
  if (onlyMsgpack) return out;
  await measure("json", () => source.http.drain(q, db, "json"));
  await measure("msgpack+decode", () => source.http.decodeCount(q, db));
  const decoded = out[out.length - 1]!;
  if (decoded.rows !== points) {
    throw new Error(`read ceiling: the source answered ${decoded.rows} rows, expected ${points}`);
  }
  return out;
}

function alignDown(t: bigint, step: bigint): bigint {
  const r = t % step;
  return r < 0n ? t - r - step : t - r;
}
const alignUp = (t: bigint, step: bigint): bigint => (alignDown(t, step) === t ? t : alignDown(t, step) + step);

/** The tool's windows for a first backup in aggregated mode (same rule as src/copy/plan.ts). */
function aggregateWindows(ds: Dataset): { startNs: bigint; endNs: bigint }[] {
  const { oldestNs, newestNs } = timeRange(ds);
  const paginationNs = BigInt(Math.round(SETTINGS.daysOfPagination * 86_400)) * 1_000_000_000n;
  const buckets = paginationNs / SETTINGS.bucketNs;
  const windowNs = (buckets > 0n ? buckets : 1n) * SETTINGS.bucketNs;
  const start = alignDown(oldestNs, SETTINGS.bucketNs);
  const end = alignUp(newestNs + 1n, SETTINGS.bucketNs);
  const windows: { startNs: bigint; endNs: bigint }[] = [];
  for (let cursor = start; cursor < end;) {
    const next = alignDown(cursor, windowNs) + windowNs;
    const stop = next < end ? next : end;
    windows.push({ startNs: cursor, endNs: stop });
    cursor = stop;
  }
  return windows;
}

interface AggregateTimeResult {
  windows: number;
  queries: number;
  bytes: number;
  /** Best of the runs. */
  seconds: number;
  runs: number[];
  cpu: CpuUse;
}

async function aggregateServerTime(source: Server, db: string, ds: Dataset): Promise<AggregateTimeResult> {
  let best: AggregateTimeResult | undefined;
  const runs: number[] = [];
  for (let i = 0; i < SETTINGS.repeats; i++) {
    const r = await aggregateQueriesOnce(source, db, ds);
    runs.push(r.seconds);
    if (!best || r.seconds < best.seconds) best = r;
  }
  return { ...best!, runs };
}

/**
 * The tool's aggregate queries for a first backup, drained one window after the other: per
 * window one statement with mean() of the numeric and last() of the other fields.
 */
async function aggregateQueriesOnce(source: Server, db: string, ds: Dataset): Promise<AggregateTimeResult> {
  const qi = (s: string) => `"${s}"`;
  const cols = Object.keys(FIELD_TYPES)
    .sort()
    .map((f) => {
      const fn = FIELD_TYPES[f] === "float" || FIELD_TYPES[f] === "integer" ? "mean" : "last";
      return `${fn}(${qi(f)}) AS ${qi(f)}`;
    })
    .join(", ");
  const windows = aggregateWindows(ds);
  const from = `${qi(db)}.${qi("autogen")}.${qi(MEASUREMENT)}`;
  let bytes = 0;
  let ms = 0;
  const meter = cpuMeter();
  for (const w of windows) {
    const where = `WHERE time >= ${w.startNs} AND time < ${w.endNs} GROUP BY time(${SETTINGS.bucket}), * fill(none)`;
    const r = await source.http.drain(`SELECT ${cols} FROM ${from} ${where}`, db, "msgpack");
    bytes += r.bytes;
    ms += r.ms;
  }
  const cpu = meter();
  return { windows: windows.length, queries: windows.length, bytes, seconds: ms / 1000, runs: [], cpu };
}

interface ToolResult {
  label: string;
  mode: "raw" | "aggregated" | "restore";
  sourceDb: string;
  destDb: string;
  points: number;
  run: ToolRun;
  pointsPerSec: number;
  /** Tool CPU seconds (user + system) per million source points. */
  cpuPerMillion: number;
  cpu: CpuUse;
  busy: boolean;
  /** Queries the tool sent to each server (from its DEBUG log). */
  queries: { source: number; destination: number };
  /** The tool's own peaks by kind, MiB (rss, heapTotal, heapUsed, external, arrayBuffers), from its DEBUG log. */
  memory: Record<string, number>;
  check: CheckResult;
  logFile: string;
  profile?: ProfileSummary;
}

interface ToolSpec {
  label: string;
  /** What the row says, e.g. "raw, Telegraf-shaped, CONCURRENCY=2". */
  title: string;
  mode: "raw" | "aggregated" | "restore";
  sourceDb: string;
  /** Source points the run copies (or aggregates). */
  points: number;
  /** Compares the destination database with the source; run after every tool run. */
  check: (destDb: string) => Promise<CheckResult>;
  env?: Record<string, string>;
  nodeArgs?: string[];
  /** Keep each run's copy and cursors (STATE_DIR) for a later incremental run. */
  keepCopy?: boolean;
  /** An incremental run: copy again into the copy (and with the cursors) of this earlier run. */
  resumes?: string;
}

type Ctx = { source: Server; dest: Server; root: string };

async function toolRun(ctx: Ctx, spec: ToolSpec, attempt: number): Promise<ToolResult> {
  const { source, dest, root } = ctx;
  const label = `${spec.label}_${attempt}`;
  const destDb = `${spec.resumes ?? label}_copy`;
  const stateDir = path.join(root, `${spec.resumes ?? label}-state`);
  // A restore reads the backup server (DEST_*) and writes to the source settings: here the
  // benchmark's source database plays the backup, and the copy lands on the destination server.
  const restore = spec.mode === "restore";
  const logFile = path.join(root, `${label}.log`);
  const cwd = fs.mkdtempSync(path.join(root, `${label}-cwd-`));
  await waitQuiet(source);
  await waitQuiet(dest);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? cwd,
    SOURCE_URL: restore ? dest.url : source.url,
    SOURCE_DBS: restore ? destDb : spec.sourceDb,
    DEST_URL: restore ? source.url : dest.url,
    DEST_DBS: restore ? spec.sourceDb : destDb,
    SOURCE_GROUP_BY: spec.mode === "aggregated" ? SETTINGS.bucket : "raw",
    DAYS_OF_PAGINATION: String(SETTINGS.daysOfPagination),
    WRITE_BATCH_SIZE: SETTINGS.writeBatchSize,
    LOG_FILE: logFile,
    // DEBUG logs every query with its time: the benchmark counts them.
    LOG_LEVEL: "DEBUG",
    STATE_DIR: spec.keepCopy || spec.resumes ? stateDir : "none",
    HEALTH_PORT: "0",
    BACKUP_SCHEDULE: "",
    ...IMAGE_ENV,
    ...spec.env,
    // Extra settings for the tool, e.g. BENCH_TOOL_ENV="WRITE_GZIP=true WRITE_CONCURRENCY=3".
    ...Object.fromEntries(
      (process.env.BENCH_TOOL_ENV ?? "")
        .split(/\s+/)
        .filter((kv) => kv.includes("="))
        .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
    ),
  };
  const nodeArgs = [...IMAGE_FLAGS, ...SETTINGS.toolNodeArgs, ...(spec.nodeArgs ?? [])];
  progress(
    `tool ${label}: SOURCE_GROUP_BY=${env.SOURCE_GROUP_BY} ${spec.sourceDb} -> ${destDb}` +
      (spec.env
        ? ` ${Object.entries(spec.env)
            .map(([k, v]) => `${k}=${v}`)
            .join(" ")}`
        : "") +
      (nodeArgs.length ? ` (node ${nodeArgs.join(" ")})` : ""),
  );
  const meter = cpuMeter();
  const run = await runTool({
    root: ROOT,
    cwd,
    env,
    nodeArgs,
    args: restore ? ["restore"] : [],
    timeoutMs: SETTINGS.toolTimeoutS * 1000,
  });
  const cpu = meter(run.cpuSeconds);
  const busy = disturbed(cpu, run.wallSeconds);
  progress(
    `tool ${label}: exit ${run.exitCode ?? run.signal}${run.timedOut ? " (TIMED OUT)" : ""}, ${fix(run.wallSeconds)} s, ` +
      `tool CPU ${fix(run.cpuSeconds)} s, peak RSS ${fix(run.peakRssMiB, 1)} MiB${busy ? " (BUSY)" : ""}; checking the destination`,
  );
  const check: CheckResult =
    run.exitCode !== 0
      ? { ok: false, problems: [`the tool exited with ${run.exitCode ?? run.signal}:\n${run.outputTail}`], checked: [] }
      : await spec.check(destDb);
  if (!check.ok) {
    loud([
      `CORRECTNESS CHECK FAILED after tool run "${label}" (${spec.mode}, ${spec.sourceDb} -> ${destDb}):`,
      ...check.problems.flatMap((p) => p.split("\n")),
      `tool log: ${logFile}`,
    ]);
  } else {
    progress(`tool ${label}: destination matches the source (${check.checked.join("; ")})`);
  }
  if (!SETTINGS.keep && !spec.keepCopy && !spec.resumes) await dest.http.query(`DROP DATABASE "${destDb}"`);
  const logText = fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : "";
  const peaks = / memory peaks during the run (.*)$/m.exec(logText)?.[1] ?? "";
  const memory = Object.fromEntries([...peaks.matchAll(/(\w+)MiB=([\d.]+)/g)].map((m) => [m[1]!, Number(m[2])]));
  // The server read from and the server written to (a restore reads "backup", writes "restore target").
  const queries = {
    source: (logText.match(/ (source|backup) answered in /g) ?? []).length,
    destination: (logText.match(/ (destination|restore target) answered in /g) ?? []).length,
  };
  return {
    label,
    mode: spec.mode,
    sourceDb: spec.sourceDb,
    destDb,
    points: spec.points,
    run,
    pointsPerSec: rate(spec.points, run.wallSeconds),
    cpuPerMillion: run.cpuSeconds / (spec.points / 1e6),
    cpu,
    busy,
    queries,
    memory,
    check,
    logFile,
  };
}

/** A tool run repeated: every run, and the median and spread of its figures. */
interface ToolSeries {
  spec: ToolSpec;
  runs: ToolResult[];
  wall: Spread;
  pointsPerSec: Spread;
  cpuPerMillion: Spread;
  rss: Spread;
  busyRuns: number;
  ok: boolean;
}

async function repeatTool(ctx: Ctx, spec: ToolSpec, times = SETTINGS.toolRepeats): Promise<ToolSeries> {
  const runs: ToolResult[] = [];
  for (let i = 1; i <= times; i++) runs.push(await toolRun(ctx, spec, i));
  return {
    spec,
    runs,
    wall: spread(runs.map((r) => r.run.wallSeconds)),
    pointsPerSec: spread(runs.map((r) => r.pointsPerSec)),
    cpuPerMillion: spread(runs.map((r) => r.cpuPerMillion)),
    rss: spread(runs.map((r) => r.run.peakRssMiB)),
    busyRuns: runs.filter((r) => r.busy).length,
    ok: runs.every((r) => r.check.ok),
  };
}

/** Checks of a copy of a `bench`-shaped dataset. */
function benchChecks(ctx: Ctx, sourceDb: string, ds: Dataset, mode: "raw" | "aggregated" | "restore") {
  // Above 1,000 series, per-series checks look at one series in a hundred (hosts ending in 00),
  // so that checking stays much cheaper than copying; totals and cardinality are always whole.
  const seriesWhere = ds.series > 1000 ? `"host" =~ /00$/` : undefined;
  if (seriesWhere && mode === "aggregated" && BigInt(ds.stepS ?? 0) * 1_000_000_000n !== SETTINGS.bucketNs) {
    throw new Error("a high-cardinality dataset has one point per series and bucket");
  }
  const { source, dest } = ctx;
  const { oldestNs, newestNs } = timeRange(ds);
  const mid = (oldestNs + newestNs) / 2n;
  const points = totalPoints(ds);
  return (destDb: string): Promise<CheckResult> =>
    mode !== "aggregated"
      ? checkRaw(
          { http: source.http, db: sourceDb },
          { http: dest.http, db: destDb },
          MEASUREMENT,
          { points, series: ds.series },
          { startNs: mid, endNs: mid + 600_000_000_000n },
          seriesWhere,
        )
      : checkAggregated(
          { http: source.http, db: sourceDb },
          { http: dest.http, db: destDb },
          MEASUREMENT,
          SETTINGS.bucket,
          { startNs: alignDown(oldestNs, SETTINGS.bucketNs), endNs: alignUp(newestNs + 1n, SETTINGS.bucketNs) },
          { startNs: alignDown(mid, SETTINGS.bucketNs), endNs: alignDown(mid, SETTINGS.bucketNs) + 3_600_000_000_000n },
          true, // every point of the dataset has every field
          seriesWhere ? { where: seriesWhere, buckets: points } : undefined,
        );
}

/** Checks of a raw copy of the Telegraf-shaped database: every measurement, as checkRaw does. */
function telegrafChecks(ctx: Ctx, sourceDb: string, td: TelegrafDataset) {
  const { source, dest } = ctx;
  const { oldestNs, newestNs } = telegrafRange(td);
  const mid = (oldestNs + newestNs) / 2n;
  return async (destDb: string): Promise<CheckResult> => {
    const problems: string[] = [];
    let points = 0;
    for (const m of td.measurements) {
      const series = seriesOf(td, m);
      const r = await checkRaw(
        { http: source.http, db: sourceDb },
        { http: dest.http, db: destDb },
        m.name,
        { points: series * td.perSeries, series },
        { startNs: mid, endNs: mid + 60_000_000_000n },
      );
      problems.push(...r.problems.map((p) => `${m.name}: ${p}`));
      points += series * td.perSeries;
    }
    return {
      ok: problems.length === 0,
      problems,
      checked: [
        `${td.measurements.length} measurements, ${totalSeries(td)} series, ${int(points)} points: field keys and types, tag keys, cardinality, count(*), per-series count/sum/min/max, first and last point per series, a sample slice (exact)`,
      ],
    };
  };
}

async function loadTelegraf(server: Server, db: string, td: TelegrafDataset): Promise<LoadResult> {
  return loadBatches(server, db, telegrafBatches(td, SETTINGS.batchLines), totalTelegrafPoints(td));
}

// ---------------------------------------------------------------------------------------------
// Main

function environment(source: Server): Record<string, unknown> {
  const git = (args: string[]) => spawnSync("git", ["-C", ROOT, ...args], { encoding: "utf8" }).stdout?.trim() ?? "";
  const dirty = git(["status", "--porcelain", "--", "src"])
    .split("\n")
    .filter(Boolean)
    .map((l) => l.trim());
  return {
    node: process.version,
    influxdb: source.version,
    servers: source.kind,
    cpus: `${os.cpus().length} x ${os.cpus()[0]?.model ?? "?"}`,
    memory: mib(os.totalmem()),
    loadAverage: os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(" "),
    commit: git(["rev-parse", "--short", "HEAD"]),
    uncommittedInSrc: dirty,
  };
}

function datasetOf(points: number, series = SETTINGS.series, stepS?: number): Dataset {
  const perSeries = Math.max(1, Math.floor(points / series));
  return { series, perSeries, stepS };
}

async function bench(source: Server, dest: Server, root: string): Promise<number> {
  const ctx: Ctx = { source, dest, root };
  const ds = datasetOf(SETTINGS.points);
  const N = totalPoints(ds);
  const env = environment(source);
  process.stdout.write(
    `influxdb-backup benchmark\n` +
      `  dataset: ${int(N)} points = ${ds.series} series x ${int(ds.perSeries)} points, ${STEP_S} s apart; ` +
      `fields ${Object.entries(FIELD_TYPES)
        .map(([f, t]) => `${f}:${t}`)
        .join(", ")}; tags host, region\n` +
      `  servers: ${source.kind} InfluxDB ${source.version}, source ${source.url}, destination ${dest.url}\n` +
      `  machine: ${String(env.cpus)}, ${String(env.memory)}, node ${process.version}, load ${String(env.loadAverage)}\n` +
      `  tool: ${Object.entries(IMAGE_ENV)
        .map(([k, v]) => `${k}=${v} `)
        .join(
          "",
        )}node ${[...IMAGE_FLAGS, ...SETTINGS.toolNodeArgs].join(" ")} dist/main.js (the image's ENV and ENTRYPOINT flags` +
      `${SETTINGS.toolNodeArgs.length ? " and BENCH_TOOL_NODE_ARGS" : ""}); every tool run ${SETTINGS.toolRepeats} times\n` +
      `  code: commit ${String(env.commit)}${(env.uncommittedInSrc as string[]).length ? `, uncommitted changes in src: ${(env.uncommittedInSrc as string[]).join(" ")}` : ""}\n\n`,
  );

  const referenceAtStart = machineReferenceMs();
  process.stdout.write(
    `  machine reference: ${fix(referenceAtStart, 0)} ms of CPU for a fixed piece of JavaScript work (bench/reference.ts; measured again at the end: a higher figure is a slower machine, whatever the code)\n\n`,
  );

  const before = machineCpu();
  await new Promise((r) => setTimeout(r, 1000));
  const after = machineCpu();
  const busyCores = before && after ? after.busy - before.busy + after.steal - before.steal : 0;
  if (busyCores > 0.3) {
    process.stdout.write(
      `  NOTE: other work is using ${busyCores.toFixed(1)} of ${os.cpus().length} cores right now: figures may be disturbed (see "other CPU s")\n\n`,
    );
  }
  progress(
    `loading ${int(N)} points into source db "bench" (${int(SETTINGS.batchLines)}-line batches, ${SETTINGS.loadWriters} writers)`,
  );
  const loaded = await load(source, "bench", ds);
  progress(`loaded in ${fix(loaded.seconds)} s (${int(loaded.pointsPerSec)} points/s)`);

  progress("destination write ceiling: one connection, sequential POST /write");
  const ceiling = await writeCeiling(dest, ds, 1);
  progress(`write ceiling ${int(ceiling.pointsPerSec)} points/s (${fix(ceiling.seconds)} s)`);
  progress("destination write with two connections (the tool keeps up to 2 writes in flight)");
  const ceiling2 = await writeCeiling(dest, ds, 2);
  progress(`two connections: ${int(ceiling2.pointsPerSec)} points/s (${fix(ceiling2.seconds)} s)`);

  progress(`waiting for the source to finish compactions (waited ${fix(await waitQuiet(source), 1)} s)`);
  progress("source chunked-read ceiling: SELECT * FROM bench GROUP BY *, chunk_size=10000");
  const reads = await readCeilings(source, "bench", N);
  for (const r of reads) {
    progress(
      `read ${r.format}: ${int(r.pointsPerSec)} points/s (best of ${r.runs.map((x) => fix(x)).join(", ")} s; ${mib(r.bytes)})`,
    );
  }

  progress(
    `server-side aggregate queries (GROUP BY time(${SETTINGS.bucket}), *; ${SETTINGS.daysOfPagination}-day windows)`,
  );
  const agg = await aggregateServerTime(source, "bench", ds);
  progress(
    `aggregate queries: ${fix(agg.seconds)} s (best of ${agg.runs.map((x) => fix(x)).join(", ")} s) over ` +
      `${agg.windows} window(s), ${agg.queries} queries`,
  );

  const benchSpec = (
    label: string,
    title: string,
    db: string,
    d: Dataset,
    mode: "raw" | "aggregated" | "restore",
  ): ToolSpec => ({
    label,
    title,
    mode,
    sourceDb: db,
    points: totalPoints(d),
    check: benchChecks(ctx, db, d, mode),
  });
  const raw = await repeatTool(ctx, benchSpec("raw_1m", "raw", "bench", ds, "raw"));
  const aggregated = await repeatTool(ctx, benchSpec("agg_1m", "aggregated", "bench", ds, "aggregated"));
  const restored = await repeatTool(ctx, benchSpec("restore_1m", "restore", "bench", ds, "restore"));
  const series: ToolSeries[] = [raw, aggregated, restored];
  const loads: { label: string; load: LoadResult }[] = [{ label: "bench", load: loaded }];

  let scale: ToolSeries | undefined;
  if (!SETTINGS.skipScale) {
    const sds = datasetOf(SETTINGS.scalePoints);
    progress(`scale: loading ${int(totalPoints(sds))} points into source db "bench_scale"`);
    const sload = await load(source, "bench_scale", sds);
    loads.push({ label: "bench_scale", load: sload });
    progress(`loaded in ${fix(sload.seconds)} s (${int(sload.pointsPerSec)} points/s)`);
    scale = await repeatTool(ctx, benchSpec("raw_scale", "raw (memory scaling)", "bench_scale", sds, "raw"));
    series.push(scale);
  }

  let telegraf: ToolSeries | undefined;
  let telegrafOne: ToolSeries | undefined;
  let td: TelegrafDataset | undefined;
  if (!SETTINGS.skipTelegraf) {
    const perHost = telegrafDataset(1, 1);
    const perSeries = Math.max(
      1,
      Math.floor(SETTINGS.telegrafPoints / (totalSeries(perHost) * SETTINGS.telegrafHosts)),
    );
    td = telegrafDataset(SETTINGS.telegrafHosts, perSeries);
    const fieldsPerRow = td.measurements.reduce((n, m) => n + seriesOf(td!, m) * m.fields.length, 0) / totalSeries(td);
    progress(
      `Telegraf-shaped: loading ${int(totalTelegrafPoints(td))} points into source db "telegraf" ` +
        `(${td.measurements.length} measurements, ${totalSeries(td)} series, ${fix(fieldsPerRow, 1)} fields per row on average)`,
    );
    const tload = await loadTelegraf(source, "telegraf", td);
    loads.push({ label: "telegraf", load: tload });
    progress(`loaded in ${fix(tload.seconds)} s (${int(tload.pointsPerSec)} points/s)`);
    telegraf = await repeatTool(ctx, {
      label: "telegraf_raw",
      title: "raw, Telegraf-shaped, CONCURRENCY=2",
      mode: "raw",
      sourceDb: "telegraf",
      points: totalTelegrafPoints(td),
      env: { CONCURRENCY: "2" },
      check: telegrafChecks(ctx, "telegraf", td),
    });
    // The same copy one measurement at a time: what CONCURRENCY=2 gains (or costs) on this machine.
    telegrafOne = await repeatTool(ctx, {
      label: "telegraf_raw_c1",
      title: "raw, Telegraf-shaped, CONCURRENCY=1",
      mode: "raw",
      sourceDb: "telegraf",
      points: totalTelegrafPoints(td),
      env: { CONCURRENCY: "1" },
      check: telegrafChecks(ctx, "telegraf", td),
    });
    series.push(telegraf, telegrafOne);
  }

  let hc:
    | {
        ds: Dataset;
        ceiling: CeilingResult;
        read: ReadResult;
        agg: AggregateTimeResult;
        raw: ToolSeries;
        aggregated: ToolSeries;
        incremental: ToolSeries;
      }
    | undefined;
  if (!SETTINGS.skipHc) {
    // One point per series and bucket: the most buckets (and lines written) for the points.
    const hds = datasetOf(SETTINGS.hcPoints, SETTINGS.hcSeries, Number(SETTINGS.bucketNs / 1_000_000_000n));
    progress(
      `high cardinality: loading ${int(totalPoints(hds))} points over ${int(hds.series)} series into "bench_hc"`,
    );
    const hload = await load(source, "bench_hc", hds);
    loads.push({ label: "bench_hc", load: hload });
    progress(`loaded in ${fix(hload.seconds)} s (${int(hload.pointsPerSec)} points/s)`);
    progress("high cardinality: destination write ceiling, one connection");
    const hceiling = await writeCeiling(dest, hds, 1);
    progress(`write ceiling ${int(hceiling.pointsPerSec)} points/s (${fix(hceiling.seconds)} s)`);
    await waitQuiet(source);
    // The source's own chunked read of every series: the most a raw copy can read per second here.
    const [hread] = await readCeilings(source, "bench_hc", totalPoints(hds), true);
    progress(`high cardinality: source chunked read ${int(hread!.pointsPerSec)} points/s (${fix(hread!.seconds)} s)`);
    const hagg = await aggregateServerTime(source, "bench_hc", hds);
    progress(
      `high cardinality: aggregate queries ${fix(hagg.seconds)} s (best of ${hagg.runs.map((x) => fix(x)).join(", ")} s)`,
    );
    const hraw = await repeatTool(ctx, benchSpec("hc_raw", "raw, high cardinality", "bench_hc", hds, "raw"));
    const haggregated = await repeatTool(ctx, {
      ...benchSpec("hc_agg", "aggregated, high cardinality", "bench_hc", hds, "aggregated"),
      keepCopy: true,
    });
    // Runs right after a complete one, nothing new on the source: what an incremental run costs.
    const hincremental = await repeatTool(ctx, {
      ...benchSpec("hc_incr", "aggregated, high cardinality, no new data", "bench_hc", hds, "aggregated"),
      resumes: haggregated.runs[haggregated.runs.length - 1]!.label,
    });
    series.push(hraw, haggregated, hincremental);
    hc = {
      ds: hds,
      ceiling: hceiling,
      read: hread!,
      agg: hagg,
      raw: hraw,
      aggregated: haggregated,
      incremental: hincremental,
    };
  }

  let profiled: ToolResult | undefined;
  if (SETTINGS.cpuProfile) {
    const dir = path.join(SETTINGS.resultsDir, `cpuprof-${new Date().toISOString().replace(/[:.]/g, "-")}`);
    fs.mkdirSync(dir, { recursive: true });
    const prof = await repeatTool(
      ctx,
      {
        ...benchSpec("raw_prof", "raw under --cpu-prof", "bench", ds, "raw"),
        nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${dir}`],
      },
      1,
    );
    profiled = prof.runs[0];
    series.push(prof);
    const file = fs.readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
    if (file && profiled) profiled.profile = summariseProfile(path.join(dir, file));
  }

  // -------------------------------------------------------------------------------------------
  // Report

  const reps = SETTINGS.toolRepeats;
  const rawRatio = raw.pointsPerSec.median / ceiling.pointsPerSec;
  const aggRatio = aggregated.wall.median / agg.seconds;
  const scaleRatio = scale ? scale.rss.median / raw.rss.median : undefined;
  /** "other+steal" CPU seconds of a measurement, marked when it disturbed the figure. */
  const busy = (cpu: CpuUse, seconds: number) =>
    `${cpuText((cpu.other ?? 0) + (cpu.steal ?? 0))}${disturbed(cpu, seconds) ? " BUSY" : ""}`;
  const serverCpu = (cpu: CpuUse) => `src CPU ${cpuText(cpu.source)} s, dst CPU ${cpuText(cpu.dest)} s`;
  const anyBusy = (t: ToolSeries) => t.busyRuns > 0;

  const rows: string[][] = [
    ...loads.map(({ label, load: l }) => [
      `load ${label} (time-major, ${SETTINGS.loadWriters} writers)`,
      int(l.pointsPerSec),
      fix(l.seconds),
      "",
      "",
      "",
      "",
      `${int(l.points)} points`,
    ]),
    ...[ceiling, ceiling2, ...(hc ? [hc.ceiling] : [])].map((c, i) => [
      i === 2
        ? "dest write ceiling, high cardinality (1 conn)"
        : c.connections === 1
          ? "dest write ceiling (1 conn, sequential)"
          : `dest write, ${c.connections} connections (info)`,
      int(c.pointsPerSec),
      fix(c.seconds),
      "",
      "",
      busy(c.cpu, c.seconds),
      "",
      `${c.batches} x ${SETTINGS.batchLines} lines, ${mib(c.bytes)}, series-major; dst CPU ${cpuText(c.cpu.dest)} s`,
    ]),
    ...[...reads, ...(hc ? [{ ...hc.read, format: `${hc.read.format}, high cardinality` }] : [])].map((r) => [
      `source chunked read, ${r.format}`,
      int(r.pointsPerSec),
      fix(r.seconds),
      "",
      "",
      busy(r.cpu, r.seconds),
      "",
      `best of ${r.runs.map((x) => fix(x)).join("/")} s; ${mib(r.bytes)}; src CPU ${cpuText(r.cpu.source)} s${r.format.includes("decode") ? "; decoded in this process" : ""}`,
    ]),
    ...[["", agg] as const, ...(hc ? ([["high cardinality ", hc.agg]] as const) : [])].map(([what, a]) => [
      `server-side aggregates, ${what}(${SETTINGS.bucket}, mean+last)`,
      "",
      fix(a.seconds),
      "",
      "",
      busy(a.cpu, a.seconds),
      "",
      `best of ${a.runs.map((x) => fix(x)).join("/")} s; ${a.windows} window(s), ${a.queries} queries (mean and last in one statement); src CPU ${cpuText(a.cpu.source)} s`,
    ]),
    ...series.map((t) => {
      const last = t.runs[t.runs.length - 1]!;
      const n = t.runs.length;
      return [
        `tool ${t.spec.title}, ${int(t.spec.points)} points`,
        int(t.pointsPerSec.median),
        spreadText(t.wall, 2, n),
        spreadText(t.rss, 1, n),
        spreadText(t.cpuPerMillion, 2, n),
        `${t.busyRuns}/${n} BUSY`.replace(/^0\/\d+ BUSY$/, "-"),
        t.ok ? "OK" : "MISMATCH",
        `tool says ${last.run.summary.seconds ?? "?"} s, read ${last.run.summary.read ?? "?"} written ${last.run.summary.written ?? "?"}; ` +
          `peaks: JS heap ${fix(last.memory.heapTotal ?? NaN, 1)}, buffers ${fix(last.memory.arrayBuffers ?? NaN, 1)} MiB; ` +
          `queries ${last.queries.source} src, ${last.queries.destination} dst (last run); ${serverCpu(last.cpu)}`,
      ];
    }),
  ];

  const result = (pass: boolean | undefined, inputsDisturbed: boolean) =>
    (pass === undefined ? "SKIP" : pass ? "PASS" : "FAIL") + (pass !== undefined && inputsDisturbed ? " (BUSY)" : "");
  const target = (name: string, value: string, pass: boolean | undefined, disturbedBy = false) => ({
    name,
    value,
    pass,
    result: result(pass, disturbedBy),
  });
  const hcWritten = hc ? Number(hc.aggregated.runs[hc.aggregated.runs.length - 1]!.run.summary.written ?? NaN) : NaN;
  const hcBuckets = hc ? totalPoints(hc.ds) : NaN; // one point per series and bucket
  const targets = [
    target(
      `raw >= ${TARGETS.rawVsWriteCeiling} x single-connection write ceiling (${int(N)} points, median of ${reps})`,
      `${fix(rawRatio)} x (${int(raw.pointsPerSec.median)} vs ${int(ceiling.pointsPerSec)} points/s)`,
      rawRatio >= TARGETS.rawVsWriteCeiling,
      disturbed(ceiling.cpu, ceiling.seconds) || anyBusy(raw),
    ),
    target(
      `aggregated wall time <= ${TARGETS.aggVsServerTime} x server-side aggregate time (median of ${reps})`,
      `${fix(aggRatio)} x (${fix(aggregated.wall.median)} s vs ${fix(agg.seconds)} s)`,
      aggRatio <= TARGETS.aggVsServerTime,
      disturbed(agg.cpu, agg.seconds) || anyBusy(aggregated),
    ),
    target(
      `tool CPU <= ${TARGETS.rawCpuPerMillion} s per 1M raw points (median of ${reps})`,
      `${spreadText(raw.cpuPerMillion)} s`,
      raw.cpuPerMillion.median <= TARGETS.rawCpuPerMillion,
      anyBusy(raw),
    ),
    target(
      `tool CPU <= ${TARGETS.aggCpuPerMillion} s per 1M source points aggregated (median of ${reps})`,
      `${spreadText(aggregated.cpuPerMillion)} s`,
      aggregated.cpuPerMillion.median <= TARGETS.aggCpuPerMillion,
      anyBusy(aggregated),
    ),
    target(
      `peak RSS <= ${TARGETS.rssMiB} MiB at ${int(SETTINGS.scalePoints)} points raw (median of ${reps})`,
      scale ? `${spreadText(scale.rss, 1)} MiB` : "skipped",
      scale ? scale.rss.median <= TARGETS.rssMiB : undefined,
    ),
    target(
      `peak RSS at ${int(SETTINGS.scalePoints)} <= ${TARGETS.scaleRssRatio} x the ${int(N)} figure`,
      scale && scaleRatio !== undefined
        ? `${fix(scaleRatio)} x (${fix(scale.rss.median, 1)} vs ${fix(raw.rss.median, 1)} MiB)`
        : "skipped",
      scaleRatio === undefined ? undefined : scaleRatio <= TARGETS.scaleRssRatio,
    ),
    target(
      `peak RSS <= ${TARGETS.rssMiB} MiB, Telegraf-shaped raw copy, CONCURRENCY=2 (median of ${reps})`,
      telegraf && td
        ? `${spreadText(telegraf.rss, 1)} MiB (${td.measurements.length} measurements, ${totalSeries(td)} series, ${int(totalTelegrafPoints(td))} points)`
        : "skipped",
      telegraf ? telegraf.rss.median <= TARGETS.rssMiB : undefined,
    ),
    target(
      `high cardinality raw >= ${TARGETS.rawVsWriteCeiling} x its write ceiling (${hc ? int(hc.ds.series) : "-"} series)`,
      hc
        ? `${fix(hc.raw.pointsPerSec.median / hc.ceiling.pointsPerSec)} x (${int(hc.raw.pointsPerSec.median)} vs ${int(hc.ceiling.pointsPerSec)} points/s; the source's own chunked read: ${int(hc.read.pointsPerSec)} points/s)`
        : "skipped",
      hc ? hc.raw.pointsPerSec.median / hc.ceiling.pointsPerSec >= TARGETS.rawVsWriteCeiling : undefined,
      hc ? disturbed(hc.ceiling.cpu, hc.ceiling.seconds) || anyBusy(hc.raw) : false,
    ),
    target(
      `high cardinality aggregated wall <= ${TARGETS.aggVsServerTime} x server-side aggregate time`,
      hc
        ? `${fix(hc.aggregated.wall.median / hc.agg.seconds)} x (${fix(hc.aggregated.wall.median)} s vs ${fix(hc.agg.seconds)} s)`
        : "skipped",
      hc ? hc.aggregated.wall.median / hc.agg.seconds <= TARGETS.aggVsServerTime : undefined,
      hc ? disturbed(hc.agg.cpu, hc.agg.seconds) || anyBusy(hc.aggregated) : false,
    ),
    target(
      `high cardinality aggregated: one line written per series and bucket`,
      hc
        ? `${fix(hcWritten / hcBuckets)} lines per bucket (${int(hcWritten)} lines, ${int(hcBuckets)} buckets)`
        : "skipped",
      hc ? hcWritten === hcBuckets : undefined,
    ),
  ];

  const hcIncrWritten = hc ? Math.max(...hc.incremental.runs.map((r) => Number(r.run.summary.written ?? NaN))) : NaN;
  const hcIncrRatio = hc ? hc.incremental.wall.median / hc.aggregated.wall.median : NaN;
  const hcIncrQueries = hc ? hc.incremental.runs[hc.incremental.runs.length - 1]!.queries : undefined;
  targets.push(
    target(
      `high cardinality, a run right after a complete one: rewrites only buckets still filling (none here), in <= ${TARGETS.incrementalVsFirst} x a first run's time`,
      hc && hcIncrQueries
        ? `${int(hcIncrWritten)} lines written; ${fix(hc.incremental.wall.median)} s = ${fix(hcIncrRatio)} x the first run (${fix(hc.aggregated.wall.median)} s); ${hcIncrQueries.source} source and ${hcIncrQueries.destination} destination queries`
        : "skipped",
      hc ? hcIncrWritten === 0 && hcIncrRatio <= TARGETS.incrementalVsFirst : undefined,
      hc ? anyBusy(hc.incremental) : false,
    ),
  );

  targets.push(
    target(
      `CONCURRENCY=2 is not slower than CONCURRENCY=1, within 5 % (Telegraf-shaped raw copy, medians of ${reps})`,
      telegraf && telegrafOne
        ? `${fix(telegraf.wall.median)} s vs ${fix(telegrafOne.wall.median)} s (${fix(telegrafOne.wall.median / telegraf.wall.median)} x as fast); tool CPU ${fix(telegraf.cpuPerMillion.median)} vs ${fix(telegrafOne.cpuPerMillion.median)} s per 1M`
        : "skipped",
      telegraf && telegrafOne ? telegraf.wall.median <= telegrafOne.wall.median * 1.05 : undefined,
      telegraf && telegrafOne ? anyBusy(telegraf) || anyBusy(telegrafOne) : false,
    ),
  );

  const failedRuns = series.flatMap((t) => t.runs).filter((r) => !r.check.ok);
  const out: string[] = [];
  out.push("", "RESULTS", "");
  out.push(
    table(rows, [
      "measurement",
      "points/s",
      "seconds",
      "peak RSS MiB",
      "tool CPU s/1M",
      "other CPU s",
      "check",
      "detail",
    ]),
  );
  out.push(
    "",
    `tool rows: median (min-max) of ${reps} runs for seconds, peak RSS (VmHWM) and tool CPU (user+sys of the tool's process, per million source points); points/s from the median wall time.`,
    `other CPU s: CPU used during the measurement by processes outside the benchmark, plus hypervisor steal;` +
      ` BUSY = more than 0.2 core on average (and 0.5 s), the figure is disturbed (tool rows: how many runs were).`,
  );
  out.push("", "TARGETS (issue 12)", "");
  out.push(
    table(
      targets.map((t) => [t.name, t.value, t.result]),
      ["target", "measured", "result"],
    ),
  );
  out.push("", "CORRECTNESS", "");
  for (const r of series.flatMap((t) => t.runs)) {
    out.push(
      `  ${r.check.ok ? "OK      " : "MISMATCH"} ${r.label}: ${r.check.ok ? r.check.checked.join("; ") : r.check.problems.join(" | ")}`,
    );
  }
  if (profiled?.profile) {
    const p = profiled.profile;
    out.push("", `CPU PROFILE of the raw run (${p.file}, ${fix(p.totalMs / 1000)} s sampled)`, "");
    out.push(
      table(
        p.areas.slice(0, 12).map((a) => [a.area, fix(a.ms / 1000), fix(a.pct, 1)]),
        ["self time by area", "seconds", "%"],
      ),
    );
    out.push("");
    out.push(
      table(
        p.functions.map((f) => [f.name, fix(f.ms / 1000), fix(f.pct, 1), f.where]),
        ["top self-time functions", "seconds", "%", "where"],
      ),
    );
  }
  process.stdout.write(`${out.join("\n")}\n`);

  const runJson = (r: ToolResult) => ({
    label: r.label,
    mode: r.mode,
    sourceDb: r.sourceDb,
    destDb: r.destDb,
    points: r.points,
    pointsPerSec: r.pointsPerSec,
    wallSeconds: r.run.wallSeconds,
    peakRssMiB: r.run.peakRssMiB,
    maxSampledRssMiB: r.run.maxSampledRssMiB,
    toolCpuSeconds: r.run.cpuSeconds,
    toolCpuPerMillion: r.cpuPerMillion,
    cpu: r.cpu,
    disturbed: r.busy,
    exitCode: r.run.exitCode,
    toolSummary: r.run.summary,
    check: r.check,
    profile: r.profile,
  });
  const results = {
    when: new Date().toISOString(),
    settings: { ...SETTINGS, bucketNs: SETTINGS.bucketNs.toString(), imageNodeFlags: IMAGE_FLAGS },
    environment: env,
    dataset: { ...ds, points: N, measurement: MEASUREMENT, fields: FIELD_TYPES, stepSeconds: STEP_S },
    telegrafDataset: td,
    loads,
    writeCeiling: ceiling,
    writeTwoConnections: ceiling2,
    readCeilings: reads,
    aggregateServerTime: agg,
    highCardinality: hc && {
      dataset: hc.ds,
      writeCeiling: hc.ceiling,
      aggregateServerTime: hc.agg,
    },
    tools: series.map((t) => ({
      label: t.spec.label,
      mode: t.spec.mode,
      points: t.spec.points,
      wallSeconds: t.wall,
      pointsPerSec: t.pointsPerSec,
      toolCpuPerMillion: t.cpuPerMillion,
      peakRssMiB: t.rss,
      busyRuns: t.busyRuns,
      ok: t.ok,
      runs: t.runs.map(runJson),
    })),
    targets,
    ok: failedRuns.length === 0,
    totalSeconds: (performance.now() - T0) / 1000,
    machineReferenceMs: { start: referenceAtStart, end: machineReferenceMs() },
  };
  fs.mkdirSync(SETTINGS.resultsDir, { recursive: true });
  const latest = path.join(SETTINGS.resultsDir, "latest.json");
  const json = `${JSON.stringify(results, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`;
  fs.writeFileSync(latest, json);
  fs.writeFileSync(path.join(SETTINGS.resultsDir, `bench-${results.when.replace(/[:.]/g, "-")}.json`), json);
  const loadAtEnd = os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");
  const reference = results.machineReferenceMs;
  process.stdout.write(
    `\nresults: ${latest}\ntotal time: ${fix(results.totalSeconds, 1)} s; load average at start ${String(env.loadAverage)}, ` +
      `at end ${loadAtEnd} (${os.cpus().length} cores); ` +
      `machine reference ${fix(reference.start, 0)} ms at start, ${fix(reference.end, 0)} ms at end\n`,
  );

  if (failedRuns.length) {
    loud([
      `CORRECTNESS CHECK FAILED for ${failedRuns.map((r) => r.label).join(", ")}: the destination does not match the source.`,
      "See the CORRECTNESS section above and the tool logs.",
    ]);
    return 1;
  }
  return 0;
}

async function main(): Promise<number> {
  if (!fs.existsSync(path.join(ROOT, "dist", "main.js"))) {
    throw new Error(`${path.join(ROOT, "dist", "main.js")} is missing: run npm run build first`);
  }
  const watchdog = setTimeout(() => {
    loud([`benchmark took longer than BENCH_TIMEOUT_S=${SETTINGS.timeoutS} s: stopping everything`]);
    killAllChildrenSync();
    process.exit(3);
  }, SETTINGS.timeoutS * 1000);
  watchdog.unref();
  progress("starting source and destination InfluxDB");
  const { servers, root } = await startServers(["source", "destination"]);
  const [source, dest] = servers as [Server, Server];
  SERVERS.source = source;
  SERVERS.dest = dest;
  try {
    return await bench(source, dest, root);
  } finally {
    progress("stopping the servers");
    await Promise.allSettled(servers.map((s) => s.stop()));
    if (!SETTINGS.keep) fs.rmSync(root, { recursive: true, force: true });
    else progress(`kept ${root}`);
  }
}

process.on("exit", killAllChildrenSync);
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    killAllChildrenSync();
    process.exit(130);
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    loud([`benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`]);
    killAllChildrenSync();
    process.exit(1);
  },
);
