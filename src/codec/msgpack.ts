/**
 * Pure MessagePack reading, the one place its bytes are parsed: framing a byte stream into
 * whole top-level values (InfluxDB sends one map per chunk of a chunked answer), so each can be
 * read in one piece without decoding anything else (finding where a value ends only reads type
 * bytes and lengths), and a Reader over one value's bytes that the transcoder walks.
 * (seriesPrefix.ts matches the bytes of a tags map it can copy as they are, declining any other
 * header than InfluxDB's short ones; it reads nothing else.)
 */
import { InfluxError } from "../errors";

/** Where a scan of MessagePack values stands: its offset, and how many values are still to be passed. */
interface ScanState {
  pos: number;
  pending: number;
}

/**
 * Moves `s` past values within buf[0, n) until none is pending or the bytes run out. A value
 * whose header is cut by the end is not entered (the scan resumes at it when more bytes are
 * there); a payload may be skipped past the end, leaving s.pos beyond n.
 */
function scan(buf: Uint8Array, n: number, s: ScanState): void {
  // Values still to skip: containers add their children to it.
  let pending = s.pending;
  let p = s.pos;
  while (pending > 0 && p < n) {
    const b = buf[p] as number;
    if (b <= 0x7f || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) {
      p += 1;
    } else if (b >= 0x80 && b <= 0x8f) {
      pending += 2 * (b & 0x0f);
      p += 1;
    } else if (b >= 0x90 && b <= 0x9f) {
      pending += b & 0x0f;
      p += 1;
    } else if (b >= 0xa0 && b <= 0xbf) {
      p += 1 + (b & 0x1f);
    } else {
      // Headers with a length: wait for the whole header.
      if (b < 0xc4) throw new SyntaxError(`not MessagePack: byte 0x${b.toString(16)} at offset ${p}`);
      if (p + (HEADER_BYTES[b - 0xc4] as number) > n) break;
      switch (b) {
        case 0xc4: // bin8
        case 0xd9: // str8
          p += 2 + (buf[p + 1] as number);
          break;
        case 0xc5:
        case 0xda:
          p += 3 + u16(buf, p + 1);
          break;
        case 0xc6:
        case 0xdb:
          p += 5 + u32(buf, p + 1);
          break;
        case 0xc7: // ext8
          p += 3 + (buf[p + 1] as number);
          break;
        case 0xc8:
          p += 4 + u16(buf, p + 1);
          break;
        case 0xc9:
          p += 6 + u32(buf, p + 1);
          break;
        case 0xdc:
          pending += u16(buf, p + 1);
          p += 3;
          break;
        case 0xdd:
          pending += u32(buf, p + 1);
          p += 5;
          break;
        case 0xde:
          pending += 2 * u16(buf, p + 1);
          p += 3;
          break;
        case 0xdf:
          pending += 2 * u32(buf, p + 1);
          p += 5;
          break;
        default:
          // Fixed sizes: float, int, fixext (the header is the type byte).
          p += FIXED_BYTES[b - 0xc4] as number;
      }
    }
    pending--;
  }
  s.pos = p;
  s.pending = pending;
}

const u16 = (buf: Uint8Array, at: number): number => ((buf[at] as number) << 8) | (buf[at + 1] as number);
const u32 = (buf: Uint8Array, at: number): number =>
  ((buf[at] as number) * 0x1000000 +
    (((buf[at + 1] as number) << 16) | ((buf[at + 2] as number) << 8) | (buf[at + 3] as number))) >>>
  0;

/** For type bytes 0xc4..0xdf: how many bytes must be there to know a value's length. */
// prettier-ignore
const HEADER_BYTES = [
  2, 3, 5, 2, 3, 5, 1, 1, // c4 bin8 bin16 bin32 ext8 ext16 ext32 float32 float64
  1, 1, 1, 1, 1, 1, 1, 1, // cc..d3 uint8..int64
  1, 1, 1, 1, 1, 2, 3, 5, // d4..d8 fixext, d9 str8, da str16, db str32
  3, 5, 3, 5,             // dc array16, dd array32, de map16, df map32
];
/** For type bytes 0xc4..0xdf of fixed size: the whole value's size. */
// prettier-ignore
const FIXED_BYTES = [
  0, 0, 0, 0, 0, 0, 5, 9,
  2, 3, 5, 9, 2, 3, 5, 9,
  3, 4, 6, 10, 18, 0, 0, 0,
  0, 0, 0, 0,
];

/** Offset just past the value that starts at `pos`, or -1 when the bytes end before it does. */
export function valueEnd(buf: Uint8Array, pos: number): number {
  const s = skipping; // one at a time: nothing else runs during a scan
  s.pos = pos;
  s.pending = 1;
  scan(buf, buf.length, s);
  return s.pending === 0 && s.pos <= buf.length ? s.pos : -1;
}
// Module state, safe: valueEnd's scan is synchronous and nothing else can run during it, so one
// scratch state serves every call without an allocation per value.
const skipping: ScanState = { pos: 0, pending: 0 };

/**
 * Collects pieces of a stream and hands out whole top-level values. Every byte is looked at
 * once: the scan resumes where the last piece ended. A value that lies within one piece is
 * handed out as a view of it; one that spans pieces is copied, once, into a buffer of the
 * splitter's own. With `reuse`, that buffer is written over by the next push(): the values a
 * push returns must then be done with before the next one (so no garbage per value).
 */
