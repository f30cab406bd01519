/** Pure: the query that reads one window of a measurement. */
import type { Config } from "../config";
import { aggregateColumns, rawWindow } from "../influx/influxql";
import type { Window } from "./plan";
import { isNumeric } from "../inventory/schema";
import type { MeasurementTarget } from "../inventory/targets";

/**
 * One raw query; or one aggregated query, mean() of the numeric and last() of the other fields
 * per bucket, which the server answers with one row per series and bucket holding both.
 * `perBucket` false: one aggregate over the whole window (an edge bucket of time).
 */
export function windowQuery(config: Config, target: MeasurementTarget, window: Window, perBucket = true): string {
  const { sourceDb, rp, schema } = target;
  const fields = [...schema.fields.keys()];
  if (config.aggregation.mode === "raw") {
    return rawWindow(sourceDb, rp, schema.name, fields, window.startNs, window.endNs);
  }
  const bucket = perBucket ? config.aggregation.bucket : undefined;
  const columns = fields.map((field) => ({
    fn: isNumeric(schema.fields.get(field) ?? "string") ? ("mean" as const) : ("last" as const),
    field,
  }));
  return aggregateColumns(sourceDb, rp, schema.name, columns, bucket, window.startNs, window.endNs);
}
