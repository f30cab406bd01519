/**
 * Records the source's metadata on the destination at every backup run, and reads the newest
 * record back for a restore. See snapshot.ts for the format.
 */
import type { DatabasePair } from "../config";
import { InfluxError, errorMessage } from "../errors";
import type { InfluxClient } from "../influx/client";
import { createDatabase, quoteIdent, quoteString } from "../influx/influxql";
import type { Logger } from "../observability/logger";
import { retentionPolicies } from "../inventory/targets";
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

/**
 * What the newest backup run of each of `backupDatabases` recorded (runs of other
 * configurations into the same server record other databases), or undefined when nothing was.
 */
export async function readLatestSnapshot(
  backup: InfluxClient,
  backupDatabases: string[],
  signal?: AbortSignal,
): Promise<MetadataSnapshot | undefined> {
  const databases = (await backup.query("SHOW DATABASES", { signal }))[0]?.values ?? [];
  if (!databases.some((row) => row[0] === META_DB)) return undefined;
  const query = (q: string) => backup.query(q, { db: META_DB, signal });
  const parts: MetadataSnapshot[] = [];
  for (const db of backupDatabases) {
    const newest = (
      await query(`SELECT last("duration") FROM "retention_policies" WHERE "backup_database" = ${quoteString(db)}`)
    )[0]?.values?.[0]?.[0];
    if (newest === undefined) continue;
    const at = (measurement: string) =>
      query(
        `SELECT * FROM ${quoteIdent(measurement)} WHERE time = ${String(newest)} AND "backup_database" = ${quoteString(db)} GROUP BY *`,
      );
    const run = (await query(`SELECT "source", "users" FROM "snapshots" WHERE time = ${String(newest)}`))[0]
      ?.values?.[0];
    const usersKnown = Number(run?.[2] ?? -1) >= 0;
    parts.push(
      snapshotFromRows(
        BigInt(String(newest)),
        String(run?.[1] ?? ""),
        {
          retentionPolicies: await at("retention_policies"),
          continuousQueries: await at("continuous_queries"),
          users: usersKnown ? await query(`SELECT * FROM "users" WHERE time = ${String(newest)} GROUP BY *`) : [],
          grants: usersKnown ? await query(`SELECT * FROM "grants" WHERE time = ${String(newest)} GROUP BY *`) : [],
        },
        usersKnown,
      ),
    );
  }
  if (parts.length === 0) return undefined;
  // The newest run speaks for the source's users; each database keeps its own policies and queries.
  const newest = parts.reduce((a, b) => (b.timeNs > a.timeNs ? b : a));
  return {
    ...newest,
    retentionPolicies: parts.flatMap((p) => p.retentionPolicies),
    continuousQueries: parts.flatMap((p) => p.continuousQueries),
  };
}
