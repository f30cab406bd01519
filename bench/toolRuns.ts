/** The tool's runs, measured from the outside and repeated, with the checks that follow each; the datasets. */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { checkAggregated, checkRaw, type CheckResult } from "./checks";
import { spread, type Spread } from "./stats";
import {
  seriesOf,
  telegrafBatches,
  telegrafRange,
  totalSeries,
  totalTelegrafPoints,
  type TelegrafDataset,
} from "./telegraf";
import { MEASUREMENT, timeRange, totalPoints, type Dataset } from "./dataset";
import { type ProfileSummary } from "./profile";
import { waitQuiet, type Server } from "./servers";
import { runTool, type ToolRun } from "./tool";
import {
  SETTINGS,
  ROOT,
  IMAGE_FLAGS,
  IMAGE_ENV,
  progress,
  int,
  fix,
  rate,
  mib,
  loud,
  CpuUse,
  cpuMeter,
  disturbed,
} from "./settings";
import { LoadResult, loadBatches, alignDown, alignUp } from "./ceilings";

export interface ToolResult {
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

export interface ToolSpec {
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

export type Ctx = { source: Server; dest: Server; root: string };

export async function toolRun(ctx: Ctx, spec: ToolSpec, attempt: number): Promise<ToolResult> {
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
export interface ToolSeries {
  spec: ToolSpec;
  runs: ToolResult[];
  wall: Spread;
  pointsPerSec: Spread;
  cpuPerMillion: Spread;
  rss: Spread;
  /** CPU seconds the source and the destination InfluxDB spent during each run. */
  srcCpu: Spread;
  dstCpu: Spread;
  busyRuns: number;
  ok: boolean;
}

export async function repeatTool(ctx: Ctx, spec: ToolSpec, times = SETTINGS.toolRepeats): Promise<ToolSeries> {
  const runs: ToolResult[] = [];
  for (let i = 1; i <= times; i++) runs.push(await toolRun(ctx, spec, i));
  return {
    spec,
    runs,
    wall: spread(runs.map((r) => r.run.wallSeconds)),
    pointsPerSec: spread(runs.map((r) => r.pointsPerSec)),
    cpuPerMillion: spread(runs.map((r) => r.cpuPerMillion)),
    rss: spread(runs.map((r) => r.run.peakRssMiB)),
    srcCpu: spread(runs.map((r) => r.cpu.source ?? NaN)),
    dstCpu: spread(runs.map((r) => r.cpu.dest ?? NaN)),
    busyRuns: runs.filter((r) => r.busy).length,
    ok: runs.every((r) => r.check.ok),
  };
}

/** Checks of a copy of a `bench`-shaped dataset. */
export function benchChecks(ctx: Ctx, sourceDb: string, ds: Dataset, mode: "raw" | "aggregated" | "restore") {
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
export function telegrafChecks(ctx: Ctx, sourceDb: string, td: TelegrafDataset) {
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

export async function loadTelegraf(server: Server, db: string, td: TelegrafDataset): Promise<LoadResult> {
  return loadBatches(server, db, telegrafBatches(td, SETTINGS.batchLines), totalTelegrafPoints(td));
}

// ---------------------------------------------------------------------------------------------
// Main

export function environment(source: Server): Record<string, unknown> {
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

export function datasetOf(points: number, series = SETTINGS.series, stepS?: number): Dataset {
  const perSeries = Math.max(1, Math.floor(points / series));
  return { series, perSeries, stepS };
}
