/**
 * Anti-entropy for late data: over a trailing horizon behind the resume point, the source and
 * the destination each compute a cheap digest per interval (counts, and sums of numeric
 * fields; in aggregated mode the source digests the buckets it would write), and only the
 * intervals that differ are copied again. A series that uploads a backlog is found this way
 * without re-reading the horizon on every run.
 */
import { storedDigest, type DigestField } from "../influx/influxql";
import { influxqlDuration } from "../influx/time";
import { differingRanges, digestFromRows, type Digest } from "./digest";
import type { MeasurementRef } from "../inventory/edges";
import type { CopyContext } from "./context";
import type { Window } from "./plan";
import { isNumeric } from "../inventory/schema";
import type { MeasurementTarget } from "../inventory/targets";

/** Ranges of [startNs, endNs) whose digests differ between source and destination. */
export async function findLateData(
  ctx: CopyContext,
  target: MeasurementTarget,
  startNs: bigint,
  endNs: bigint,
): Promise<Window[]> {
  if (startNs >= endNs) return [];
  const { mode, source, destination, signal } = ctx;
  const intervalNs = mode.digestIntervalNs;
  const interval = influxqlDuration(intervalNs);
  const fields = [...target.schema.fields].map(([name, type]) => ({ name, numeric: isNumeric(type) }));
  if (fields.length === 0) return [];
  const destFields: DigestField[] = fields.map((f) => ({ ...f, name: target.fieldRenames.get(f.name) ?? f.name }));
  const { sourceDb, destDb, rp } = target;
  const sourceQuery = mode.sourceDigest(target, fields, interval, startNs, endNs);
  const destQuery = storedDigest(destDb, rp, target.destMeasurement, destFields, interval, startNs, endNs);
  const [src, dst] = await Promise.all([
    readDigest({ client: source, db: sourceDb, rp, measurement: target.schema.name, signal }, sourceQuery, intervalNs),
    readDigest(
      { client: destination, db: destDb, rp, measurement: target.destMeasurement, signal },
      destQuery,
      intervalNs,
    ),
  ]);
  return differingRanges(src, dst, intervalNs, startNs, endNs, mode.name === "aggregate");
}

async function readDigest(ref: MeasurementRef, query: string, intervalNs: bigint): Promise<Digest> {
  const series = await ref.client.query(query, { db: ref.db, signal: ref.signal });
  const s = series[0];
  return s ? digestFromRows(s.columns, s.values ?? [], intervalNs) : new Map();
}
