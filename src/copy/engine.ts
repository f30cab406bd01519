/**
 * Runs one backup: every database pair, every retention policy that holds data, every
 * measurement in scope. A failure is recorded against its database and measurement and the
 * run goes on with the rest; the summary says what failed.
 */
import type { DatabasePair } from "../config";
import { SelfWriteError, errorMessage } from "../errors";
import { createDatabase, createRetentionPolicy } from "../influx/influxql";
import { nsToRfc3339, parseDuration } from "../influx/time";
import { describeRetention, destinationDuration, expiresEarlier } from "../config/retentionRule";
import type { Logger } from "../observability/logger";
import { copyContext, measurementKey, type CopyContext, type RunDeps } from "./context";
import { copyMeasurement, type MeasurementResult } from "./measurement";
import type { Cursor } from "./cursors";
import { quietMark, writesOf, type WritesSeen } from "./quiet";
import { seriesPerShard } from "../influx/shardWrites";
import { runPool } from "./pool";
import { describeFieldTypes } from "../inventory/schema";
import { META_DB, databaseExists, intendedDatabases, resolvePairs } from "../inventory/databases";
import { planDatabase, retentionPolicies, type DatabasePlan, type MeasurementTarget } from "../inventory/targets";
import type { Failure, RunSummary } from "../observability/runSummary";
import { describeEstimate, estimateMeasurement } from "./estimate";
import { describeMeasurementCopy, describeRun } from "../observability/runSummary";
import { readSourceMetadata, writeSnapshot } from "../metadata/record";
import { backupPlan, refuseSelfWrite } from "../inventory/selfWriteGuard";
import type { CopyReach } from "../observability/lag";
import { seedDatabase } from "../seed/seed";
import { seedContext } from "./seedHooks";
import { shardGroupLookup } from "../inventory/shardGroups";
import { RunProgress, describeRunProgress, type RunProgressSnapshot } from "../observability/runProgress";

export interface EngineOptions extends RunDeps {
  /** Record the source's retention policies, continuous queries and users on the destination (not for a restore). */
  recordMetadata?: boolean;
  /** What the run is called in its summary line ("backup", "restore"). */
  runName?: string;
  /** Told the run's progress every PROGRESS_INTERVAL, and once at its end. */
  onRunProgress?: (p: RunProgressSnapshot) => void;
}

/** Throws SelfWriteError, before writing anything, when the run would write into what it reads. */
export async function runBackup(options: EngineOptions): Promise<RunSummary> {
  const { config, source, destination, logger, signal } = options;
  const began = Date.now();
  const summary: RunSummary = {
    ok: true,
    aborted: false,
    perDatabase: {},
    databases: 0,
    measurements: 0,
    pointsRead: 0,
    pointsWritten: 0,
    nonFiniteDropped: 0,
    failures: [],
    durationMs: 0,
  };
  const runName = options.runName ?? "backup";
  const fail = (f: Failure) => {
    if (signal?.aborted) return; // a stop request is not a failure
    summary.failures.push(f);
    const where = [f.database, f.retentionPolicy, f.measurement].filter(Boolean).join(".");
    logger.error(`${runName} of ${where} failed: ${f.message}`);
  };

  let pairs: DatabasePair[];
  try {
    // Both at once; a failure is told for the source first, as when they were asked in turn.
    const clients = [source, destination];
    const pings = await Promise.allSettled(clients.map((client) => client.ping(signal)));
    for (const [i, ping] of pings.entries()) {
      if (ping.status === "rejected") throw ping.reason;
      logger.info(`connected to ${clients[i]!.label}`, { version: ping.value });
    }
    pairs = await resolvePairs(config, source, signal);
    if (!options.selfWriteChecked) {
      const recordsMetadata = options.recordMetadata !== false && !config.dryRun;
      await refuseSelfWrite(backupPlan(config, pairs, source, destination, recordsMetadata), logger, signal);
    }
  } catch (err) {
    if (err instanceof SelfWriteError) throw err;
    // A failure for each database the run was for, told in one line (its hint once).
    const databases = intendedDatabases(config, source, options.cursors);
    if (!signal?.aborted) {
      for (const database of databases) summary.failures.push({ database, message: errorMessage(err) });
      logger.error(`${runName} of ${databases.join(", ")} failed: ${errorMessage(err)}`);
    }
    return finish(summary, began, logger, runName, signal);
  }

  summary.pairs = Object.fromEntries(pairs.map((p) => [p.source, p.destination]));
  const reached = new Map<string, CopyReach>();
  summary.reached = [];
  const progress = new RunProgress(pairs.length);
  const tellProgress = (log: boolean) => {
    const snapshot = progress.snapshot(Date.now() - began);
    if (log) logger.info(`progress of the ${runName}: ${describeRunProgress(snapshot)}`);
    options.onRunProgress?.(snapshot);
  };
  const ticker = setInterval(() => tellProgress(true), config.progressIntervalMs);
  ticker.unref();
  const ctx: RunContext = {
    ...copyContext({
      ...options,
      onProgress: (p) => {
        progress.points(`${p.database}.${p.retentionPolicy}.${p.measurement}`, p.points);
        options.onProgress?.(p);
      },
    }),
    onReach: (r) => reached.set(`${r.database}\u0000${r.measurement}`, r),
    onWindows: (where, done, total) => progress.windows(where, done, total),
    progress,
  };
  try {
    await copyDatabases(ctx, options, pairs, summary, fail);
  } finally {
    clearInterval(ticker);
    summary.reached = [...reached.values()];
    tellProgress(false);
  }
  return finish(summary, began, logger, runName, signal);
}

