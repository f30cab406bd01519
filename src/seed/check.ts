/**
 * The seed's check: shard uploads report no error and InfluxDB does not apply tombstones on
 * import, so each seeded shard's time range is compared with the source over HTTP (values per
 * measurement and field). Before the resume point the counts must be equal; after it the
 * source may hold more (what arrived since, which the HTTP copy brings), never less.
 */
import type { InfluxClient } from "../influx/client";
import { countEveryMeasurement } from "../influx/influxql";

/** Values per "measurement field", zero counts left out. */
export type Counts = Map<string, bigint>;

export interface RangeRef {
  client: InfluxClient;
  db: string;
  rp: string;
  signal?: AbortSignal;
}

export async function countRange(ref: RangeRef, startNs: bigint, endNs: bigint): Promise<Counts> {
  const { client, db, rp, signal } = ref;
  const series = await client.query(countEveryMeasurement(db, rp, startNs, endNs), { db, signal });
  const out: Counts = new Map();
  for (const s of series) {
    for (const row of s.values ?? []) {
      s.columns.forEach((column, i) => {
        if (column === "time" || row[i] === null || row[i] === undefined) return;
        const n = BigInt(String(row[i]));
        if (n !== 0n) out.set(`${s.name ?? ""} ${column}`, n);
      });
    }
  }
  return out;
}

/** What differs: "measurement count_field: source n, destination m"; empty when the destination is as it must be. */
export function countDifferences(source: Counts, destination: Counts, sourceMayHoldMore: boolean): string[] {
  const out: string[] = [];
  for (const key of new Set([...source.keys(), ...destination.keys()])) {
    const s = source.get(key) ?? 0n;
    const d = destination.get(key) ?? 0n;
    if (s === d || (sourceMayHoldMore && d < s)) continue;
    out.push(`${key}: source ${s}, destination ${d}`);
  }
  return out.sort();
}

/** Compares one seeded shard's range, split at the resume point. */
export async function shardDifferences(
  source: RangeRef,
  destination: RangeRef,
  shard: { startNs: bigint; endNs: bigint },
  resumeNs: bigint,
): Promise<string[]> {
  const parts: { from: bigint; to: bigint; more: boolean }[] = [];
  const split = shard.endNs < resumeNs ? shard.endNs : shard.startNs > resumeNs ? shard.startNs : resumeNs;
  if (shard.startNs < split) parts.push({ from: shard.startNs, to: split, more: false });
  if (split < shard.endNs) parts.push({ from: split, to: shard.endNs, more: true });
  const out: string[] = [];
  for (const p of parts) {
    const [s, d] = await Promise.all([countRange(source, p.from, p.to), countRange(destination, p.from, p.to)]);
    out.push(...countDifferences(s, d, p.more));
  }
  return out;
}
