/**
 * Copying windows: a window is the unit of work. It is read, transformed and written, and only
 * then is the next one started; re-writing a window is idempotent (same series and timestamp
 * overwrite), so one that failed can simply be copied again.
 */
import { emptyStats, type TransformStats } from "../codec/transform";
import { nsToRfc3339 } from "../influx/time";
import type { MeasurementTarget } from "../inventory/targets";
import type { CopyContext } from "./context";
import { splitAtShardGroups, withTypesIn } from "./mixedTypes";
import type { Window } from "./plan";
import { readEdgeBucket, readWindow, readWindowsInOneRequest } from "./read";
import { repeatBrokenReads } from "./retry";
import { BatchWriter } from "./writer";

/** A writer of the target's destination with the run's batch size and concurrency. */
export function writerFor(ctx: CopyContext, target: MeasurementTarget): BatchWriter {
  return new BatchWriter(ctx.destination, target.destDb, target.rp, ctx.config.writeBatchSize, ctx.writeConcurrency);
}

/**
 * Copies consecutive windows with one request, telling `onWindow` about each once its writes
 * were acknowledged. A streamed read that breaks part-way is repeated from the first window not
 * yet done, which is safe because re-writing a window is idempotent; a failed write was already
 * retried by the client and fails the request (see retry.ts).
 */
export async function copyRequest(
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
        if (rest.length === 1 || target.schema.mixedNumeric.length > 0 || rest.some((w) => hasEdgeBuckets(ctx, w))) {
          for (const window of rest) {
            const stats = emptyStats();
            await copyWindow(ctx, target, window, writer, stats);
            await writer.flush();
            done++;
            onWindow(window, stats);
          }
        } else {
          await readWindowsInOneRequest(ctx, target, rest, writer, (w, stats) => {
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
  // Through copyRequest: a read that breaks is repeated as in any copy, and the caller sees its own failure.
  let copied = emptyStats();
  await copyRequest(ctx, target, [window], writerFor(ctx, target), (_window, stats) => (copied = stats));
  return copied;
}

async function copyWindow(
  ctx: CopyContext,
  target: MeasurementTarget,
  window: Window,
  writer: BatchWriter,
  stats: TransformStats,
): Promise<void> {
  const mixed = target.schema.mixedNumeric.length > 0;
  const pieces = mixed ? splitAtShardGroups(window, target.shardGroupNs, ctx.mode.bucketNs) : [window];
  for (const piece of pieces) {
    const typed = mixed ? await withTypesIn(ctx, target, piece) : target;
    const { inner, edges } = ctx.mode.splitWindow(piece);
    for (const edge of edges) await readEdgeBucket(ctx, typed, edge, writer, stats);
    if (inner) await readWindow(ctx, typed, inner, writer, stats);
  }
}

function hasEdgeBuckets(ctx: CopyContext, window: Window): boolean {
  return ctx.mode.splitWindow(window).edges.length > 0;
}
