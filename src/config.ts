/**
 * Configuration: environment variables parsed once into a typed Config. Every problem is
 * collected and reported together, each naming its variable; secrets never leave this
 * object except as an Authorization header.
 */
import fs from "node:fs";
import { validate as validateCron } from "node-cron";
import { IANAZone } from "luxon";
import { z } from "zod";
import { ConfigError } from "./errors";
import { formatDuration, influxqlDuration, nsToRfc3339, parseDuration, rfc3339ToNs } from "./influx/time";
import { parseList } from "./listSyntax";
import { describeRule, parseRetentionRule, type RetentionRule } from "./retentionRule";
import { describeMatcher, parseSelection, type Selection } from "./selection";

export type LogLevel = "debug" | "info" | "warning" | "error" | "critical";

export interface ServerConfig {
  /** URL without credentials. */
  url: URL;
  username?: string;
  password?: string;
  /** Extra trusted CA certificates (PEM) for https. */
  ca?: string;
  /** Verify the server's TLS certificate (default true). */
  tlsVerify: boolean;
}

export interface DatabasePair {
  source: string;
  destination: string;
}

export type Aggregation =
  { mode: "raw" } | { mode: "aggregate"; /** InfluxQL duration literal, e.g. 5m */ bucket: string; bucketNs: bigint };

export interface Config {
  source: ServerConfig;
  destination: ServerConfig;
  /** Where `restore` writes: RESTORE_* when RESTORE_URL is set, else the source. */
  restoreTarget: ServerConfig;
  /** `restore` recreates the continuous queries recorded with the backup. */
  restoreContinuousQueries: boolean;
  /** "all": every source database except _internal, same names on the destination. */
  databases: "all" | DatabasePair[];
  aggregation: Aggregation;
  /** Which measurements and fields are copied, and their names on the destination. */
  selection: Selection;
  timeoutMs: number;
  paginationNs: bigint;
  logFile: string;
  logLevel: LogLevel;
  /** Cron expression; undefined: run once and exit. */
  schedule?: string;
  /** IANA time zone for the schedule. */
  timezone: string;
  /** Port of /healthz and /metrics; 0 disables them. */
  healthPort: number;
  /** Folder for resume cursors; undefined: none kept. */
  stateDir?: string;
  /** Retries of a failed request or window after the first attempt. */
  maxRetries: number;
  retryBaseDelayMs: number;
  /** Trailing time re-copied on every run (0: none; late data is found by LATE_DATA_HORIZON). */
  lookbackNs: bigint;
  /** How far behind the resume point late data is looked for with digests; 0 disables. */
  lateDataHorizonNs: bigint;
  /** Lower bound of what is copied; with `end`, an explicit backfill range. */
  start?: TimeBound;
  end?: TimeBound;
  /** Plan and report, write nothing. */
  dryRun: boolean;
  verifyAfterRun: boolean;
  verifyRepair: boolean;
  progressIntervalMs: number;
  influxdbNetwork: string;
  writeBatchSize: number;
  /** Write requests in flight per measurement. */
  writeConcurrency: number;
  /** Measurements copied at the same time. */
  concurrency: number;
  /** Compress write bodies. */
  writeGzip: boolean;
  /** Durations of retention policies created on the destination; undefined: the source's. */
  destRetention?: RetentionRule;
}

export type Env = Record<string, string | undefined>;

/** A point in time given as RFC3339 (absolute) or relative to the start of each run ("-30d"). */
export type TimeBound = { absoluteNs: bigint } | { relativeNs: bigint };

export function resolveBound(bound: TimeBound, nowNs: bigint): bigint {
  return "absoluteNs" in bound ? bound.absoluteNs : nowNs + bound.relativeNs;
}

/** Defaults, exactly as documented in README.md and .env-example. */
export const DEFAULTS = {
  SOURCE_GROUP_BY: "5m",
  TIMEOUT_CLIENT: "20",
  DAYS_OF_PAGINATION: "7",
  LOG_FILE: "/var/log/backup_influxdb/backup.log",
  LOG_LEVEL: "INFO",
  INFLUXDB_NETWORK: "influxdb_network",
  WRITE_BATCH_SIZE: "5000",
  WRITE_CONCURRENCY: "2",
  CONCURRENCY: "2",
  WRITE_GZIP: "false",
  BACKUP_TIMEZONE: "UTC",
  HEALTH_PORT: "9100",
  STATE_DIR: "/var/lib/influxdb-backup",
  MAX_RETRIES: "5",
  RETRY_BASE_DELAY: "1s",
  DRY_RUN: "false",
  VERIFY_AFTER_RUN: "false",
  VERIFY_REPAIR: "false",
  PROGRESS_INTERVAL: "30s",
  LOOKBACK: "0",
  LATE_DATA_HORIZON: "7d",
  RESTORE_CONTINUOUS_QUERIES: "true",
} as const;

