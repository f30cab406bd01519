/**
 * Fields that are integer in some shard groups and float in others. Over a range that touches
 * both, InfluxDB answers floats, and integers above 2^53 lose their exactness; over one shard
 * group's range it answers the type the field has there. So a window of such a measurement is
 * copied shard group by shard group, each with the types its fields have in it.
 */
import { InfluxError } from "../errors";
import { integerProbe } from "../influx/influxql";
import type { FieldType } from "../codec/lineProtocol";
import type { CopyContext } from "./context";
import { alignDown, type Window } from "./plan";
import type { MeasurementTarget } from "../inventory/targets";

/**
 * A window cut at shard group boundaries (multiples of the shard group duration since the
 * epoch, as InfluxDB creates them). Left whole when buckets do not divide the shard groups,
 * since a bucket must never be computed in two parts.
 */
export function splitAtShardGroups(window: Window, shardGroupNs: bigint, bucketNs: bigint): Window[] {
  if (shardGroupNs <= 0n || shardGroupNs % bucketNs !== 0n) return [window];
  const pieces: Window[] = [];
  let start = window.startNs;
  while (start < window.endNs) {
    const next = alignDown(start, shardGroupNs) + shardGroupNs;
    const end = next < window.endNs ? next : window.endNs;
    pieces.push({ startNs: start, endNs: end });
    start = end;
  }
  return pieces;
}

/** The target with the types its mixed fields have over `range` (float where the range holds none). */
export async function withTypesIn(
  ctx: CopyContext,
  target: MeasurementTarget,
  range: Window,
): Promise<MeasurementTarget> {
  const fields = new Map(target.schema.fields);
  for (const field of target.schema.mixedNumeric) {
    if (!fields.has(field)) continue;
    fields.set(field, await typeIn(ctx, target, field, range));
  }
  return { ...target, schema: { ...target.schema, fields } };
}

async function typeIn(ctx: CopyContext, target: MeasurementTarget, field: string, range: Window): Promise<FieldType> {
  const query = integerProbe(target.sourceDb, target.rp, target.schema.name, field, range.startNs, range.endNs);
  try {
    await ctx.source.query(query, { db: target.sourceDb, signal: ctx.signal });
    return "integer";
  } catch (err) {
    if (err instanceof InfluxError && /incompatible types: float/.test(err.message)) return "float";
    throw err;
  }
}
