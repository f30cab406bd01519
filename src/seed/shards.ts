/** A database's shards as SHOW SHARDS lists them (over HTTP), and dropping one. */
import type { InfluxClient } from "../influx/client";
import { rfc3339ToNs } from "../influx/time";

export interface ShardInfo {
  id: bigint;
  rp: string;
  startNs: bigint;
  endNs: bigint;
}

export async function listShards(client: InfluxClient, db: string, signal?: AbortSignal): Promise<ShardInfo[]> {
  const series = await client.query("SHOW SHARDS", { signal });
  const out: ShardInfo[] = [];
  for (const s of series.filter((x) => x.name === db)) {
    const col = (name: string) => s.columns.indexOf(name);
    for (const row of s.values ?? []) {
      out.push({
        id: BigInt(String(row[col("id")])),
        rp: String(row[col("retention_policy")]),
        startNs: rfc3339ToNs(String(row[col("start_time")])),
        endNs: rfc3339ToNs(String(row[col("end_time")])),
      });
    }
  }
  return out.sort((a, b) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0));
}

export async function dropShard(client: InfluxClient, id: bigint, signal?: AbortSignal): Promise<void> {
  await client.query(`DROP SHARD ${id}`, { signal });
}
