/** Median and spread of repeated measurements. */

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { median: NaN, min: NaN, max: NaN };
  const median = n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  return { median, min: sorted[0]!, max: sorted[n - 1]! };
}

/** "1.23 (1.10-1.40)" with `digits` decimals; just the value for a single run. */
export function spreadText(s: Spread, digits = 2, count = 2): string {
  const f = (x: number) => x.toFixed(digits);
  return count > 1 ? `${f(s.median)} (${f(s.min)}-${f(s.max)})` : f(s.median);
}
