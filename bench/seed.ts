/**
 * Issue 23's rows: a first raw backup seeded through the RPC port, a seeded restore, and
 * InfluxDB's own `influxd backup -portable` + `influxd restore -portable` of the same database
 * for comparison, each repeated SETTINGS.toolRepeats times and checked exact. The tool rows
 * read the tool's log to tell a seed from a fallback to HTTP. Needs host influxd servers (their
 * RPC address); with containers the rows are skipped with a note.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { CheckResult } from "./checks";
import { MEASUREMENT, totalPoints, type Dataset } from "./dataset";
import { cpuSeconds, stopChild, trackChild, waitQuiet, type Server } from "./servers";
import { SETTINGS, progress, int, fix, rate, loud, cpuMeter, disturbed, type CpuUse } from "./settings";
import { spread, spreadText, type Spread } from "./stats";
import { benchChecks, repeatTool, type Ctx, type ToolSeries, type ToolSpec } from "./toolRuns";

/** Issue 23: a first raw backup (and a restore) through the RPC port, against the destination's single-connection write ceiling. */
export const SEED_VS_WRITE_CEILING = 5;

/** What the tool's log says about one run's seed. */
export interface SeedLog {
  /** The seed happened and was checked; false: the run copied over HTTP (or failed before the check). */
  seeded: boolean;
  shards?: number;
  streamed?: number;
  /** Seeded shards that differed from the source and were copied again over HTTP. */
  copiedAgain?: number;
  /** Seconds the streaming took, as the tool says. */
  streamSeconds?: number;
  /** Seconds the check's count(*) queries took on the slower server (they run on both at once). */
  checkSeconds?: number;
  /** The tool's reason for copying over HTTP instead. */
  fallback?: string;
}

export interface SeededSeries extends ToolSeries {
  logs: SeedLog[];
  /** Every run seeded. */
  seeded: boolean;
}

export interface InfluxdRun {
  backupSeconds: number;
  /** Until the restored database answers with every point. */
  restoreSeconds: number;
  /** Until the `influxd restore` client exited. */
  clientRestoreSeconds: number;
  seconds: number;
  /** Size of the portable backup on disk. */
  bytes: number;
  /** CPU of the two `influxd` client processes, sampled every 50 ms (the last few ms of each are missed). */
  clientCpu: number;
  /** The servers' CPU and other work (the clients' sampled CPU is taken out of "other"). */
  cpu: CpuUse;
  busy: boolean;
  check: CheckResult;
}

export interface InfluxdSeries {
  runs: InfluxdRun[];
  backupSeconds: Spread;
  restoreSeconds: Spread;
  seconds: Spread;
  pointsPerSec: Spread;
  clientCpu: Spread;
  busyRuns: number;
  ok: boolean;
}

export interface SeedRows {
  points: number;
  /** Why the rows were not measured (servers without an RPC address). */
  skipped?: string;
  influxd?: InfluxdSeries;
  seed?: SeededSeries;
  seededRestore?: SeededSeries;
}

/** Measures the three rows on `db` (already loaded with `ds` on the source server). */
export async function seedRows(ctx: Ctx, db: string, ds: Dataset): Promise<SeedRows> {
  const { source, dest, root } = ctx;
  const points = totalPoints(ds);
  if (!source.rpcAddress || !dest.rpcAddress) {
    const skipped = "servers in containers publish no RPC port here: seed rows need host influxd (influxd on PATH)";
    progress(`seed rows skipped: ${skipped}`);
    return { points, skipped };
  }
  const spec = (label: string, title: string, mode: "raw" | "restore", env: Record<string, string>): ToolSpec => ({
    label,
    title,
    mode,
    sourceDb: db,
    points,
    check: benchChecks(ctx, db, ds, mode),
    // A seed needs a writable STATE_DIR (its record); runs share it, their keys name their own database.
    env: { ...env, STATE_DIR: path.join(root, `${label}-state`) },
  });
  const seed = seeded(
    await repeatTool(
      ctx,
      spec("seed", "raw, seeded through the RPC port", "raw", {
        SOURCE_RPC_ADDRESS: source.rpcAddress,
        DEST_RPC_ADDRESS: dest.rpcAddress,
      }),
    ),
  );
  // A restore reads the backup server (here the benchmark's source, DEST_*) and writes to the restore target (the destination).
  const seededRestore = seeded(
    await repeatTool(
      ctx,
      spec("seeded_restore", "restore, seeded through the RPC port", "restore", {
        DEST_RPC_ADDRESS: source.rpcAddress,
        RESTORE_RPC_ADDRESS: dest.rpcAddress,
      }),
    ),
  );
  const influxd = await influxdRows(ctx, db, ds, source.rpcAddress, dest.rpcAddress);
  return { points, influxd, seed, seededRestore };
}

