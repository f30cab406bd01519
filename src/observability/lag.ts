/**
 * How far a measurement's copy is behind its source: measured against the source's newest point
 * (found by planning), not against the clock, so a source that stopped writing and is fully
 * copied is not "behind". Pure.
 */

/** What one run's copy of a measurement reached, as planning and the windows written tell it. */
export interface CopyReach {
  /** Source database. */
  database: string;
  destination: string;
  /** "rp.measurement". */
  measurement: string;
  /** The source's newest point at or before the run's clock. */
  sourceNewestNs: bigint;
  /** Everything before this instant is on the destination (the resume point, then the end of each window written in order). */
  copiedThroughNs: bigint;
}

export interface Lag {
  /** The newest copied point: the source's newest once the copy reached it, else the last instant known copied. */
  newestCopiedNs: bigint;
  lagMs: number;
}

export function lagOf(r: Pick<CopyReach, "sourceNewestNs" | "copiedThroughNs">): Lag {
  if (r.copiedThroughNs > r.sourceNewestNs) return { newestCopiedNs: r.sourceNewestNs, lagMs: 0 };
  // copiedThroughNs is exclusive: the last instant known copied is just before it.
  const newestCopiedNs = r.copiedThroughNs - 1n;
  return { newestCopiedNs, lagMs: Number((r.sourceNewestNs - newestCopiedNs) / 1_000_000n) };
}
