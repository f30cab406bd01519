/**
 * Pure: the line protocol prefix ("measurement,tag=value,... ") of rows that carry their tags
 * as columns (a raw read without GROUP BY). A series' rows come again and again in a time-ordered
 * answer, so prefixes are kept by the MessagePack bytes of the row's tag values: a row whose tags
 * were seen before costs a hash and a comparison, not a decode, an escape and a sort.
 */
import { UnrepresentableError, seriesKey } from "./lineProtocol";
import type { Reader } from "./msgpack";

/** At most this many prefixes are kept (about 10 MiB); then the cache starts again. */
const MAX_ENTRIES = 50_000;

interface Entry {
  tags: Buffer;
  prefix: Buffer;
}

export class RowPrefixes {
  private owner: unknown;
  private measurement = "";
  private keys: string[] = [];
  private entries = new Map<number, Entry[]>();
  private size = 0;
  /** Why the last row refused has tags line protocol cannot carry. */
  problem: string | undefined;

  /** The rows that follow are of this target (an object compared by identity) and these tag columns. */
  use(owner: { measurement: string }, keys: string[]): void {
    if (owner === this.owner && sameKeys(keys, this.keys)) return;
    this.owner = owner;
    this.measurement = owner.measurement;
    this.keys = keys;
    this.clear();
  }

  /**
   * The prefix of the row whose `count` tag values start at r.pos (moved past them), or
   * undefined when its tags cannot be written as line protocol (see `problem`).
   */
  of(r: Reader, count: number): Buffer | undefined {
    const start = r.pos;
    for (let i = 0; i < count; i++) r.skip();
    const end = r.pos;
    const buf = r.buf;
    let hash = 0x811c9dc5;
    for (let p = start; p < end; p++) hash = Math.imul(hash ^ (buf[p] as number), 0x01000193);
    const bucket = this.entries.get(hash);
    if (bucket) {
      for (const e of bucket) if (sameBytes(e.tags, buf, start, end)) return e.prefix;
    }
    r.pos = start;
    const tags: Record<string, string> = Object.create(null) as Record<string, string>;
    for (let i = 0; i < count; i++) {
      if (buf[r.pos] === 0xc0) {
        r.pos++;
        continue;
      }
      tags[this.keys[i] as string] = r.str();
    }
    r.pos = end;
    let prefix: Buffer;
    try {
      prefix = Buffer.from(`${seriesKey(this.measurement, tags)} `, "utf8");
    } catch (err) {
      if (!(err instanceof UnrepresentableError)) throw err;
      this.problem = err.message;
      return undefined;
    }
    if (this.size >= MAX_ENTRIES) this.clear();
    const entry = { tags: Buffer.from(buf.subarray(start, end)), prefix };
    if (bucket) bucket.push(entry);
    else this.entries.set(hash, [entry]);
    this.size++;
    return prefix;
  }

  private clear(): void {
    this.entries = new Map();
    this.size = 0;
  }
}

function sameKeys(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((k, i) => k === b[i]);
}

function sameBytes(a: Buffer, buf: Uint8Array, start: number, end: number): boolean {
  if (a.length !== end - start) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== buf[start + i]) return false;
  return true;
}
