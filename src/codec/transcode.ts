/**
 * Pure transcoding of one InfluxDB MessagePack answer chunk straight into line protocol bytes,
 * without building an object per row or a string per line: the copy's hot path. It follows
 * exactly the rules of seriesToLines (transform.ts), which stays the readable reference and is
 * compared with this in the tests: types from the schema, integers rounded, NaN/Inf dropped
 * and counted, tags with empty values left out, names line protocol cannot carry refused.
 */
import { InfluxError } from "../errors";
import {
  UnrepresentableError,
  escapeFieldKey,
  escapeMeasurement,
  formatInteger,
  seriesKey,
  type FieldType,
} from "./lineProtocol";
import { Reader, TWO_32, readNumber } from "./msgpack";
import { writeFloatText } from "./floatText";
import { isPlainMeasurement, plainSeriesPrefix } from "./seriesPrefix";
import { RowPrefixes } from "./rowPrefixes";
import { RowTimes } from "./rowTimes";
import { LineBatcher, copyBytes, writeAscii, writeBytes, writeDigits, writeFixedDigits } from "./lineBatcher";
import type { TransformStats } from "./transform";

export { LineBatcher };

export interface TranscodeTarget {
  /** Destination measurement name. */
  measurement: string;
  fieldTypes: ReadonlyMap<string, FieldType>;
  fieldRenames?: ReadonlyMap<string, string>;
  /**
   * The answer has one row a point (a raw read without GROUP BY, see rawWindowRows): after the
   * time come the tags (as many columns as are left), then these fields, in this order.
   */
  rowFields?: readonly string[];
  /** Watch the rows' times: the latest at or before this instant, and those later (TransformStats). */
  clockNs?: bigint;
}

export interface ChunkInfo {
  /** More chunks of the statement follow. */
  partial: boolean;
  /** Statements whose last result this chunk held (a request may carry several statements). */
  completed: number;
}

interface Column {
  /** "key=" as bytes, escaped for line protocol. */
  key: Buffer;
  type: FieldType;
}

/**
 * Transcodes one chunk (a whole top-level map) into `out`, counting into `stats`.
 * Throws InfluxError when the chunk carries an error.
 */
export function transcodeChunk(
  chunk: Uint8Array,
  target: TranscodeTarget,
  out: LineBatcher,
  stats: TransformStats,
): ChunkInfo {
  const r = new Reader(chunk);
  let partial = false;
  let completed = 0;
  times.watch(target.clockNs);
  const keys = r.mapLength();
  for (let k = 0; k < keys; k++) {
    const key = r.keyOf(CHUNK_KEYS);
    if (key === 0) throw new InfluxError(r.str());
    if (key !== 1) {
      r.skip();
      continue;
    }
    const results = r.arrayLength();
    for (let i = 0; i < results; i++) {
      partial = readResult(r, target, out, stats);
      if (!partial) completed++;
    }
  }
  times.report(stats);
  return { partial, completed };
}

const names = (...list: string[]) => list.map((n) => Buffer.from(n, "latin1"));
const CHUNK_KEYS = names("error", "results");
const RESULT_KEYS = names("error", "partial", "series");
const SERIES_KEYS = names("tags", "columns", "values");

/** One statement result; returns its partial flag. */
function readResult(r: Reader, target: TranscodeTarget, out: LineBatcher, stats: TransformStats): boolean {
  let partial = false;
  const keys = r.mapLength();
  for (let k = 0; k < keys; k++) {
    const key = r.keyOf(RESULT_KEYS);
    if (key === 0) throw new InfluxError(r.str());
    if (key === 1) {
      partial = r.peek() === 0xc3;
      r.skip();
    } else if (key === 2) {
      const n = r.arrayLength();
      for (let i = 0; i < n; i++) readSeries(r, target, out, stats);
    } else {
      r.skip();
    }
  }
  return partial;
}

/** Where a series' parts are in the chunk: offsets, -1 when absent. */
interface SeriesParts {
  tagsAt: number;
  tagsEnd: number;
  columnsAt: number;
  columnsEnd: number;
}

