/**
 * Pure transcoding of one InfluxDB MessagePack answer chunk straight into line protocol bytes,
 * without building an object per row or a string per line: the copy's hot path. It follows
 * exactly the rules of seriesToLines (transform.ts), which stays the readable reference and is
 * compared with this in the tests: types from the schema, integers rounded, NaN/Inf dropped
 * and counted, tags with empty values left out, names line protocol cannot carry refused.
 */
import { InfluxError } from "../errors";
import { UnrepresentableError, escapeFieldKey, formatInteger, seriesKey, type FieldType } from "../influx/lineProtocol";
import { valueEnd } from "../influx/msgpackFrames";
import type { TransformStats } from "./transform";

/** Line protocol being assembled into batches of whole lines. */
export class LineBatcher {
  private buf: Buffer;
  pos = 0;
  /** Offset just past each finished line's "\n". */
  ends: number[] = [];
  readonly done: { body: Buffer; ends: number[] }[] = [];

  constructor(
    private readonly batchSize: number,
    private readonly initialBytes = 1 << 20,
  ) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + extra));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  ascii(s: string): void {
    this.ensure(s.length);
    this.pos += this.buf.write(s, this.pos, "latin1");
  }

  /** Copies bytes without making a view of them (a view per call costs more than short copies). */
  bytes(src: Uint8Array, start: number, end: number): void {
    const len = end - start;
    this.ensure(len);
    const buf = this.buf;
    if (len < 32) {
      let at = this.pos;
      for (let i = start; i < end; i++) buf[at++] = src[i] as number;
    } else {
      Buffer.prototype.copy.call(src, buf, this.pos, start, end);
    }
    this.pos += len;
  }

  /** A non-negative integer below 2^53 in decimal, written without making a string. */
  digits(n: number, minWidth = 1): void {
    this.ensure(17 + minWidth);
    const buf = this.buf;
    let len = 1;
    for (let p10 = 10; n >= p10 && len < 17; p10 *= 10) len++;
    if (len < minWidth) len = minWidth;
    let at = this.pos + len - 1;
    let v = n;
    let i = 0;
    // Above 2^31 the division must stay in doubles; below it integer division is much faster.
    for (; i < len && v >= 0x80000000; i++) {
      const q = Math.floor(v / 10);
      buf[at--] = 0x30 + (v - q * 10);
      v = q;
    }
    for (; i < len; i++) {
      const q = (v / 10) | 0;
      buf[at--] = 0x30 + (v - q * 10);
      v = q;
    }
    this.pos += len;
  }

  /** Ends the current line; closes a batch when it holds batchSize lines. */
  endLine(): void {
    this.byte(0x0a);
    this.ends.push(this.pos);
    if (this.ends.length >= this.batchSize) this.closeBatch();
  }

  /** Moves the finished lines into a batch of their own. */
  closeBatch(): void {
    if (this.ends.length === 0) return;
    this.done.push({ body: this.buf.subarray(0, this.pos), ends: this.ends });
    this.buf = Buffer.allocUnsafe(Math.max(this.initialBytes, this.pos));
    this.pos = 0;
    this.ends = [];
  }

  /** Finished batches, removed from the batcher. */
  take(): { body: Buffer; ends: number[] }[] {
    return this.done.splice(0, this.done.length);
  }

  get pending(): number {
    return this.ends.length;
  }
}

export interface TranscodeTarget {
  /** Destination measurement name. */
  measurement: string;
  fieldTypes: ReadonlyMap<string, FieldType>;
  fieldRenames?: ReadonlyMap<string, string>;
}

