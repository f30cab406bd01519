/**
 * The deterministic benchmark dataset: `series` series of measurement "bench" (tags host and
 * region), `perSeries` points each, `stepS` (default 10) seconds apart, every point with a
 * float, an integer, a string and a boolean field. The same (series, index) always gives the
 * same line.
 */

export const MEASUREMENT = "bench";
export const FIELD_TYPES: Record<string, "float" | "integer" | "string" | "boolean"> = {
  usage: "float",
  requests: "integer",
  state: "string",
  up: "boolean",
};
const REGIONS = ["eu-west", "eu-central", "us-east", "ap-south"];
const STATES = ["ok", "warning", "critical", "unknown"];

/** 2024-01-01T00:00:00Z in seconds. */
const START_S = 1_704_067_200;
export const STEP_S = 10;

export interface Dataset {
  series: number;
  perSeries: number;
  /** Seconds between the points of a series (default STEP_S). */
  stepS?: number;
}

export const totalPoints = (d: Dataset): number => d.series * d.perSeries;

/** Sub-second offset of a series, so series do not share timestamps and nanoseconds matter. */
const offsetNs = (s: number): number => s * 1000 + 123;

export function timeNs(s: number, k: number, stepS = STEP_S): bigint {
  return BigInt(START_S + k * stepS) * 1_000_000_000n + BigInt(offsetNs(s));
}

/** Oldest and newest point of the dataset (series 0 starts first, the last series ends last). */
export function timeRange(d: Dataset): { oldestNs: bigint; newestNs: bigint } {
  return { oldestNs: timeNs(0, 0), newestNs: timeNs(d.series - 1, d.perSeries - 1, d.stepS) };
}

function mix(s: number, k: number): number {
  let x = Math.imul(s + 1, 0x9e3779b1) ^ Math.imul(k + 1, 0x85ebca6b);
  x ^= x >>> 15;
  x = Math.imul(x, 0x2c1b3c6d);
  x ^= x >>> 12;
  return x >>> 0;
}

/** Digits of the host number, so that hosts sort as numbers (as GROUP BY * returns them). */
const hostWidth = (d: Dataset): number => Math.max(4, String(d.series - 1).length);

/** Series key in the order GROUP BY * returns series (tag keys sorted, host zero-padded). */
export function seriesKey(s: number, width = 4): string {
  return `${MEASUREMENT},host=host-${String(s).padStart(width, "0")},region=${REGIONS[s % REGIONS.length]}`;
}

export function line(s: number, k: number, key = seriesKey(s), stepS = STEP_S): string {
  const x = mix(s, k);
  const usage = 50 + 45 * Math.sin(k / 97 + s); // full float64 precision, like real gauges
  const requests = (x % 2_000_001) - 1_000_000;
  const state = STATES[(x >>> 29) & 3];
  const up = (x & (1 << 20)) !== 0;
  const seconds = START_S + k * stepS;
  const nanos = String(offsetNs(s)).padStart(9, "0");
  return `${key} usage=${usage},requests=${requests}i,state="${state}",up=${up} ${seconds}${nanos}`;
}

/** Batches in arrival order: all series at one time, then the next time (how agents write). */
export function* timeMajorBatches(d: Dataset, batchLines: number): Generator<string> {
  const keys = Array.from({ length: d.series }, (_, s) => seriesKey(s, hostWidth(d)));
  let batch: string[] = [];
  for (let k = 0; k < d.perSeries; k++) {
    for (let s = 0; s < d.series; s++) {
      batch.push(line(s, k, keys[s], d.stepS));
      if (batch.length >= batchLines) {
        yield batch.join("\n");
        batch = [];
      }
    }
  }
  if (batch.length) yield batch.join("\n");
}

/** Batches in the order the tool writes them: series after series (GROUP BY * order), time ascending. */
export function* seriesMajorBatches(d: Dataset, batchLines: number): Generator<string> {
  let batch: string[] = [];
  for (let s = 0; s < d.series; s++) {
    const key = seriesKey(s, hostWidth(d));
    for (let k = 0; k < d.perSeries; k++) {
      batch.push(line(s, k, key, d.stepS));
      if (batch.length >= batchLines) {
        yield batch.join("\n");
        batch = [];
      }
    }
  }
  if (batch.length) yield batch.join("\n");
}
