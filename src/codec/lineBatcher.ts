/**
 * Line protocol being assembled, in place, into batches of whole lines, and the small
 * writers the transcoder uses to put bytes into it. Writers take the buffer and an offset and
 * return the offset after what they wrote: callers reserve room for a whole line (or value)
 * first, so no single byte is bounds-checked twice and no string or view is made per value.
 */
import type { Batch } from "./batch";

/**
 * Buffers (and line-end arrays) of batches the destination has acknowledged, written into
 * again by the next batches, like Buffer's own pool of small buffers: a copy then allocates
 * nothing per batch, so memory stays flat and no garbage waits for the collector. At most
 * SPARE_BYTES of buffers are kept. Module state shared by every measurement copied at once,
 * safe: a buffer is in the pool only once the destination acknowledged its batch, and the pool is
 * changed synchronously (no await between finding a buffer and taking it).
 */
const spare: Buffer[] = [];
const spareEnds: Uint32Array[] = [];
let spareBytes = 0;
/**
 * Big enough for every buffer live at once with CONCURRENCY=2 (a batch filling and two in
 * flight per measurement, and more when rows are wide): a buffer the pool cannot take becomes
 * garbage outside the heap, freed only by a full collection. Measured on the benchmark's
 * Telegraf-shaped copy: 8 MiB pooled (with 1 MiB batches) left up to 35 MiB of buffers and a
 * peak RSS of 102 MiB; 16 MiB with 512 KiB batches, 18 MiB of buffers and 89 MiB.
 */
const SPARE_BYTES = 16 << 20;
const SPARE_ENDS = 8;

function recycle(buf: Buffer, ends: Uint32Array): void {
  // Kept smallest first; when the pool is full, smaller buffers make room for a bigger one.
  while (spareBytes + buf.length > SPARE_BYTES && spare.length > 0 && (spare[0] as Buffer).length < buf.length) {
    spareBytes -= (spare.shift() as Buffer).length;
  }
  if (spareBytes + buf.length <= SPARE_BYTES) {
    let i = spare.length;
    while (i > 0 && (spare[i - 1] as Buffer).length > buf.length) i--;
    spare.splice(i, 0, buf);
    spareBytes += buf.length;
  }
  if (spareEnds.length < SPARE_ENDS) spareEnds.push(ends);
}

/** Bytes of batch buffers kept for reuse (for tests and diagnostics). */
export function spareBufferBytes(): number {
  return spareBytes;
}

/** The smallest spare buffer of at least `bytes` (so it is not grown by copies), or a new one. */
function bufferOf(bytes: number): Buffer {
  const i = spare.findIndex((b) => b.length >= bytes);
  if (i < 0) return Buffer.allocUnsafe(bytes);
  const buf = spare[i] as Buffer;
  spare.splice(i, 1);
  spareBytes -= buf.length;
  return buf;
}

function endsOf(lines: number): Uint32Array {
  const ends = spareEnds.pop();
  return ends !== undefined && ends.length === lines ? ends : new Uint32Array(lines);
}

const EMPTY = Buffer.alloc(0);

/** A batch is closed before it passes this many bytes (a single longer line makes its own batch). */
export const MAX_BATCH_BYTES = 512 << 10;

export class LineBatcher {
  buf: Buffer;
  pos = 0;
  /** Offset just past each finished line's "\n", for `count` lines. */
  private ends: Uint32Array;
  private count = 0;
  private readonly finished: Batch[] = [];

  constructor(
    private readonly batchSize: number,
    private readonly initialBytes = MAX_BATCH_BYTES,
  ) {
    this.buf = bufferOf(initialBytes);
    this.ends = endsOf(batchSize);
  }

  /**
   * Starts a line that takes at most `bytes` (strings aside): a batch that would pass
   * MAX_BATCH_BYTES with it is closed first, so wide rows make more, smaller requests rather
   * than bigger buffers. Returns the buffer to write into.
   */
  startLine(bytes: number): Buffer {
    if (this.count > 0 && this.pos + bytes > MAX_BATCH_BYTES) this.closeBatch();
    return this.reserve(bytes);
  }

