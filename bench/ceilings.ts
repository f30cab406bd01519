/** What the servers do alone, for the figures the tool is compared with: loading, the destination's write ceiling, the source's chunked-read ceiling, server-side aggregate time. */
import {
  FIELD_TYPES,
  MEASUREMENT,
  seriesMajorBatches,
  timeMajorBatches,
  timeRange,
  totalPoints,
  type Dataset,
} from "./dataset";
import { InfluxHttp } from "./http";
import { waitQuiet, type Server } from "./servers";
import { SETTINGS, rate, CpuUse, cpuMeter } from "./settings";
import { spread, type Spread } from "./stats";

export interface LoadResult {
  db: string;
  points: number;
  seconds: number;
  pointsPerSec: number;
}

export async function load(server: Server, db: string, ds: Dataset): Promise<LoadResult> {
  return loadBatches(server, db, timeMajorBatches(ds, SETTINGS.batchLines), totalPoints(ds));
}

/** Writes the batches with SETTINGS.loadWriters concurrent writers into a new database. */
export async function loadBatches(
  server: Server,
  db: string,
  batches: Iterator<string>,
  points: number,
): Promise<LoadResult> {
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

export interface CeilingResult {
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
export async function writeCeiling(dest: Server, ds: Dataset, connections: number): Promise<CeilingResult> {
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

export interface ReadResult {
  format: string;
  bytes: number;
  /** Best of the runs. */
  seconds: number;
  runs: number[];
  pointsPerSec: number;
  rows?: number;
  cpu: CpuUse;
  /** The source's CPU seconds in each run: what one bare read of the data costs it. */
  sourceCpu: Spread;
}

export async function readCeilings(
  source: Server,
  db: string,
  points: number,
  onlyMsgpack = false,
): Promise<ReadResult[]> {
  const q = `SELECT * FROM "${MEASUREMENT}" GROUP BY *`;
  const out: ReadResult[] = [];
  const measure = async (format: string, run: () => Promise<{ bytes: number; ms: number; rows?: number }>) => {
    let best: ReadResult | undefined;
    const runs: number[] = [];
    const sourceCpus: number[] = [];
    // The bare read is what the tool's source CPU is judged against: a median of as many runs as the tool's.
    const times = format === "msgpack" ? Math.max(SETTINGS.repeats, SETTINGS.toolRepeats) : SETTINGS.repeats;
    for (let i = 0; i < times; i++) {
      const meter = cpuMeter();
      const r = await run();
      const cpu = meter();
      runs.push(r.ms / 1000);
      sourceCpus.push(cpu.source ?? NaN);
      if (!best || r.ms / 1000 < best.seconds) {
        best = {
          format,
          bytes: r.bytes,
          seconds: r.ms / 1000,
          runs,
          pointsPerSec: rate(points, r.ms / 1000),
          rows: r.rows,
          cpu,
          sourceCpu: spread([]),
        };
      }
    }
    out.push({ ...best!, sourceCpu: spread(sourceCpus) });
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

export function alignDown(t: bigint, step: bigint): bigint {
  const r = t % step;
  return r < 0n ? t - r - step : t - r;
}
export const alignUp = (t: bigint, step: bigint): bigint => (alignDown(t, step) === t ? t : alignDown(t, step) + step);

/** The tool's windows for a first backup in aggregated mode (same rule as src/copy/plan.ts). */
export function aggregateWindows(ds: Dataset): { startNs: bigint; endNs: bigint }[] {
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

export interface AggregateTimeResult {
  windows: number;
  queries: number;
  bytes: number;
  /** Median of the runs. */
  seconds: number;
  runs: number[];
  cpu: CpuUse;
  /** The source's CPU seconds in each run. */
  sourceCpu: Spread;
}

/** The server's own time for the tool's aggregate statements: median of as many runs as the tool's. */
export async function aggregateServerTime(source: Server, db: string, ds: Dataset): Promise<AggregateTimeResult> {
  const all: AggregateTimeResult[] = [];
  for (let i = 0; i < Math.max(SETTINGS.repeats, SETTINGS.toolRepeats); i++) {
    all.push(await aggregateQueriesOnce(source, db, ds));
  }
  const runs = all.map((r) => r.seconds);
  const median = spread(runs).median;
  const middle = all.reduce((a, b) => (Math.abs(b.seconds - median) < Math.abs(a.seconds - median) ? b : a));
  return { ...middle, seconds: median, runs, sourceCpu: spread(all.map((r) => r.cpu.source ?? NaN)) };
}

/**
 * The tool's aggregate queries for a first backup, drained one window after the other: per
 * window one statement with mean() of the numeric and last() of the other fields.
 */
export async function aggregateQueriesOnce(source: Server, db: string, ds: Dataset): Promise<AggregateTimeResult> {
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
  return {
    windows: windows.length,
    queries: windows.length,
    bytes,
    seconds: ms / 1000,
    runs: [],
    cpu,
    sourceCpu: spread([cpu.source ?? NaN]),
  };
}