function readSeries(r: Reader, target: TranscodeTarget, out: LineBatcher, stats: TransformStats): void {
  const parts: SeriesParts = { tagsAt: -1, tagsEnd: -1, columnsAt: -1, columnsEnd: -1 };
  let valuesAt = -1;
  let done = false;
  const keys = r.mapLength();
  for (let k = 0; k < keys; k++) {
    const key = r.keyOf(SERIES_KEYS);
    if (key === 0) {
      parts.tagsAt = r.pos;
      r.skip();
      parts.tagsEnd = r.pos;
    } else if (key === 1) {
      parts.columnsAt = r.pos;
      r.skip();
      parts.columnsEnd = r.pos;
    } else if (key === 2 && parts.columnsAt >= 0 && parts.tagsAt >= 0) {
      // InfluxDB sends name, tags and columns first: the rows are written in one pass.
      writeRows(r, target, parts, out, stats);
      done = true;
    } else if (key === 2) {
      valuesAt = r.pos; // read once the map is read (a series without tags has no "tags")
      r.skip();
    } else {
      r.skip();
    }
  }
  if (done || valuesAt < 0) return;
  const end = r.pos;
  r.pos = valuesAt;
  writeRows(r, target, parts, out, stats);
  r.pos = end;
}

/** How the rows of one series are written. */
interface SeriesPlan {
  /** "measurement,tags " as bytes: prefix[0, prefixLength). */
  prefix: Buffer;
  prefixLength: number;
  /** By column index (0, the time, and columns not copied: undefined). */
  columns: (Column | undefined)[];
  /** Room a row can take at most, string values aside. */
  rowBytes: number;
  /** Rows carry their tags (columns 1 .. tagCount), and so each row its own prefix (rowPrefix). */
  tagCount: number;
}

/** Room for a number's text: "-2.2250738585072014e-308", "-9223372036854775808i". */
const NUMBER_BYTES = 26;

/** The values array at r.pos: every row, written as lines. */
function writeRows(
  r: Reader,
  target: TranscodeTarget,
  parts: SeriesParts,
  out: LineBatcher,
  stats: TransformStats,
): void {
  const rows = r.arrayLength();
  stats.rows += rows;
  let plan: SeriesPlan;
  try {
    plan = seriesPlan(r, target, parts);
  } catch (err) {
    if (!(err instanceof UnrepresentableError)) throw err;
    stats.unrepresentable += rows;
    stats.unrepresentableReason ??= err.message;
    for (let i = 0; i < rows; i++) r.skip();
    return;
  }
  if (plan.tagCount > 0) rowPrefixes.use(target, lastColumns?.tagKeys ?? []);
  for (let i = 0; i < rows; i++) writeRow(r, plan, out, stats);
}

/*
 * Module state on the hot path, safe: a chunk is transcoded synchronously (nothing else runs
 * until transcodeChunk returns), and each cache below is used only after checking it is for the
 * same target (and the same column bytes), so measurements copied at the same time never see
 * one another's entries; prefixBuffer's bytes are copied into the batch before the next series.
 */
/** The columns of the last series planned, with their bytes: series after series of an answer have the same. */
let lastColumns:
  | { target: TranscodeTarget; raw: Buffer; columns: (Column | undefined)[]; bytes: number; tagKeys: string[] }
  | undefined;

/** The target whose measurement was last escaped: its bytes when plain (see seriesPrefix.ts). */
let lastMeasurement: { target: TranscodeTarget; plain: Buffer | undefined } | undefined;

const NO_BYTES = Buffer.alloc(0);

/** The rows' times, watched when the target has a clock. */
const times = new RowTimes();

/** The prefixes of rows that carry their tags. */
const rowPrefixes = new RowPrefixes();

/** Where each series' prefix is written (only one series is written at a time). */
let prefixBuffer = Buffer.allocUnsafe(1024);

