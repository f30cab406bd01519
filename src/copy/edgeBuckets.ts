/**
 * The first and last buckets of InfluxDB's time range. A bucket that starts before the
 * earliest representable time cannot be labelled (GROUP BY time() answers it at 1970), and one
 * that ends after the latest is left out of GROUP BY time() answers altogether. Such a bucket
 * is read with an aggregate over its representable part and written at its start, or at the
 * earliest representable time for the first bucket.
 */
import { MAX_TIME, MIN_TIME } from "../influx/influxql";
import type { CopyContext } from "./measurement";
import { alignDown, type Window } from "./plan";
import type { MeasurementTarget } from "../inventory/targets";
import { seriesToLines, type TransformStats } from "../codec/transform";
import { windowQuery } from "./windowQueries";
import type { Batch, BatchWriter } from "./writer";

export interface EdgeBucket {
  /** The bucket's representable part. */
  range: Window;
  /** Where its aggregate is written. */
  labelNs: bigint;
}

/** The part of a window GROUP BY time() answers correctly, and the edge buckets it holds. */
export function splitEdgeBuckets(window: Window, bucketNs: bigint): { inner?: Window; edges: EdgeBucket[] } {
  const edges: EdgeBucket[] = [];
  let { startNs, endNs } = window;
  const firstEnd = alignDown(MIN_TIME, bucketNs) + bucketNs;
  if (startNs < firstEnd) {
    edges.push({ range: { startNs: MIN_TIME, endNs: endNs < firstEnd ? endNs : firstEnd }, labelNs: MIN_TIME });
    startNs = firstEnd;
  }
  const lastStart = alignDown(MAX_TIME, bucketNs);
  if (endNs > lastStart && lastStart + bucketNs > MAX_TIME + 1n) {
    const from = startNs > lastStart ? startNs : lastStart;
    if (from < MAX_TIME + 1n) edges.push({ range: { startNs: from, endNs: MAX_TIME + 1n }, labelNs: lastStart });
    endNs = lastStart;
  }
  return { inner: startNs < endNs ? { startNs, endNs } : undefined, edges };
}

/** Reads and writes one edge bucket (a handful of rows per series, decoded the plain way). */
export async function copyEdgeBucket(
  ctx: CopyContext,
  target: MeasurementTarget,
  edge: EdgeBucket,
  writer: BatchWriter,
  stats: TransformStats,
): Promise<void> {
  const lines: string[] = [];
  const query = windowQuery(ctx.config, target, edge.range, false);
  for (const series of await ctx.source.query(query, { db: target.sourceDb, signal: ctx.signal })) {
    const values = (series.values ?? []).map((row) => [edge.labelNs.toString(), ...row.slice(1)]);
    const { destMeasurement, schema, fieldRenames } = target;
    lines.push(...seriesToLines({ ...series, values }, destMeasurement, schema.fields, stats, fieldRenames));
  }
  if (lines.length > 0) await writer.add(toBatch(lines));
}

function toBatch(lines: string[]): Batch {
  const ends: number[] = [];
  let at = 0;
  for (const line of lines) {
    at += Buffer.byteLength(line) + 1;
    ends.push(at);
  }
  return { body: Buffer.from(`${lines.join("\n")}\n`), ends: Uint32Array.from(ends) };
}