export interface ChunkInfo {
  /** More chunks of the statement follow. */
  partial: boolean;
  /** Statements whose last result this chunk held (a request may carry several statements). */
  completed: number;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A cursor over one chunk's bytes. */
class Reader {
  pos = 0;
  readonly view: DataView;
  constructor(readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  fail(what: string): never {
    throw new InfluxError(`unexpected MessagePack from the server at offset ${this.pos}: ${what}`);
  }
  peek(): number {
    if (this.pos >= this.buf.length) this.fail("answer ends too early");
    return this.buf[this.pos] as number;
  }
  mapLength(): number {
    const b = this.buf[this.pos++] as number;
    if (b >= 0x80 && b <= 0x8f) return b & 0x0f;
    if (b === 0xde) return this.u16();
    if (b === 0xdf) return this.u32();
    this.pos--;
    return this.fail("expected a map");
  }
  arrayLength(): number {
    const b = this.buf[this.pos++] as number;
    if (b >= 0x90 && b <= 0x9f) return b & 0x0f;
    if (b === 0xdc) return this.u16();
    if (b === 0xdd) return this.u32();
    this.pos--;
    return this.fail("expected an array");
  }
  /** Length of a string at pos (moving past its header), or -1 when the value is not a string. */
  strLength(): number {
    const b = this.buf[this.pos] as number;
    if (b >= 0xa0 && b <= 0xbf) {
      this.pos++;
      return b & 0x1f;
    }
    if (b === 0xd9) {
      this.pos++;
      return this.buf[this.pos++] as number;
    }
    if (b === 0xda) {
      this.pos++;
      return this.u16();
    }
    if (b === 0xdb) {
      this.pos++;
      return this.u32();
    }
    return -1;
  }
  str(): string {
    const len = this.strLength();
    if (len < 0) this.fail("expected a string");
    const s = utf8.decode(this.buf.subarray(this.pos, this.pos + len));
    this.pos += len;
    return s;
  }
  u16(): number {
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }
  skip(): void {
    const end = valueEnd(this.buf, this.pos);
    if (end < 0) this.fail("answer ends too early");
    this.pos = end;
  }
}

interface Column {
  /** "key=" as bytes, escaped for line protocol. */
  key: Buffer;
  type: FieldType;
}

const TWO_32 = 4294967296;

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
  const keys = r.mapLength();
  for (let k = 0; k < keys; k++) {
    const key = r.str();
    if (key === "error") throw new InfluxError(r.str());
    if (key !== "results") {
      r.skip();
      continue;
    }
    const results = r.arrayLength();
    for (let i = 0; i < results; i++) {
      partial = readResult(r, target, out, stats);
      if (!partial) completed++;
    }
  }
  return { partial, completed };
}

/** One statement result; returns its partial flag. */
function readResult(r: Reader, target: TranscodeTarget, out: LineBatcher, stats: TransformStats): boolean {
  let partial = false;
  const keys = r.mapLength();
  for (let k = 0; k < keys; k++) {
    const key = r.str();
    if (key === "error") throw new InfluxError(r.str());
    if (key === "partial") {
      partial = r.peek() === 0xc3;
      r.skip();
    } else if (key === "series") {
      const n = r.arrayLength();
      for (let i = 0; i < n; i++) readSeries(r, target, out, stats);
    } else {
      r.skip();
    }
  }
  return partial;
}

function readSeries(r: Reader, target: TranscodeTarget, out: LineBatcher, stats: TransformStats): void {
  let tags: Record<string, string> | undefined;
  let columnNames: string[] = [];
  let valuesAt = -1;
  const keys = r.mapLength();
  for (let k = 0; k < keys; k++) {
    const key = r.str();
    if (key === "tags") {
      tags = {};
      const n = r.mapLength();
      for (let i = 0; i < n; i++) {
        const tk = r.str();
        tags[tk] = r.str();
      }
    } else if (key === "columns") {
      const n = r.arrayLength();
      columnNames = [];
      for (let i = 0; i < n; i++) columnNames.push(r.str());
    } else if (key === "values") {
      valuesAt = r.pos; // read once the columns are known
      r.skip();
    } else {
      r.skip();
    }
  }
  if (valuesAt < 0) return;
  const end = r.pos;
  r.pos = valuesAt;
  const rows = r.arrayLength();
  stats.rows += rows;
  let prefix: Buffer;
  let columns: (Column | undefined)[];
  try {
    prefix = Buffer.from(seriesKey(target.measurement, tags) + " ", "utf8");
    columns = columnNames.map((name, i) => {
      if (i === 0) return undefined;
      const type = target.fieldTypes.get(name);
      return type
        ? { key: Buffer.from(`${escapeFieldKey(target.fieldRenames?.get(name) ?? name)}=`, "utf8"), type }
        : undefined;
    });
  } catch (err) {
    if (!(err instanceof UnrepresentableError)) throw err;
    stats.unrepresentable += rows;
    stats.unrepresentableReason ??= err.message;
    r.pos = end;
    return;
  }
  for (let i = 0; i < rows; i++) writeRow(r, columns, prefix, out, stats);
  r.pos = end;
}

function writeRow(
  r: Reader,
  columns: (Column | undefined)[],
  prefix: Buffer,
  out: LineBatcher,
  stats: TransformStats,
): void {
  const n = r.arrayLength();
  const lineStart = out.pos;
  out.bytes(prefix, 0, prefix.length);
  const timeAt = r.pos;
  r.skip(); // the time, written last
  let fields = 0;
  for (let c = 1; c < n; c++) {
    const col = columns[c];
    const b = r.buf[r.pos] as number;
    if (col === undefined || b === 0xc0) {
      r.skip();
      continue;
    }
    const mark = out.pos;
    if (fields > 0) out.byte(0x2c);
    out.bytes(col.key, 0, col.key.length);
    if (writeValue(r, col.type, out, stats)) fields++;
    else out.pos = mark;
  }
  if (fields === 0) {
    out.pos = lineStart;
    return;
  }
  out.byte(0x20);
  const after = r.pos;
  r.pos = timeAt;
  writeTime(r, out);
  r.pos = after;
  out.endLine();
  stats.lines++;
}

/** Writes one value in the field's type; false (and nothing kept) when it cannot be written. */
function writeValue(r: Reader, type: FieldType, out: LineBatcher, stats: TransformStats): boolean {
  const buf = r.buf;
  const b = buf[r.pos] as number;
  if (type === "string" || type === "boolean") {
    if (type === "boolean") {
      if (b !== 0xc2 && b !== 0xc3) return mismatch(r, stats);
      r.pos++;
      out.ascii(b === 0xc3 ? "true" : "false");
      return true;
    }
    const start = r.pos;
    const len = r.strLength();
    if (len < 0) {
      r.pos = start;
      return mismatch(r, stats);
    }
    out.byte(0x22);
    let from = r.pos;
    const stop = r.pos + len;
    for (let p = r.pos; p < stop; p++) {
      const c = buf[p] as number;
      if (c === 0x22 || c === 0x5c) {
        out.bytes(buf, from, p);
        out.byte(0x5c);
        from = p;
      }
    }
    out.bytes(buf, from, stop);
    out.byte(0x22);
    r.pos = stop;
    return true;
  }
  const num = readNumber(r);
  if (num === undefined) return mismatch(r, stats);
  if (type === "float") {
    const v = typeof num === "bigint" ? Number(num) : num;
    if (!Number.isFinite(v)) return (stats.nonFinite++, false);
    out.ascii(String(v));
    return true;
  }
  if (typeof num === "number" && !Number.isFinite(num)) return (stats.nonFinite++, false);
  if (typeof num === "number" && Number.isSafeInteger(num) && num >= 0) {
    out.digits(num);
    out.byte(type === "integer" ? 0x69 : 0x75);
    return true;
  }
  const text = formatInteger(num);
  if (text === undefined || (type === "unsigned" && text.startsWith("-"))) return (stats.mismatched++, false);
  out.ascii(text);
  out.byte(type === "integer" ? 0x69 : 0x75);
  return true;
}

function mismatch(r: Reader, stats: TransformStats): false {
  stats.mismatched++;
  r.skip();
  return false;
}

/** A number at pos (moving past it), or undefined (not moving) when the value is not a number. */
function readNumber(r: Reader): number | bigint | undefined {
  const buf = r.buf;
  const p = r.pos;
  const b = buf[p] as number;
  const view = r.view;
  if (b <= 0x7f) return ((r.pos = p + 1), b);
  if (b >= 0xe0) return ((r.pos = p + 1), b - 0x100);
  switch (b) {
    case 0xcb:
      r.pos = p + 9;
      return view.getFloat64(p + 1);
    case 0xca:
      r.pos = p + 5;
      return view.getFloat32(p + 1);
    case 0xcc:
      r.pos = p + 2;
      return buf[p + 1] as number;
    case 0xcd:
      r.pos = p + 3;
      return view.getUint16(p + 1);
    case 0xce:
      r.pos = p + 5;
      return view.getUint32(p + 1);
    case 0xd0:
      r.pos = p + 2;
      return view.getInt8(p + 1);
    case 0xd1:
      r.pos = p + 3;
      return view.getInt16(p + 1);
    case 0xd2:
      r.pos = p + 5;
      return view.getInt32(p + 1);
    case 0xcf: {
      r.pos = p + 9;
      const hi = view.getUint32(p + 1);
      return hi < 0x200000 ? hi * TWO_32 + view.getUint32(p + 5) : view.getBigUint64(p + 1);
    }
    case 0xd3: {
      r.pos = p + 9;
      const hi = view.getInt32(p + 1);
      return hi >= -0x200000 && hi < 0x200000 ? hi * TWO_32 + view.getUint32(p + 5) : view.getBigInt64(p + 1);
    }
    default:
      return undefined;
  }
}

/** The time extension (int64 seconds, uint32 nanoseconds) as nanoseconds since the epoch. */
function writeTime(r: Reader, out: LineBatcher): void {
  const buf = r.buf;
  const p = r.pos;
  if (buf[p] !== 0xc7 || buf[p + 1] !== 12 || buf[p + 2] !== 5) r.fail("expected a time as the first column");
  const view = r.view;
  const hi = view.getInt32(p + 3);
  const lo = view.getUint32(p + 7);
  const nanos = view.getUint32(p + 11);
  const seconds = hi * TWO_32 + lo;
  r.pos = p + 15;
  if (seconds > 0) {
    out.digits(seconds);
    out.digits(nanos, 9);
  } else {
    out.ascii((BigInt(seconds) * 1_000_000_000n + BigInt(nanos)).toString());
  }
}
