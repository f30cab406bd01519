/**
 * Records the source's metadata on the destination at every backup run, and reads the newest
 * record back for a restore. See snapshot.ts for the format.
 */
import type { DatabasePair } from "../config";
import { InfluxError, errorMessage } from "../errors";
import type { InfluxClient } from "../influx/client";
import { createDatabase, quoteIdent } from "../influx/influxql";
import type { Series } from "../influx/response";
import type { Logger } from "../logger";
import { retentionPolicies } from "../backup/targets";
import {
  META_DB,
  snapshotFromRows,
  snapshotLines,
  type ContinuousQueryMeta,
  type MetadataSnapshot,
  type UserMeta,
} from "./snapshot";

/** Reads the source's retention policies, continuous queries, users and grants. */
export async function readSourceMetadata(
  source: InfluxClient,
  pairs: DatabasePair[],
  timeNs: bigint,
  logger: Logger,
  signal?: AbortSignal,
): Promise<MetadataSnapshot> {
  const snapshot: MetadataSnapshot = {
    timeNs,
    source: source.options.url.origin + source.options.url.pathname.replace(/\/+$/, ""),
    retentionPolicies: [],
    continuousQueries: [],
  };
  const backupName = new Map(pairs.map((p) => [p.source, p.destination]));
  // A database that does not exist is reported by the backup itself.
  const existing = new Set(((await source.query("SHOW DATABASES", { signal }))[0]?.values ?? []).map((r) => r[0]));
  for (const pair of pairs.filter((p) => existing.has(p.source))) {
    for (const rp of await retentionPolicies(source, pair.source, signal)) {
      snapshot.retentionPolicies.push({ database: pair.source, backupDatabase: pair.destination, ...rp });
    }
  }
  try {
    for (const s of await source.query("SHOW CONTINUOUS QUERIES", { signal })) {
      const database = s.name ?? "";
      const backupDatabase = backupName.get(database);
      if (backupDatabase === undefined) continue;
      for (const row of s.values ?? []) {
        const cq: ContinuousQueryMeta = { database, backupDatabase, name: String(row[0]), query: String(row[1]) };
        snapshot.continuousQueries.push(cq);
      }
    }
  } catch (err) {
    if (!(err instanceof InfluxError)) throw err;
    logger.warning(
      `cannot list the source's continuous queries (${errorMessage(err)}); a restore will not recreate them (the source user needs admin rights)`,
    );
  }
  snapshot.users = await readUsers(source, signal).catch((err: unknown) => {
    if (!(err instanceof InfluxError)) throw err;
    logger.info(`users and grants are not recorded: the source user may not list them (${errorMessage(err)})`);
    return undefined;
  });
  return snapshot;
}

async function readUsers(source: InfluxClient, signal?: AbortSignal): Promise<UserMeta[]> {
  const users: UserMeta[] = [];
  for (const row of (await source.query("SHOW USERS", { signal }))[0]?.values ?? []) {
    const name = String(row[0]);
    const grants: Record<string, string> = {};
    for (const g of (await source.query(`SHOW GRANTS FOR ${quoteIdent(name)}`, { signal }))[0]?.values ?? []) {
      grants[String(g[0])] = String(g[1]);
    }
    users.push({ name, admin: row[1] === true, grants });
  }
  return users;
}

/** Writes a snapshot into META_DB on the destination. */
export async function writeSnapshot(
  destination: InfluxClient,
  snapshot: MetadataSnapshot,
  signal?: AbortSignal,
): Promise<void> {
  await destination.query(createDatabase(META_DB), { signal });
  await destination.write(META_DB, "autogen", `${snapshotLines(snapshot).join("\n")}\n`, signal);
}

/** The newest snapshot on the backup server, or undefined when none was recorded. */
export async function readLatestSnapshot(
  backup: InfluxClient,
  signal?: AbortSignal,
): Promise<MetadataSnapshot | undefined> {
  const databases = (await backup.query("SHOW DATABASES", { signal }))[0]?.values ?? [];
  if (!databases.some((row) => row[0] === META_DB)) return undefined;
  const at = async (measurement: string, timeNs: bigint): Promise<Series[]> =>
    backup.query(`SELECT * FROM ${quoteIdent(measurement)} WHERE time = ${timeNs} GROUP BY *`, {
      db: META_DB,
      signal,
    });
  const last = (
    await backup.query(`SELECT last("source") AS "source", "users" FROM "snapshots"`, { db: META_DB, signal })
  )[0]?.values?.[0];
  if (!last) return undefined;
  const timeNs = BigInt(String(last[0]));
  return snapshotFromRows(
    timeNs,
    String(last[1]),
    {
      retentionPolicies: await at("retention_policies", timeNs),
      continuousQueries: await at("continuous_queries", timeNs),
      users: await at("users", timeNs),
      grants: await at("grants", timeNs),
    },
    Number(last[2]) >= 0,
  );
}