function seriesPlan(r: Reader, target: TranscodeTarget, parts: SeriesParts): SeriesPlan {
  // The series key first: a series whose key cannot be written is reported as such, as
  // seriesToLines does. Rows that carry tags have each their own (rowPrefixes).
  const tagged = target.rowFields ? columnsOf(r, target, parts).tagKeys.length > 0 : false;
  const prefixLength = tagged ? 0 : prefixOf(r, target, parts);
  const columns = columnsOf(r, target, parts);
  // The time, " " and "\n" besides the prefix and the fields.
  return {
    prefix: tagged ? NO_BYTES : prefixBuffer,
    prefixLength,
    columns: columns.columns,
    rowBytes: prefixLength + NUMBER_BYTES + 2 + columns.bytes,
    tagCount: columns.tagKeys.length,
  };
}

function columnsOf(r: Reader, target: TranscodeTarget, parts: SeriesParts): NonNullable<typeof lastColumns> {
  const { columnsAt, columnsEnd } = parts;
  const bytes = columnsAt < 0 ? NO_BYTES : r.buf.subarray(columnsAt, columnsEnd);
  if (lastColumns?.target === target && lastColumns.raw.equals(bytes)) return lastColumns;
  const names = at(r, columnsAt, () => {
    const n = r.arrayLength();
    return Array.from({ length: n }, () => r.str());
  });
  let room = 0;
  const rowFields = target.rowFields;
  // One row a point: the tags, then the fields asked for, by position (a field named like a tag
  // comes back as "name_1").
  const tagCount = rowFields ? (names ?? []).length - 1 - rowFields.length : 0;
  if (tagCount < 0)
    throw new InfluxError(
      `the answer has ${(names ?? []).length} columns, fewer than the ${rowFields?.length} fields asked for`,
    );
  const columns = (names ?? []).map((column, i) => {
    if (i <= tagCount) return undefined;
    const name = rowFields ? (rowFields[i - 1 - tagCount] as string) : column;
    const type = target.fieldTypes.get(name);
    if (!type) return undefined;
    const key = Buffer.from(`${escapeFieldKey(target.fieldRenames?.get(name) ?? name)}=`, "utf8");
    room += 1 + key.length + NUMBER_BYTES;
    return { key, type };
  });
  const tagKeys = (names ?? []).slice(1, 1 + tagCount);
  return (lastColumns = { target, raw: Buffer.from(bytes), columns, bytes: room, tagKeys });
}

/** Writes the series' "measurement,tags " into prefixBuffer; returns its length. */
function prefixOf(r: Reader, target: TranscodeTarget, parts: SeriesParts): number {
  const { tagsAt, tagsEnd } = parts;
  if (lastMeasurement?.target !== target) {
    let plain: Buffer | undefined;
    try {
      const escaped = escapeMeasurement(target.measurement);
      if (isPlainMeasurement(escaped)) plain = Buffer.from(escaped, "latin1");
    } catch {
      plain = undefined; // seriesKey below says why
    }
    lastMeasurement = { target, plain };
  }
  const measurement = lastMeasurement.plain;
  if (measurement && tagsAt >= 0) {
    const length = plainSeriesPrefix(
      r.buf,
      tagsAt,
      tagsEnd,
      measurement,
      prefixRoom(measurement.length + (tagsEnd - tagsAt) + 1),
    );
    if (length >= 0) return length;
  }
  const tags = at(r, tagsAt, () => {
    // No prototype: a tag key "__proto__" is a key like any other (the bytes path writes it too).
    const map: Record<string, string> = Object.create(null) as Record<string, string>;
    const n = r.mapLength();
    for (let i = 0; i < n; i++) {
      const key = r.str();
      map[key] = r.str();
    }
    return map;
  });
  const key = Buffer.from(seriesKey(target.measurement, tags) + " ", "utf8");
  return key.copy(prefixRoom(key.length), 0);
}

/** prefixBuffer, grown to hold at least `bytes`. */
function prefixRoom(bytes: number): Buffer {
  if (prefixBuffer.length < bytes) prefixBuffer = Buffer.allocUnsafe(2 * bytes);
  return prefixBuffer;
}

/** What `read` reads at offset `pos` (undefined when pos is -1, absent), leaving r where it was. */
function at<T>(r: Reader, pos: number, read: () => T): T | undefined {
  if (pos < 0) return undefined;
  const saved = r.pos;
  r.pos = pos;
  try {
    return read();
  } finally {
    r.pos = saved;
  }
}

