/** Pure: the queries that read one window of a measurement. */
import type { Config } from "../config";
import { aggregateWindow, rawWindow } from "../influx/influxql";
import type { Window } from "./plan";
import { isNumeric } from "./schema";
import type { MeasurementTarget } from "./targets";

/**
 * One raw query, or mean() of the numeric and last() of the other fields per bucket.
 * `perBucket` false: one aggregate over the whole window (an edge bucket of time).
 */
export function windowQueries(config: Config, target: MeasurementTarget, window: Window, perBucket = true): string[] {
  const { sourceDb, rp, schema } = target;
  const fields = [...schema.fields.keys()];
  if (config.aggregation.mode === "raw") {
    return [rawWindow(sourceDb, rp, schema.name, fields, window.startNs, window.endNs)];
  }
  const bucket = perBucket ? config.aggregation.bucket : undefined;
  const numeric = fields.filter((f) => isNumeric(schema.fields.get(f) ?? "string"));
  const other = fields.filter((f) => !isNumeric(schema.fields.get(f) ?? "string"));
  // Numeric and non-numeric aggregates are written as separate lines for the same series
  // and bucket; InfluxDB merges the field sets of points with the same series and time, so
  // the destination holds one point with both (a full join, done by the server).
  const queries: string[] = [];
  if (numeric.length)
    queries.push(aggregateWindow("mean", sourceDb, rp, schema.name, numeric, bucket, window.startNs, window.endNs));
  if (other.length)
    queries.push(aggregateWindow("last", sourceDb, rp, schema.name, other, bucket, window.startNs, window.endNs));
  return queries;
}
