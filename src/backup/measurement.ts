/**
 * Copies one measurement of one retention policy, window by window. A window is the unit of
 * work: it is read, transformed and written, and only then is the next one started.
 * Re-writing a window is idempotent (same series and timestamp overwrite), so a run that
 * stops anywhere can simply be run again.
 */
import { resolveBound, type Config } from "../config";
import type { InfluxClient } from "../influx/client";
import { aggregateWindow, rawWindow } from "../influx/influxql";
import { nsToRfc3339 } from "../influx/time";
import type { Logger } from "../logger";
import { cursorKey, type CursorStore } from "./cursors";
import { withRetry } from "../retry";
import { edgeTime, findNewest } from "./edges";
import { alignDown, countWindows, cursorAfter, planWindows, resumeStart, windowLength, type Window } from "./plan";
import { ProgressReporter, describeProgress, type Progress } from "./progress";
import { isNumeric } from "./schema";
import type { MeasurementTarget } from "./targets";
import { addStats, emptyStats, type TransformStats } from "./transform";
import { LineBatcher, transcodeChunk } from "./transcode";
import { BatchWriter, type Rejection } from "./writer";

export interface MeasurementResult extends TransformStats {
  windows: number;
  /** Points the destination refused, by reason and window. */
  rejections: (Rejection & { window: Window })[];
  /** Points the destination dropped as older than its retention policy. */
  beyondRetention: number;
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
  /** When this run started, for bounds relative to it (BACKUP_START=-30d). */
  nowNs: bigint;
  /** Told about progress at PROGRESS_INTERVAL (for metrics). */
  onProgress?: (p: Progress) => void;
}

export interface CopyRange {
  start: bigint;
  end: bigint;
  /** The source's newest point (the bucket holding it may still be filling). */
  newest: bigint;
  /** False for an explicit BACKUP_START..BACKUP_END backfill, which leaves the cursors alone. */
  moveCursor: boolean;
}

/** What a backup or a verification runs with. */
export interface RunDeps {
  config: Config;
  source: InfluxClient;
  destination: InfluxClient;
  logger: Logger;
  cursors: CursorStore;
  signal?: AbortSignal;
  /** The clock, in milliseconds since the epoch (tests pass their own). */
  now?: () => number;
  onProgress?: (p: Progress) => void;
}

/** The context a run copies in: its clients, logger, cursors and clock. */
export function copyContext(o: RunDeps): CopyContext {
  return {
    ...o,
    writeConcurrency: o.config.writeConcurrency,
    nowNs: BigInt(o.now?.() ?? Date.now()) * 1_000_000n,
  };
}

/** Where to start and end this run, from the bounds, the cursor, the destination and the source. */
export async function planRange(
  ctx: CopyContext,
  target: MeasurementTarget,
  key: string,
  bucketNs: bigint,
  windowNs: bigint,
): Promise<CopyRange | undefined> {
  const { source, destination, signal, config } = ctx;
  const name = target.schema.name;
  const src = { client: source, db: target.sourceDb, rp: target.rp, measurement: name, signal };
  const dst = { client: destination, db: target.destDb, rp: target.rp, measurement: target.destMeasurement, signal };
  const floor = config.start && resolveBound(config.start, ctx.nowNs);
  const ceiling = config.end && resolveBound(config.end, ctx.nowNs);
  if (ceiling !== undefined) {
    // An explicit range (a backfill): copied whole, whatever the destination holds.
    const start = floor ?? (await edgeTime(src, "asc"));
    if (start === undefined) return undefined;
    return { start: alignDown(start, bucketNs), end: ceiling, newest: ceiling - 1n, moveCursor: false };
  }
  const cursor = ctx.cursors.get(key);
  // Bounded by the cursor when there is one: only recent shards are read.
  const newest =
    (cursor !== undefined ? await edgeTime(src, "desc", cursor) : undefined) ?? (await edgeTime(src, "desc"));
  if (newest === undefined) return undefined;
  const destNewest =
    (cursor !== undefined ? await edgeTime(dst, "desc", cursor) : undefined) ??
    (await findNewest(dst, newest, windowNs));
  const oldest = destNewest === undefined ? await edgeTime(src, "asc") : undefined;
  let start = resumeStart({ sourceOldestNs: oldest, destNewestNs: destNewest, cursorNs: cursor, bucketNs, windowNs });
  if (destNewest !== undefined && config.lookbackNs > 0n) start = alignDown(start - config.lookbackNs, bucketNs);
  if (floor !== undefined && start < alignDown(floor, bucketNs)) start = alignDown(floor, bucketNs);
  return { start, end: newest + 1n, newest, moveCursor: true };
}

