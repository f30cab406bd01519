/**
 * A tar stream passed through with every entry renamed, as InfluxDB's own `restore` does
 * before a ShardUpdate: the server imports only the files under "<db>/<rp>/<new shard id>/".
 * Headers are rewritten (PAX `path` records and GNU long names included); file contents
 * stream through untouched, so memory stays at one header whatever the shard's size.
 */
import { Transform, type TransformCallback } from "node:stream";

const BLOCK = 512;

export type Rename = (name: string) => string | undefined;

export class TarRename extends Transform {
  private pending = Buffer.alloc(0);
  /** Bytes of file content (padding included) still to pass through. */
  private passing = 0;
  /** Data of the extension entry being read ('x' or 'L'), and how many bytes of it to take. */
  private extension?: { type: string; size: number; padded: number };
  private pax = new Map<string, string>();
  private longName?: string;
  private ended = false;
  /** How many entries were renamed. */
  renamed = 0;

  constructor(private readonly rename: Rename) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.consume(chunk);
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    if (this.pending.length > 0 || this.passing > 0 || this.extension)
      return done(new Error("the shard's tar stream ended in the middle of an entry"));
    done();
  }

  private consume(chunk: Buffer): void {
    if (this.ended) return void this.push(chunk);
    let at = 0;
    while (at < chunk.length) {
      if (this.passing > 0) {
        const n = Math.min(this.passing, chunk.length - at);
        this.push(chunk.subarray(at, at + n));
        this.passing -= n;
        at += n;
        continue;
      }
      const need = this.extension ? this.extension.padded : BLOCK;
      const n = Math.min(need - this.pending.length, chunk.length - at);
      this.pending = Buffer.concat([this.pending, chunk.subarray(at, at + n)]);
      at += n;
      if (this.pending.length < need) break;
      const block = this.pending;
      this.pending = Buffer.alloc(0);
      if (this.extension) this.extensionRead(block);
      else this.header(block);
      if (this.ended) {
        this.push(chunk.subarray(at));
        return;
      }
    }
  }

  private extensionRead(data: Buffer): void {
    const { type, size } = this.extension as { type: string; size: number };
    this.extension = undefined;
    const body = data.subarray(0, size);
    if (type === "L") this.longName = body.toString("utf8").replace(/\0+$/, "");
    else for (const [k, v] of parsePaxRecords(body)) this.pax.set(k, v);
  }

  private header(block: Buffer): void {
    if (block.every((b) => b === 0)) {
      this.ended = true;
      this.push(block);
      return;
    }
    const type = String.fromCharCode(block[156] ?? 48);
    const size = readSize(block);
    if (type === "x" || type === "L") {
      this.extension = { type, size, padded: padded(size) };
      return;
    }
    if (type === "g") {
      this.push(block);
      this.passing = padded(size);
      return;
    }
    const full = this.pax.get("path") ?? this.longName ?? ustarName(block);
    const name = this.rename(full) ?? full;
    if (name !== full) this.renamed++;
    const records = new Map(this.pax);
    records.delete("path");
    if (Buffer.byteLength(name) > 100) records.set("path", name);
    if (records.size > 0) this.push(paxEntry(records));
    const out = Buffer.from(block);
    out.fill(0, 0, 100);
    out.write(name, 0, 100, "utf8");
    if (out.toString("latin1", 257, 262) === "ustar") out.fill(0, 345, 500);
    writeChecksum(out);
    this.push(out);
    this.passing = padded(Number(this.pax.get("size") ?? size));
    this.pax.clear();
    this.longName = undefined;
  }
}

const padded = (n: number) => Math.ceil(n / BLOCK) * BLOCK;

function readSize(block: Buffer): number {
  const field = block.subarray(124, 136);
  // Base-256 (GNU) for sizes an octal field cannot hold.
  if ((field[0] ?? 0) & 0x80) return field.subarray(1).reduce((n, b) => n * 256 + b, (field[0] ?? 0) & 0x7f);
  return parseInt(field.toString("latin1").replace(/[\0 ]/g, "") || "0", 8);
}

function ustarName(block: Buffer): string {
  const text = (from: number, to: number) => block.toString("utf8", from, to).replace(/\0.*$/s, "");
  const name = text(0, 100);
  const prefix = block.toString("latin1", 257, 262) === "ustar" ? text(345, 500) : "";
  return prefix ? `${prefix}/${name}` : name;
}

function writeChecksum(block: Buffer): void {
  block.fill(0x20, 148, 156);
  const sum = block.reduce((n, b) => n + b, 0);
  block.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8, "latin1");
}

export function parsePaxRecords(body: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let at = 0;
  while (at < body.length) {
    const space = body.indexOf(0x20, at);
    if (space < 0) break;
    const length = Number(body.toString("latin1", at, space));
    if (!Number.isInteger(length) || length <= 0) break;
    const record = body.toString("utf8", space + 1, at + length - 1);
    const eq = record.indexOf("=");
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    at += length;
  }
  return out;
}

/** A PAX extended header entry ('x') carrying `records`. */
export function paxEntry(records: Map<string, string>): Buffer {
  const body = Buffer.concat(
    [...records].map(([k, v]) => {
      const rest = Buffer.byteLength(` ${k}=${v}\n`);
      let length = rest + String(rest).length;
      if (String(length).length !== String(rest).length) length = rest + String(length).length;
      return Buffer.from(`${length} ${k}=${v}\n`, "utf8");
    }),
  );
  const header = Buffer.alloc(BLOCK);
  header.write("PaxHeaders/entry", 0, "latin1");
  header.write("0000644\0", 100, "latin1");
  header.write("0000000\0", 108, "latin1");
  header.write("0000000\0", 116, "latin1");
  header.write(`${body.length.toString(8).padStart(11, "0")}\0`, 124, "latin1");
  header.write("00000000000\0", 136, "latin1");
  header.write("x", 156, "latin1");
  header.write("ustar\x0000", 257, "latin1");
  writeChecksum(header);
  return Buffer.concat([header, body, Buffer.alloc(padded(body.length) - body.length)]);
}