/** Every variable the program reads. */
export const VARIABLES = [
  "SOURCE_URL",
  "SOURCE_DBS",
  "SOURCE_USER",
  "SOURCE_PASSWORD",
  "SOURCE_PASSWORD_FILE",
  "SOURCE_CA_FILE",
  "SOURCE_TLS_VERIFY",
  "SOURCE_GROUP_BY",
  "DEST_URL",
  "DEST_DBS",
  "DEST_USER",
  "DEST_PASSWORD",
  "DEST_PASSWORD_FILE",
  "DEST_CA_FILE",
  "DEST_TLS_VERIFY",
  "DEST_RETENTION",
  "RESTORE_URL",
  "RESTORE_USER",
  "RESTORE_PASSWORD",
  "RESTORE_PASSWORD_FILE",
  "RESTORE_CA_FILE",
  "RESTORE_TLS_VERIFY",
  "RESTORE_CONTINUOUS_QUERIES",
  "MEASUREMENTS",
  "MEASUREMENTS_EXCLUDE",
  "EXCLUDED_FIELDS",
  "MEASUREMENT_RENAMES",
  "FIELD_RENAMES",
  "TIMEOUT_CLIENT",
  "DAYS_OF_PAGINATION",
  "WRITE_BATCH_SIZE",
  "WRITE_CONCURRENCY",
  "CONCURRENCY",
  "WRITE_GZIP",
  "MAX_RETRIES",
  "RETRY_BASE_DELAY",
  "LOOKBACK",
  "LATE_DATA_HORIZON",
  "BACKUP_START",
  "BACKUP_END",
  "DRY_RUN",
  "VERIFY_AFTER_RUN",
  "VERIFY_REPAIR",
  "PROGRESS_INTERVAL",
  "LOG_FILE",
  "LOG_LEVEL",
  "BACKUP_SCHEDULE",
  "BACKUP_TIMEZONE",
  "HEALTH_PORT",
  "STATE_DIR",
  "INFLUXDB_NETWORK",
] as const;

const NS_PER_DAY = 86_400_000_000_000;

const positiveNumber = z.coerce
  .number({ error: "must be a number" })
  .finite()
  .positive({ error: "must be greater than 0" });

const LOG_LEVELS: Record<string, LogLevel> = {
  DEBUG: "debug",
  INFO: "info",
  WARNING: "warning",
  WARN: "warning",
  ERROR: "error",
  CRITICAL: "critical",
};