const TRUE = Buffer.from("true");
const FALSE = Buffer.from("false");

/**
 * One row: the series prefix, each value that can be written as `key=value`, the time. A row
 * with no value written gives no line. Room for the whole row (strings aside) is reserved
 * first; a string reserves its own.
 */
function writeRow(r: Reader, plan: SeriesPlan, out: LineBatcher, stats: TransformStats): void {
  const n = r.arrayLength();
  const src = r.buf;
  const timeAt = r.pos;
  if (src[timeAt] !== 0xc7 || src[timeAt + 1] !== 12 || src[timeAt + 2] !== 5) {
    r.fail("expected a time as the first column");
  }
  if (times.on) times.see(r.view, timeAt);
  r.pos = timeAt + 15;
  let prefix = plan.prefix;
  let prefixLength = plan.prefixLength;
  // Rows that carry their tags: written straight from their bytes when plain (tagsAt), else made.
  let tagsAt = -1;
  if (plan.tagCount > 0) {
    const start = r.pos;
    for (let c = 0; c < plan.tagCount; c++) r.skip();
    const room = rowPrefixes.plainRoom(src, start, r.pos, plan.tagCount);
    if (room >= 0) {
      tagsAt = start;
      prefixLength = room;
    } else {
      const end = r.pos;
      r.pos = start;
      const made = rowPrefixes.slow(r, plan.tagCount);
      r.pos = end;
      if (made === undefined) {
        // Tags line protocol cannot carry: the row is counted, its values skipped.
        stats.unrepresentable++;
        stats.unrepresentableReason ??= rowPrefixes.problem;
        for (let c = 1 + plan.tagCount; c < n; c++) r.skip();
        return;
      }
      prefix = made;
      prefixLength = made.length;
    }
  }
  const rowBytes = plan.rowBytes + prefixLength - plan.prefixLength;
  let dst = out.startLine(rowBytes);
  const lineStart = out.pos;
  let at =
    tagsAt >= 0
      ? rowPrefixes.writePlain(src, tagsAt, plan.tagCount, dst, lineStart)
      : copyBytes(dst, lineStart, prefix, 0, prefixLength);
  let fields = 0;
  const columns = plan.columns;
  for (let c = 1 + plan.tagCount; c < n; c++) {
    const col = columns[c];
    const b = src[r.pos] as number;
    if (col === undefined || b === 0xc0) {
      if (b === 0xc0) r.pos++;
      else r.skip();
      continue;
    }
    const mark = at;
    if (fields > 0) dst[at++] = 0x2c;
    at = writeBytes(dst, at, col.key);
    let end: number;
    if (col.type === "string") {
      const len = r.strLength();
      if (len < 0) {
        end = mismatch(r, stats);
      } else {
        // Every byte may need a backslash before it, plus the quotes; then room for the rest of the row.
        out.pos = at;
        dst = out.reserve(2 * len + 2 + rowBytes);
        out.pos = lineStart;
        end = writeString(src, r.pos, len, dst, at);
        r.pos += len;
      }
    } else {
      end = writeScalar(r, col.type, dst, at, stats);
    }
    if (end < 0) {
      at = mark;
    } else {
      at = end;
      fields++;
    }
  }
  if (fields === 0) return;
  dst[at++] = 0x20;
  at = writeTime(r, timeAt, dst, at);
  dst[at++] = 0x0a;
  out.endLine(at);
  stats.lines++;
}

/** A string value quoted, with " and \ escaped; returns the offset after it. */
function writeString(src: Uint8Array, start: number, len: number, dst: Buffer, at: number): number {
  dst[at++] = 0x22;
  const stop = start + len;
  let from = start;
  for (let p = start; p < stop; p++) {
    const c = src[p] as number;
    if (c === 0x22 || c === 0x5c) {
      at = copyBytes(dst, at, src, from, p);
      dst[at++] = 0x5c;
      from = p;
    }
  }
  at = copyBytes(dst, at, src, from, stop);
  dst[at++] = 0x22;
  return at;
}

