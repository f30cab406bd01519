/**
 * What a run did, and how it is told: the summary of a backup, restore or verification run,
 * its failures, and log lines a person reads without a legend (each number says what it
 * counts). Pure; the key=value details that follow the lines stay for machines.
 */
import type { Aggregation } from "../config";
import type { CopyReach } from "./lag";

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
  /** What the copy of each measurement reached (those whose planning found the source's newest point). */
  reached?: CopyReach[];
  /** Source database -> destination database, for the pairs the run resolved. */
  pairs?: Record<string, string>;
}

/** One scheduled run, as the scheduler, /healthz and /metrics see it. */
export interface RunRecord {
  startedAt: Date;
  finishedAt?: Date;
  outcome: "running" | "success" | "failure" | "stopped";
  summary?: RunSummary;
  error?: string;
  /** Loaded from the status file at start: a run of an earlier process. */
  fromEarlierProcess?: boolean;
}

/**
 * 1234567 as "1,234,567", as toLocaleString("en-US") writes it for whole numbers, without the
 * ~15 ms of CPU its first call costs (loading ICU's number formats).
 */
export const count = (n: number): string => {
  if (!Number.isSafeInteger(n)) return n.toLocaleString("en-US");
  return n < 0 ? `-${count(-n)}` : String(n).replace(/\B(?=(\d{3})+$)/g, ",");
};
const plural = (n: number, one: string, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** What a mode writes, in words: "5m means" or "exact points". */
export function describeMode(aggregation: Aggregation): string {
  return aggregation.mode === "raw" ? "exact copy" : `${aggregation.bucket} means and last values`;
}

/** "read 33,400 buckets, wrote 33,400 points in 2 windows (5m means and last values), 0 NaN/Inf dropped, 2.1 s" */
export function describeMeasurementCopy(
  r: { rows: number; lines: number; windows: number; nonFinite: number },
  aggregation: Aggregation,
  durationMs: number,
): string {
  return (
    `read ${plural(r.rows, aggregation.mode === "raw" ? "point" : "bucket")}, wrote ${plural(r.lines, "point")} in ${plural(r.windows, "window")}` +
    ` (${describeMode(aggregation)}), ${count(r.nonFinite)} NaN/Inf dropped, ${seconds(durationMs)}`
  );
}

/** "3 databases, 40 measurements: read 1,000,000 points, wrote 33,400 points, 0 NaN/Inf dropped, 0 failures, 12.3 s" */
export function describeRun(s: {
  databases: number;
  measurements: number;
  pointsRead: number;
  pointsWritten: number;
  nonFiniteDropped: number;
  failures: unknown[];
  durationMs: number;
}): string {
  return (
    `${plural(s.databases, "database")}, ${plural(s.measurements, "measurement")}: read ${plural(s.pointsRead, "point")},` +
    ` wrote ${plural(s.pointsWritten, "point")}, ${count(s.nonFiniteDropped)} NaN/Inf dropped,` +
    ` ${plural(s.failures.length, "failure")}, ${seconds(s.durationMs)}`
  );
}