/** Parses the environment; throws ConfigError listing every problem. */
export function parseConfig(env: Env): Config {
  const problems: string[] = [];
  const get = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === "" ? undefined : v.trim();
  };
  const check = <T>(name: string, schema: z.ZodType<T>, raw: string, expected: string): T | undefined => {
    const result = schema.safeParse(raw);
    if (result.success) return result.data;
    problems.push(`${name}=${JSON.stringify(raw)}: ${expected}`);
    return undefined;
  };

  const source = parseServer("SOURCE", get, problems);
  const destination = parseServer("DEST", get, problems);
  let restoreTarget = source;
  if (get("RESTORE_URL") !== undefined) {
    restoreTarget = parseServer("RESTORE", get, problems);
  } else {
    const stray = ["RESTORE_USER", "RESTORE_PASSWORD", "RESTORE_PASSWORD_FILE", "RESTORE_CA_FILE"].filter(
      (n) => get(n) !== undefined,
    );
    if (stray.length)
      problems.push(
        `${stray.join(", ")} set without RESTORE_URL: without it, restore writes to the source (SOURCE_* settings); set RESTORE_URL too`,
      );
  }
  const restoreContinuousQueries = parseBool(
    "RESTORE_CONTINUOUS_QUERIES",
    get("RESTORE_CONTINUOUS_QUERIES") ?? DEFAULTS.RESTORE_CONTINUOUS_QUERIES,
    problems,
  );

  // Databases
  let databases: Config["databases"] = [];
  const sourceDbs = get("SOURCE_DBS");
  const destDbs = get("DEST_DBS");
  if (sourceDbs === undefined) {
    problems.push("SOURCE_DBS is required: comma-separated source database names, or * for every database");
  } else if (sourceDbs === "*") {
    if (destDbs !== undefined && destDbs !== "*") {
      problems.push("DEST_DBS must be empty or * when SOURCE_DBS=* (databases keep their names)");
    }
    databases = "all";
  } else {
    const src = listOf("SOURCE_DBS", sourceDbs, problems);
    if (destDbs === undefined) {
      problems.push("DEST_DBS is required: one destination database for each name in SOURCE_DBS, in the same order");
    } else {
      const dst = listOf("DEST_DBS", destDbs, problems);
      if (src.length !== dst.length) {
        problems.push(
          `SOURCE_DBS has ${src.length} database(s) and DEST_DBS has ${dst.length}: they pair up by position and must have the same length`,
        );
      } else {
        databases = src.map((s, i) => ({ source: s, destination: dst[i] as string }));
      }
    }
  }

  // Aggregation
  const groupBy = get("SOURCE_GROUP_BY") ?? DEFAULTS.SOURCE_GROUP_BY;
  let aggregation: Aggregation = { mode: "raw" };
  if (groupBy.toLowerCase() === "raw") {
    aggregation = { mode: "raw" };
  } else {
    const ns = parseDuration(groupBy);
    if (ns === undefined || ns <= 0n) {
      problems.push(
        `SOURCE_GROUP_BY=${JSON.stringify(groupBy)}: expected an InfluxQL duration such as 30s, 5m, 1h or 1d, or "raw" for an exact copy`,
      );
    } else {
      aggregation = { mode: "aggregate", bucket: influxqlDuration(ns), bucketNs: ns };
    }
  }

  const selection = parseSelection(get, problems);
  const retention = parseRetentionRule(get("DEST_RETENTION"));
  if (retention.error) {
    problems.push(
      `DEST_RETENTION=${JSON.stringify(get("DEST_RETENTION"))}: ${retention.error}; expected INF, a duration such as 400d, or policy:duration items such as autogen:INF,rp_30d:400d`,
    );
  }

  const timeout = check(
    "TIMEOUT_CLIENT",
    positiveNumber,
    get("TIMEOUT_CLIENT") ?? DEFAULTS.TIMEOUT_CLIENT,
    "expected a number of seconds greater than 0",
  );
  const days = check(
    "DAYS_OF_PAGINATION",
    positiveNumber,
    get("DAYS_OF_PAGINATION") ?? DEFAULTS.DAYS_OF_PAGINATION,
    "expected a number of days greater than 0 (fractions such as 0.5 are allowed)",
  );
  const batch = check(
    "WRITE_BATCH_SIZE",
    z.coerce.number().int().min(1).max(1_000_000),
    get("WRITE_BATCH_SIZE") ?? DEFAULTS.WRITE_BATCH_SIZE,
    "expected a whole number of lines from 1 to 1000000",
  );

  const writeConcurrency = check(
    "WRITE_CONCURRENCY",
    z.coerce.number().int().min(1).max(64),
    get("WRITE_CONCURRENCY") ?? DEFAULTS.WRITE_CONCURRENCY,
    "expected a whole number of write requests in flight from 1 to 64",
  );
  const concurrency = check(
    "CONCURRENCY",
    z.coerce.number().int().min(1).max(64),
    get("CONCURRENCY") ?? DEFAULTS.CONCURRENCY,
    "expected a whole number of measurements copied at once, from 1 to 64",
  );
  const levelRaw = get("LOG_LEVEL") ?? DEFAULTS.LOG_LEVEL;
  const logLevel = LOG_LEVELS[levelRaw.toUpperCase()];
  if (!logLevel)
    problems.push(`LOG_LEVEL=${JSON.stringify(levelRaw)}: expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL`);

  const schedule = get("BACKUP_SCHEDULE");
  if (schedule !== undefined && !validateCron(schedule)) {
    problems.push(
      `BACKUP_SCHEDULE=${JSON.stringify(schedule)}: expected a cron expression such as "0 0 * * *" (5 fields, or 6 with seconds first), or leave it empty to run once`,
    );
  }

  const timezone = get("BACKUP_TIMEZONE") ?? DEFAULTS.BACKUP_TIMEZONE;
  if (!IANAZone.isValidZone(timezone)) {
    problems.push(
      `BACKUP_TIMEZONE=${JSON.stringify(timezone)}: expected an IANA time zone such as UTC or Europe/Paris`,
    );
  }
  const healthPort = check(
    "HEALTH_PORT",
    z.coerce.number().int().min(0).max(65535),
    get("HEALTH_PORT") ?? DEFAULTS.HEALTH_PORT,
    "expected a port number from 1 to 65535, or 0 to disable /healthz and /metrics",
  );
  const stateDir = get("STATE_DIR") ?? DEFAULTS.STATE_DIR;
  const maxRetries = check(
    "MAX_RETRIES",
    z.coerce.number().int().min(0).max(100),
    get("MAX_RETRIES") ?? DEFAULTS.MAX_RETRIES,
    "expected a whole number of retries from 0 to 100",
  );
  const retryDelayRaw = get("RETRY_BASE_DELAY") ?? DEFAULTS.RETRY_BASE_DELAY;
  const retryDelayNs = parseDuration(retryDelayRaw);
  if (retryDelayNs === undefined) {
    problems.push(`RETRY_BASE_DELAY=${JSON.stringify(retryDelayRaw)}: expected a duration such as 500ms, 1s or 2s`);
  }
  const lookbackNs = durationOrZero("LOOKBACK", get("LOOKBACK") ?? DEFAULTS.LOOKBACK, "0, 5m, 1h or 2d", problems);
  const lateDataHorizonNs = durationOrZero(
    "LATE_DATA_HORIZON",
    get("LATE_DATA_HORIZON") ?? DEFAULTS.LATE_DATA_HORIZON,
    "7d, 24h or 0 to turn the late-data check off",
    problems,
  );

  const start = parseBound("BACKUP_START", get("BACKUP_START"), problems);
  const end = parseBound("BACKUP_END", get("BACKUP_END"), problems);
  if (start && end && "absoluteNs" in start && "absoluteNs" in end && start.absoluteNs >= end.absoluteNs) {
    problems.push("BACKUP_START must be before BACKUP_END");
  }
  const writeGzip = parseBool("WRITE_GZIP", get("WRITE_GZIP") ?? DEFAULTS.WRITE_GZIP, problems);
  const dryRun = parseBool("DRY_RUN", get("DRY_RUN") ?? DEFAULTS.DRY_RUN, problems);
  const verifyAfterRun = parseBool("VERIFY_AFTER_RUN", get("VERIFY_AFTER_RUN") ?? DEFAULTS.VERIFY_AFTER_RUN, problems);
  const verifyRepair = parseBool("VERIFY_REPAIR", get("VERIFY_REPAIR") ?? DEFAULTS.VERIFY_REPAIR, problems);
  const progressRaw = get("PROGRESS_INTERVAL") ?? DEFAULTS.PROGRESS_INTERVAL;
  const progressNs = parseDuration(progressRaw);
  if (progressNs === undefined || progressNs === 0n) {
    problems.push(`PROGRESS_INTERVAL=${JSON.stringify(progressRaw)}: expected a duration such as 30s or 1m`);
  }

  if (problems.length > 0 || !source || !destination || !restoreTarget) throw new ConfigError(problems);
  return {
    source,
    destination,
    restoreTarget,
    restoreContinuousQueries,
    databases,
    aggregation,
    selection,
    timeoutMs: Math.round((timeout as number) * 1000),
    paginationNs: BigInt(Math.round((days as number) * NS_PER_DAY)),
    logFile: get("LOG_FILE") ?? DEFAULTS.LOG_FILE,
    logLevel: logLevel as LogLevel,
    schedule,
    timezone,
    healthPort: healthPort as number,
    stateDir: stateDir === "none" ? undefined : stateDir,
    maxRetries: maxRetries as number,
    retryBaseDelayMs: Number((retryDelayNs ?? 0n) / 1_000_000n),
    lookbackNs,
    lateDataHorizonNs,
    start,
    end,
    dryRun,
    verifyAfterRun,
    verifyRepair,
    progressIntervalMs: Number((progressNs ?? 0n) / 1_000_000n),
    influxdbNetwork: get("INFLUXDB_NETWORK") ?? DEFAULTS.INFLUXDB_NETWORK,
    writeBatchSize: batch as number,
    writeConcurrency: writeConcurrency as number,
    concurrency: concurrency as number,
    writeGzip,
    destRetention: retention.rule,
  };
}

