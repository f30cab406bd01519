/**
 * `restore`: brings a lost or damaged server back from the backup. Recreates the databases and
 * the retention policies recorded with the backup (durations, shard durations, default),
 * copies every point back exactly, recreates the continuous queries, and lists the users and
 * grants the source had (InfluxDB never reveals password hashes, so they are recreated by hand).
 */
import type { DatabasePair } from "../config";
import { errorMessage } from "../errors";
import type { InfluxClient } from "../influx/client";
import {
  MAX_TIME,
  MIN_TIME,
  countEveryMeasurement,
  createDatabase,
  createRetentionPolicy,
  quoteIdent,
  setDefaultRetentionPolicy,
  type RetentionPolicySpec,
} from "../influx/influxql";
import { influxqlDuration, nsToRfc3339, parseDuration } from "../influx/time";
import type { Logger } from "../observability/logger";
import { databaseExists, resolvePairs } from "../inventory/databases";
import { retentionPolicies } from "../inventory/targets";
import { count, type RunSummary } from "../observability/runSummary";
import { readLatestSnapshot } from "../metadata/record";
import { META_DB, continuousQueryFor, type MetadataSnapshot } from "../metadata/snapshot";
import { resolveRange, type Config } from "../config";
import { refuseSelfWrite, type GuardPlan } from "../inventory/selfWriteGuard";
import { restoreConfig } from "./restoreConfig";

export interface RestoreOptions {
  config: Config;
  logger: Logger;
  signal?: AbortSignal;
  /** The clock, in milliseconds since the epoch (tests pass their own). */
  now?: () => number;
  /** The backup server (DEST_*). */
  backup: InfluxClient;
  /** Where the data goes back to. */
  target: InfluxClient;
  /** Copies the data back: a backup run from `source` into `destination` (commands/restore.ts wires copy/engine.ts). */
  copyBack: (run: CopyBack) => Promise<RunSummary>;
}

/** The backup run a restore is made of. */
export interface CopyBack {
  config: Config;
  source: InfluxClient;
  destination: InfluxClient;
  /** A restore records no metadata: it reads it. */
  recordMetadata: false;
  runName: "restore";
  /** The restore refused to write into what it reads before the run. */
  selfWriteChecked: true;
}

/**
 * Throws SelfWriteError, before writing anything, when the restore target is the backup server
 * itself and a database restored is one the restore reads.
 */
export async function runRestore(options: RestoreOptions): Promise<RunSummary> {
  const { backup, target, logger, signal } = options;
  const config = restoreConfig(options.config);
  const nowNs = BigInt(options.now?.() ?? Date.now()) * 1_000_000n;
  for (const client of [backup, target])
    logger.info(`connected to ${client.label}`, { version: await client.ping(signal) });
  const pairs = await resolvePairs(config, backup, signal);
  await refuseSelfWrite(restorePlan(config, pairs, backup, target), logger, signal);
  const snapshot = await readLatestSnapshot(
    backup,
    pairs.map((p) => p.source),
    signal,
  );
  if (snapshot) {
    logger.info(
      `metadata recorded by the backup run of ${nsToRfc3339(snapshot.timeNs)} (source ${snapshot.source}): ${snapshot.retentionPolicies.length} retention policies, ${snapshot.continuousQueries.length} continuous queries`,
    );
  } else {
    logger.warning(
      "no metadata was recorded on the backup server: retention policies are recreated as the backup server has them, and continuous queries cannot be restored",
    );
  }
  // A database the target does not hold yet may be seeded through the RPC port, which needs it
  // missing: its retention policies are then made like the source's after the copy.
  const seeding = config.rpc.source !== undefined && config.rpc.destination !== undefined;
  const afterCopy: DatabasePair[] = [];
  for (const pair of pairs) {
    await describeTarget(options, config.start, config.end, pair, nowNs);
    if (config.dryRun || !snapshot) continue;
    if (seeding && !(await databaseExists(target, pair.destination, signal))) afterCopy.push(pair);
    else await recreateRetentionPolicies(target, pair, snapshot, logger, signal);
  }
  const summary = await options.copyBack({
    config,
    source: backup,
    destination: target,
    recordMetadata: false,
    runName: "restore",
    selfWriteChecked: true,
  });
  if (snapshot && !summary.aborted) {
    for (const pair of afterCopy) {
      try {
        await recreateRetentionPolicies(target, pair, snapshot, logger, signal, true);
      } catch (err) {
        summary.ok = false;
        summary.failures.push({ database: pair.destination, message: `retention policies: ${errorMessage(err)}` });
        logger.error(`cannot recreate the retention policies of ${pair.destination}: ${errorMessage(err)}`);
      }
    }
    if (options.config.restoreContinuousQueries) {
      for (const pair of pairs) {
        try {
          await recreateContinuousQueries(target, pair, snapshot, config.dryRun, logger, signal);
        } catch (err) {
          summary.ok = false;
          summary.failures.push({ database: pair.destination, message: `continuous queries: ${errorMessage(err)}` });
          logger.error(`cannot recreate the continuous queries of ${pair.destination}: ${errorMessage(err)}`);
        }
      }
    } else if (snapshot.continuousQueries.length) {
      logger.info("RESTORE_CONTINUOUS_QUERIES=false: continuous queries are not recreated");
    }
    listUsers(snapshot, logger);
  }
  return summary;
}

