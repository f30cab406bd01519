/** Deterministic test data as line protocol. */

export const NS = 1_000_000_000n;
export const MINUTE = 60n * NS;
export const DAY = 86_400n * NS;

/** 2024-01-01T00:02:17.123456789Z: deliberately not on a bucket boundary. */
export const START = 1704067200n * NS + 137_123_456_789n;

/** A tiny deterministic pseudo-random generator (so failures can be replayed). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

export interface CpuOptions {
  start?: bigint;
  end: bigint;
  stepNs?: bigint;
  hosts?: string[];
  seed?: number;
}

/** The fields of cpuLines' "cpu", with their types. */
export const CPU_FIELDS = { usage: "float", count: "integer", state: "string", up: "boolean" } as const;

/**
 * "cpu" with tags host and region; fields usage (float), count (integer), state (string),
 * up (boolean). Some points carry only the string field, so some buckets have no numeric
 * value at all for a series.
 */
export function cpuLines(o: CpuOptions): string[] {
  const random = rng(o.seed ?? 1);
  const hosts = o.hosts ?? ["h1", "h2", "h3"];
  const step = o.stepNs ?? 7n * MINUTE;
  const lines: string[] = [];
  for (let t = o.start ?? START; t < o.end; t += step) {
    for (const [i, host] of hosts.entries()) {
      const region = i % 2 === 0 ? "eu" : "us";
      const jitter = BigInt(Math.floor(random() * 1000)) * 1000n + BigInt(i);
      const time = t + jitter;
      if (random() < 0.15) {
        lines.push(`cpu,host=${host},region=${region} state="only-${host}" ${time}`);
      } else {
        const usage = (random() * 100).toFixed(3);
        const count = Math.floor(random() * 1000) - 200;
        lines.push(
          `cpu,host=${host},region=${region} usage=${usage},count=${count}i,state="s${count % 7}",up=${count % 2 === 0} ${time}`,
        );
      }
    }
  }
  return lines;
}

/** "events": only string and boolean fields. */
export function eventLines(start: bigint, end: bigint, step = 11n * MINUTE): string[] {
  const lines: string[] = [];
  let n = 0;
  for (let t = start; t < end; t += step) {
    n++;
    lines.push(`events,source=app${n % 2} message="event ${n} said \\"hi\\"",ok=${n % 3 === 0} ${t}`);
  }
  return lines;
}

export async function writeAll(write: (lines: string) => Promise<void>, lines: string[], batch = 5000): Promise<void> {
  for (let i = 0; i < lines.length; i += batch) await write(lines.slice(i, i + batch).join("\n"));
}
