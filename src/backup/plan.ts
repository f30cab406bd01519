/**
 * Pure planning: which time windows to read, aligned so that every aggregation bucket lies
 * wholly inside one window (paging then gives exactly what one query over the range gives).
 */

export interface Window {
  startNs: bigint;
  endNs: bigint;
}

/** Largest multiple of `step` at or below `t` (floor, also for times before 1970). */
export function alignDown(t: bigint, step: bigint): bigint {
  const r = t % step;
  return r < 0n ? t - r - step : t - r;
}

/** Smallest multiple of `step` at or above `t`. */
export function alignUp(t: bigint, step: bigint): bigint {
  const down = alignDown(t, step);
  return down === t ? t : down + step;
}

/** Window length: the pagination period rounded down to whole buckets, at least one bucket. */
export function windowLength(paginationNs: bigint, bucketNs: bigint): bigint {
  const buckets = paginationNs / bucketNs;
  return (buckets > 0n ? buckets : 1n) * bucketNs;
}

/**
 * Windows covering [startNs, endNs): the start is aligned down to a bucket, the end up to
 * one, and window edges fall on multiples of the window length since the epoch, so the same
 * windows come back run after run.
 */
export function* planWindows(startNs: bigint, endNs: bigint, bucketNs: bigint, windowNs: bigint): Generator<Window> {
  const start = alignDown(startNs, bucketNs);
  const end = alignUp(endNs, bucketNs);
  let cursor = start;
  while (cursor < end) {
    const next = alignDown(cursor, windowNs) + windowNs;
    const stop = next < end ? next : end;
    yield { startNs: cursor, endNs: stop };
    cursor = stop;
  }
}

/** Number of windows planWindows would yield (for progress reporting). */
export function countWindows(startNs: bigint, endNs: bigint, bucketNs: bigint, windowNs: bigint): number {
  const start = alignDown(startNs, bucketNs);
  const end = alignUp(endNs, bucketNs);
  if (end <= start) return 0;
  return Number((alignUp(end, windowNs) - alignDown(start, windowNs)) / windowNs);
}

/**
 * Where a measurement's copy starts.
 * - Nothing on the destination: the source's oldest point (a first backup).
 * - A cursor that the destination has reached: the cursor. Cursors move only after a window
 *   was fully written, and point at the bucket that was still filling, so it is recomputed.
 * - Otherwise (no cursor, or the destination is behind it, e.g. restored from an older copy):
 *   the start of the window that holds the destination's newest point. Windows are written one
 *   after the other, so everything before that window is complete even if a run was killed
 *   in the middle of it; at most one window is copied again.
 */
export function resumeStart(p: {
  /** Needed for a first backup; may be left out when resuming. */
  sourceOldestNs?: bigint;
  destNewestNs?: bigint;
  cursorNs?: bigint;
  bucketNs: bigint;
  windowNs: bigint;
}): bigint {
  const oldest = p.sourceOldestNs === undefined ? undefined : alignDown(p.sourceOldestNs, p.bucketNs);
  if (p.destNewestNs === undefined) {
    if (oldest === undefined) throw new RangeError("a first backup needs the source's oldest point");
    return oldest;
  }
  const resume =
    p.cursorNs !== undefined && p.destNewestNs >= p.cursorNs
      ? alignDown(p.cursorNs, p.bucketNs)
      : alignDown(p.destNewestNs, p.windowNs);
  return oldest !== undefined && oldest > resume ? oldest : resume;
}

/** The cursor after a window was written: its end, but never past the bucket still filling. */
export function cursorAfter(window: Window, sourceNewestNs: bigint, bucketNs: bigint): bigint {
  const filling = alignDown(sourceNewestNs, bucketNs);
  return window.endNs < filling ? window.endNs : filling;
}