/**
 * From this many series in a shard, raw windows are read one row a point: measured at 100,000
 * series of 10 points, the source spends 7.3 s instead of 13.5 s (GROUP BY * costs it about 60
 * µs a series and query), the tool 0.15 µs a point more. At 200 series both cost the source the
 * same, and one answer per series is cheaper for the tool.
 */
const ROWS_FROM_SERIES = 10_000;

/** A run's copy context, with the run's progress. */
interface RunContext extends CopyContext {
  progress: RunProgress;
}

async function copyDatabases(
  ctx: RunContext,
  options: EngineOptions,
  pairs: DatabasePair[],
  summary: RunSummary,
  fail: (f: Failure) => void,
): Promise<void> {
  const { config, source, destination, logger, signal } = options;
  if (options.recordMetadata !== false && !config.dryRun) {
    try {
      const snapshot = await readSourceMetadata(source, pairs, ctx.nowNs, logger, signal);
      await writeSnapshot(destination, snapshot, signal);
      logger.debug(`recorded the source's metadata in ${META_DB} on ${destination.label}`, {
        retentionPolicies: snapshot.retentionPolicies.length,
        continuousQueries: snapshot.continuousQueries.length,
        users: snapshot.users?.length ?? "unknown",
      });
    } catch (err) {
      fail({ database: META_DB, message: `cannot record the source's metadata: ${errorMessage(err)}` });
    }
  }
  for (const pair of pairs) {
    if (signal?.aborted) break;
    summary.databases++;
    try {
      await backupDatabase(ctx, pair, summary, fail);
    } catch (err) {
      fail({ database: pair.source, message: errorMessage(err) });
    }
  }
}

function finish(summary: RunSummary, began: number, logger: Logger, runName: string, signal?: AbortSignal): RunSummary {
  summary.durationMs = Date.now() - began;
  summary.aborted = signal?.aborted === true;
  summary.ok = summary.failures.length === 0;
  const line = summary.aborted
    ? `${runName} stopped on request; the next run continues where it stopped`
    : `${runName} ${summary.ok ? "finished" : "finished with failures"}: ${describeRun(summary)}`;
  const meta = {
    databases: summary.databases,
    measurements: summary.measurements,
    read: summary.pointsRead,
    written: summary.pointsWritten,
    nonFiniteDropped: summary.nonFiniteDropped,
    failures: summary.failures.length,
    seconds: summary.durationMs / 1000,
  };
  if (summary.ok) logger.info(line, meta);
  else logger.error(line, meta);
  return summary;
}

async function backupDatabase(
  ctx: RunContext,
  pair: DatabasePair,
  summary: RunSummary,
  fail: (f: Failure) => void,
): Promise<void> {
  const { source, destination, logger, config, signal } = ctx;
  if (!(await databaseExists(source, pair.source, signal))) {
    throw new Error(`database "${pair.source}" does not exist on ${source.label}; check SOURCE_DBS`);
  }
  logger.info(`${config.dryRun ? "dry run: would copy" : "copying"} database ${pair.source} -> ${pair.destination}`);
  // What both servers have written so far, read before anything is planned (see quiet.ts).
  const writes: WritesSeen | undefined = config.dryRun
    ? undefined
    : await Promise.all([writesOf(ctx, source), writesOf(ctx, destination)]).then(([s, d]) => ({
        source: s,
        destination: d,
      }));
  // The source's shard groups, for first copies: asked (once) after its counters, so that no
  // group holding points the counters count is missing (see inventory/shardGroups.ts).
  ctx.shardGroups = shardGroupLookup(source, logger, signal);
  const plan = await planDatabase(source, config, pair, signal);
  // At high cardinality, raw windows are read one row a point (see MeasurementTarget.readsRows).
  for (const { target } of plan.targets) {
    const series = writes?.source ? seriesPerShard(writes.source, target.sourceDb, target.rp) : 0;
    target.readsRows = series >= ROWS_FROM_SERIES;
  }
  ctx.progress.databasePlanned(plan.targets.length);
  for (const w of plan.warnings) logger.warning(w);
  for (const name of plan.missing)
    logger.warning(`measurement "${name}" listed in MEASUREMENTS has no data in ${pair.source}`);
  if (config.dryRun) return dryRunDatabase(ctx, plan, summary, fail);

  await seedDatabase(seedContext(ctx, pair), pair, plan);
  // A seed brings shards to the destination: what it holds now is what the copy plans from.
  if (writes && config.rpc.source && config.rpc.destination) writes.destination = await writesOf(ctx, destination);
  await destination.query(createDatabase(pair.destination), { signal });
  await prepareRetentionPolicies(ctx, pair, plan);
  // Several measurements at a time; each one's windows stay in order (its resume logic needs that).
  const complete: { target: MeasurementTarget; result: MeasurementResult }[] = [];
  await runPool(plan.targets, config.concurrency, async ({ target }) => {
    if (signal?.aborted) return;
    const result = await backupMeasurement(ctx, target, summary, fail, writes);
    if (result) complete.push({ target, result });
  });
  await markComplete(ctx, writes, complete);
}