/** A duration, or 0 for none. */
function durationOrZero(name: string, raw: string, examples: string, problems: string[]): bigint {
  const ns = raw === "0" ? 0n : parseDuration(raw);
  if (ns === undefined) problems.push(`${name}=${JSON.stringify(raw)}: expected a duration such as ${examples}`);
  return ns ?? 0n;
}

function listOf(name: string, raw: string, problems: string[]): string[] {
  const { items, error } = parseList(raw);
  if (error) problems.push(`${name}: ${error} (a backslash makes the next character literal)`);
  else if (items.length === 0) problems.push(`${name} lists no names`);
  return items;
}

const SERVER_ROLES = { SOURCE: "source", DEST: "destination", RESTORE: "restore target" } as const;

function parseServer(
  prefix: keyof typeof SERVER_ROLES,
  get: (name: string) => string | undefined,
  problems: string[],
): ServerConfig | undefined {
  const name = `${prefix}_URL`;
  const raw = get(name);
  if (raw === undefined) {
    problems.push(`${name} is required: the ${SERVER_ROLES[prefix]} InfluxDB, e.g. http://influxdb:8086`);
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`${name}=${JSON.stringify(redactUrlText(raw))}: not a valid URL; expected e.g. http://influxdb:8086`);
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    problems.push(`${name}: expected an http:// or https:// URL, got ${url.protocol}//`);
    return undefined;
  }
  // Credentials in the URL are accepted; the variables win when both are given.
  const urlUser = url.username ? decodeURIComponent(url.username) : undefined;
  const urlPassword = url.password ? decodeURIComponent(url.password) : undefined;
  url.username = "";
  url.password = "";
  const username = get(`${prefix}_USER`) ?? urlUser;
  let password = get(`${prefix}_PASSWORD`) ?? urlPassword;
  const passwordFile = get(`${prefix}_PASSWORD_FILE`);
  if (passwordFile !== undefined) {
    if (get(`${prefix}_PASSWORD`) !== undefined) {
      problems.push(`${prefix}_PASSWORD and ${prefix}_PASSWORD_FILE are both set: use one`);
    }
    password = readSecretFile(`${prefix}_PASSWORD_FILE`, passwordFile, problems);
  }
  if (password !== undefined && username === undefined) {
    problems.push(`${prefix}_PASSWORD is set but ${prefix}_USER is not: InfluxDB needs both`);
  }
  const caFile = get(`${prefix}_CA_FILE`);
  const ca = caFile === undefined ? undefined : readCaFile(`${prefix}_CA_FILE`, caFile, problems);
  const verifyRaw = (get(`${prefix}_TLS_VERIFY`) ?? "true").toLowerCase();
  if (!["true", "false", "1", "0", "yes", "no"].includes(verifyRaw)) {
    problems.push(`${prefix}_TLS_VERIFY=${JSON.stringify(verifyRaw)}: expected true or false`);
  }
  const tlsVerify = !["false", "0", "no"].includes(verifyRaw);
  return { url, username, password, ca, tlsVerify };
}

