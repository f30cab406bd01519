/**
 * Pure framing of a MessagePack byte stream into whole top-level values (InfluxDB sends one
 * map per chunk of a chunked answer), so each can be read in one piece without decoding
 * anything else. Finding where a value ends only reads type bytes and lengths.
 */

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
 * leave megabytes of garbage per answer.
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
