/**
 * Copies one measurement of one retention policy, window by window. A window is the unit of
 * work: it is read, transformed and written, and only then is the next one started.
 * Re-writing a window is idempotent (same series and timestamp overwrite), so a run that
 * stops anywhere can simply be run again.
 */
import type { Config } from "../config";
import type { InfluxClient } from "../influx/client";
import { aggregateWindow, edgePoint, rawWindow } from "../influx/influxql";
import { nsToRfc3339 } from "../influx/time";
import type { Logger } from "../logger";
import { cursorKey, type CursorStore } from "./cursors";
import { cursorAfter, planWindows, resumeStart, windowLength, type Window } from "./plan";
import { isNumeric, type MeasurementSchema } from "./schema";
import { emptyStats, seriesToLines, type TransformStats } from "./transform";
import { BatchWriter } from "./writer";

export interface MeasurementTarget {
  sourceDb: string;
  destDb: string;
  rp: string;
  schema: MeasurementSchema;
}

export interface MeasurementResult extends TransformStats {
  windows: number;
  /** First and last instant copied, when anything was. */
  fromNs?: bigint;
  toNs?: bigint;
}

export interface CopyContext {
  config: Config;
  source: InfluxClient;
  destination: InfluxClient;
  logger: Logger;
  signal?: AbortSignal;
  /** Concurrent write requests per measurement. */
  writeConcurrency: number;
  cursors: CursorStore;
}

/** Time of the oldest or newest point of a measurement, or undefined when it has none. */
export async function edgeTime(
  client: InfluxClient,
  db: string,
  rp: string,
  measurement: string,
  order: "asc" | "desc",
  signal?: AbortSignal,
): Promise<bigint | undefined> {
  const series = await client.query(edgePoint(db, rp, measurement, order), { db, signal });
  const time = series[0]?.values?.[0]?.[0];
  return typeof time === "string" ? BigInt(time) : undefined;
}

export async function copyMeasurement(ctx: CopyContext, target: MeasurementTarget): Promise<MeasurementResult> {
  const { config, source, destination, signal } = ctx;
  const { sourceDb, destDb, rp, schema } = target;
  const name = schema.name;
  const result: MeasurementResult = { ...emptyStats(), windows: 0 };

  const oldest = await edgeTime(source, sourceDb, rp, name, "asc", signal);
  if (oldest === undefined) return result;
  const newest = (await edgeTime(source, sourceDb, rp, name, "desc", signal)) as bigint;
  const destNewest = await edgeTime(destination, destDb, rp, name, "desc", signal);

  const bucketNs = config.aggregation.mode === "aggregate" ? config.aggregation.bucketNs : 1n;
  const windowNs = windowLength(config.paginationNs, bucketNs);
  const key = cursorKey({
    source: source.options.url.href,
    sourceDb,
    destination: destination.options.url.href,
    destDb,
    rp,
    measurement: name,
  });
  const start = resumeStart({
    sourceOldestNs: oldest,
    destNewestNs: destNewest,
    cursorNs: ctx.cursors.get(key),
    bucketNs,
    windowNs,
  });
  const end = newest + 1n;
  if (start >= end) return result;
  result.fromNs = start;

  const writer = new BatchWriter(destination, destDb, rp, config.writeBatchSize, ctx.writeConcurrency);
  for (const window of planWindows(start, end, bucketNs, windowNs)) {
    const stats = emptyStats();
    const began = Date.now();
    try {
      signal?.throwIfAborted();
      await copyWindow(ctx, target, window, writer, stats);
      await writer.flush();
    } catch (err) {
      await writer.abandon();
      throw err;
    }
    ctx.cursors.set(key, cursorAfter(window, newest, bucketNs));
    result.windows++;
    result.toNs = window.endNs;
    for (const k of ["rows", "lines", "nonFinite", "mismatched", "unrepresentable"] as const) result[k] += stats[k];
    ctx.logger.debug(`window ${nsToRfc3339(window.startNs)} .. ${nsToRfc3339(window.endNs)} copied`, {
      measurement: name,
      read: stats.rows,
      written: stats.lines,
      ms: Date.now() - began,
    });
  }
  return result;
}

async function copyWindow(
  ctx: CopyContext,
  target: MeasurementTarget,
  window: Window,
  writer: BatchWriter,
  stats: TransformStats,
): Promise<void> {
  const { config, source, signal } = ctx;
  const { sourceDb, rp, schema } = target;
  const fields = [...schema.fields.keys()];
  const queries: string[] = [];
  if (config.aggregation.mode === "raw") {
    queries.push(rawWindow(sourceDb, rp, schema.name, fields, window.startNs, window.endNs));
  } else {
    const { bucket } = config.aggregation;
    const numeric = fields.filter((f) => isNumeric(schema.fields.get(f) ?? "string"));
    const other = fields.filter((f) => !isNumeric(schema.fields.get(f) ?? "string"));
    // Numeric and non-numeric aggregates are written as separate lines for the same series
    // and bucket; InfluxDB merges the field sets of points with the same series and time, so
    // the destination holds one point with both (a full join, done by the server).
    if (numeric.length)
      queries.push(aggregateWindow("mean", sourceDb, rp, schema.name, numeric, bucket, window.startNs, window.endNs));
    if (other.length)
      queries.push(aggregateWindow("last", sourceDb, rp, schema.name, other, bucket, window.startNs, window.endNs));
  }
  for (const q of queries) {
    for await (const series of source.stream(q, { db: sourceDb, signal })) {
      const lines = seriesToLines(series, schema.name, schema.fields, stats);
      if (lines.length) await writer.add(lines);
    }
  }
}
