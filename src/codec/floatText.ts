/**
 * A float's text for line protocol, written straight into a buffer: exactly what JavaScript's
 * String(v) writes (the shortest decimal that reads back as the same double, the closest one
 * when several are as short, ties to an even last digit), for the doubles real data holds,
 * at a fraction of its cost (String(v) makes a string through a runtime call per value).
 *
 * Only plain arithmetic on doubles is used, and only where it is exact:
 * - up to 15 significant digits: d = round(v × 10^k) is the only 15-digit candidate, and
 *   d / 10^k === v proves it reads back as v (both operands exact, IEEE division rounds
 *   correctly, as Go's ParseFloat does);
 * - 16 or 17 digits: v × 10^k is computed exactly as a sum of two doubles (Dekker's product),
 *   and candidates are compared with the exact bounds of v's rounding interval.
 * Outside 1e-6 ≤ |v| < 1e15, and next to a power of ten, it declines (returns -1) and the
 * caller uses String(v); the unit tests compare it with String(v) on millions of doubles.
 */
import { writeFixedDigits } from "./lineBatcher";

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
/** 10^(i - 6) for i = 0..21: TENS[e + 7] is 10^(e + 1). */
const TENS = Array.from({ length: 23 }, (_, i) => Number(`1e${i - 6}`));

// Scratch words to read a double's bits, used synchronously within one call: safe to share.
const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
/** Index of the high 32 bits of a double in `words` (the platform's byte order). */
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/** 2^27 + 1: splits a double into two halves whose products are exact (Veltkamp). */
const SPLITTER = 134217729;

/**
 * Writes the text of the float64 at src[offset] (finite, not an integer below 2^53); returns
 * the offset after it, or -1 to decline. The value is read here rather than passed in, so no
 * double crosses a call (a call boxes it: a heap allocation per value).
 */
export function writeFloatText(dst: Buffer, at: number, src: DataView, offset: number): number {
  const v = src.getFloat64(offset);
  const a = v < 0 ? -v : v;
  if (!(a >= 1e-6 && a < 1e15)) return -1;
  bits[0] = a;
  const hi = words[HI] as number;
  const lo = words[1 - HI] as number;
  const exponent = ((hi >>> 20) & 0x7ff) - 1023;
  // The decimal exponent: floor(log10(a)) from the binary one, corrected against powers of
  // ten (those below 1 are inexact: a miss next to one is caught by the ranges checked below).
  let e = (exponent * 1233) >> 12;
  if (a >= (TENS[e + 7] as number)) e++;
  if (e < -6 || e > 14) return -1;

  // Up to 15 significant digits: the candidate at 15 digits is unique, and checked exactly.
  const p15 = POW10[14 - e] as number;
  const d = Math.round(a * p15);
  if (d < 1e14 || d >= 1e15) return -1;
  if (d / p15 === a) {
    const high = Math.floor(d / 1e6);
    return place(dst, at, v < 0, high, (d - high * 1e6) * 100, e + 1);
  }

  // 16 or 17 digits: V = a × 10^k exactly as vh + vl, vh an integer in [1e16, 1e17).
  const k = 16 - e;
  if (k > 22) return -1;
  const p = POW10[k] as number;
  const vh = a * p;
  if (vh < 1e16 + 32 || vh >= 1e17 - 32) return -1; // next to a power of ten: left to String(v)
  const vl = twoProductError(a, p, vh);
  // vh = high × 10^8 + low exactly (high × 10^8 has at most 49 significant bits).
  let high = Math.floor(vh / 1e8);
  let low = vh - high * 1e8;
  let c = carry(low);
  high += c;
  low -= c * 1e8;

  // v's rounding interval, scaled: (V - below, V + above); its bounds read back as v too
  // when v's significand is even (a decimal exactly half-way rounds to the even neighbour).
  // Half the gap to the next double is 2^(exponent - 53): made from its bits.
  words[HI] = (exponent - 53 + 1023) << 20;
  words[1 - HI] = 0;
  const above = bits[0] * p;
  const below = (hi & 0xfffff) === 0 && lo === 0 ? above / 2 : above;
  const even = (lo & 1) === 0;
  // Offsets j (vh + j is a candidate) inside: lowS + lowE < j < highS + highE, sums kept exact.
  const lowS = vl - below;
  const lowE = twoSumError(vl, -below, lowS);
  const highS = vl + above;
  const highE = twoSumError(vl, above, highS);

  // 16 digits: the multiples of 10 next to V; the closest inside, on a tie the even one.
  const t = (low | 0) % 10; // an int32 remainder: a double's % is a runtime call
  let best = NaN;
  for (let j = -t - 10; j <= 20 - t; j += 10) {
    if (!inside(j, lowS, lowE, highS, highE, even)) continue;
    const mid = (best + j) / 2;
    if (Number.isNaN(best) || vl > mid || (vl === mid && ((low + j + 1e8) / 10) % 2 === 0)) best = j;
  }
  // 17 digits: the integer closest to V, ties to even (always inside: the interval is wider than 1).
  if (Number.isNaN(best)) {
    best = Math.round(vl);
    const rest = vl - best; // exact: vl and best are within 0.5 of each other
    if ((rest === 0.5 || rest === -0.5) && best % 2 !== 0) best += rest > 0 ? 1 : -1;
  }
  low += best;
  c = carry(low);
  high += c;
  low -= c * 1e8;
  return place(dst, at, v < 0, high, low, e + 1);
}