/** What a restore reads on the backup server (its databases and the metadata record) and writes on the target. */
function restorePlan(config: Config, pairs: DatabasePair[], backup: InfluxClient, target: InfluxClient): GuardPlan {
  const all = config.databases === "all";
  return {
    reader: backup,
    writer: target,
    reads: [...pairs.map((p) => p.source), META_DB],
    writes: pairs.map((p) => ({
      database: p.destination,
      because: all
        ? "restoring every database under its own name (SOURCE_DBS=*)"
        : `restoring ${p.source} (DEST_DBS) as ${p.destination} (SOURCE_DBS)`,
    })),
    fix: "set RESTORE_URL to the server to restore into, or SOURCE_DBS to the names to restore as",
  };
}

/** The plan line: how many points the target already holds in the range restored. */
async function describeTarget(
  options: RestoreOptions,
  start: ReturnType<typeof restoreConfig>["start"],
  end: ReturnType<typeof restoreConfig>["end"],
  pair: DatabasePair,
  nowNs: bigint,
): Promise<void> {
  const { target, logger, signal } = options;
  const { fromNs: from, toNs: to } = resolveRange({ start, end }, nowNs);
  const range =
    from === undefined && to === undefined
      ? ""
      : ` in ${from === undefined ? "…" : nsToRfc3339(from)} .. ${to === undefined ? "…" : nsToRfc3339(to)}`;
  let held = 0;
  for (const rp of await retentionPolicies(target, pair.destination, signal).catch(() => [])) {
    const query = countEveryMeasurement(pair.destination, rp.name, from ?? MIN_TIME, to ?? MAX_TIME + 1n);
    const series = await target.query(query, { db: pair.destination, signal });
    for (const s of series) held += Math.max(0, ...(s.values?.[0] ?? []).slice(1).map((v) => Number(v ?? 0)));
  }
  logger.info(
    `restore plan: ${pair.source} on the backup -> ${pair.destination} on ${target.label}; the target already holds ${count(held)} point(s)${range}` +
      (held > 0 ? " (points of the same series and time are overwritten with the backup's)" : ""),
  );
}

