/**
 * Verification: for every database pair, retention policy and measurement in scope, compare
 * source and destination per series and per window with aggregate queries on both servers
 * (never reading all points into the tool):
 * - aggregated mode: the buckets of one field and their aggregate (mean of a numeric field,
 *   or the presence of a non-numeric one);
 * - raw mode: the number of values of every field, and the first and last timestamps.
 * Each window that differs is named; with VERIFY_REPAIR those windows are copied again.
 */
import type { Config, DatabasePair } from "../config";
import { errorMessage } from "../errors";
import type { InfluxClient } from "../influx/client";
import { aggregateWindow, countValuesPerSeries, edgeOfField, rawWindow } from "../influx/influxql";
import { formatInteger } from "../codec/lineProtocol";
import { nsToRfc3339 } from "../influx/time";
import { databaseExists, intendedDatabases, resolvePairs, type CopyHistory } from "../inventory/databases";
import { edgeTime } from "../inventory/edges";
import { isNumeric } from "../inventory/schema";
import { backupPlan, refuseSelfWrite } from "../inventory/selfWriteGuard";
import { planDatabase, type MeasurementTarget } from "../inventory/targets";
import type { Logger } from "../observability/logger";
import type { Failure } from "../observability/runSummary";
import { collect, diffWindow, isClean, tagsKey, type SeriesValues, type WindowDiff } from "./compare";
import { formatTable, verdict, type MeasurementVerification } from "./report";

export interface Window {
  startNs: bigint;
  endNs: bigint;
}

/** What verification asks of the copy mode (copy/mode.ts compiles it; commands/verify.ts hands it over). */
export interface VerifyMode {
  readonly bucketNs: bigint;
  /** The bucket of the aggregated mode; undefined in raw mode, where values are counted instead. */
  readonly bucket?: string;
  bounds(nowNs: bigint): { floorNs?: bigint; ceilingNs?: bigint };
  windows(startNs: bigint, endNs: bigint): Iterable<Window>;
}

export interface VerifyOptions {
  config: Config;
  source: InfluxClient;
  destination: InfluxClient;
  logger: Logger;
  /** Earlier runs' cursors: they name the databases when the source cannot be asked. */
  history: CopyHistory;
  signal?: AbortSignal;
  /** The clock, in milliseconds since the epoch (tests pass their own). */
  now?: () => number;
  /** The caller has already made sure a repair writes nothing it reads. */
  selfWriteChecked?: boolean;
  mode: VerifyMode;
  /** Copy the windows that differ again, with `repairWindow`. */
  repair: boolean;
  repairWindow: (target: MeasurementTarget, window: Window) => Promise<unknown>;
}

interface VerifyContext extends VerifyOptions {
  nowNs: bigint;
}

export interface VerifyResult {
  ok: boolean;
  measurements: MeasurementVerification[];
  /** Source databases that could not be checked at all, and why. */
  errors: { database: string; message: string }[];
  mismatchedWindows: number;
}

/** With repair, throws SelfWriteError before writing anything when the repairs would write into what it reads. */
export async function runVerify(options: VerifyOptions): Promise<VerifyResult> {
  const { config, source, destination, logger, signal } = options;
  const result: VerifyResult = { ok: true, measurements: [], errors: [], mismatchedWindows: 0 };
  const ctx: VerifyContext = { ...options, nowNs: BigInt(options.now?.() ?? Date.now()) * 1_000_000n };
  let pairs: DatabasePair[];
  try {
    pairs = await resolvePairs(config, source, signal);
  } catch (err) {
    const databases = intendedDatabases(config, source, options.history);
    result.errors = databases.map((database) => ({ database, message: errorMessage(err) }));
    result.ok = false;
    logger.error(`verification could not check ${databases.join(", ")}: ${errorMessage(err)}`);
    return result;
  }
  if (options.repair && !options.selfWriteChecked)
    await refuseSelfWrite(backupPlan(config, pairs, source, destination, false), logger, signal);
  for (const pair of pairs) {
    try {
      if (!(await databaseExists(source, pair.source, signal)))
        throw new Error(`database "${pair.source}" does not exist on ${source.label}`);
      const plan = await planDatabase(source, config, pair, signal);
      for (const { target } of plan.targets) {
        if (signal?.aborted) break;
        result.measurements.push(await verifyMeasurement(ctx, target, options.repair));
      }
    } catch (err) {
      result.errors.push({ database: pair.source, message: errorMessage(err) });
    }
  }
  result.mismatchedWindows = result.measurements.reduce((n, m) => n + m.badWindows.length, 0);
  const v = verdict(result.measurements);
  result.ok = v.ok && result.errors.length === 0;
  logger.info(`verification of ${result.measurements.length} measurement(s):\n${formatTable(result.measurements)}`);
  for (const e of result.errors) logger.error(`verification could not check ${e.database}: ${e.message}`);
  if (result.ok) logger.info(v.text);
  else
    logger.error(result.errors.length && v.ok ? "verification FAILED: some measurements could not be checked" : v.text);
  return result;
}