/** What moves from the low eight digits into the high ones to bring `low` back into [0, 1e8): -1, 0 or 1. */
function carry(low: number): number {
  return low < 0 ? -1 : low >= 1e8 ? 1 : 0;
}

/** Whether lowS + lowE < j < highS + highE (bounds included when `closed`), exactly. */
function inside(j: number, lowS: number, lowE: number, highS: number, highE: number, closed: boolean): boolean {
  return (
    (j !== lowS ? j > lowS : lowE < 0 || (closed && lowE === 0)) &&
    (j !== highS ? j < highS : highE > 0 || (closed && highE === 0))
  );
}

/** The rounding error of a × b = product (Dekker: exact without a fused multiply-add). */
function twoProductError(a: number, b: number, product: number): number {
  let c = SPLITTER * a;
  const ah = c - (c - a);
  const al = a - ah;
  c = SPLITTER * b;
  const bh = c - (c - b);
  const bl = b - bh;
  return ah * bh - product + ah * bl + al * bh + al * bl;
}

/** The rounding error of a + b = sum (Knuth). */
function twoSumError(a: number, b: number, sum: number): number {
  const bb = sum - a;
  return a - (sum - bb) + (b - bb);
}

/**
 * Writes the 17-digit integer high × 10^8 + low (high has 9 digits) as its significant digits,
 * trailing zeros dropped, with the decimal point after `point` of them (point ≤ 0: "0." and
 * -point zeros first), as String(v) does between 1e-6 and 1e21. All 17 digits are written two
 * at a time, then the trailing zeros are dropped and the digits after the point moved one byte
 * right (a fraction always follows: point < the digits kept). The caller leaves room for 26 bytes.
 */
function place(dst: Buffer, at: number, negative: boolean, high: number, low: number, point: number): number {
  if (negative) dst[at++] = 0x2d;
  if (point <= 0) {
    dst[at++] = 0x30;
    dst[at++] = 0x2e;
    for (let i = 0; i < -point; i++) dst[at++] = 0x30;
  }
  writeFixedDigits(dst, at, high | 0, 9);
  writeFixedDigits(dst, at + 9, low | 0, 8);
  let end = at + 17;
  while (dst[end - 1] === 0x30) end--; // high ≥ 10^8: a digit other than 0 stays
  if (point <= 0) return end;
  const dot = at + point;
  for (let i = end; i > dot; i--) dst[i] = dst[i - 1] as number;
  dst[dot] = 0x2e;
  return end + 1;
}
