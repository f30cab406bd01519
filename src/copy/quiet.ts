/**
 * A run with nothing new costs the servers nothing. Any query about a measurement's data opens a
 * cursor per series and field of every shard its time range touches: at 100,000 series a
 * second or more of the server's CPU, even to learn that a minute holds no point. What each
 * server has written, shard by shard, costs nothing to read (shardWrites.ts). So a run that
 * copied a measurement completely records both servers' counters for its retention policy, and
 * the next run skips the measurement while neither has written anything there since: no new
 * point, no late point, no restart, no shard created or dropped, on either side. The first
 * write anywhere in the retention policy, a change of plan (mode, fields, renames) or a server
 * whose counters cannot be read brings back the full planning.
 */
import type { InfluxClient } from "../influx/client";
import { errorMessage } from "../errors";
import { writesMark, type ShardWrites } from "../influx/shardWrites";
import type { MeasurementTarget } from "../inventory/targets";
import type { CopyContext } from "./context";
import type { Cursor, QuietMark } from "./cursors";

/** Both servers' counters, read before a database is planned; a side is missing when it would not tell. */
export interface WritesSeen {
  source?: ShardWrites;
  destination?: ShardWrites;
}

/** A server's counters, or undefined (said once in the DEBUG log) when it will not give them. */
export async function writesOf(ctx: CopyContext, client: InfluxClient): Promise<ShardWrites | undefined> {
  try {
    return await client.shardWrites(ctx.signal);
  } catch (err) {
    if (ctx.signal?.aborted) throw err;
    ctx.logger.debug(`${client.label} does not give its write counters; every measurement is planned in full`, {
      reason: errorMessage(err),
    });
    return undefined;
  }
}

/** What the copy of a measurement depends on besides the data: the mode and the target's fields and names. */
export function planMark(ctx: CopyContext, target: MeasurementTarget): string {
  return JSON.stringify([
    ctx.mode.name,
    ctx.mode.bucketNs.toString(),
    target.destMeasurement,
    [...target.schema.fields],
    [...target.fieldRenames],
    ctx.config.lookbackNs.toString(),
    ctx.config.lateDataHorizonNs.toString(),
  ]);
}

/** The mark a complete copy leaves: the source as seen before planning, the destination after the writes. */
export function quietMark(
  ctx: CopyContext,
  target: MeasurementTarget,
  source: ShardWrites,
  destination: ShardWrites,
  reach: QuietMark["reach"],
): QuietMark {
  return {
    source: writesMark(source, target.sourceDb, target.rp),
    destination: writesMark(destination, target.destDb, target.rp),
    plan: planMark(ctx, target),
    ...(reach ? { reach } : {}),
  };
}

/** True when neither server has written to the measurement's retention policy since its cursor's mark was left. */
export function nothingWrittenSince(
  ctx: CopyContext,
  target: MeasurementTarget,
  cursor: Cursor | undefined,
  now: WritesSeen | undefined,
): boolean {
  const mark = cursor?.quiet;
  if (!mark || !now?.source || !now.destination) return false;
  // A backfill (BACKUP_END) copies its range whatever happened since.
  if (ctx.mode.bounds(ctx.nowNs).ceilingNs !== undefined) return false;
  return (
    mark.source === writesMark(now.source, target.sourceDb, target.rp) &&
    mark.destination === writesMark(now.destination, target.destDb, target.rp) &&
    mark.plan === planMark(ctx, target)
  );
}
