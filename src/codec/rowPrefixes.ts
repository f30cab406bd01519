/**
 * Pure: the line protocol prefix ("measurement,tag=value,... ") of rows that carry their tags
 * as columns (a raw read without GROUP BY). The tag columns arrive sorted by key, so a row whose
 * measurement, keys and values need no rule of line protocol (printable ASCII but space, quote,
 * comma, equals sign and backslash) has its prefix written straight from the MessagePack bytes:
 * no string, no sort, no allocation per row, however many series the answer holds. Any other row
 * takes seriesKey's path, which escapes, and refuses what line protocol cannot carry.
 */
import { UnrepresentableError, escapeMeasurement, seriesKey } from "./lineProtocol";
import type { Reader } from "./msgpack";
import { isPlainMeasurement } from "./seriesPrefix";

/** A tag key or value byte that line protocol takes as it is. */
function plain(b: number): boolean {
  return b > 0x20 && b < 0x7f && b !== 0x22 && b !== 0x2c && b !== 0x3d && b !== 0x5c;
}

/** Where a MessagePack string's bytes are, or -1 when the value at `p` is not a string. */
function stringAt(buf: Uint8Array, p: number): { start: number; end: number } | undefined {
  const b = buf[p] as number;
  if (b >= 0xa0 && b <= 0xbf) return { start: p + 1, end: p + 1 + (b & 0x1f) };
  if (b === 0xd9) return { start: p + 2, end: p + 2 + (buf[p + 1] as number) };
  if (b === 0xda) return { start: p + 3, end: p + 3 + (((buf[p + 1] as number) << 8) | (buf[p + 2] as number)) };
  return undefined;
}

export class RowPrefixes {
  private owner: unknown;
  private measurement = "";
  private keys: string[] = [];
  /** "measurement" and ",key=" per tag column as bytes, when all are plain and sorted; else undefined. */
  private plainParts: { measurement: Buffer; keys: Buffer[]; room: number } | undefined;
  /** Why the last row refused has tags line protocol cannot carry. */
  problem: string | undefined;

  /** The rows that follow are of this target (an object compared by identity) and these tag columns. */
  use(owner: { measurement: string }, keys: string[]): void {
    if (owner === this.owner && keys.length === this.keys.length && keys.every((k, i) => k === this.keys[i])) return;
    this.owner = owner;
    this.measurement = owner.measurement;
    this.keys = keys;
    this.plainParts = undefined;
    let escaped: string | undefined;
    try {
      escaped = escapeMeasurement(owner.measurement);
    } catch {
      escaped = undefined; // seriesKey says why, row by row
    }
    const plainKey = (k: string) => k.length > 0 && [...k].every((c) => plain(c.charCodeAt(0)));
    const sorted = keys.every((k, i) => i === 0 || (keys[i - 1] as string) < k);
    if (escaped !== undefined && isPlainMeasurement(escaped) && sorted && keys.every(plainKey)) {
      const keyBytes = keys.map((k) => Buffer.from(`,${k}=`, "latin1"));
      const measurement = Buffer.from(escaped, "latin1");
      this.plainParts = {
        measurement,
        keys: keyBytes,
        room: measurement.length + keyBytes.reduce((n, k) => n + k.length, 0) + 1,
      };
    }
  }

  /**
   * Room the prefix of a row takes at most, when its `count` tag values at buf[start, end) are
   * all plain (or absent); -1 when they are not, and the row takes `slow`.
   */
  plainRoom(buf: Uint8Array, start: number, end: number, count: number): number {
    const parts = this.plainParts;
    if (!parts) return -1;
    let p = start;
    for (let i = 0; i < count; i++) {
      if (buf[p] === 0xc0) {
        p++;
        continue;
      }
      const s = stringAt(buf, p);
      if (!s) return -1;
      for (let q = s.start; q < s.end; q++) if (!plain(buf[q] as number)) return -1;
      p = s.end;
    }
    return p === end ? parts.room + (end - start) : -1;
  }

  /** Writes the prefix of a row that plainRoom accepted into dst at `at`; returns the offset after it. */
  writePlain(buf: Uint8Array, start: number, count: number, dst: Buffer, at: number): number {
    const parts = this.plainParts as NonNullable<RowPrefixes["plainParts"]>;
    at += parts.measurement.copy(dst, at);
    let p = start;
    for (let i = 0; i < count; i++) {
      if (buf[p] === 0xc0) {
        p++;
        continue;
      }
      const s = stringAt(buf, p) as { start: number; end: number };
      p = s.end;
      if (s.end === s.start) continue; // an empty value: no such tag
      at += (parts.keys[i] as Buffer).copy(dst, at);
      for (let q = s.start; q < s.end; q++) dst[at++] = buf[q] as number;
    }
    dst[at++] = 0x20;
    return at;
  }

  /**
   * The prefix of the row whose `count` tag values start at r.pos (moved past them), the way
   * seriesToLines makes it; undefined when its tags cannot be written as line protocol (see
   * `problem`).
   */
  slow(r: Reader, count: number): Buffer | undefined {
    const tags: Record<string, string> = Object.create(null) as Record<string, string>;
    for (let i = 0; i < count; i++) {
      if (r.buf[r.pos] === 0xc0) {
        r.pos++;
        continue;
      }
      tags[this.keys[i] as string] = r.str();
    }
    try {
      return Buffer.from(`${seriesKey(this.measurement, tags)} `, "utf8");
    } catch (err) {
      if (!(err instanceof UnrepresentableError)) throw err;
      this.problem = err.message;
      return undefined;
    }
  }
}