/** A run's failures for what a verification found: each measurement that differs, each database it could not check. */
export function verifyFailures(result: VerifyResult): Failure[] {
  const differ = result.measurements
    .filter((m) => m.badWindows.length > 0)
    .map((m) => ({
      database: m.database,
      retentionPolicy: m.retentionPolicy,
      measurement: m.measurement,
      message: `verification found ${m.badWindows.length} window(s) that differ`,
    }));
  const unchecked = result.errors.map((e) => ({
    database: e.database,
    message: `verification could not check it: ${e.message}`,
  }));
  return [...differ, ...unchecked];
}

async function verifyMeasurement(
  ctx: VerifyContext,
  target: MeasurementTarget,
  repair: boolean,
): Promise<MeasurementVerification> {
  const { logger, mode } = ctx;
  const row: MeasurementVerification = {
    database: target.sourceDb,
    retentionPolicy: target.rp,
    measurement: target.schema.name,
    series: 0,
    windowsChecked: 0,
    missing: 0,
    mismatched: 0,
    extra: 0,
    badWindows: [],
  };
  const src = {
    client: ctx.source,
    db: target.sourceDb,
    rp: target.rp,
    measurement: target.schema.name,
    signal: ctx.signal,
  };
  const { floorNs: floor, ceilingNs: ceiling } = mode.bounds(ctx.nowNs);
  const oldest = floor ?? (await edgeTime(src, "asc"));
  const newest = ceiling !== undefined ? ceiling - 1n : await edgeTime(src, "desc");
  if (oldest === undefined || newest === undefined) return row;
  const seriesSeen = new Set<string>();
  const bad: { window: Window; diff: WindowDiff }[] = [];
  for (const window of mode.windows(oldest, newest + 1n)) {
    const diff = await checkWindow(ctx, target, window, seriesSeen);
    row.windowsChecked++;
    if (!isClean(diff)) bad.push({ window, diff });
  }
  row.series = seriesSeen.size;
  const tally = (list: { diff: WindowDiff }[]) => {
    row.missing = list.reduce((n, b) => n + b.diff.missing, 0);
    row.mismatched = list.reduce((n, b) => n + b.diff.mismatched, 0);
    row.extra = list.reduce((n, b) => n + b.diff.extra, 0);
  };
  tally(bad);
  const where = `${target.sourceDb}.${target.rp}.${target.schema.name}`;
  for (const { window, diff } of bad) logger.warning(`verify ${where}: ${describeDiff(window, diff)}`);
  let remaining = bad;
  if (repair && bad.length > 0) {
    for (const { window } of bad) await ctx.repairWindow(target, window);
    remaining = [];
    for (const b of bad) {
      const diff = await checkWindow(ctx, target, b.window, seriesSeen);
      if (!isClean(diff)) remaining.push({ window: b.window, diff });
    }
    row.repaired = bad.length - remaining.length;
    logger.info(`verify ${where}: repaired ${row.repaired} of ${bad.length} window(s) by copying them again`);
    for (const { window, diff } of remaining)
      logger.error(`verify ${where}: still differs after repair: ${describeDiff(window, diff)}`);
    tally(remaining);
  }
  row.badWindows = remaining.map(({ window }) => `${nsToRfc3339(window.startNs)} .. ${nsToRfc3339(window.endNs)}`);
  return row;
}

function describeDiff(window: Window, d: WindowDiff): string {
  const parts = [];
  if (d.missingSeries.length)
    parts.push(
      `${d.missingSeries.length} series missing (${d.missingSeries
        .slice(0, 3)
        .map((s) => s || "(no tags)")
        .join("; ")}${d.missingSeries.length > 3 ? "; …" : ""})`,
    );
  if (d.missing) parts.push(`${d.missing} missing`);
  if (d.mismatched) parts.push(`${d.mismatched} different`);
  if (d.extra) parts.push(`${d.extra} not in the source`);
  return `window ${nsToRfc3339(window.startNs)} .. ${nsToRfc3339(window.endNs)}: ${parts.join(", ")}`;
}

