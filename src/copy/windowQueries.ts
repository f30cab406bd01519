/** Pure: the statements that read one window of a measurement. */
import { aggregateColumns, rawWindow, rawWindowRows } from "../influx/influxql";
import { isNumeric } from "../inventory/schema";
import type { MeasurementTarget } from "../inventory/targets";
import type { Window } from "./plan";

/** Every point of the window, as stored: one answer per series, or one row a point (see rowFields). */
export function rawWindowQuery(target: MeasurementTarget, window: Window): string {
  const { sourceDb, rp, schema } = target;
  const fields = [...schema.fields.keys()];
  return target.readsRows
    ? rawWindowRows(sourceDb, rp, schema.name, fields, window.startNs, window.endNs)
    : rawWindow(sourceDb, rp, schema.name, fields, window.startNs, window.endNs);
}

/** When a raw read answers one row a point: the fields it asked for, in the order its answer holds them. */
export function rowFields(target: MeasurementTarget): string[] | undefined {
  return target.readsRows ? [...target.schema.fields.keys()] : undefined;
}

/**
 * mean() of the numeric and last() of the other fields per bucket, which the server answers
 * with one row per series and bucket holding both; without a bucket, one aggregate over the
 * whole window (an edge bucket of time).
 */
export function aggregateWindowQuery(target: MeasurementTarget, window: Window, bucket: string | undefined): string {
  const { sourceDb, rp, schema } = target;
  const columns = [...schema.fields.keys()].map((field) => ({
    fn: isNumeric(schema.fields.get(field) ?? "string") ? ("mean" as const) : ("last" as const),
    field,
  }));
  return aggregateColumns(sourceDb, rp, schema.name, columns, bucket, window.startNs, window.endNs);
}
