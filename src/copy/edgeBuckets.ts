/**
 * The first and last buckets of InfluxDB's time range. A bucket that starts before the
 * earliest representable time cannot be labelled (GROUP BY time() answers it at 1970), and one
 * that ends after the latest is left out of GROUP BY time() answers altogether. Such a bucket
 * is read with an aggregate over its representable part and written at its start, or at the
 * earliest representable time for the first bucket (read.ts reads it). Pure.
 */
import { MAX_TIME, MIN_TIME } from "../influx/influxql";
import { alignDown, type Window } from "./plan";

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
