/**
 * Runs one backup: every database pair, every retention policy that holds data, every
 * measurement in scope. A failure is recorded against its database and measurement and the
 * run goes on with the rest; the summary says what failed.
 */
import type { Config, DatabasePair } from "../config";
import { errorMessage } from "../errors";
import type { InfluxClient } from "../influx/client";
import {
  createDatabase,
  createRetentionPolicy,
  showDatabases,
  showFieldKeys,
  showRetentionPolicies,
} from "../influx/influxql";
import { nsToRfc3339 } from "../influx/time";
import type { Logger } from "../logger";
import type { CursorStore } from "./cursors";
import { copyMeasurement, type CopyContext } from "./measurement";
import { describeFieldTypes, schemaFromFieldKeys, type MeasurementSchema } from "./schema";

export interface Failure {
  database: string;
  retentionPolicy?: string;
  measurement?: string;
  message: string;
}

export interface DatabaseTotals {
  read: number;
  written: number;
  nonFiniteDropped: number;
}

export interface RunSummary {
  ok: boolean;
  /** The run was stopped on request before it finished. */
  aborted: boolean;
  databases: number;
  measurements: number;
  pointsRead: number;
  pointsWritten: number;
  nonFiniteDropped: number;
  failures: Failure[];
  durationMs: number;
  /** Per source database. */
  perDatabase: Record<string, DatabaseTotals>;
}

export interface EngineOptions {
  config: Config;
  source: InfluxClient;
  destination: InfluxClient;
  logger: Logger;
  cursors: CursorStore;
  signal?: AbortSignal;
}

interface RetentionPolicyInfo {
  name: string;
  duration: string;
  shardGroupDuration: string;
  isDefault: boolean;
}

export async function runBackup(options: EngineOptions): Promise<RunSummary> {
  const { config, source, destination, logger, signal, cursors } = options;
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
  const fail = (f: Failure) => {
    if (signal?.aborted) return; // a stop request is not a failure
    summary.failures.push(f);
    const where = [f.database, f.retentionPolicy, f.measurement].filter(Boolean).join(".");
    logger.error(`backup of ${where} failed: ${f.message}`);
  };

  let pairs: DatabasePair[];
  try {
    for (const client of [source, destination]) {
      const version = await client.ping(signal);
      logger.info(`connected to ${client.label}`, { version });
    }
    pairs = await resolvePairs(config, source, signal);
  } catch (err) {
    fail({ database: "*", message: errorMessage(err) });
    return finish(summary, began, logger, signal);
  }

  const ctx: CopyContext = { config, source, destination, logger, signal, cursors, writeConcurrency: 2 };
  for (const pair of pairs) {
    if (signal?.aborted) break;
    summary.databases++;
    try {
      await backupDatabase(ctx, pair, summary, fail);
    } catch (err) {
      fail({ database: pair.source, message: errorMessage(err) });
    }
  }
  return finish(summary, began, logger, signal);
}

function finish(summary: RunSummary, began: number, logger: Logger, signal?: AbortSignal): RunSummary {
  summary.durationMs = Date.now() - began;
  summary.aborted = signal?.aborted === true;
  summary.ok = summary.failures.length === 0;
  const line = summary.aborted
    ? "backup stopped on request; the next run continues where it stopped"
    : `backup ${summary.ok ? "finished" : "finished with failures"}`;
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

async function resolvePairs(config: Config, source: InfluxClient, signal?: AbortSignal): Promise<DatabasePair[]> {
  const series = await source.query(showDatabases(), { signal });
  const existing = new Set((series[0]?.values ?? []).map((row) => String(row[0])));
  if (config.databases === "all") {
    return [...existing].filter((db) => db !== "_internal").map((db) => ({ source: db, destination: db }));
  }
  return config.databases;
}

async function backupDatabase(
  ctx: CopyContext,
  pair: DatabasePair,
  summary: RunSummary,
  fail: (f: Failure) => void,
): Promise<void> {
  const { source, destination, logger, config, signal } = ctx;
  const dbs = await source.query(showDatabases(), { signal });
  if (!(dbs[0]?.values ?? []).some((row) => row[0] === pair.source)) {
    throw new Error(`database "${pair.source}" does not exist on ${source.label}; check SOURCE_DBS`);
  }
  logger.info(`backing up database ${pair.source} -> ${pair.destination}`);
  await destination.query(createDatabase(pair.destination), { signal });

  const sourceRps = await retentionPolicies(source, pair.source, signal);
  const destRps = new Map((await retentionPolicies(destination, pair.destination, signal)).map((rp) => [rp.name, rp]));
  const wanted = config.measurements ? new Set(config.measurements) : undefined;
  const found = new Set<string>();

  for (const rp of sourceRps) {
    if (signal?.aborted) return;
    const schemas = schemaFromFieldKeys(
      await source.query(showFieldKeys(pair.source, rp.name), { db: pair.source, signal }),
    );
    const inScope = [...schemas.values()].filter((m) => !wanted || wanted.has(m.name));
    if (inScope.length === 0) continue;
    if (!destRps.has(rp.name)) {
      await destination.query(createRetentionPolicy(pair.destination, rp), { db: pair.destination, signal });
      logger.info(`created retention policy ${rp.name} on ${pair.destination}`, {
        duration: rp.duration,
        shardDuration: rp.shardGroupDuration,
        default: rp.isDefault,
      });
      destRps.set(rp.name, rp);
    }
    for (const schema of inScope) {
      if (signal?.aborted) return;
      found.add(schema.name);
      await backupMeasurement(ctx, pair, rp.name, schema, summary, fail);
    }
  }
  for (const name of wanted ?? []) {
    if (!found.has(name)) logger.warning(`measurement "${name}" listed in MEASUREMENTS has no data in ${pair.source}`);
  }
}

async function backupMeasurement(
  ctx: CopyContext,
  pair: DatabasePair,
  rp: string,
  schema: MeasurementSchema,
  summary: RunSummary,
  fail: (f: Failure) => void,
): Promise<void> {
  const { logger } = ctx;
  const began = Date.now();
  const where = { database: pair.source, retentionPolicy: rp, measurement: schema.name };
  for (const conflict of schema.conflicts) logger.warning(`${pair.source}.${rp}.${schema.name}: ${conflict}`);
  summary.measurements++;
  try {
    const r = await copyMeasurement(ctx, { sourceDb: pair.source, destDb: pair.destination, rp, schema });
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
    logger.info(`copied ${pair.source}.${rp}.${schema.name} -> ${pair.destination}`, meta);
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
        message: `${r.unrepresentable} point(s) have a line break in a name and cannot be written as line protocol`,
      });
    }
  } catch (err) {
    fail({ ...where, message: errorMessage(err) });
  }
}

async function retentionPolicies(
  client: InfluxClient,
  db: string,
  signal?: AbortSignal,
): Promise<RetentionPolicyInfo[]> {
  const series = await client.query(showRetentionPolicies(db), { db, signal });
  const s = series[0];
  if (!s) return [];
  const col = (name: string) => s.columns.indexOf(name);
  return (s.values ?? []).map((row) => ({
    name: String(row[col("name")]),
    duration: String(row[col("duration")]),
    shardGroupDuration: String(row[col("shardGroupDuration")]),
    isDefault: row[col("default")] === true,
  }));
}