/**
 * Leaves on each measurement copied completely (no failure) the write counters of both servers,
 * the destination's read after every write of the database was acknowledged: the next run
 * skips it while neither server writes to its retention policy (quiet.ts). Not after a backfill,
 * which does not copy up to now.
 */
async function markComplete(
  ctx: CopyContext,
  writes: WritesSeen | undefined,
  complete: { target: MeasurementTarget; result: MeasurementResult }[],
): Promise<void> {
  if (!writes?.source || !writes.destination || complete.length === 0 || ctx.signal?.aborted) return;
  if (ctx.mode.bounds(ctx.nowNs).ceilingNs !== undefined) return;
  const after = await writesOf(ctx, ctx.destination);
  if (!after) return;
  const marked: [string, Cursor][] = [];
  for (const { target, result } of complete) {
    const key = measurementKey(ctx, target);
    const cursor = ctx.cursors.get(key);
    if (!cursor) continue;
    const reach = result.reach ?? cursor.quiet?.reach;
    const quiet = quietMark(ctx, target, result.unchanged ? cursor.quiet : undefined, writes.source, after, reach);
    const rest: Cursor = {
      resumeNs: cursor.resumeNs,
      ...(cursor.checkNs !== undefined ? { checkNs: cursor.checkNs } : {}),
    };
    marked.push([key, quiet ? { ...rest, quiet } : rest]);
  }
  ctx.cursors.setMany(marked);
}

/**
 * Creates the destination's missing retention policies, with DEST_RETENTION's durations where
 * it gives them, and warns about existing ones that keep data for less time than the source.
 * Existing policies are never altered.
 */
async function prepareRetentionPolicies(ctx: CopyContext, pair: DatabasePair, plan: DatabasePlan): Promise<void> {
  const { destination, logger, config, signal } = ctx;
  const existing = new Map(
    (await retentionPolicies(destination, pair.destination, signal)).map((rp) => [rp.name, rp] as const),
  );
  for (const name of config.destRetention?.byPolicy.keys() ?? []) {
    if (!plan.retentionPolicies.some((rp) => rp.name === name))
      logger.warning(`DEST_RETENTION names retention policy "${name}", which holds no data to copy in ${pair.source}`);
  }
  for (const rp of plan.retentionPolicies) {
    const sourceNs = parseDuration(rp.duration) ?? 0n;
    const wanted = destinationDuration(config.destRetention, rp.name);
    const present = existing.get(rp.name);
    if (!present) {
      await destination.query(createRetentionPolicy(pair.destination, rp, wanted), { db: pair.destination, signal });
      logger.info(
        `created retention policy ${rp.name} on ${pair.destination}, keeping data ${describeRetention(wanted ?? sourceNs)}`,
        { duration: rp.duration, shardDuration: rp.shardGroupDuration, default: rp.isDefault },
      );
      if (wanted !== undefined && expiresEarlier(wanted, sourceNs))
        logger.warning(
          `retention policy ${rp.name} on ${pair.destination} keeps data ${describeRetention(wanted)} (DEST_RETENTION), the source ${describeRetention(sourceNs)}: backed-up data will expire earlier than on the source`,
        );
      continue;
    }
    const destNs = parseDuration(present.duration) ?? 0n;
    if (expiresEarlier(destNs, sourceNs)) {
      logger.warning(
        `retention policy ${rp.name} on ${pair.destination} already exists and keeps data ${describeRetention(destNs)}, the source ${describeRetention(sourceNs)}: ` +
          `backed-up data will expire earlier than on the source. Existing policies are not altered: ALTER RETENTION POLICY "${rp.name}" ON "${pair.destination}" DURATION INF (or the duration you want) changes it`,
      );
    }
  }
}

