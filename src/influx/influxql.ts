/**
 * Pure InfluxQL building: identifier quoting, literals and the queries the backup needs.
 * Nothing here does I/O; every name that reaches a query goes through quoteIdent.
 */

import { influxqlDuration, parseDuration } from "./time";

/** Double-quoted identifier: backslash and double quote are escaped, everything else is literal. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** Single-quoted string literal. */
export function quoteString(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** A fully qualified measurement: "db"."rp"."measurement". */
export function qualified(db: string, rp: string, measurement: string): string {
  return `${quoteIdent(db)}.${quoteIdent(rp)}.${quoteIdent(measurement)}`;
}

/** InfluxDB's representable time range; a literal outside it is refused by the server. */
export const MIN_TIME = -9_223_372_036_854_775_806n;
export const MAX_TIME = 9_223_372_036_854_775_806n;

/** Time range condition in integer nanoseconds: start inclusive, end exclusive, clamped to what InfluxDB represents. */
export function timeRange(startNs: bigint, endNs: bigint): string {
  const start = startNs < MIN_TIME ? MIN_TIME : startNs;
  const end = endNs > MAX_TIME + 1n ? MAX_TIME + 1n : endNs;
  return `time >= ${start} AND time < ${end}`;
}

export const showDatabases = (): string => "SHOW DATABASES";

export const showRetentionPolicies = (db: string): string => `SHOW RETENTION POLICIES ON ${quoteIdent(db)}`;

/** Field keys with their types for every measurement that holds data in one retention policy. */
export const showFieldKeys = (db: string, rp: string): string =>
  `SHOW FIELD KEYS ON ${quoteIdent(db)} FROM ${quoteIdent(rp)}./.*/`;

export const createDatabase = (db: string): string => `CREATE DATABASE ${quoteIdent(db)}`;

export interface RetentionPolicySpec {
  name: string;
  /** As SHOW RETENTION POLICIES prints it, e.g. "168h0m0s"; "0s" is infinite. */
  duration: string;
  shardGroupDuration: string;
  isDefault: boolean;
}

/**
 * Creates a retention policy like the source's: same duration and shard duration, default if
 * it was. With another duration (`durationNs`, 0n for infinite) the shard duration is left to
 * the server, which picks one that suits the new duration (7 days for a long-term archive).
 */
export function createRetentionPolicy(db: string, rp: RetentionPolicySpec, durationNs?: bigint): string {
  const sourceDuration = parseDuration(rp.duration);
  const shard = parseDuration(rp.shardGroupDuration);
  if (sourceDuration === undefined)
    throw new RangeError(`retention policy ${rp.name} has an unreadable duration ${rp.duration}`);
  const duration = durationNs ?? sourceDuration;
  const durationText = duration === 0n ? "INF" : influxqlDuration(duration);
  const keepShard = durationNs === undefined && shard !== undefined && shard > 0n;
  const shardText = keepShard ? ` SHARD DURATION ${influxqlDuration(shard)}` : "";
  return (
    `CREATE RETENTION POLICY ${quoteIdent(rp.name)} ON ${quoteIdent(db)}` +
    ` DURATION ${durationText} REPLICATION 1${shardText}${rp.isDefault ? " DEFAULT" : ""}`
  );
}

/** Oldest (asc) or newest (desc) point of a measurement, optionally at or after `fromNs` and at or before `untilNs`. */
export function edgePoint(
  db: string,
  rp: string,
  measurement: string,
  order: "asc" | "desc",
  fromNs?: bigint,
  untilNs?: bigint,
): string {
  const conditions = [
    ...(fromNs === undefined ? [] : [`time >= ${fromNs}`]),
    ...(untilNs === undefined ? [] : [`time <= ${untilNs}`]),
  ];
  const where = conditions.length ? ` WHERE ${conditions.join(" AND ")}` : "";
  const orderBy = order === "desc" ? " ORDER BY time DESC" : "";
  return `SELECT * FROM ${qualified(db, rp, measurement)}${where}${orderBy} LIMIT 1`;
}

/** Every point of the window, tags as series (GROUP BY *), fields named explicitly (::field, so a tag of the same name is not taken). */
export function rawWindow(
  db: string,
  rp: string,
  measurement: string,
  fields: string[],
  startNs: bigint,
  endNs: bigint,
): string {
  const columns = fields.map((f) => `${quoteIdent(f)}::field`).join(", ");
  return `SELECT ${columns} FROM ${qualified(db, rp, measurement)}` + ` WHERE ${timeRange(startNs, endNs)} GROUP BY *`;
}

/**
 * Every point of the window in time order, one row a point: every tag as a column first (*::tag,
 * expanded by the server when it runs the query, so a tag key created a moment ago is not
 * missed; a series without a tag has null there), then the fields named explicitly, by position
 * (a field named like a tag comes back as "name_1"). Without GROUP BY the server merges the
 * series into one answer cut into chunks of rows, which costs it about half of what one answer
 * per series (GROUP BY *) does at high cardinality.
 */
export function rawWindowRows(
  db: string,
  rp: string,
  measurement: string,
  fields: readonly string[],
  startNs: bigint,
  endNs: bigint,
): string {
  const columns = ["*::tag", ...fields.map((f) => `${quoteIdent(f)}::field`)].join(", ");
  return `SELECT ${columns} FROM ${qualified(db, rp, measurement)} WHERE ${timeRange(startNs, endNs)}`;
}

/** An aggregate of one field: mean() of a numeric field, last() of the others. */
export interface AggregateColumn {
  fn: "mean" | "last";
  field: string;
}

/**
 * One aggregate per field for every bucket that holds data, per series; several functions in
 * one statement, so the server joins a bucket's numeric means and other fields' last values
 * into one row. Each result column is aliased to its field name so the destination keeps the
 * source's field keys. Without a bucket, one aggregate over the whole range (for the buckets at
 * the very edges of InfluxDB's time range, which GROUP BY time() cannot label or drops).
 */
export function aggregateColumns(
  db: string,
  rp: string,
  measurement: string,
  columns: AggregateColumn[],
  bucket: string | undefined,
  startNs: bigint,
  endNs: bigint,
): string {
  const select = columns.map((c) => `${c.fn}(${quoteIdent(c.field)}) AS ${quoteIdent(c.field)}`).join(", ");
  const groupBy = bucket === undefined ? "GROUP BY *" : `GROUP BY time(${bucket}), * fill(none)`;
  return `SELECT ${select} FROM ${qualified(db, rp, measurement)} WHERE ${timeRange(startNs, endNs)} ${groupBy}`;
}

/** The same function of every field. */
export function aggregateWindow(
  fn: "mean" | "last",
  db: string,
  rp: string,
  measurement: string,
  fields: string[],
  bucket: string | undefined,
  startNs: bigint,
  endNs: bigint,
): string {
  const columns = fields.map((field) => ({ fn, field }));
  return aggregateColumns(db, rp, measurement, columns, bucket, startNs, endNs);
}

/**
 * Succeeds (with a row, or none) when a field is integer over a time range, and fails with
 * "incompatible types: float" when it is float there: InfluxDB gives a field one type per
 * query, from the shards the range touches, and only integers take a bitwise AND.
 */
export function integerProbe(
  db: string,
  rp: string,
  measurement: string,
  field: string,
  startNs: bigint,
  endNs: bigint,
): string {
  return `SELECT last(${quoteIdent(field)}) & 0 AS "x" FROM ${qualified(db, rp, measurement)} WHERE ${timeRange(startNs, endNs)}`;
}

/** Number of values per field later than a time (no upper bound: points at InfluxDB's latest time count too). */
export function countAfter(db: string, rp: string, measurement: string, afterNs: bigint): string {
  return `SELECT count(*) FROM ${qualified(db, rp, measurement)} WHERE time > ${afterNs}`;
}

/** Number of values per field of every measurement of a retention policy in a time range (a series per measurement). */
export function countEveryMeasurement(db: string, rp: string, startNs: bigint, endNs: bigint): string {
  return `SELECT count(*) FROM ${quoteIdent(db)}.${quoteIdent(rp)}./.*/ WHERE ${timeRange(startNs, endNs)}`;
}

/** Makes an existing retention policy the database's default. */
export function setDefaultRetentionPolicy(db: string, rp: string): string {
  return `ALTER RETENTION POLICY ${quoteIdent(rp)} ON ${quoteIdent(db)} DEFAULT`;
}

/** count(*) per series (a count_<field> column per field). */
export function countValuesPerSeries(
  db: string,
  rp: string,
  measurement: string,
  startNs: bigint,
  endNs: bigint,
): string {
  return `SELECT count(*) FROM ${qualified(db, rp, measurement)} WHERE ${timeRange(startNs, endNs)} GROUP BY *`;
}

/** Time of the first or last value of a field, per series. */
export function edgeOfField(
  fn: "first" | "last",
  db: string,
  rp: string,
  measurement: string,
  field: string,
  startNs: bigint,
  endNs: bigint,
): string {
  return `SELECT ${fn}(${quoteIdent(field)}) AS "v" FROM ${qualified(db, rp, measurement)} WHERE ${timeRange(startNs, endNs)} GROUP BY *`;
}

/**
 * Values per field in every interval of `interval` that holds data (fill(none)): where a
 * measurement's data is, so that empty windows are never queried.
 */
export function countPerInterval(
  db: string,
  rp: string,
  measurement: string,
  interval: string,
  startNs: bigint,
  endNs: bigint,
): string {
  return (
    `SELECT count(*) FROM ${qualified(db, rp, measurement)}` +
    ` WHERE ${timeRange(startNs, endNs)} GROUP BY time(${interval}) fill(none)`
  );
}

/** A field of a digest: its name where the digest is computed, and whether it is summed as well as counted. */
export interface DigestField {
  name: string;
  numeric: boolean;
}

/** count (c<i>) and, for numeric fields, sum (s<i>) of each field per interval; `column(i)` names what is counted. */
function digestColumns(fields: DigestField[], column: (i: number) => string): string {
  return fields
    .flatMap((f, i) => [`count(${column(i)}) AS "c${i}"`, ...(f.numeric ? [`sum(${column(i)}) AS "s${i}"`] : [])])
    .join(", ");
}

/**
 * Digest of the points as they are stored (raw copies, and the destination of aggregated
 * copies): per interval, each field's number of values and, for numeric fields, their sum.
 */
export function storedDigest(
  db: string,
  rp: string,
  measurement: string,
  fields: DigestField[],
  interval: string,
  startNs: bigint,
  endNs: bigint,
): string {
  const columns = digestColumns(fields, (i) => `${quoteIdent((fields[i] as DigestField).name)}::field`);
  return (
    `SELECT ${columns} FROM ${qualified(db, rp, measurement)}` +
    ` WHERE ${timeRange(startNs, endNs)} GROUP BY time(${interval}) fill(none)`
  );
}

/**
 * The same digest of what an aggregated copy writes, computed by the source: per interval,
 * each field's number of buckets with a value (per series) and the sum of its bucket means.
 */
export function bucketDigest(
  db: string,
  rp: string,
  measurement: string,
  fields: DigestField[],
  bucket: string,
  interval: string,
  startNs: bigint,
  endNs: bigint,
): string {
  const inner = fields
    .map((f, i) => `${f.numeric ? "mean" : "last"}(${quoteIdent(f.name)}) AS ${quoteIdent(`v${i}`)}`)
    .join(", ");
  const range = timeRange(startNs, endNs);
  return (
    `SELECT ${digestColumns(fields, (i) => quoteIdent(`v${i}`))} FROM (SELECT ${inner} FROM ${qualified(db, rp, measurement)}` +
    ` WHERE ${range} GROUP BY time(${bucket}), * fill(none)) WHERE ${range} GROUP BY time(${interval}) fill(none)`
  );
}