/** Docker secrets and the like: the file's content, without the trailing line break. */
function readSecretFile(name: string, file: string, problems: string[]): string | undefined {
  try {
    return fs.readFileSync(file, "utf8").replace(/\r?\n$/, "");
  } catch (err) {
    problems.push(`${name}=${JSON.stringify(file)}: cannot read it (${(err as NodeJS.ErrnoException).code ?? err})`);
    return undefined;
  }
}

function readCaFile(name: string, file: string, problems: string[]): string | undefined {
  const text = readSecretFile(name, file, problems);
  if (text !== undefined && !text.includes("-----BEGIN CERTIFICATE-----")) {
    problems.push(`${name}=${JSON.stringify(file)}: expected PEM certificates (-----BEGIN CERTIFICATE-----)`);
    return undefined;
  }
  return text;
}

/** A URL as text with any password replaced, for messages about unparsable values. */
export function redactUrlText(raw: string): string {
  return raw.replace(/\/\/([^/@:]*):[^/@]*@/, "//$1:***@");
}

/** What may be logged of the configuration: everything but passwords. */
export function describeConfig(config: Config): Record<string, unknown> {
  const server = (s: ServerConfig) => ({
    url: s.url.href,
    user: s.username ?? "(none)",
    password: s.password ? "***" : "(none)",
    ...(s.ca ? { ca: "custom" } : {}),
    ...(s.tlsVerify ? {} : { tlsVerify: false }),
  });
  return {
    source: server(config.source),
    destination: server(config.destination),
    ...(config.restoreTarget !== config.source ? { restoreTarget: server(config.restoreTarget) } : {}),
    databases:
      config.databases === "all"
        ? "all except _internal"
        : config.databases.map((d) => `${d.source} -> ${d.destination}`),
    aggregation: config.aggregation.mode === "raw" ? "raw (exact copy)" : `mean/last per ${config.aggregation.bucket}`,
    measurements: describeSelection(config.selection),
    timeoutSeconds: config.timeoutMs / 1000,
    paginationDays: Number(config.paginationNs) / NS_PER_DAY,
    writeBatchSize: config.writeBatchSize,
    writeConcurrency: config.writeConcurrency,
    concurrency: config.concurrency,
    logFile: config.logFile,
    logLevel: config.logLevel,
    schedule: config.schedule ? `${config.schedule} (${config.timezone})` : "(none: run once)",
    healthPort: config.healthPort || "(disabled)",
    stateDir: config.stateDir ?? "(none)",
    retries: `${config.maxRetries}, from ${config.retryBaseDelayMs}ms`,
    lookback: formatDuration(config.lookbackNs),
    lateDataHorizon: config.lateDataHorizonNs > 0n ? formatDuration(config.lateDataHorizonNs) : "(off)",
    ...(config.start ? { start: describeBound(config.start) } : {}),
    ...(config.end ? { end: describeBound(config.end) } : {}),
    ...(config.destRetention ? { destRetention: describeRule(config.destRetention) } : {}),
    ...(config.dryRun ? { dryRun: true } : {}),
    ...(config.verifyAfterRun ? { verifyAfterRun: true, verifyRepair: config.verifyRepair } : {}),
  };
}

