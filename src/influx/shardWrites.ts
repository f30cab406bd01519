/**
 * What a server has written, shard by shard, as GET /debug/vars reports it: every shard's
 * `writePointsOk` counter, under its database and retention policy, and the instant the
 * process started (the counters start again from zero with it). Reading them costs the server
 * nothing; any query about the data opens a cursor per series and field of every shard it
 * touches (a second and more of CPU at 100,000 series, even over a minute with no data). So
 * "has anything been written to this retention policy since the last run?" is asked here
 * first. Pure: parsing and comparing.
 */
import { rfc3339ToNs } from "./time";

export interface ShardWrites {
  /** When the process started: counters of another process (a restart) compare as different. */
  startedNs: bigint;
  /** Series and measurements of each database: a DROP MEASUREMENT or DROP SERIES changes them, and writes no point. */
  databases: Map<string, string>;
  shards: { database: string; retentionPolicy: string; id: string; pointsWritten: number; series: number }[];
}

interface DebugEntry {
  name?: unknown;
  tags?: Record<string, unknown>;
  values?: Record<string, unknown>;
}

/** The shard counters of a /debug/vars answer; throws when it has no system section. */
export function shardWritesFromDebugVars(text: string): ShardWrites {
  const vars = JSON.parse(text) as Record<string, DebugEntry & { started?: unknown }>;
  const started = vars.system?.started;
  if (typeof started !== "string") throw new Error('the answer has no "system" section with a "started" time');
  const shards: ShardWrites["shards"] = [];
  const databases = new Map<string, string>();
  for (const entry of Object.values(vars)) {
    if (entry?.name === "database" && typeof entry.tags?.database === "string") {
      databases.set(entry.tags.database, `${String(entry.values?.numSeries)}:${String(entry.values?.numMeasurements)}`);
    }
    if (entry?.name !== "shard") continue;
    const { database, retentionPolicy, id } = entry.tags ?? {};
    const points = entry.values?.writePointsOk;
    const series = entry.values?.seriesCreate;
    if (typeof database !== "string" || typeof retentionPolicy !== "string" || typeof points !== "number") continue;
    shards.push({
      database,
      retentionPolicy,
      id: String(id),
      pointsWritten: points,
      series: typeof series === "number" ? series : 0,
    });
  }
  return { startedNs: rfc3339ToNs(started), databases, shards };
}

/**
 * One retention policy's writes as a short text: the process, the database's series and
 * measurements, then each shard and its counter. Equal texts mean nothing was written to it in
 * between (no point, no new shard, no restart, no series dropped). Undefined when the counters
 * name no shard of it: they cannot tell then.
 */
export function writesMark(writes: ShardWrites, database: string, retentionPolicy: string): string | undefined {
  const shards = shardsOf(writes, database, retentionPolicy)
    .map((s) => `${s.id}:${s.pointsWritten}`)
    .sort();
  if (shards.length === 0) return undefined;
  return `${writes.startedNs}/${writes.databases.get(database) ?? "?"}/${shards.join(",")}`;
}

/** The most series one shard of a retention policy holds (0 when unknown). */
export function seriesPerShard(writes: ShardWrites, database: string, retentionPolicy: string): number {
  return Math.max(0, ...shardsOf(writes, database, retentionPolicy).map((s) => s.series));
}

/** The shards of one retention policy. */
export function shardsOf(writes: ShardWrites, database: string, retentionPolicy: string): ShardWrites["shards"] {
  return writes.shards.filter((s) => s.database === database && s.retentionPolicy === retentionPolicy);
}
