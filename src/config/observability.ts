/** What the program tells and keeps: log file and level, health port, progress lines, resume cursors. */
import { parseDuration } from "../influx/time";
import { check, wholeNumber, type Get } from "./values";

export type LogLevel = "debug" | "info" | "warning" | "error" | "critical";

export interface ObservabilitySettings {
  logFile: string;
  logLevel: LogLevel;
  /** Port of /healthz and /metrics; 0 disables them. */
  healthPort: number;
  progressIntervalMs: number;
  /** Folder for resume cursors and the status file; undefined: none kept. */
  stateDir?: string;
  /** How far a measurement's copy may lag behind the source before `status` fails; 0: no lag check. */
  maxLagMs: number;
}

export const OBSERVABILITY_DEFAULTS = {
  LOG_FILE: "/var/log/backup_influxdb/backup.log",
  LOG_LEVEL: "INFO",
  HEALTH_PORT: "9100",
  PROGRESS_INTERVAL: "30s",
  STATE_DIR: "/var/lib/influxdb-backup",
  MAX_LAG: "1h",
} as const;

export const OBSERVABILITY_VARIABLES: readonly string[] = Object.keys(OBSERVABILITY_DEFAULTS);

const LOG_LEVELS: Record<string, LogLevel> = {
  DEBUG: "debug",
  INFO: "info",
  WARNING: "warning",
  WARN: "warning",
  ERROR: "error",
  CRITICAL: "critical",
};

export function parseObservability(get: Get, problems: string[]): ObservabilitySettings {
  const D = OBSERVABILITY_DEFAULTS;
  const levelRaw = get("LOG_LEVEL") ?? D.LOG_LEVEL;
  const logLevel = LOG_LEVELS[levelRaw.toUpperCase()];
  if (!logLevel)
    problems.push(`LOG_LEVEL=${JSON.stringify(levelRaw)}: expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL`);
  const healthPort = check(
    "HEALTH_PORT",
    wholeNumber(0, 65535),
    get("HEALTH_PORT") ?? D.HEALTH_PORT,
    "expected a port number from 1 to 65535, or 0 to disable /healthz and /metrics",
    problems,
  );
  const progressRaw = get("PROGRESS_INTERVAL") ?? D.PROGRESS_INTERVAL;
  const progressNs = parseDuration(progressRaw);
  if (progressNs === undefined || progressNs === 0n) {
    problems.push(`PROGRESS_INTERVAL=${JSON.stringify(progressRaw)}: expected a duration such as 30s or 1m`);
  }
  const stateDir = get("STATE_DIR") ?? D.STATE_DIR;
  const maxLagRaw = get("MAX_LAG") ?? D.MAX_LAG;
  // "0" alone (no unit) turns the check off.
  const maxLagNs = maxLagRaw === "0" ? 0n : parseDuration(maxLagRaw);
  if (maxLagNs === undefined) {
    problems.push(
      `MAX_LAG=${JSON.stringify(maxLagRaw)}: expected a duration such as 1h or 30m, or 0 to disable the lag check`,
    );
  }
  return {
    logFile: get("LOG_FILE") ?? D.LOG_FILE,
    logLevel: logLevel ?? "info",
    healthPort: healthPort ?? 0,
    progressIntervalMs: Number((progressNs ?? 0n) / 1_000_000n),
    stateDir: stateDir === "none" ? undefined : stateDir,
    maxLagMs: Number((maxLagNs ?? 0n) / 1_000_000n),
  };
}