  /** Makes room for `extra` bytes after pos; returns the buffer to write into (it may be a new one). */
  reserve(extra: number): Buffer {
    if (this.pos + extra > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + extra));
      this.buf.copy(bigger, 0, 0, this.pos);
      this.buf = bigger;
    }
    return this.buf;
  }

  /** Ends the line whose "\n" was written just before `at`; closes a batch when it holds batchSize lines. */
  endLine(at: number): void {
    this.pos = at;
    this.ends[this.count++] = at;
    if (this.count >= this.batchSize) this.closeBatch();
  }

  /** Moves the finished lines into a batch of their own. */
  closeBatch(): void {
    if (this.count === 0) return;
    const buf = this.buf;
    const ends = this.ends;
    this.finished.push({
      body: buf.subarray(0, this.pos),
      ends: ends.subarray(0, this.count),
      release: () => recycle(buf, ends),
    });
    // The next batch is likely the size of this one: start there, so it is not grown by copies.
    this.buf = bufferOf(Math.max(this.initialBytes, Math.min(this.pos + (this.pos >>> 3), MAX_BATCH_BYTES)));
    this.ends = endsOf(this.batchSize);
    this.pos = 0;
    this.count = 0;
  }

  /**
   * Gives the buffer being filled back to the pool of spare buffers once an answer is read
   * (lines not yet in a batch are dropped: after a failure they are read again): else every
   * window would leave a batch-sized buffer to the garbage collector, which frees memory
   * outside the JavaScript heap late.
   */
  dispose(): void {
    if (this.buf.length > 0) recycle(this.buf, this.ends);
    this.count = 0;
    this.buf = EMPTY;
    this.pos = 0;
  }

  /** Finished batches, removed from the batcher. */
  take(): Batch[] {
    return this.finished.splice(0, this.finished.length);
  }

  get pending(): number {
    return this.count;
  }

  /** How many finished batches wait to be taken. */
  get done(): number {
    return this.finished.length;
  }
}

/** "00" to "99" as ASCII pairs. */
const PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  PAIRS[2 * i] = 0x30 + Math.floor(i / 10);
  PAIRS[2 * i + 1] = 0x30 + (i % 10);
}
const POW10 = Array.from({ length: 17 }, (_, i) => 10 ** i);

/** Room a non-negative integer below 2^53 takes in decimal (at most 16 digits). */
export const MAX_DIGITS = 16;

/** A non-negative integer below 2^53 in decimal, at least minWidth digits (zero-padded; at most 16). */
export function writeDigits(dst: Buffer, at: number, n: number, minWidth = 1): number {
  let len = 1;
  while (len < MAX_DIGITS && n >= (POW10[len] as number)) len++;
  if (len < minWidth) len = minWidth;
  let i = at + len;
  let v = n;
  // Above 2^31 the division must stay in doubles; below it integer division is much faster.
  while (v >= 0x80000000) {
    const q = Math.floor(v / 100);
    const r = 2 * (v - q * 100);
    dst[--i] = PAIRS[r + 1] as number;
    dst[--i] = PAIRS[r] as number;
    v = q;
  }
  while (i > at + 1) {
    const q = (v / 100) | 0;
    const r = 2 * (v - q * 100);
    dst[--i] = PAIRS[r + 1] as number;
    dst[--i] = PAIRS[r] as number;
    v = q;
  }
  if (i > at) dst[--i] = 0x30 + v;
  return at + len;
}

/** A string of ASCII characters (a number's text), byte by byte: cheaper than Buffer#write for short ones. */
export function writeAscii(dst: Buffer, at: number, s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) dst[at + i] = s.charCodeAt(i);
  return at + n;
}

/** All of a short src (a series prefix, a field key), byte by byte. */
export function writeBytes(dst: Buffer, at: number, src: Buffer): number {
  const n = src.length;
  for (let i = 0; i < n; i++) dst[at + i] = src[i] as number;
  return at + n;
}

/** Exactly `width` (1 to 9) digits of a non-negative integer below 10^width, zero-padded. */
export function writeFixedDigits(dst: Buffer, at: number, n: number, width: number): number {
  let i = at + width;
  let v = n;
  while (i > at + 1) {
    const q = (v / 100) | 0;
    const r = (v - q * 100) << 1;
    dst[--i] = PAIRS[r + 1] as number;
    dst[--i] = PAIRS[r] as number;
    v = q;
  }
  if (i > at) dst[--i] = 0x30 + v;
  return at + width;
}

/** Bytes of src[start, end): short runs by hand (a view or a native call per run costs more). */
export function copyBytes(dst: Buffer, at: number, src: Uint8Array, start: number, end: number): number {
  const len = end - start;
  if (len < 64) {
    for (let i = 0; i < len; i++) dst[at + i] = src[start + i] as number;
  } else {
    dst.set(src.subarray(start, end), at);
  }
  return at + len;
}
