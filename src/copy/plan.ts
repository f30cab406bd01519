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

/**
 * The windows of [startNs, endNs) where points can be: those over a shard group (no point lies
 * outside one). Each group's range is widened to whole buckets and overlapping or touching
 * ranges merged, so that no window is read twice; windows are laid from each range's start, so
 * that a window holds one group when the window is as long as the groups (7 days by default, as
 * InfluxDB's shard groups of an infinite retention policy): each window asks for a cursor per
 * series of the shards it touches, and one that reached into the next group would ask twice.
 */
export function windowsInGroups(
  groups: readonly { startNs: bigint; endNs: bigint }[],
  startNs: bigint,
  endNs: bigint,
  bucketNs: bigint,
  windowNs: bigint,
): Window[] {
  const ranges: Window[] = [];
  for (const g of groups) {
    const from = alignDown(g.startNs > startNs ? g.startNs : startNs, bucketNs);
    const to = alignUp(g.endNs < endNs ? g.endNs : endNs, bucketNs);
    if (from >= to) continue;
    const last = ranges[ranges.length - 1];
    if (last && from <= last.endNs) {
      if (to > last.endNs) last.endNs = to;
    } else {
      ranges.push({ startNs: from, endNs: to });
    }
  }
  const windows: Window[] = [];
  for (const r of ranges) {
    for (let t = r.startNs; t < r.endNs; t += windowNs) {
      windows.push({ startNs: t, endNs: t + windowNs < r.endNs ? t + windowNs : r.endNs });
    }
  }
  return windows;
}

/**
 * Where a measurement's copy starts.
 * - A cursor the destination still agrees with: the cursor (it points at the bucket that was
 *   still filling, which is recomputed).
 * - Otherwise the start of the window that holds the destination's newest point (at or
 *   before the run's clock): windows are written one after the other, so everything before
 *   that window is complete even if a run was killed in the middle of it.
 * - Nothing on the destination: the bucket of the source's oldest point (a first backup).
 * LOOKBACK moves a resumed start back; BACKUP_START is a floor.
 */
export function resumePoint(p: {
  /** A cursor the destination agrees with. */
  cursorNs?: bigint;
  destNewestNs?: bigint;
  /** Needed for a first backup. */
  sourceOldestNs?: bigint;
  lookbackNs: bigint;
  floorNs?: bigint;
  bucketNs: bigint;
  windowNs: bigint;
}): bigint {
  let start: bigint;
  if (p.cursorNs !== undefined) start = alignDown(p.cursorNs, p.bucketNs);
  // One window more: a first copy lays its windows from its shard groups' starts (windowsInGroups),
  // and the one that holds the destination's newest point starts within a window of it.
  else if (p.destNewestNs !== undefined) start = alignDown(p.destNewestNs, p.windowNs) - p.windowNs;
  else if (p.sourceOldestNs !== undefined) start = alignDown(p.sourceOldestNs, p.bucketNs);
  else throw new RangeError("a first backup needs the source's oldest point");
  const resumed = p.cursorNs !== undefined || p.destNewestNs !== undefined;
  if (resumed && p.lookbackNs > 0n) start = alignDown(start - p.lookbackNs, p.bucketNs);
  if (p.floorNs !== undefined) {
    const floor = alignDown(p.floorNs, p.bucketNs);
    if (start < floor) start = floor;
  }
  return start;
}

/**
 * The furthest a run may move its cursor: past the bucket of the newest point once that bucket
 * is over (its end is at or before `settledNs`, the run's clock less the margin), so the next
 * run reads nothing of it again; else the start of the bucket that is still filling, which the
 * next run recomputes. In raw mode (1 ns buckets) that is just after the newest point. Points
 * that arrive later for a bucket that was over are late data, found by the digests.
 */
export function cursorCeiling(newestNs: bigint, settledNs: bigint, bucketNs: bigint): bigint {
  const newestBucketEnd = alignDown(newestNs, bucketNs) + bucketNs;
  const filling = alignDown(settledNs, bucketNs);
  return newestBucketEnd < filling ? newestBucketEnd : filling;
}

/** The cursor after a window was written: its end, but never past the run's clock (less the margin). */
export function cursorAfter(window: Window, ceilingNs: bigint): bigint {
  return window.endNs < ceilingNs ? window.endNs : ceilingNs;
}

/** A window that holds data, with how much: the most values of one field, and all values. */
export interface WindowCount {
  window: Window;
  points: number;
  values: number;
}

/** A count as InfluxDB answers it (MessagePack may give int64 values as bigint). */
function toNumber(v: unknown): number {
  return typeof v === "bigint" ? Number(v) : typeof v === "number" ? v : 0;
}

/**
 * Windows of [startNs, endNs) that hold data, from the rows of a count per window (time
 * label first, then one count per field). InfluxDB may label the first interval with the
 * query's start instead of the interval's, so every label is placed by the window that holds it.
 */
export function windowsWithData(rows: unknown[][], startNs: bigint, endNs: bigint, windowNs: bigint): WindowCount[] {
  const byStart = new Map<bigint, WindowCount>();
  for (const row of rows) {
    const label = row[0];
    if (typeof label !== "string" && typeof label !== "bigint" && typeof label !== "number") continue;
    const counts = row.slice(1).map(toNumber);
    const values = counts.reduce((a, b) => a + b, 0);
    if (values === 0) continue;
    const from = alignDown(BigInt(label), windowNs);
    const window = {
      startNs: from < startNs ? startNs : from,
      endNs: from + windowNs > endNs ? endNs : from + windowNs,
    };
    if (window.startNs >= window.endNs) continue;
    const existing = byStart.get(window.startNs);
    const points = Math.max(...counts);
    if (existing) {
      existing.points += points;
      existing.values += values;
    } else byStart.set(window.startNs, { window, points, values });
  }
  return [...byStart.values()].sort((a, b) => (a.window.startNs < b.window.startNs ? -1 : 1));
}

/** Adds the window of [startNs, endNs) that holds `t` when it is missing (a point the count query cannot see). */
export function withWindowOf(
  list: WindowCount[],
  t: bigint,
  startNs: bigint,
  endNs: bigint,
  windowNs: bigint,
): WindowCount[] {
  if (t < startNs || t >= endNs || list.some((w) => w.window.startNs <= t && t < w.window.endNs)) return list;
  const from = alignDown(t, windowNs);
  const window = { startNs: from < startNs ? startNs : from, endNs: from + windowNs > endNs ? endNs : from + windowNs };
  return [...list, { window, points: 1, values: 1 }].sort((a, b) => (a.window.startNs < b.window.startNs ? -1 : 1));
}

/**
 * Consecutive windows grouped into requests, in order: a window with more than `budget`
 * values is read alone; smaller ones share a request (one statement each) up to `budget`
 * values and `maxWindows` windows. Sparse history then costs a few requests, not one per window.
 */
export function groupWindows(list: WindowCount[], budget: number, maxWindows: number): WindowCount[][] {
  const groups: WindowCount[][] = [];
  let current: WindowCount[] = [];
  let values = 0;
  for (const w of list) {
    if (current.length > 0 && (values + w.values > budget || current.length >= maxWindows)) {
      groups.push(current);
      current = [];
      values = 0;
    }
    current.push(w);
    values += w.values;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

const HOUR_NS = 3_600_000_000_000n;

/** Granularity of late-data digests: whole buckets, at least an hour, so a late point re-copies little. */
export function digestInterval(bucketNs: bigint): bigint {
  return alignUp(HOUR_NS, bucketNs);
}
