/**
 * Pure result transforms: a series of query rows becomes line protocol for the destination.
 * Types come from the source schema (SHOW FIELD KEYS), never from the look of a value.
 */
import {
  UnrepresentableError,
  encodeField,
  escapeFieldKey,
  seriesKey,
  type FieldType,
  type FieldValue,
} from "./lineProtocol";
import type { Series } from "./response";

export interface TransformStats {
  /** Rows read from the source. */
  rows: number;
  /** Lines produced for the destination. */
  lines: number;
  /** NaN or ±Infinity values left out. */
  nonFinite: number;
  /** Values whose type did not match the field's type in the schema, left out. */
  mismatched: number;
  /** Rows of series whose names line protocol cannot carry (a line break in a name). */
  unrepresentable: number;
  /** Why, for the first such series. */
  unrepresentableReason?: string;
  /** When the rows' times are watched (TranscodeTarget.clockNs): the latest at or before the clock. */
  newestNs?: bigint;
  /** ... and how many rows were later than the clock, and the latest of them. */
  futureRows?: number;
  futureLatestNs?: bigint;
}

export function emptyStats(): TransformStats {
  return { rows: 0, lines: 0, nonFinite: 0, mismatched: 0, unrepresentable: 0 };
}

export function addStats(into: TransformStats, from: TransformStats): void {
  into.rows += from.rows;
  into.lines += from.lines;
  into.nonFinite += from.nonFinite;
  into.mismatched += from.mismatched;
  into.unrepresentable += from.unrepresentable;
  into.unrepresentableReason ??= from.unrepresentableReason;
  into.newestNs = later(into.newestNs, from.newestNs);
  into.futureLatestNs = later(into.futureLatestNs, from.futureLatestNs);
  if (from.futureRows) into.futureRows = (into.futureRows ?? 0) + from.futureRows;
}

/** The later of two optional times. */
export function later(a: bigint | undefined, b: bigint | undefined): bigint | undefined {
  return a === undefined ? b : b === undefined || a >= b ? a : b;
}

/**
 * Encodes the rows of one series. `measurement` is the destination's name for it;
 * `fieldTypes` gives the type of each column (columns not in it are skipped);
 * `fieldRenames` the destination's name of a renamed field.
 * Returns the lines; rows with no writable field produce no line.
 */
export function seriesToLines(
  series: Series,
  measurement: string,
  fieldTypes: ReadonlyMap<string, FieldType>,
  stats: TransformStats,
  fieldRenames?: ReadonlyMap<string, string>,
): string[] {
  const rows = series.values ?? [];
  stats.rows += rows.length;
  let prefix: string;
  let columns: { index: number; key: string; type: FieldType }[];
  try {
    prefix = seriesKey(measurement, series.tags);
    columns = [];
    series.columns.forEach((name, index) => {
      if (index === 0) return; // time
      const type = fieldTypes.get(name);
      if (type) columns.push({ index, key: escapeFieldKey(fieldRenames?.get(name) ?? name), type });
    });
  } catch (err) {
    if (err instanceof UnrepresentableError) {
      stats.unrepresentable += rows.length;
      stats.unrepresentableReason ??= err.message;
      return [];
    }
    throw err;
  }
  const lines: string[] = [];
  for (const row of rows) {
    let fields = "";
    for (const col of columns) {
      const value = row[col.index];
      if (value === null || value === undefined) continue;
      const encoded = encodeField(col.key, col.type, value as FieldValue);
      if (encoded === undefined) {
        if (typeof value === "number" && !Number.isFinite(value)) stats.nonFinite++;
        else stats.mismatched++;
        continue;
      }
      fields = fields === "" ? encoded : `${fields},${encoded}`;
    }
    if (fields === "") continue;
    lines.push(`${prefix} ${fields} ${row[0] as string}`);
  }
  stats.lines += lines.length;
  return lines;
}