function describeSelection(sel: Selection): string {
  const show = (list: Selection["exclude"]) => list.map(describeMatcher).join(",");
  const parts = [sel.include ? `only ${show(sel.include)}` : "all"];
  if (sel.exclude.length) parts.push(`except ${show(sel.exclude)}`);
  if (sel.excludedFields.length)
    parts.push(`excluded fields ${sel.excludedFields.map((f) => `${f.measurement}:${f.field}`).join(",")}`);
  if (sel.measurementRenames.size)
    parts.push(`renames ${[...sel.measurementRenames].map(([a, b]) => `${a}->${b}`).join(",")}`);
  if (sel.fieldRenames.length)
    parts.push(`field renames ${sel.fieldRenames.map((r) => `${r.measurement}:${r.from}->${r.to}`).join(",")}`);
  return parts.join("; ");
}

function parseBool(name: string, raw: string, problems: string[]): boolean {
  const v = raw.toLowerCase();
  if (["true", "1", "yes"].includes(v)) return true;
  if (["false", "0", "no"].includes(v)) return false;
  problems.push(`${name}=${JSON.stringify(raw)}: expected true or false`);
  return false;
}

/** RFC3339 ("2026-10-01T00:00:00Z") or relative to each run's start ("-30d", "-12h"). */
function parseBound(name: string, raw: string | undefined, problems: string[]): TimeBound | undefined {
  if (raw === undefined) return undefined;
  if (raw.startsWith("-")) {
    const ns = parseDuration(raw.slice(1));
    if (ns !== undefined) return { relativeNs: -ns };
  } else if (/^\d{4}-\d\d-\d\dT/.test(raw)) {
    try {
      return { absoluteNs: rfc3339ToNs(raw) };
    } catch {
      // reported below
    }
  }
  problems.push(
    `${name}=${JSON.stringify(raw)}: expected an RFC3339 time such as 2026-10-01T00:00:00Z, or a time relative to the run such as -30d`,
  );
  return undefined;
}

function describeBound(b: TimeBound): string {
  return "absoluteNs" in b ? nsToRfc3339(b.absoluteNs) : `${formatDuration(-b.relativeNs)} before each run`;
}