export async function copyMeasurement(ctx: CopyContext, target: MeasurementTarget): Promise<MeasurementResult> {
  const { config, source, destination, signal, logger } = ctx;
  const { sourceDb, destDb, rp, schema } = target;
  const name = schema.name;
  const result: MeasurementResult = { ...emptyStats(), windows: 0, rejections: [], beyondRetention: 0 };

  const bucketNs = config.aggregation.mode === "aggregate" ? config.aggregation.bucketNs : 1n;
  const windowNs = windowLength(config.paginationNs, bucketNs);
  const key = cursorKey({
    source: source.options.url.href,
    sourceDb,
    destination: destination.options.url.href,
    destDb,
    rp,
    measurement: name === target.destMeasurement ? name : `${name} -> ${target.destMeasurement}`,
  });
  const range = await planRange(ctx, target, key, bucketNs, windowNs);
  if (!range || range.start >= range.end) return result;
  result.fromNs = range.start;

  const writer = new BatchWriter(destination, destDb, rp, config.writeBatchSize, ctx.writeConcurrency);
  const windowsTotal = countWindows(range.start, range.end, bucketNs, windowNs);
  const where = `${sourceDb}.${rp}.${name}`;
  const progress = new ProgressReporter(config.progressIntervalMs, Date.now, (p) => {
    // Short copies need no progress lines; their summary says it all.
    if (p.windowsDone < p.windowsTotal || p.elapsedMs >= config.progressIntervalMs) {
      logger.info(`progress ${where}: ${describeProgress(p)}`);
    }
    ctx.onProgress?.(p);
  });
  const policy = { maxRetries: config.maxRetries, baseDelayMs: config.retryBaseDelayMs };
  for (const window of planWindows(range.start, range.end, bucketNs, windowNs)) {
    const began = Date.now();
    const label = `${sourceDb}.${rp}.${name} window ${nsToRfc3339(window.startNs)} .. ${nsToRfc3339(window.endNs)}`;
    // The window is the unit of retry: a read or write that fails for good part-way is
    // repeated whole, which is safe because re-writing a window is idempotent.
    const stats = await withRetry(
      async () => {
        signal?.throwIfAborted();
        const attempt = emptyStats();
        try {
          await copyWindow(ctx, target, window, writer, attempt);
          await writer.flush();
        } catch (err) {
          await writer.abandon();
          throw err;
        }
        return attempt;
      },
      {
        policy,
        signal,
        onRetry: ({ attempt, delayMs, error }) =>
          logger.warning(
            `${label} failed (${error}); retry ${attempt}/${policy.maxRetries} in ${(delayMs / 1000).toFixed(1)}s`,
          ),
      },
    );
    for (const r of writer.takeRejections()) result.rejections.push({ ...r, window });
    if (range.moveCursor) ctx.cursors.set(key, cursorAfter(window, range.newest, bucketNs));
    result.windows++;
    result.toNs = window.endNs;
    addStats(result, stats);
    progress.update({
      database: sourceDb,
      retentionPolicy: rp,
      measurement: name,
      windowsDone: result.windows,
      windowsTotal,
      points: result.rows,
    });
    logger.debug(`window ${nsToRfc3339(window.startNs)} .. ${nsToRfc3339(window.endNs)} copied`, {
      measurement: name,
      read: stats.rows,
      written: stats.lines,
      ms: Date.now() - began,
    });
  }
  result.beyondRetention = writer.beyondRetention;
  return result;
}

/** Copies one window again (verification's repair); cursors are left as they are. */
export async function copyWindowAgain(
  ctx: CopyContext,
  target: MeasurementTarget,
  window: Window,
): Promise<TransformStats> {
  const { config, destination } = ctx;
  const writer = new BatchWriter(destination, target.destDb, target.rp, config.writeBatchSize, ctx.writeConcurrency);
  const stats = emptyStats();
  await copyWindow(ctx, target, window, writer, stats);
  await writer.flush();
  return stats;
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
  // The mean() and last() queries run at the same time: the server computes both in
  // parallel, and both feed the same bounded writer. If one fails, the other is stopped too.
  const local = new AbortController();
  const stop = () => local.abort(signal?.reason);
  signal?.addEventListener("abort", stop, { once: true });
  let firstError: { error: unknown } | undefined;
  try {
    await Promise.allSettled(
      queries.map(async (q) => {
        // Each answer chunk is transcoded from MessagePack straight into line protocol bytes,
        // and full batches go to the writer before the next chunk is read.
        const lines = new LineBatcher(writer.batchSize);
        const fieldsOut = {
          measurement: target.destMeasurement,
          fieldTypes: schema.fields,
          fieldRenames: target.fieldRenames,
        };
        try {
          await source.readChunks(q, { db: sourceDb, signal: local.signal }, async (chunk) => {
            const { partial } = transcodeChunk(chunk, fieldsOut, lines, stats);
            if (!partial) lines.closeBatch();
            for (const batch of lines.take()) await writer.add(batch);
            return partial;
          });
        } catch (err) {
          firstError ??= { error: err }; // the cause, not the sibling stopped because of it
          local.abort(err);
        }
      }),
    );
    if (firstError) throw firstError.error;
  } finally {
    signal?.removeEventListener("abort", stop);
  }
}
