/**
 * Copies one measurement of one retention policy, window by window. A window is the unit of
 * work: it is read, transformed and written, and only then is the next one started.
 * Re-writing a window is idempotent (same series and timestamp overwrite), so a run that
 * stops anywhere can simply be run again.
 */
import type { Config } from "../config";
import type { InfluxClient } from "../influx/client";
import { nsToRfc3339 } from "../influx/time";
import type { Logger } from "../observability/logger";
import { cursorKey, type CursorStore } from "./cursors";
import { copyEdgeBucket, splitEdgeBuckets } from "./edgeBuckets";
import { windowQuery } from "./windowQueries";
import { splitAtShardGroups, withTypesIn } from "./mixedTypes";
import { planCopy } from "./planCopy";
import { BrokenRead, repeatBrokenReads } from "./retry";
import { cursorAfter, planWindows, windowLength, type Window } from "./plan";
import { ProgressReporter, describeProgress, type Progress } from "../observability/progress";
import type { MeasurementTarget } from "../inventory/targets";
import { addStats, emptyStats, type TransformStats } from "../codec/transform";
import { LineBatcher, transcodeChunk, type ChunkInfo } from "../codec/transcode";
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
  /** The caller has already made sure the run writes nothing it reads (see selfWriteGuard.ts). */
  selfWriteChecked?: boolean;
}

/** The context a run copies in: its clients, logger, cursors and clock. */
export function copyContext(o: RunDeps): CopyContext {
  return {
    ...o,
    writeConcurrency: o.config.writeConcurrency,
    nowNs: BigInt(o.now?.() ?? Date.now()) * 1_000_000n,
  };
}

/** The cursor key of a measurement: its source and destination, renames included. */
export function measurementKey(ctx: CopyContext, target: MeasurementTarget): string {
  const name = target.schema.name;
  return cursorKey({
    source: ctx.source.options.url.href,
    sourceDb: target.sourceDb,
    destination: ctx.destination.options.url.href,
    destDb: target.destDb,
    rp: target.rp,
    measurement: name === target.destMeasurement ? name : `${name} -> ${target.destMeasurement}`,
  });
}

/** Bucket (1 ns in raw mode) and window length of this configuration. */
export function windowing(config: Config): { bucketNs: bigint; windowNs: bigint } {
  const bucketNs = config.aggregation.mode === "aggregate" ? config.aggregation.bucketNs : 1n;
  return { bucketNs, windowNs: windowLength(config.paginationNs, bucketNs) };
}