/**
 * A number or boolean value at r.pos in the field's type; returns the offset after it, or -1
 * (counted in stats) when it cannot be written. Either way r.pos moves past the value.
 */
function writeScalar(r: Reader, type: FieldType, dst: Buffer, at: number, stats: TransformStats): number {
  const buf = r.buf;
  const b = buf[r.pos] as number;
  if (type === "boolean") {
    if (b !== 0xc2 && b !== 0xc3) return mismatch(r, stats);
    r.pos++;
    return writeBytes(dst, at, b === 0xc3 ? TRUE : FALSE);
  }
  if (type === "float" && b === 0xcb) {
    // How InfluxDB sends floats: written without making a string or boxing the value.
    const p = r.pos;
    const v = r.view.getFloat64(p + 1);
    r.pos = p + 9;
    if (v - v !== 0) return (stats.nonFinite++, -1); // NaN or ±Infinity
    if (!Number.isSafeInteger(v)) {
      const end = writeFloatText(dst, at, r.view, p + 1);
      if (end >= 0) return end;
    }
    return writeFloat(dst, at, v);
  }
  const num = readNumber(r);
  if (num === undefined) return mismatch(r, stats);
  if (type === "float") {
    const v = typeof num === "bigint" ? Number(num) : num;
    if (!Number.isFinite(v)) return (stats.nonFinite++, -1);
    return writeFloat(dst, at, v);
  }
  const suffix = type === "integer" ? 0x69 : 0x75;
  if (typeof num === "number" && Number.isSafeInteger(num)) {
    if (num < 0) {
      if (type === "unsigned") return (stats.mismatched++, -1);
      dst[at++] = 0x2d;
      at = writeDigits(dst, at, -num);
    } else {
      at = writeDigits(dst, at, num);
    }
    dst[at] = suffix;
    return at + 1;
  }
  if (typeof num === "number" && !Number.isFinite(num)) return (stats.nonFinite++, -1);
  const text = formatInteger(num);
  if (text === undefined || (type === "unsigned" && text.startsWith("-"))) return (stats.mismatched++, -1);
  at = writeAscii(dst, at, text);
  dst[at] = suffix;
  return at + 1;
}

/**
 * A finite float as JavaScript writes it, the shortest decimal that reads back as the same
 * double (what Go's ParseFloat, and so InfluxDB, does with it): integral values below 2^53
 * have no fraction or exponent in that text.
 */
function writeFloat(dst: Buffer, at: number, v: number): number {
  if (!Number.isSafeInteger(v)) return writeAscii(dst, at, String(v));
  if (v < 0) {
    dst[at++] = 0x2d;
    return writeDigits(dst, at, -v);
  }
  return writeDigits(dst, at, v);
}

/** Counts a value whose type does not match the field's type and moves past it; returns -1. */
function mismatch(r: Reader, stats: TransformStats): -1 {
  stats.mismatched++;
  r.skip();
  return -1;
}

/** The time extension at `p` (int64 seconds, uint32 nanoseconds) as nanoseconds since the epoch. */
function writeTime(r: Reader, p: number, dst: Buffer, at: number): number {
  const view = r.view;
  const hi = view.getInt32(p + 3);
  const lo = view.getUint32(p + 7);
  const nanos = view.getUint32(p + 11);
  if (hi === 0 && lo >= 1e9) {
    // 2001-09-09 to 2106-02-07: ten digits of seconds, in two halves that stay small integers.
    const top = Math.floor(lo / 100000);
    at = writeFixedDigits(dst, at, top, 5);
    at = writeFixedDigits(dst, at, lo - top * 100000, 5);
    return writeFixedDigits(dst, at, nanos, 9);
  }
  const seconds = hi * TWO_32 + lo;
  if (seconds > 0 && seconds < 2 ** 53) {
    at = writeDigits(dst, at, seconds);
    return writeDigits(dst, at, nanos, 9);
  }
  return writeAscii(dst, at, (BigInt(seconds) * 1_000_000_000n + BigInt(nanos)).toString());
}