async function recreateRetentionPolicies(
  target: InfluxClient,
  pair: DatabasePair,
  snapshot: MetadataSnapshot,
  logger: Logger,
  signal?: AbortSignal,
  /** The database was just seeded with the backup server's policies: make them the source's. */
  alignExisting = false,
): Promise<void> {
  await target.query(createDatabase(pair.destination), { signal });
  const existing = new Map((await retentionPolicies(target, pair.destination, signal)).map((rp) => [rp.name, rp]));
  for (const rp of snapshot.retentionPolicies.filter((r) => r.backupDatabase === pair.source)) {
    const present = existing.get(rp.name);
    if (present && alignExisting) await alignRetentionPolicy(target, pair.destination, present, rp, logger, signal);
    if (present) {
      if (rp.isDefault) {
        // A new server's database comes with autogen as its default: the source's default wins.
        await target.query(setDefaultRetentionPolicy(pair.destination, rp.name), { db: pair.destination, signal });
      }
      continue;
    }
    await target.query(createRetentionPolicy(pair.destination, rp), { db: pair.destination, signal });
    logger.info(`recreated retention policy ${rp.name} on ${pair.destination}`, {
      duration: rp.duration,
      shardDuration: rp.shardGroupDuration,
      default: rp.isDefault,
    });
  }
}

/** Gives an existing policy the source's duration and shard duration where they differ. */
async function alignRetentionPolicy(
  target: InfluxClient,
  db: string,
  present: RetentionPolicySpec,
  wanted: RetentionPolicySpec,
  logger: Logger,
  signal?: AbortSignal,
): Promise<void> {
  const duration = parseDuration(wanted.duration);
  const shard = parseDuration(wanted.shardGroupDuration);
  const changes: string[] = [];
  if (duration !== undefined && duration !== parseDuration(present.duration))
    changes.push(`DURATION ${duration === 0n ? "INF" : influxqlDuration(duration)}`);
  if (shard !== undefined && shard > 0n && shard !== parseDuration(present.shardGroupDuration))
    changes.push(`SHARD DURATION ${influxqlDuration(shard)}`);
  if (changes.length === 0) return;
  await target.query(`ALTER RETENTION POLICY ${quoteIdent(wanted.name)} ON ${quoteIdent(db)} ${changes.join(" ")}`, {
    db,
    signal,
  });
  logger.info(`retention policy ${wanted.name} on ${db} made like the source's`, {
    duration: wanted.duration,
    shardDuration: wanted.shardGroupDuration,
  });
}

async function recreateContinuousQueries(
  target: InfluxClient,
  pair: DatabasePair,
  snapshot: MetadataSnapshot,
  dryRun: boolean,
  logger: Logger,
  signal?: AbortSignal,
): Promise<void> {
  const present = new Set(
    (await target.query("SHOW CONTINUOUS QUERIES", { signal }))
      .filter((s) => s.name === pair.destination)
      .flatMap((s) => (s.values ?? []).map((row) => String(row[0]))),
  );
  for (const cq of snapshot.continuousQueries.filter((c) => c.backupDatabase === pair.source)) {
    if (present.has(cq.name)) {
      logger.info(`continuous query ${cq.name} already exists on ${pair.destination}; left as it is`);
      continue;
    }
    const query = continuousQueryFor(cq.query, cq.database, pair.destination);
    if (dryRun) {
      logger.info(`dry run: would recreate continuous query ${cq.name} on ${pair.destination}: ${query}`);
      continue;
    }
    await target.query(query, { db: pair.destination, signal });
    logger.info(`recreated continuous query ${cq.name} on ${pair.destination}`);
    if (cq.database !== pair.destination)
      logger.warning(
        `continuous query ${cq.name} was written for database ${cq.database}: check that its INTO and FROM clauses suit ${pair.destination}`,
      );
  }
}

function listUsers(snapshot: MetadataSnapshot, logger: Logger): void {
  if (snapshot.users === undefined) {
    logger.info("users and grants were not recorded (the source user may not list them)");
    return;
  }
  if (snapshot.users.length === 0) return;
  const lines = snapshot.users.map((u) => {
    const grants = Object.entries(u.grants).map(([db, p]) => `${p} on ${db}`);
    return `${u.name}${u.admin ? " (admin)" : ""}${grants.length ? `: ${grants.join(", ")}` : ""}`;
  });
  logger.warning(
    `users on the source when the backup was made; InfluxDB never reveals passwords, so recreate them by hand (CREATE USER … WITH PASSWORD …, GRANT …): ${lines.join("; ")}`,
  );
}
