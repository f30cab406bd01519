/** How to copy: downsampled or raw, window size, batching, concurrency, retries, and checks after the copy. */
import type { z } from "zod/v3";
import { influxqlDuration, parseDuration } from "../influx/time";
import { parseRetentionRule, type RetentionRule } from "./retentionRule";
import { check, parseBool, positiveNumber, wholeNumber, type Get } from "./values";

export type Aggregation =
  { mode: "raw" } | { mode: "aggregate"; /** InfluxQL duration literal, e.g. 5m */ bucket: string; bucketNs: bigint };

export interface HowToCopy {
  aggregation: Aggregation;
  timeoutMs: number;
  paginationNs: bigint;
  writeBatchSize: number;
  /** Write requests in flight per measurement. */
  writeConcurrency: number;
  /** Measurements copied at the same time. */
  concurrency: number;
  /** Compress write bodies. */
  writeGzip: boolean;
  /** Retries of a failed request or window after the first attempt. */
  maxRetries: number;
  retryBaseDelayMs: number;
  /** Trailing time re-copied on every run (0: none; late data is found by LATE_DATA_HORIZON). */
  lookbackNs: bigint;
  /** How far behind the resume point late data is looked for with digests; 0 disables. */
  lateDataHorizonNs: bigint;
  /** Durations of retention policies created on the destination; undefined: the source's. */
  destRetention?: RetentionRule;
  /** Plan and report, write nothing. */
  dryRun: boolean;
  verifyAfterRun: boolean;
  verifyRepair: boolean;
}

export const HOW_TO_COPY_DEFAULTS = {
  SOURCE_GROUP_BY: "5m",
  TIMEOUT_CLIENT: "20",
  DAYS_OF_PAGINATION: "7",
  WRITE_BATCH_SIZE: "5000",
  WRITE_CONCURRENCY: "2",
  CONCURRENCY: "2",
  WRITE_GZIP: "false",
  MAX_RETRIES: "5",
  RETRY_BASE_DELAY: "1s",
  DRY_RUN: "false",
  VERIFY_AFTER_RUN: "false",
  VERIFY_REPAIR: "false",
  LOOKBACK: "0",
  LATE_DATA_HORIZON: "7d",
} as const;

/** The variables with a default, and DEST_RETENTION (empty: the source's durations). */
export const HOW_TO_COPY_VARIABLES: readonly string[] = [...Object.keys(HOW_TO_COPY_DEFAULTS), "DEST_RETENTION"];

const NS_PER_DAY = 86_400_000_000_000;

export function parseHowToCopy(get: Get, problems: string[]): HowToCopy {
  const D = HOW_TO_COPY_DEFAULTS;
  const value = (name: keyof typeof D, schema: z.ZodType<number>, expected: string) =>
    check(name, schema, get(name) ?? D[name], expected, problems);
  const bool = (name: keyof typeof D) => parseBool(name, get(name) ?? D[name], problems);

  const aggregation = parseAggregation(get("SOURCE_GROUP_BY") ?? D.SOURCE_GROUP_BY, problems);
  const timeout = value("TIMEOUT_CLIENT", positiveNumber, "expected a number of seconds greater than 0");
  const days = value(
    "DAYS_OF_PAGINATION",
    positiveNumber,
    "expected a number of days greater than 0 (fractions such as 0.5 are allowed)",
  );
  const batch = value(
    "WRITE_BATCH_SIZE",
    wholeNumber(1, 1_000_000),
    "expected a whole number of lines from 1 to 1000000",
  );
  const writeConcurrency = value(
    "WRITE_CONCURRENCY",
    wholeNumber(1, 64),
    "expected a whole number of write requests in flight from 1 to 64",
  );
  const concurrency = value(
    "CONCURRENCY",
    wholeNumber(1, 64),
    "expected a whole number of measurements copied at once, from 1 to 64",
  );
  const maxRetries = value("MAX_RETRIES", wholeNumber(0, 100), "expected a whole number of retries from 0 to 100");
  const retryDelayRaw = get("RETRY_BASE_DELAY") ?? D.RETRY_BASE_DELAY;
  const retryDelayNs = parseDuration(retryDelayRaw);
  if (retryDelayNs === undefined) {
    problems.push(`RETRY_BASE_DELAY=${JSON.stringify(retryDelayRaw)}: expected a duration such as 500ms, 1s or 2s`);
  }
  return {
    aggregation,
    timeoutMs: Math.round((timeout ?? 0) * 1000),
    paginationNs: BigInt(Math.round((days ?? 0) * NS_PER_DAY)),
    writeBatchSize: batch ?? 0,
    writeConcurrency: writeConcurrency ?? 0,
    concurrency: concurrency ?? 0,
    writeGzip: bool("WRITE_GZIP"),
    maxRetries: maxRetries ?? 0,
    retryBaseDelayMs: Number((retryDelayNs ?? 0n) / 1_000_000n),
    lookbackNs: durationOrZero("LOOKBACK", get("LOOKBACK") ?? D.LOOKBACK, "0, 5m, 1h or 2d", problems),
    lateDataHorizonNs: durationOrZero(
      "LATE_DATA_HORIZON",
      get("LATE_DATA_HORIZON") ?? D.LATE_DATA_HORIZON,
      "7d, 24h or 0 to turn the late-data check off",
      problems,
    ),
    destRetention: parseDestRetention(get("DEST_RETENTION"), problems),
    dryRun: bool("DRY_RUN"),
    verifyAfterRun: bool("VERIFY_AFTER_RUN"),
    verifyRepair: bool("VERIFY_REPAIR"),
  };
}

function parseAggregation(groupBy: string, problems: string[]): Aggregation {
  if (groupBy.toLowerCase() === "raw") return { mode: "raw" };
  const ns = parseDuration(groupBy);
  if (ns === undefined || ns <= 0n) {
    problems.push(
      `SOURCE_GROUP_BY=${JSON.stringify(groupBy)}: expected an InfluxQL duration such as 30s, 5m, 1h or 1d, or "raw" for an exact copy`,
    );
    return { mode: "raw" };
  }
  return { mode: "aggregate", bucket: influxqlDuration(ns), bucketNs: ns };
}

/** A duration, or 0 for none. */
function durationOrZero(name: string, raw: string, examples: string, problems: string[]): bigint {
  const ns = raw === "0" ? 0n : parseDuration(raw);
  if (ns === undefined) problems.push(`${name}=${JSON.stringify(raw)}: expected a duration such as ${examples}`);
  return ns ?? 0n;
}

function parseDestRetention(raw: string | undefined, problems: string[]): RetentionRule | undefined {
  const { rule, error } = parseRetentionRule(raw);
  if (error) {
    problems.push(
      `DEST_RETENTION=${JSON.stringify(raw)}: ${error}; expected INF, a duration such as 400d, or policy:duration items such as autogen:INF,rp_30d:400d`,
    );
  }
  return rule;
}

/** Days of pagination as configured, for the description. */
export function paginationDays(paginationNs: bigint): number {
  return Number(paginationNs) / NS_PER_DAY;
}