function seeded(series: ToolSeries): SeededSeries {
  const logs = series.runs.map((r) => seedLog(fs.existsSync(r.logFile) ? fs.readFileSync(r.logFile, "utf8") : ""));
  logs.forEach((log, i) => {
    if (!log.seeded)
      loud([`${series.runs[i]!.label} did not seed: ${log.fallback ?? "see its log"} (${series.runs[i]!.logFile})`]);
  });
  return { ...series, logs, seeded: logs.every((l) => l.seeded) };
}

/** Reads the seed's INFO lines (src/seed/seed.ts, finish.ts) from a tool log. */
export function seedLog(logText: string): SeedLog {
  const streamed = / seeded \S+ -> \S+: (\d+) of (\d+) shard\(s\) streamed in ([\d.]+)s/.exec(logText);
  const checked = / seed of \S+ -> \S+ checked against the source: (\d+) shard\(s\), (\d+) copied again over HTTP/.exec(
    logText,
  );
  const fallback =
    / not seeding (.*?); copying over HTTP/.exec(logText)?.[1] ??
    / (the seed of \S+ lost the shard IDs .*?); copying over HTTP/.exec(logText)?.[1];
  // The check counts each shard's range with one count(*) per server (src/seed/check.ts); DEBUG logs their times.
  const countMs = (server: string) =>
    [...logText.matchAll(new RegExp(` ${server} answered in (\\d+) ms: SELECT count\\(\\*\\) FROM `, "g"))].reduce(
      (ms, m) => ms + Number(m[1]),
      0,
    );
  const checkMs = Math.max(countMs("(?:source|backup)"), countMs("(?:destination|restore target)"));
  return {
    seeded: streamed !== null && checked !== null && fallback === undefined,
    shards: checked ? Number(checked[1]) : undefined,
    streamed: streamed ? Number(streamed[1]) : undefined,
    copiedAgain: checked ? Number(checked[2]) : undefined,
    streamSeconds: streamed ? Number(streamed[3]) : undefined,
    checkSeconds: checked ? checkMs / 1000 : undefined,
    fallback: fallback ?? (streamed || checked ? undefined : "no seed line in the log"),
  };
}

// ---------------------------------------------------------------------------------------------
// influxd backup -portable + influxd restore -portable

async function influxdRows(ctx: Ctx, db: string, ds: Dataset, from: string, to: string): Promise<InfluxdSeries> {
  const check = benchChecks(ctx, db, ds, "restore");
  const runs: InfluxdRun[] = [];
  for (let i = 1; i <= SETTINGS.toolRepeats; i++) runs.push(await influxdRun(ctx, db, ds, check, from, to, i));
  const points = totalPoints(ds);
  return {
    runs,
    backupSeconds: spread(runs.map((r) => r.backupSeconds)),
    restoreSeconds: spread(runs.map((r) => r.restoreSeconds)),
    seconds: spread(runs.map((r) => r.seconds)),
    pointsPerSec: spread(runs.map((r) => rate(points, r.seconds))),
    clientCpu: spread(runs.map((r) => r.clientCpu)),
    busyRuns: runs.filter((r) => r.busy).length,
    ok: runs.every((r) => r.check.ok),
  };
}

