/**
 * Where a retention policy can hold data, as the server already knows it: the time ranges of
 * its shard groups (SHOW SHARDS, which reads the metadata only and costs the server nothing).
 * No point lies outside them, so a first copy is planned from them instead of from queries for
 * the oldest and newest point, which open a cursor per series and field of every shard they
 * touch (seconds of CPU at 100,000 series). SHOW SHARDS needs an admin; without one, planning
 * asks for the points' edges as before.
 */
import type { InfluxClient } from "../influx/client";
import type { Series } from "../codec/response";
import { errorMessage } from "../errors";
import { rfc3339ToNs } from "../influx/time";
import type { Logger } from "../observability/logger";

export interface ShardGroup {
  startNs: bigint;
  endNs: bigint;
}

/** Shard groups by database and retention policy ("db\0rp"), in time order, from a SHOW SHARDS answer. Pure. */
export function shardGroupsFromShards(series: Series[]): Map<string, ShardGroup[]> {
  const groups = new Map<string, Map<string, ShardGroup>>();
  for (const s of series) {
    const col = (name: string) => s.columns.indexOf(name);
    const [db, rp, group, start, end] = ["database", "retention_policy", "shard_group", "start_time", "end_time"].map(
      col,
    );
    for (const row of s.values ?? []) {
      const database = row[db ?? -1];
      const policy = row[rp ?? -1];
      if (typeof database !== "string" || typeof policy !== "string") continue;
      const key = `${database}\u0000${policy}`;
      const byId = groups.get(key) ?? new Map<string, ShardGroup>();
      byId.set(String(row[group ?? -1]), { startNs: timeOf(row[start ?? -1]), endNs: endOf(row[end ?? -1]) });
      groups.set(key, byId);
    }
  }
  return new Map(
    [...groups].map(([key, byId]) => [key, [...byId.values()].sort((a, b) => (a.startNs < b.startNs ? -1 : 1))]),
  );
}

/**
 * A group's end: SHOW SHARDS prints whole seconds, and the last group InfluxDB can hold ends at
 * 2262-04-11T23:47:16.854775807Z, printed 23:47:16Z; a time without a fraction is taken as up to
 * a second later (what lies in that second belongs to this group or to the next, read with it).
 */
function endOf(v: unknown): bigint {
  const t = timeOf(v);
  return typeof v === "string" && /T\d\d:\d\d:\d\dZ$/.test(v) ? t + 1_000_000_000n : t;
}

function timeOf(v: unknown): bigint {
  if (typeof v === "string") return /^-?\d+$/.test(v) ? BigInt(v) : rfc3339ToNs(v);
  if (typeof v === "number" || typeof v === "bigint") return BigInt(v);
  throw new Error(`SHOW SHARDS answered a time that is not one: ${JSON.stringify(v)}`);
}

/** The shard groups of a retention policy, or undefined when the server will not tell (not an admin) or does not list it. */
export type ShardGroupLookup = (db: string, rp: string) => Promise<ShardGroup[] | undefined>;

/** Asks SHOW SHARDS once, the first time a retention policy's groups are wanted in the run. */
export function shardGroupLookup(client: InfluxClient, logger: Logger, signal?: AbortSignal): ShardGroupLookup {
  let answer: Promise<Map<string, ShardGroup[]> | undefined> | undefined;
  const ask = async () => {
    try {
      return shardGroupsFromShards(await client.query("SHOW SHARDS", { signal }));
    } catch (err) {
      if (signal?.aborted) throw err;
      logger.debug(`${client.label} does not list its shards; first copies are planned from the data's edges`, {
        reason: errorMessage(err),
      });
      return undefined;
    }
  };
  return async (db, rp) => {
    answer ??= ask();
    const all = await answer;
    // A retention policy the answer does not list (created since) is not known to be empty.
    return all?.get(`${db}\u0000${rp}`);
  };
}
