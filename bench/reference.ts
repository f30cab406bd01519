/**
 * A fixed piece of CPU work, the same in every version of the tool, timed at the start and at
 * the end of a benchmark run: the speed of this machine's cores moves between runs (a shared
 * machine), and this tells a slower machine from slower code. The work is what a copy does
 * most: float and integer text and byte copies into a buffer, in plain JavaScript.
 */
import { spread } from "./stats";

/** CPU milliseconds of one pass. */
function onePass(): number {
  const out = Buffer.alloc(1 << 20);
  let seed = 0x9e3779b9;
  let at = 0;
  let sum = 0;
  const started = process.cpuUsage();
  for (let i = 0; i < 400_000; i++) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    const text = `${(seed >>> 0) / 4294967296 + i},${i * 7}i `;
    if (at + text.length > out.length) at = 0;
    at += out.write(text, at, "latin1");
    for (let k = 0; k < 32; k++) sum = (sum + out[(at + k * 31) & 0xfffff]!) | 0;
  }
  const used = process.cpuUsage(started);
  if (sum === 42) process.stdout.write(""); // keeps the loop's result alive
  return (used.user + used.system) / 1000;
}

/** The median of five passes, in CPU milliseconds (the first pass also warms the JIT up). */
export function machineReferenceMs(): number {
  return spread(Array.from({ length: 5 }, onePass)).median;
}