export async function copyMeasurement(ctx: CopyContext, target: MeasurementTarget): Promise<MeasurementResult> {
  const { config, destination, logger } = ctx;
  const { sourceDb, destDb, rp, schema } = target;
  const name = schema.name;
  const result: MeasurementResult = { ...emptyStats(), windows: 0, rejections: [], beyondRetention: 0 };

  const { bucketNs, windowNs } = windowing(config);
  const key = measurementKey(ctx, target);
  const plan = await planCopy(ctx, target, ctx.cursors.get(key), bucketNs, windowNs);
  if (!plan) return result;
  const where = `${sourceDb}.${rp}.${name}`;
  if (plan.future) {
    logger.warning(
      `${where}: ${plan.future.points} point(s) are later than this run's clock, the latest at ${nsToRfc3339(plan.future.latestNs)} (a device with a wrong clock?); they are copied, and the next run still starts from now`,
    );
  }
  if (plan.repairs.length > 0) {
    logger.info(
      `${where}: late data in ${plan.repairs.length} range(s) behind the resume point (${plan.repairs.map((r) => `${nsToRfc3339(r.startNs)} .. ${nsToRfc3339(r.endNs)}`).join(", ")}); copying them again`,
    );
  }
  result.fromNs = plan.fromNs;

  const writer = new BatchWriter(destination, destDb, rp, config.writeBatchSize, ctx.writeConcurrency);
  const repairWindows = plan.repairs.flatMap((r) => [...planWindows(r.startNs, r.endNs, bucketNs, windowNs)]);
  const windowsTotal = plan.requests.reduce((n, r) => n + r.length, 0) + repairWindows.length;
  const progress = new ProgressReporter(config.progressIntervalMs, Date.now, (p) => {
    // Short copies need no progress lines; their summary says it all.
    if (p.windowsDone < p.windowsTotal || p.elapsedMs >= config.progressIntervalMs) {
      logger.info(`progress ${where}: ${describeProgress(p)}`);
    }
    ctx.onProgress?.(p);
  });
  let checkNs = ctx.cursors.get(key)?.checkNs;
  const windowDone = (window: Window, stats: TransformStats, moveCursor: boolean) => {
    for (const r of writer.takeRejections()) result.rejections.push({ ...r, window });
    if (moveCursor) {
      // The last window that holds points before the ceiling: the destination must still hold data from there on.
      if (window.startNs < plan.cursorCeilingNs) checkNs = window.startNs;
      ctx.cursors.set(key, {
        resumeNs: cursorAfter(window, plan.cursorCeilingNs),
        ...(checkNs !== undefined ? { checkNs } : {}),
      });
    }
    result.windows++;
    if (result.toNs === undefined || window.endNs > result.toNs) result.toNs = window.endNs;
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
    });
  };
  for (const request of plan.requests) {
    await copyRequest(
      ctx,
      target,
      request.map((w) => w.window),
      writer,
      (w, stats) => windowDone(w, stats, plan.moveCursor),
    );
  }
  for (const window of repairWindows)
    await copyRequest(ctx, target, [window], writer, (w, s) => windowDone(w, s, false));
  result.beyondRetention = writer.beyondRetention;
  // Points the destination dropped were not written: the summaries count only what it kept.
  result.lines -= writer.beyondRetention;
  return result;
}

/**
 * Copies consecutive windows with one request, telling `onWindow` about each once its writes
 * were acknowledged. A streamed read that breaks part-way is repeated from the first window not
 * yet done, which is safe because re-writing a window is idempotent; a failed write was already
 * retried by the client and fails the request (see retry.ts).
 */
