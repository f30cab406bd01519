/**
 * Pure comparison of what the source says a window should hold with what the destination
 * holds, per series. Values are compared exactly: the destination holds what was computed
 * from the source, so any difference is real.
 */
import type { Series } from "../codec/response";

export type SeriesValues = Map<string, Map<string, unknown>>;

export interface WindowDiff {
  /** Series of the source that the destination lacks entirely. */
  missingSeries: string[];
  /** Buckets (aggregated) or points (raw) the destination lacks. */
  missing: number;
  /** Values or timestamps that differ. */
  mismatched: number;
  /** Buckets or points on the destination that the source does not have. */
  extra: number;
  /** Series seen in the source. */
  series: number;
}

/** "host=a,region=eu" for a tag set (empty values mean "no such tag"). */
export function tagsKey(tags: Record<string, string> | undefined): string {
  return Object.keys(tags ?? {})
    .filter((k) => (tags as Record<string, string>)[k] !== "")
    .sort()
    .map((k) => `${k}=${(tags as Record<string, string>)[k]}`)
    .join(",");
}

export interface ColumnSpec {
  /** Column name in the answer. */
  column: string;
  /** Name under which the value is compared (the source's field name). */
  label: string;
  normalise?: (v: unknown) => unknown;
}

/** Series -> ("<time> <label>" -> value) for some columns of an answer; nulls are left out. */
export function collect(series: Series[], columns: ColumnSpec[]): SeriesValues {
  const out: SeriesValues = new Map();
  for (const s of series) {
    const key = tagsKey(s.tags);
    const rows = out.get(key) ?? new Map<string, unknown>();
    for (const spec of columns) {
      const index = s.columns.indexOf(spec.column);
      if (index < 0) continue;
      for (const row of s.values ?? []) {
        const raw = row[index];
        const v = spec.normalise ? spec.normalise(raw) : raw;
        if (v === null || v === undefined) continue;
        rows.set(`${String(row[0])} ${spec.label}`, v);
      }
    }
    out.set(key, rows);
  }
  return out;
}

function same(a: unknown, b: unknown): boolean {
  if (typeof a === "bigint" || typeof b === "bigint") return String(a) === String(b);
  return a === b;
}

export function diffWindow(expected: SeriesValues, actual: SeriesValues): WindowDiff {
  const diff: WindowDiff = { missingSeries: [], missing: 0, mismatched: 0, extra: 0, series: 0 };
  for (const [series, rows] of expected) {
    if (rows.size === 0) continue;
    diff.series++;
    const got = actual.get(series);
    if (!got || got.size === 0) {
      diff.missingSeries.push(series);
      diff.missing += rows.size;
      continue;
    }
    for (const [key, value] of rows) {
      if (!got.has(key)) diff.missing++;
      else if (!same(got.get(key), value)) diff.mismatched++;
    }
    for (const key of got.keys()) if (!rows.has(key)) diff.extra++;
  }
  for (const [series, rows] of actual) if (!expected.has(series)) diff.extra += rows.size;
  return diff;
}

export function isClean(d: WindowDiff): boolean {
  return d.missing === 0 && d.mismatched === 0 && d.extra === 0 && d.missingSeries.length === 0;
}
