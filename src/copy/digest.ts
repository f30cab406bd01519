/**
 * Pure comparison of late-data digests: per interval, each field's count (and sum for
 * numeric fields) on the source and on the destination. Intervals that differ are merged
 * into the ranges to copy again.
 */
import { alignDown, type Window } from "./plan";

/** Digest rows by interval start: column name -> value. */
export type Digest = Map<bigint, Map<string, unknown>>;

/** A digest from a query answer (columns: time, then c<i> / s<i>). */
export function digestFromRows(columns: string[], rows: unknown[][], intervalNs: bigint): Digest {
  const out: Digest = new Map();
  for (const row of rows) {
    const label = row[0];
    if (typeof label !== "string" && typeof label !== "bigint" && typeof label !== "number") continue;
    const values = new Map<string, unknown>();
    columns.forEach((c, i) => {
      if (i > 0 && row[i] !== null && row[i] !== undefined) values.set(c, row[i]);
    });
    out.set(alignDown(BigInt(label), intervalNs), values);
  }
  return out;
}

/** Counts must match exactly; zero and absent are the same. */
function countOf(v: unknown): bigint {
  return typeof v === "bigint" ? v : typeof v === "number" ? BigInt(Math.round(v)) : 0n;
}

/**
 * Sums: integers exactly, floats within a relative 1e-9 (the servers add the same values,
 * possibly in another order).
 */
function sameSum(a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (typeof a === "bigint" && typeof b === "bigint") return a === b;
  const x = Number(a);
  const y = Number(b);
  if (x === y) return true;
  if (!Number.isFinite(x) || !Number.isFinite(y)) return false;
  return Math.abs(x - y) <= 1e-9 * Math.max(Math.abs(x), Math.abs(y));
}

/**
 * Fields whose source sum is NaN or ±Infinity in this interval. In aggregated mode that is a
 * bucket mean that overflowed: such a bucket is dropped, never written, so the destination's
 * count and sum can never match the source's, and comparing them would copy the interval again
 * on every run. They are left out of the comparison (the field's other intervals, and the other
 * fields, still count). A raw copy drops nothing: an overflowed sum is then Infinity on both
 * sides and compares as usual.
 */
function unknowableFields(source: Map<string, unknown> | undefined): Set<string> {
  const out = new Set<string>();
  for (const [name, v] of source ?? []) {
    if (name.startsWith("s") && typeof v === "number" && !Number.isFinite(v)) out.add(name.slice(1));
  }
  return out;
}

function sameInterval(
  source: Map<string, unknown> | undefined,
  dest: Map<string, unknown> | undefined,
  sourceDropsNonFinite: boolean,
): boolean {
  const names = new Set([...(source?.keys() ?? []), ...(dest?.keys() ?? [])]);
  const unknowable = sourceDropsNonFinite ? unknowableFields(source) : new Set<string>();
  for (const name of names) {
    if (unknowable.has(name.slice(1))) continue;
    const x = source?.get(name);
    const y = dest?.get(name);
    if (name.startsWith("c") ? countOf(x) !== countOf(y) : !sameSum(x, y)) return false;
  }
  return true;
}

/** Ranges of [startNs, endNs), interval-aligned, where the two digests differ. */
export function differingRanges(
  source: Digest,
  destination: Digest,
  intervalNs: bigint,
  startNs: bigint,
  endNs: bigint,
  /** Aggregated mode: the source digests bucket means, and a non-finite one is never written. */
  sourceDropsNonFinite = false,
): Window[] {
  const starts = [...new Set([...source.keys(), ...destination.keys()])]
    .filter((t) => !sameInterval(source.get(t), destination.get(t), sourceDropsNonFinite))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const ranges: Window[] = [];
  for (const t of starts) {
    const from = t < startNs ? startNs : t;
    const to = t + intervalNs > endNs ? endNs : t + intervalNs;
    if (from >= to) continue;
    const last = ranges[ranges.length - 1];
    if (last && last.endNs === from) last.endNs = to;
    else ranges.push({ startNs: from, endNs: to });
  }
  return ranges;
}