async function copyRequest(
  ctx: CopyContext,
  target: MeasurementTarget,
  windows: Window[],
  writer: BatchWriter,
  onWindow: (window: Window, stats: TransformStats) => void,
): Promise<void> {
  const { config, signal, logger } = ctx;
  const policy = { maxRetries: config.maxRetries, baseDelayMs: config.retryBaseDelayMs };
  let done = 0;
  const first = windows[0] as Window;
  const last = windows[windows.length - 1] as Window;
  const label = `${target.sourceDb}.${target.rp}.${target.schema.name} ${windows.length > 1 ? `${windows.length} windows` : "window"} ${nsToRfc3339(first.startNs)} .. ${nsToRfc3339(last.endNs)}`;
  await repeatBrokenReads(
    async () => {
      signal?.throwIfAborted();
      const rest = windows.slice(done);
      try {
        if (rest.length === 1 || target.schema.mixedNumeric.length > 0 || rest.some((w) => hasEdgeBuckets(config, w))) {
          for (const window of rest) {
            const stats = emptyStats();
            await copyWindow(ctx, target, window, writer, stats);
            await writer.flush();
            done++;
            onWindow(window, stats);
          }
        } else {
          await copyWindowsInOneRequest(ctx, target, rest, writer, (w, stats) => {
            done++;
            onWindow(w, stats);
          });
        }
      } catch (err) {
        await writer.abandon();
        throw err;
      }
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
  const aggregation = ctx.config.aggregation;
  const bucketNs = aggregation.mode === "aggregate" ? aggregation.bucketNs : 1n;
  const pieces =
    target.schema.mixedNumeric.length > 0 ? splitAtShardGroups(window, target.shardGroupNs, bucketNs) : [window];
  for (const piece of pieces) {
    const typed = target.schema.mixedNumeric.length > 0 ? await withTypesIn(ctx, target, piece) : target;
    if (aggregation.mode === "aggregate") {
      const { inner, edges } = splitEdgeBuckets(piece, bucketNs);
      for (const edge of edges) await copyEdgeBucket(ctx, typed, edge, writer, stats);
      if (inner) await readWindow(ctx, typed, inner, writer, stats);
    } else {
      await readWindow(ctx, typed, piece, writer, stats);
    }
  }
}

/** Reads a window with one query and writes what it answers. */
async function readWindow(
  ctx: CopyContext,
  target: MeasurementTarget,
  window: Window,
  writer: BatchWriter,
  stats: TransformStats,
): Promise<void> {
  await readAnswer(
    ctx,
    target,
    windowQuery(ctx.config, target, window),
    writer,
    () => stats,
    ({ partial }) => partial,
  );
}

/**
 * Reads one request's answer: each chunk is transcoded from MessagePack straight into line
 * protocol bytes (counted into `stats()`), and full batches go to the writer before the next
 * chunk is read and before `afterChunk` is told about it; it says whether more chunks follow.
 */
async function readAnswer(
  ctx: CopyContext,
  target: MeasurementTarget,
  query: string,
  writer: BatchWriter,
  stats: () => TransformStats,
  afterChunk: (chunk: ChunkInfo) => Promise<boolean> | boolean,
): Promise<void> {
  const lines = new LineBatcher(writer.batchSize);
  const out = transcodeTarget(target);
  // A failure of the writes is not one of the read: the client already retried it (retry.ts).
  let writeFailed = false;
  const writing = async <T>(write: () => Promise<T>): Promise<T> => {
    try {
      return await write();
    } catch (err) {
      writeFailed = true;
      throw err;
    }
  };
  try {
    await ctx.source.readChunks(query, { db: target.sourceDb, signal: ctx.signal }, (chunk) => {
      const info = transcodeChunk(chunk, out, lines, stats());
      if (!info.partial) lines.closeBatch();
      // Most chunks of a high-cardinality answer fill no batch: nothing to wait for then.
      if (lines.done === 0) {
        const next = afterChunk(info);
        return typeof next === "boolean" ? next : writing(() => next);
      }
      return writing(async () => {
        for (const batch of lines.take()) await writer.add(batch);
        return afterChunk(info);
      });
    });
  } catch (err) {
    throw writeFailed ? err : new BrokenRead(err);
  } finally {
    lines.dispose();
  }
}

function hasEdgeBuckets(config: Config, window: Window): boolean {
  return (
    config.aggregation.mode === "aggregate" && splitEdgeBuckets(window, config.aggregation.bucketNs).edges.length > 0
  );
}

function transcodeTarget(target: MeasurementTarget) {
  return { measurement: target.destMeasurement, fieldTypes: target.schema.fields, fieldRenames: target.fieldRenames };
}

/**
 * Small windows read with one request of several statements, one window after the other;
 * each window's writes are flushed before the next window's are sent, so windows still reach
 * the destination in order (resuming from the destination's newest point relies on it).
 */
async function copyWindowsInOneRequest(
  ctx: CopyContext,
  target: MeasurementTarget,
  windows: Window[],
  writer: BatchWriter,
  onWindow: (window: Window, stats: TransformStats) => void,
): Promise<void> {
  const statements = windows.map((w) => windowQuery(ctx.config, target, w));
  let stats = emptyStats();
  let statementsDone = 0;
  let windowsDone = 0;
  await readAnswer(
    ctx,
    target,
    statements.join(";\n"),
    writer,
    () => stats,
    async ({ completed }) => {
      statementsDone += completed;
      // One statement a window: each completed statement is a window done.
      while (windowsDone < statementsDone) {
        await writer.flush();
        onWindow(windows[windowsDone] as Window, stats);
        stats = emptyStats();
        windowsDone++;
      }
      return statementsDone < statements.length;
    },
  );
}
