/**
 * What the service keeps of its runs in STATE_DIR/status.json, read by the `status` command, by
 * /healthz and /metrics after a restart: the last finished run, the run in progress, per source
 * database the totals and last success, per measurement the newest copied point and its lag.
 * Pure: how a run's record turns into the next status (the file's I/O is in commands/).
 */
import { nsToRfc3339 } from "../influx/time";
import { lagOf } from "./lag";
import type { RunRecord } from "./runSummary";

export const STATUS_VERSION = 1;

export interface StatusRun {
  startedAt: string;
  finishedAt?: string;
  outcome: "running" | "success" | "failure" | "stopped";
  /** Why the whole run failed, when it did not get to the databases. */
  error?: string;
  pointsRead: number;
  pointsWritten: number;
  failures: { database: string; measurement?: string; message: string }[];
}

export interface StatusDatabase {
  destination?: string;
  /** Of the last finished run; 0 when it did not copy this database. */
  pointsRead: number;
  pointsWritten: number;
  /** End of the last run that copied this database without a failure. */
  lastSuccess?: string;
}

export interface StatusMeasurement {
  database: string;
  /** "rp.measurement". */
  measurement: string;
  newestCopied: string;
  sourceNewest: string;
  lagSeconds: number;
  /** End of the run these figures are from. */
  measuredAt: string;
  /** Set when the last run did not measure it again (its planning failed, or it was not reached): why the figures are older. */
  stale?: string;
}

export interface BackupStatus {
  version: number;
  /** The last finished run (absent until one finished). */
  lastRun?: StatusRun;
  /** End of the last run that succeeded. */
  lastSuccess?: string;
  /** The run in progress, if any, when the file was written. */
  currentRun?: { startedAt: string };
  /** When the next scheduled run is due (absent without a schedule). */
  nextRun?: string;
  databases: Record<string, StatusDatabase>;
  measurements: StatusMeasurement[];
}

export function emptyStatus(): BackupStatus {
  return { version: STATUS_VERSION, databases: {}, measurements: [] };
}

/** The status once a run has started: the previous figures, and the run in progress. */
export function statusAtStart(previous: BackupStatus | undefined, startedAt: Date, nextRun?: Date): BackupStatus {
  const base = previous ?? emptyStatus();
  return { ...base, currentRun: { startedAt: startedAt.toISOString() }, ...nextRunOf(nextRun) };
}

/**
 * The status after a finished run: its outcome and totals, each database's last success, and the
 * lag of every measurement it measured; a measurement it did not measure keeps its last figures,
 * marked stale with the reason.
 */
export function statusAfterRun(previous: BackupStatus | undefined, record: RunRecord, nextRun?: Date): BackupStatus {
  const base = previous ?? emptyStatus();
  const finishedAt = (record.finishedAt ?? new Date()).toISOString();
  const summary = record.summary;
  const failures = (summary?.failures ?? []).map((f) => ({
    database: f.database,
    ...(f.measurement ? { measurement: `${f.retentionPolicy ?? ""}.${f.measurement}` } : {}),
    message: f.message,
  }));
  const lastRun: StatusRun = {
    startedAt: record.startedAt.toISOString(),
    finishedAt,
    outcome: record.outcome,
    ...(record.error ? { error: record.error } : {}),
    pointsRead: summary?.pointsRead ?? 0,
    pointsWritten: summary?.pointsWritten ?? 0,
    failures,
  };

  const databases: Record<string, StatusDatabase> = {};
  for (const [name, db] of Object.entries(base.databases)) databases[name] = { ...db, pointsRead: 0, pointsWritten: 0 };
  const ranDatabases = new Set([...Object.keys(summary?.pairs ?? {}), ...failures.map((f) => f.database)]);
  for (const name of ranDatabases) {
    const totals = summary?.perDatabase[name];
    const failed = failures.some((f) => f.database === name);
    const destination = summary?.pairs?.[name] ?? databases[name]?.destination;
    databases[name] = {
      ...databases[name],
      ...(destination ? { destination } : {}),
      pointsRead: totals?.read ?? 0,
      pointsWritten: totals?.written ?? 0,
      ...(!failed && record.outcome !== "stopped" && !record.error ? { lastSuccess: finishedAt } : {}),
    };
  }

  const measured = new Map<string, StatusMeasurement>();
  for (const r of summary?.reached ?? []) {
    const lag = lagOf(r);
    measured.set(`${r.database}\u0000${r.measurement}`, {
      database: r.database,
      measurement: r.measurement,
      newestCopied: nsToRfc3339(lag.newestCopiedNs),
      sourceNewest: nsToRfc3339(r.sourceNewestNs),
      lagSeconds: lag.lagMs / 1000,
      measuredAt: finishedAt,
    });
  }
  for (const m of base.measurements) {
    const key = `${m.database}\u0000${m.measurement}`;
    if (measured.has(key)) continue;
    // A database copied in full that no longer has this measurement to copy (selection changed, data gone): forgotten.
    const incomplete = record.outcome !== "success" || failures.some((f) => f.database === m.database);
    if (!incomplete) continue;
    measured.set(key, { ...m, stale: m.stale ?? staleReason(m, failures, lastRun) });
  }
  const measurements = [...measured.values()].sort(worstFirst);
  const lastSuccess = record.outcome === "success" ? finishedAt : base.lastSuccess;
  return {
    version: STATUS_VERSION,
    lastRun,
    ...(lastSuccess ? { lastSuccess } : {}),
    databases,
    measurements,
    ...nextRunOf(nextRun),
  };
}

function staleReason(m: StatusMeasurement, failures: StatusRun["failures"], run: StatusRun): string {
  const failure =
    failures.find((f) => f.database === m.database && f.measurement === m.measurement) ??
    failures.find((f) => f.database === m.database && !f.measurement) ??
    (run.error ? { message: run.error } : undefined);
  return failure
    ? `not measured by the run of ${run.startedAt} (${failure.message}); figures of ${m.measuredAt}`
    : `not measured by the run of ${run.startedAt}; figures of ${m.measuredAt}`;
}

/** The largest lag first; ties by name. */
export function worstFirst(a: StatusMeasurement, b: StatusMeasurement): number {
  return (
    b.lagSeconds - a.lagSeconds || `${a.database}.${a.measurement}`.localeCompare(`${b.database}.${b.measurement}`)
  );
}

function nextRunOf(next?: Date): { nextRun?: string } {
  return next ? { nextRun: next.toISOString() } : {};
}
