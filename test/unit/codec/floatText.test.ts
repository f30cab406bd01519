import { writeFloatText } from "../../../src/codec/floatText";
import { rng } from "../../integration/helpers/dataset";

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LO = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;

/** The double next to x, `steps` representable values away. */
function nudge(x: number, steps: number): number {
  f64[0] = x;
  const lo = u32[LO]! + steps;
  u32[LO] = lo >>> 0;
  if (lo < 0 || lo > 0xffffffff) u32[1 - LO] = u32[1 - LO]! + (lo < 0 ? -1 : 1);
  return f64[0];
}

describe("writing a float's text without making a string", () => {
  const buf = Buffer.alloc(64);
  const view = new DataView(new ArrayBuffer(8));
  const write = (v: number) => {
    view.setFloat64(0, v);
    return writeFloatText(buf, 0, view, 0);
  };
  let declined = 0;
  let written = 0;
  const expectLikeString = (v: number) => {
    if (!Number.isFinite(v) || Number.isSafeInteger(v)) return;
    view.setFloat64(0, v);
    const end = writeFloatText(buf, 3, view, 0);
    if (end < 0) {
      if (Math.abs(v) >= 1e-6 && Math.abs(v) < 1e15) declined++;
      return;
    }
    written++;
    const text = buf.toString("latin1", 3, end);
    if (text !== String(v)) expect(`${text} for ${String(v)}`).toBe(String(v));
  };

  it("writes exactly what String(v) writes, for doubles of every kind between 1e-6 and 1e15", () => {
    const random = rng(20240101);
    for (let i = 0; i < 300_000; i++) {
      const scale = 10 ** (Math.floor(random() * 22) - 6);
      expectLikeString(random() * scale); // full precision: 16 or 17 digits
      expectLikeString(-random() * scale);
      expectLikeString(Math.round(random() * 1e6) / 10 ** Math.floor(random() * 9)); // short decimals
      expectLikeString(nudge(random() * scale, Math.floor(random() * 5) - 2));
      expectLikeString(50 + 45 * Math.sin(i / 97)); // gauges
      expectLikeString(i / 7);
      expectLikeString(0.1 * i);
    }
    // Powers of ten and two and their neighbours, half-way decimals, the ends of the range.
    for (let e = -7; e <= 16; e++) {
      for (let d = -3; d <= 3; d++) {
        expectLikeString(nudge(10 ** e, d));
        expectLikeString(nudge(2 ** (e * 3), d));
        expectLikeString(nudge(5 * 10 ** e + 0.5, d));
      }
    }
    for (const v of [
      1e-6,
      0.000001000001,
      1.5,
      0.1,
      0.3,
      2 / 3,
      123456789.123,
      999999999999999.9,
      5e-7,
      1e15 - 0.125,
    ]) {
      expectLikeString(v);
      expectLikeString(-v);
    }
    expect(written).toBeGreaterThan(1_900_000);
  });

  it("declines only outside its range or next to a power of ten, leaving those to String(v)", () => {
    expect(write(5e-7)).toBe(-1);
    expect(write(1e15 + 0.5)).toBe(-1);
    expect(write(1.5e300)).toBe(-1);
    expect(write(5e-324)).toBe(-1);
    // Within the range almost nothing is declined (by the first test's doubles).
    expect(declined / (written + declined)).toBeLessThan(0.001);
  });
});
