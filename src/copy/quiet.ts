/**
 * A run with nothing new costs the servers nothing. Any query about a measurement's data opens a
 * cursor per series and field of every shard its time range touches: at 100,000 series a
 * second or more of the server's CPU, even to learn that a minute holds no point. What each
 * server has written, shard by shard, costs nothing to read (shardWrites.ts). So a run that
 * copied a measurement completely records both servers' counters for its retention policy, and
 * the next run skips the measurement while neither has written anything there since: no new
 * point, no late point, no restart, no shard created or dropped, on either side. The first
 * write anywhere in the retention policy, a change of plan (mode, fields, renames), a server
 * whose counters cannot be read or name no shard of it, and a day gone by (what writes no
 * point, a DELETE on the backup, is then looked for as a full plan looks) bring back the full
 * planning.
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

/** A measurement is planned in full at least this often, however quiet both servers are. */
export const QUIET_AT_MOST_NS = 24n * 3600n * 1_000_000_000n;

/**
 * The mark a complete copy leaves: the source as seen before planning, the destination after
 * the writes, and since when: this run's clock when it planned the measurement, the earlier
 * mark's when it skipped it. Undefined when the counters name no shard of the retention policy
 * on either side.
 */
export function quietMark(
  ctx: CopyContext,
  target: MeasurementTarget,
  skipped: QuietMark | undefined,
  source: ShardWrites,
  destination: ShardWrites,
  reach: QuietMark["reach"],
): QuietMark | undefined {
  const sourceMark = writesMark(source, target.sourceDb, target.rp);
  const destMark = writesMark(destination, target.destDb, target.rp);
  if (sourceMark === undefined || destMark === undefined) return undefined;
  return {
    source: sourceMark,
    destination: destMark,
    plan: planMark(ctx, target),
    sinceNs: skipped?.sinceNs ?? ctx.nowNs,
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
  if (ctx.nowNs - mark.sinceNs >= QUIET_AT_MOST_NS || ctx.nowNs < mark.sinceNs) return false;
  return (
    mark.source === writesMark(now.source, target.sourceDb, target.rp) &&
    mark.destination === writesMark(now.destination, target.destDb, target.rp) &&
    mark.plan === planMark(ctx, target)
  );
}
