/**
 * Where a measurement's data begins and ends, found with LIMIT 1 queries that are bounded in
 * time whenever possible: `ORDER BY time DESC LIMIT 1` over a whole measurement touches every
 * shard and can exhaust a big server's memory, so the newest point is looked for in a recent
 * range first, widening step by step.
 */
import type { InfluxClient } from "../influx/client";
import { InfluxError } from "../errors";
import { MIN_TIME, edgePoint } from "../influx/influxql";

export interface MeasurementRef {
  client: InfluxClient;
  db: string;
  rp: string;
  measurement: string;
  signal?: AbortSignal;
}

/** Oldest (asc) or newest (desc) point time, in [fromNs, untilNs] when given; undefined when none. */
export async function edgeTime(
  ref: MeasurementRef,
  order: "asc" | "desc",
  fromNs?: bigint,
  untilNs?: bigint,
): Promise<bigint | undefined> {
  const { client, db, rp, measurement, signal } = ref;
  let series;
  try {
    series = await client.query(edgePoint(db, rp, measurement, order, fromNs, untilNs), { db, signal });
  } catch (err) {
    // A database or retention policy that does not exist yet (a dry run before the first
    // backup) holds no points.
    if (err instanceof InfluxError && /database not found|retention policy not found/.test(err.message))
      return undefined;
    throw err;
  }
  const time = series[0]?.values?.[0]?.[0];
  return typeof time === "string" ? BigInt(time) : undefined;
}

const WIDENINGS = 6;

/**
 * The newest point at or before `untilNs` (+∞ when not given), searched in ranges starting
 * `span`, 4×span, 16×span … before `anchorNs`, then without a lower bound.
 */
export async function findNewest(
  ref: MeasurementRef,
  anchorNs: bigint,
  spanNs: bigint,
  untilNs?: bigint,
): Promise<bigint | undefined> {
  let span = spanNs > 0n ? spanNs : 1n;
  for (let i = 0; i < WIDENINGS; i++, span *= 4n) {
    const from = anchorNs - span;
    if (from <= MIN_TIME) break;
    const found = await edgeTime(ref, "desc", from, untilNs);
    if (found !== undefined) return found;
  }
  return edgeTime(ref, "desc", undefined, untilNs);
}