async function influxdRun(
  ctx: Ctx,
  db: string,
  ds: Dataset,
  check: (destDb: string) => Promise<CheckResult>,
  from: string,
  to: string,
  attempt: number,
): Promise<InfluxdRun> {
  const { source, dest, root } = ctx;
  const points = totalPoints(ds);
  const label = `influxd_${attempt}`;
  const newdb = `${label}_copy`;
  const dir = fs.mkdtempSync(path.join(root, `${label}-backup-`));
  try {
    await waitQuiet(source);
    await waitQuiet(dest);
    progress(`${label}: influxd backup -portable ${db} from ${from}, influxd restore -portable into ${to} as ${newdb}`);
    const meter = cpuMeter();
    const backup = await runInfluxd(["backup", "-portable", "-host", from, "-database", db, dir]);
    const restore =
      backup.exitCode === 0
        ? await runInfluxd(["restore", "-portable", "-host", to, "-db", db, "-newdb", newdb, dir])
        : undefined;
    // The restore client leaves before the server has imported the shards (queries meanwhile
    // fail with "engine is closed"): the restore is done when the data answers.
    const importSeconds = restore?.exitCode === 0 ? await untilAnswered(dest, newdb, points) : 0;
    const clientCpu = backup.cpuSeconds + (restore?.cpuSeconds ?? 0);
    const cpu = meter(clientCpu);
    const restoreSeconds = (restore?.seconds ?? NaN) + importSeconds;
    const seconds = backup.seconds + restoreSeconds;
    const busy = disturbed(cpu, seconds);
    const bytes = fs.readdirSync(dir).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
    const failed = [backup, restore].find((r) => r?.exitCode !== 0);
    progress(
      `${label}: backup ${fix(backup.seconds)} s, restore ${fix(restoreSeconds)} s ` +
        `(the client left after ${fix(restore?.seconds ?? NaN)} s), ` +
        `client CPU ${fix(clientCpu)} s${busy ? " (BUSY)" : ""}; checking the destination`,
    );
    const result: CheckResult = failed
      ? {
          ok: false,
          problems: [
            `influxd ${failed === backup ? "backup" : "restore"} exited with ${failed?.exitCode}:\n${failed?.tail}`,
          ],
          checked: [],
        }
      : await check(newdb);
    if (!result.ok)
      loud([`CORRECTNESS CHECK FAILED after ${label}:`, ...result.problems.flatMap((p) => p.split("\n"))]);
    else progress(`${label}: destination matches the source (${result.checked.join("; ")})`);
    return {
      backupSeconds: backup.seconds,
      restoreSeconds,
      clientRestoreSeconds: restore?.seconds ?? NaN,
      seconds,
      bytes,
      clientCpu,
      cpu,
      busy,
      check: result,
    };
  } finally {
    if (!SETTINGS.keep) await dest.http.query(`DROP DATABASE "${newdb}"`);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Seconds until `db` answers a count of every point (at most a minute; the check then says what is missing). */
async function untilAnswered(server: Server, db: string, points: number): Promise<number> {
  const began = performance.now();
  while (performance.now() - began < 60_000) {
    const counted = await server.http.query(`SELECT count("usage") FROM "${MEASUREMENT}"`, db).catch(() => []);
    if (Number(counted[0]?.values?.[0]?.[1] ?? 0) === points) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return (performance.now() - began) / 1000;
}

interface ClientRun {
  exitCode: number | null;
  seconds: number;
  cpuSeconds: number;
  tail: string;
}

/** Runs the `influxd` client, timing it and sampling its CPU (gone from /proc once it exits). */
async function runInfluxd(args: string[]): Promise<ClientRun> {
  const began = performance.now();
  const child = spawn("influxd", args, { stdio: ["ignore", "pipe", "pipe"] });
  trackChild(child);
  let output = "";
  const collect = (b: Buffer) => {
    output = (output + b.toString("utf8")).slice(-20_000);
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  let cpu = 0;
  const poll = setInterval(() => (cpu = cpuSeconds(child.pid) ?? cpu), 50);
  const timer = setTimeout(() => void stopChild(child, 5000), SETTINGS.toolTimeoutS * 1000);
  const exitCode = await new Promise<number | null>((resolve) => {
    child.once("error", () => resolve(null));
    child.once("exit", (code) => resolve(code));
  });
  const seconds = (performance.now() - began) / 1000;
  clearInterval(poll);
  clearTimeout(timer);
  return { exitCode, seconds, cpuSeconds: cpu, tail: output.split("\n").slice(-15).join("\n") };
}

// ---------------------------------------------------------------------------------------------
// Report

/** RESULTS rows: measurement, points/s, seconds, peak RSS MiB, tool CPU s/1M, src CPU s, dst CPU s, other CPU s, check, detail. */
export function seedResultRows(rows: SeedRows): string[][] {
  const { points } = rows;
  if (rows.skipped) return [[`seed rows (${int(points)} points)`, "", "", "", "", "", "", "", "SKIP", rows.skipped]];
  const out: string[][] = [];
  const median = (xs: (number | undefined)[]) =>
    xs.some((x) => x === undefined) ? "?" : spreadText(spread(xs as number[]), 1, xs.length);
  const busyText = (busyRuns: number, n: number) => `${busyRuns}/${n} BUSY`.replace(/^0\/\d+ BUSY$/, "-");
  for (const t of [rows.seed, rows.seededRestore]) {
    if (!t) continue;
    const n = t.runs.length;
    const last = t.runs[n - 1]!;
    const logs = t.logs;
    const notSeeded = logs.filter((l) => !l.seeded);
    const again = logs.reduce((k, l) => k + (l.copiedAgain ?? 0), 0);
    out.push([
      `tool ${t.spec.title}, ${int(t.spec.points)} points`,
      int(t.pointsPerSec.median),
      spreadText(t.wall, 2, n),
      spreadText(t.rss, 1, n),
      spreadText(t.cpuPerMillion, 2, n),
      median(t.runs.map((r) => r.cpu.source)),
      median(t.runs.map((r) => r.cpu.dest)),
      busyText(t.busyRuns, n),
      t.ok ? "OK" : "MISMATCH",
      (notSeeded.length
        ? `NOT SEEDED in ${notSeeded.length}/${n} run(s): ${notSeeded[0]!.fallback ?? "?"}; `
        : `seeded in every run; `) +
        `of the wall time, shards streamed in ${spreadText(spread(logs.map((l) => l.streamSeconds ?? NaN)), 1, n)} s, ` +
        `checked (count(*) on both servers) in ${spreadText(spread(logs.map((l) => l.checkSeconds ?? NaN)), 1, n)} s; ` +
        `${logs[n - 1]?.shards ?? "?"} shard(s), ${again} copied again over HTTP (all runs); ` +
        `tool says ${last.run.summary.seconds ?? "?"} s, written ${last.run.summary.written ?? "?"} (last run)`,
    ]);
  }
  const d = rows.influxd;
  if (d) {
    const n = d.runs.length;
    const last = d.runs[n - 1]!;
    out.push([
      `influxd backup -portable + restore -portable, ${int(points)} points`,
      int(d.pointsPerSec.median),
      spreadText(d.seconds, 2, n),
      "",
      "",
      median(d.runs.map((r) => r.cpu.source)),
      median(d.runs.map((r) => r.cpu.dest)),
      busyText(d.busyRuns, n),
      d.ok ? "OK" : "MISMATCH",
      `backup ${spreadText(d.backupSeconds, 2, n)} s + restore ${spreadText(d.restoreSeconds, 2, n)} s ` +
        `(until the data answers; the client left after ${fix(last.clientRestoreSeconds)} s, last run); ` +
        `${fix(last.bytes / 1048576, 1)} MiB on disk in between; ` +
        `influxd client CPU ${spreadText(d.clientCpu, 2, n)} s (sampled, not in tool CPU; src/dst CPU are the servers)`,
    ]);
  }
  return out;
}

export interface SeedTarget {
  name: string;
  value: string;
  /** Undefined: information, or not measured. */
  pass: boolean | undefined;
  busy: boolean;
}

/** Issue 23's targets, against the destination's single-connection write ceiling (points/s; `ceilingBusy` when its measurement was disturbed). */
export function seedTargets(rows: SeedRows, writeCeiling: number, ceilingBusy = false): SeedTarget[] {
  const reps = SETTINGS.toolRepeats;
  const what = `${int(rows.points)} points, median of ${reps}`;
  const ratio = (t: SeededSeries | undefined, name: string): SeedTarget => {
    const n = `${name}, including the check and the HTTP catch-up: >= ${SEED_VS_WRITE_CEILING} x the destination's single-connection write ceiling (${what})`;
    if (!t) return { name: n, value: rows.skipped ?? "not measured", pass: undefined, busy: false };
    const x = t.pointsPerSec.median / writeCeiling;
    return {
      name: n,
      value:
        `${fix(x)} x (${int(t.pointsPerSec.median)} vs ${int(writeCeiling)} points/s)` +
        (t.ok ? "" : "; MISMATCH") +
        (t.seeded ? "" : `; NOT SEEDED in ${t.logs.filter((l) => !l.seeded).length} run(s)`),
      pass: t.ok && t.seeded && x >= SEED_VS_WRITE_CEILING,
      busy: ceilingBusy || t.busyRuns > 0,
    };
  };
  const d = rows.influxd;
  const versus = (t: SeededSeries | undefined) =>
    t && d ? `${fix(d.seconds.median / t.wall.median)} x as fast (${fix(t.wall.median)} s)` : "?";
  return [
    ratio(rows.seed, "first raw backup with the RPC addresses"),
    ratio(rows.seededRestore, "seeded restore with the RPC addresses"),
    {
      name: `info: influxd backup -portable + restore -portable of the same database (${what}), against the seed and the seeded restore`,
      value: d
        ? `${fix(d.seconds.median)} s = ${fix(d.pointsPerSec.median / writeCeiling)} x the ceiling${d.ok ? "" : "; MISMATCH"}; ` +
          `seed ${versus(rows.seed)}, seeded restore ${versus(rows.seededRestore)}`
        : (rows.skipped ?? "not measured"),
      pass: undefined,
      busy: (d?.busyRuns ?? 0) > 0,
    },
  ];
}