/** Reports what would be copied; writes and creates nothing. */
async function dryRunDatabase(
  ctx: RunContext,
  plan: DatabasePlan,
  summary: RunSummary,
  fail: (f: Failure) => void,
): Promise<void> {
  const { logger } = ctx;
  for (const rp of plan.retentionPolicies)
    logger.info(`dry run: retention policy ${rp.name}`, { duration: rp.duration, default: rp.isDefault });
  for (const { target } of plan.targets) {
    summary.measurements++;
    const where = `${target.sourceDb}.${target.rp}.${target.schema.name}`;
    try {
      const estimate = await estimateMeasurement(ctx, target);
      summary.pointsRead += estimate.points;
      logger.info(`dry run: would copy ${where} -> ${target.destDb}.${target.rp}.${target.destMeasurement}`, {
        ...describeEstimate(estimate),
        fields: describeFieldTypes(target.schema.fields),
      });
    } catch (err) {
      fail({
        database: target.sourceDb,
        retentionPolicy: target.rp,
        measurement: target.schema.name,
        message: errorMessage(err),
      });
    }
    ctx.progress.measurementDone(where, 0);
  }
}

/** Copies one measurement; returns its result when it was copied without any failure. */
async function backupMeasurement(
  ctx: RunContext,
  target: MeasurementTarget,
  summary: RunSummary,
  report: (f: Failure) => void,
  writes?: WritesSeen,
): Promise<MeasurementResult | undefined> {
  const { logger } = ctx;
  let failed = false;
  const fail = (f: Failure) => {
    failed = true;
    report(f);
  };
  let result: MeasurementResult | undefined;
  const began = Date.now();
  const { schema, rp } = target;
  const pair = { source: target.sourceDb, destination: target.destDb };
  const where = { database: pair.source, retentionPolicy: rp, measurement: schema.name };
  summary.measurements++;
  const key = `${pair.source}.${rp}.${schema.name}`;
  let rows = 0;
  try {
    const r = await copyMeasurement(ctx, target, writes);
    result = r;
    rows = r.rows;
    summary.pointsRead += r.rows;
    summary.pointsWritten += r.lines;
    summary.nonFiniteDropped += r.nonFinite;
    const db = (summary.perDatabase[pair.source] ??= { read: 0, written: 0, nonFiniteDropped: 0 });
    db.read += r.rows;
    db.written += r.lines;
    db.nonFiniteDropped += r.nonFinite;
    const meta = {
      windows: r.windows,
      from: r.fromNs === undefined ? "-" : nsToRfc3339(r.fromNs),
      to: r.toNs === undefined ? "-" : nsToRfc3339(r.toNs),
      read: r.rows,
      written: r.lines,
      fields: describeFieldTypes(schema.fields),
      nonFiniteDropped: r.nonFinite,
      seconds: (Date.now() - began) / 1000,
    };
    const copied = describeMeasurementCopy(r, ctx.config.aggregation, Date.now() - began);
    logger.info(`copied ${pair.source}.${rp}.${schema.name} -> ${pair.destination}: ${copied}`, meta);
    if (r.nonFinite > 0)
      logger.warning(`${pair.source}.${rp}.${schema.name}: dropped ${r.nonFinite} NaN/Infinity value(s)`);
    if (r.mismatched > 0) {
      logger.warning(
        `${pair.source}.${rp}.${schema.name}: left out ${r.mismatched} value(s) whose type did not match the field's type`,
      );
    }
    if (r.beyondRetention > 0) {
      logger.warning(
        `${pair.source}.${rp}.${schema.name}: the destination dropped ${r.beyondRetention} point(s) older than its retention policy ${rp}`,
      );
    }
    for (const rej of r.rejections) {
      const what = rej.field ? ` (field "${rej.field}" of measurement "${rej.measurement}")` : "";
      fail({
        ...where,
        message: `the destination refused ${rej.count} point(s)${what} in window ${nsToRfc3339(rej.window.startNs)} .. ${nsToRfc3339(rej.window.endNs)}: ${rej.reason}`,
      });
    }
    if (r.unrepresentable > 0) {
      fail({
        ...where,
        message: `${r.unrepresentable} point(s) cannot be written as line protocol: ${r.unrepresentableReason ?? "a name line protocol cannot carry"}`,
      });
    }
  } catch (err) {
    fail({ ...where, message: errorMessage(err) });
  } finally {
    ctx.progress.measurementDone(key, rows);
  }
  return failed ? undefined : result;
}