async function checkWindow(
  ctx: VerifyContext,
  target: MeasurementTarget,
  w: Window,
  seen: Set<string>,
): Promise<WindowDiff> {
  const { mode, source, destination, signal } = ctx;
  const { sourceDb, destDb, rp, schema } = target;
  const q = async (client: InfluxClient, db: string, statement: string) => client.query(statement, { db, signal });
  const destField = (f: string) => target.fieldRenames.get(f) ?? f;
  const fields = [...schema.fields.keys()].sort();
  let expected: SeriesValues;
  let actual: SeriesValues;
  const bucket = mode.bucket;
  if (bucket !== undefined) {
    // Buckets and their means, as the backup computes them, for every numeric field (one
    // query); a measurement without numeric fields is checked on the presence of one field.
    const numeric = fields.filter((f) => isNumeric(schema.fields.get(f) ?? "string"));
    const checked = numeric.length ? numeric : [fields[0] as string];
    const fn = numeric.length ? "mean" : "last";
    const specs = (dest: boolean) =>
      checked.map((f) => {
        const type = schema.fields.get(f) ?? "string";
        const normalise = (v: unknown) =>
          typeof v === "number" && !Number.isFinite(v)
            ? undefined // never written: InfluxDB cannot store it
            : type === "integer" && (typeof v === "number" || typeof v === "bigint")
              ? formatInteger(v)
              : numeric.length
                ? v
                : true;
        return { column: dest ? destField(f) : f, label: f, normalise };
      });
    expected = collect(
      await q(source, sourceDb, aggregateWindow(fn, sourceDb, rp, schema.name, checked, bucket, w.startNs, w.endNs)),
      specs(false),
    );
    actual = collect(
      await q(
        destination,
        destDb,
        rawWindow(destDb, rp, target.destMeasurement, checked.map(destField), w.startNs, w.endNs),
      ),
      specs(true),
    );
  } else {
    // Values per field and series, then first and last timestamps of the busiest field.
    const counts = async (client: InfluxClient, db: string, m: string) =>
      q(client, db, countValuesPerSeries(db, rp, m, w.startNs, w.endNs));
    const toRows = (series: Awaited<ReturnType<typeof counts>>, rename: (f: string) => string): SeriesValues => {
      const out: SeriesValues = new Map();
      for (const s of series) {
        const rows = new Map<string, unknown>();
        for (const f of fields) {
          const i = s.columns.indexOf(`count_${rename(f)}`);
          const v = i < 0 ? 0 : Number(s.values?.[0]?.[i] ?? 0);
          if (v > 0) rows.set(`count ${f}`, v);
        }
        out.set(tagsKey(s.tags), rows);
      }
      return out;
    };
    const srcCounts = await counts(source, sourceDb, schema.name);
    expected = toRows(srcCounts, (f) => f);
    actual = toRows(await counts(destination, destDb, target.destMeasurement), destField);
    const busiest = fields.reduce(
      (best, f) => (total(expected, f) > total(expected, best) ? f : best),
      fields[0] as string,
    );
    for (const fn of ["first", "last"] as const) {
      const timeOf = async (client: InfluxClient, db: string, m: string, f: string) =>
        collect(await q(client, db, edgeOfField(fn, db, rp, m, f, w.startNs, w.endNs)), [
          { column: "v", label: fn, normalise: () => true },
        ]);
      merge(expected, await timeOf(source, sourceDb, schema.name, busiest));
      merge(actual, await timeOf(destination, destDb, target.destMeasurement, destField(busiest)));
    }
  }
  for (const [k, rows] of expected) if (rows.size) seen.add(k);
  return diffWindow(expected, actual);
}

function total(values: SeriesValues, field: string): number {
  let n = 0;
  for (const rows of values.values()) n += Number(rows.get(`count ${field}`) ?? 0);
  return n;
}

/** Adds "<time> first" / "<time> last" entries: a timestamp that differs shows as a missing and an extra entry. */
function merge(into: SeriesValues, times: SeriesValues): void {
  for (const [series, rows] of times) {
    const target = into.get(series) ?? new Map<string, unknown>();
    for (const [key, v] of rows) target.set(key, v);
    into.set(series, target);
  }
}
