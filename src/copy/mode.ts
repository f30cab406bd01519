/**
 * The copy mode, compiled once from the configuration: raw (an exact copy, 1 ns buckets) or
 * aggregated (mean/last per bucket). Everything that differs between the two is answered here,
 * so the rest of the copy asks the mode instead of testing which one it is: the bucket and
 * window lengths, the windows of a range, the statements that read a window and digest an
 * interval, the edge buckets of InfluxDB's time range, and BACKUP_START/BACKUP_END resolved
 * against a run's clock. Pure: no I/O.
 */
import { resolveRange, type Config } from "../config";
import { bucketDigest, storedDigest, type DigestField } from "../influx/influxql";
import type { MeasurementTarget } from "../inventory/targets";
import { splitEdgeBuckets, type EdgeBucket } from "./edgeBuckets";
import { alignDown, digestInterval, planWindows, windowLength, type Window } from "./plan";
import { aggregateWindowQuery, rawWindowQuery, rowFields } from "./windowQueries";

export interface CopyMode {
  /** Named in logs and summaries only; nothing branches on it. */
  readonly name: "raw" | "aggregate";
  /** One aggregation bucket; 1 ns in raw mode. */
  readonly bucketNs: bigint;
  /** The window length: DAYS_OF_PAGINATION in whole buckets, at least one. */
  readonly windowNs: bigint;
  /** Granularity of late-data digests: whole buckets, at least an hour. */
  readonly digestIntervalNs: bigint;
  /** The bucket InfluxQL groups by (GROUP BY time(...)); undefined in raw mode. */
  readonly bucket?: string;
  /**
   * BACKUP_START and BACKUP_END against the run's clock: the floor aligned down to a bucket (no
   * bucket is computed in part), the ceiling as given (exclusive).
   */
  bounds(nowNs: bigint): { floorNs?: bigint; ceilingNs?: bigint };
  /** Bucket-aligned windows covering [startNs, endNs), the same run after run. */
  windows(startNs: bigint, endNs: bigint): Generator<Window>;
  /** Raw reads answer one row a point, its tags as columns and then these fields (undefined: one series per tag set). */
  rowFields(target: MeasurementTarget): readonly string[] | undefined;
  /** The statement that reads one window (`perBucket` false: one aggregate over the whole range, for an edge bucket). */
  windowQuery(target: MeasurementTarget, window: Window, perBucket?: boolean): string;
  /** The source's digest statement: what it holds (raw), or the buckets it would write (aggregated). */
  sourceDigest(
    target: MeasurementTarget,
    fields: DigestField[],
    interval: string,
    startNs: bigint,
    endNs: bigint,
  ): string;
  /** The part of a window GROUP BY time() answers, and the edge buckets of InfluxDB's time range it holds. */
  splitWindow(window: Window): { inner?: Window; edges: EdgeBucket[] };
}

export function compileMode(config: Pick<Config, "aggregation" | "paginationNs" | "start" | "end">): CopyMode {
  const aggregation = config.aggregation;
  const bucketNs = aggregation.mode === "aggregate" ? aggregation.bucketNs : 1n;
  const windowNs = windowLength(config.paginationNs, bucketNs);
  const shared = {
    bucketNs,
    windowNs,
    digestIntervalNs: digestInterval(bucketNs),
    bounds(nowNs: bigint) {
      const { fromNs, toNs } = resolveRange(config, nowNs);
      return { floorNs: fromNs === undefined ? undefined : alignDown(fromNs, bucketNs), ceilingNs: toNs };
    },
    windows: (startNs: bigint, endNs: bigint) => planWindows(startNs, endNs, bucketNs, windowNs),
  };
  if (aggregation.mode === "raw") {
    return {
      name: "raw",
      ...shared,
      rowFields,
      windowQuery: (target, window) => rawWindowQuery(target, window),
      sourceDigest: (target, fields, interval, startNs, endNs) =>
        storedDigest(target.sourceDb, target.rp, target.schema.name, fields, interval, startNs, endNs),
      // Raw mode has no buckets to cut: GROUP BY time() is never asked.
      splitWindow: (window) => ({ inner: window, edges: [] }),
    };
  }
  const bucket = aggregation.bucket;
  return {
    name: "aggregate",
    ...shared,
    bucket,
    rowFields: () => undefined,
    windowQuery: (target, window, perBucket = true) =>
      aggregateWindowQuery(target, window, perBucket ? bucket : undefined),
    sourceDigest: (target, fields, interval, startNs, endNs) =>
      bucketDigest(target.sourceDb, target.rp, target.schema.name, fields, bucket, interval, startNs, endNs),
    splitWindow: (window) => splitEdgeBuckets(window, bucketNs),
  };
}