/**
 * Buffers of reuse-mode splitters whose answer ended, for the next answers: a copy reads one
 * answer per measurement and window, and growing a buffer to a chunk's size each time would
 * leave megabytes of garbage per answer. Module state, safe: a buffer is in the pool only while
 * no splitter holds it, and taking or returning one is synchronous (no await between check and use).
 */
const spareBuffers: Buffer[] = [];
const SPARE_BUFFERS = 2;

export class FrameSplitter {
  /** Bytes of values not yet handed out start at frameStart; size bytes are held. */
  private buf: Buffer;
  private size = 0;
  private frameStart = 0;
  /** Within a value: how far the scan went, and how many values it still has to pass. */
  private readonly state: ScanState = { pos: 0, pending: 0 };
  /** Values were handed out as views of buf since it was last compacted. */
  private handedOut = false;

  constructor(private readonly reuse = false) {
    this.buf = (reuse ? spareBuffers.pop() : undefined) ?? Buffer.alloc(0);
  }

  push(piece: Buffer): Buffer[] {
    this.compact(piece.length);
    const frames: Buffer[] = [];
    if (this.size === 0) {
      // Nothing waiting: whole values in the piece are handed out as views of it.
      let start = 0;
      while (this.next(piece, piece.length, start)) {
        frames.push(piece.subarray(start, this.state.pos));
        start = this.state.pos;
      }
      this.state.pos -= start;
      if (start < piece.length) this.append(piece, start);
      return frames;
    }
    this.append(piece, 0);
    while (this.next(this.buf, this.size, this.frameStart)) {
      frames.push(this.buf.subarray(this.frameStart, this.state.pos));
      this.frameStart = this.state.pos;
      this.handedOut = true;
    }
    return frames;
  }

  /** At the end of the stream: the values still waiting (none: every whole value was handed out), and how many bytes were left over (a value cut short). */
  end(): { frames: Buffer[]; leftover: number } {
    const leftover = this.size - this.frameStart;
    if (this.reuse && this.buf.length > 0 && spareBuffers.length < SPARE_BUFFERS) spareBuffers.push(this.buf);
    this.buf = Buffer.alloc(0);
    this.size = this.frameStart = 0;
    return { frames: [], leftover };
  }

  /** Scans on in buf[0, n) the value that starts at `start`; true when it ends at state.pos, within n. */
  private next(buf: Uint8Array, n: number, start: number): boolean {
    const s = this.state;
    if (s.pending === 0 && s.pos === start) {
      if (start >= n) return false;
      s.pending = 1;
    }
    scan(buf, n, s);
    return s.pending === 0 && s.pos <= n;
  }

  /** Drops the bytes already handed out, making room for `incoming` more. */
  private compact(incoming: number): void {
    if (this.frameStart === 0) return;
    const rest = this.size - this.frameStart;
    if (this.handedOut && !this.reuse) {
      const fresh = Buffer.allocUnsafe(Math.max(this.buf.length, rest + incoming));
      this.buf.copy(fresh, 0, this.frameStart, this.size);
      this.buf = fresh;
    } else {
      this.buf.copyWithin(0, this.frameStart, this.size);
    }
    this.state.pos -= this.frameStart;
    this.size = rest;
    this.frameStart = 0;
    this.handedOut = false;
  }

  /** Copies piece[from..] after the bytes held, growing the buffer when needed. */
  private append(piece: Buffer, from: number): void {
    const len = piece.length - from;
    if (this.size + len > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.size + len, 65536));
      this.buf.copy(bigger, 0, 0, this.size);
      this.buf = bigger;
    }
    piece.copy(this.buf, this.size, from);
    this.size += len;
  }
}

// Stateless between calls (non-streaming decode): one decoder serves every reader.
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A cursor over one chunk's bytes. */
export class Reader {
  pos = 0;
  readonly view: DataView;
  /** The same bytes as a Buffer, to read ASCII strings from. */
  private readonly latin1: Buffer;
  constructor(readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.latin1 = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
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
    const start = this.pos;
    const end = start + len;
    this.pos = end;
    // Names and tag values are nearly always ASCII: read as such, without a decoder call per string.
    const buf = this.buf;
    for (let i = start; i < end; i++) {
      if ((buf[i] as number) >= 0x80) return utf8.decode(buf.subarray(start, end));
    }
    return this.latin1.toString("latin1", start, end);
  }
  /**
   * Which of `known` (ASCII names) the map key at pos is, -1 for another; moves past the key.
   * Matching the bytes makes no string: an answer has several keys per series.
   */
  keyOf(known: readonly Buffer[]): number {
    const len = this.strLength();
    if (len < 0) this.fail("expected a string");
    const start = this.pos;
    this.pos = start + len;
    const buf = this.buf;
    for (let k = 0; k < known.length; k++) {
      const name = known[k] as Buffer;
      if (name.length !== len) continue;
      let i = 0;
      while (i < len && buf[start + i] === name[i]) i++;
      if (i === len) return k;
    }
    return -1;
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

export const TWO_32 = 4294967296;

/** A number at pos (moving past it), or undefined (not moving) when the value is not a number. */
export function readNumber(r: Reader): number | bigint | undefined {
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
