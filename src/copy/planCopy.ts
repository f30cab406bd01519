/**
 * What one run copies of one measurement, planned from where the data is:
 * - the resume point: the cursor when the destination still holds what it recorded, else the
 *   window of the destination's newest point (never one later than the run's clock), else
 *   the source's oldest point (a first backup);
 * - from there on, only the windows that hold data (one count query), grouped so that sparse
 *   history costs a few requests;
 * - behind the resume point, over LATE_DATA_HORIZON, the intervals whose digests differ (late data);
 * - points later than the run's clock are copied, reported, and never move the cursor.
 */
import { countAfter, countPerInterval } from "../influx/influxql";
import { influxqlDuration } from "../influx/time";
import type { Cursor } from "./cursors";
import { edgeTime, findNewest, type MeasurementRef } from "../inventory/edges";
import { findLateData } from "./lateData";
import type { CopyContext } from "./context";
import type { ShardGroup } from "../inventory/shardGroups";
import {
  alignDown,
  cursorCeiling,
  groupWindows,
  windowsInGroups,
  resumePoint,
  windowsWithData,
  withWindowOf,
  type Window,
  type WindowCount,
} from "./plan";
import type { MeasurementTarget } from "../inventory/targets";

/** Clocks disagree a little: points up to this far ahead are not "in the future", and a cursor stays this far behind. */
export const CLOCK_MARGIN_NS = 60_000_000_000n;
/** Values one request may read when it carries several windows. */
const REQUEST_BUDGET = 20_000;
/** Statements in one request. */
const MAX_WINDOWS_PER_REQUEST = 100;
/** Up to this many windows, every window is read without counting first. */
const BELOW_COUNTING = 4n;

export interface CopyPlan {
  /** Requests in time order, each a run of consecutive windows that hold data. */
  requests: WindowCount[][];
  /** Ranges behind the resume point whose digests differ from the destination's (late data). */
  repairs: Window[];
  /** False for an explicit BACKUP_START..BACKUP_END backfill, which leaves the cursors alone. */
  moveCursor: boolean;
  /** The cursor never passes this: the end of the newest point's bucket once it is over, else the bucket still filling (see cursorCeiling). */
  cursorCeilingNs: bigint;
  /** Points later than the run's clock (plus the margin): how many values, and the latest. */
  future?: { points: number; latestNs: bigint };
  /** The planned range, for logs. */
  fromNs: bigint;
  toNs: bigint;
  /** The source's newest point at or before the run's clock (what the lag is measured against); not for a backfill. */
  sourceNewestNs?: bigint;
  /**
   * A first copy planned from the shard groups: the source's newest point (and points later
   * than the clock) are learnt from the rows copied, and the cursor's ceiling follows them
   * (CopyTally); `clockNs` is the run's clock plus the margin, `settledNs` less it.
   */
  fromRows?: { clockNs: bigint; settledNs: bigint };
}

export async function planCopy(
  ctx: CopyContext,
  target: MeasurementTarget,
  cursor: Cursor | undefined,
  options: {
    /** Count the points of every window (a dry run reports them), however few the windows. */
    alwaysCount?: boolean;
    /** The destination's statistics list no shard of the retention policy: it holds nothing to resume from. */
    destinationEmpty?: boolean;
  } = {},
): Promise<CopyPlan | undefined> {
  const { alwaysCount = false, destinationEmpty = false } = options;
  const { source, destination, signal, config, nowNs, mode } = ctx;
  const { bucketNs, windowNs } = mode;
  const src: MeasurementRef = {
    client: source,
    db: target.sourceDb,
    rp: target.rp,
    measurement: target.schema.name,
    signal,
  };
  const dst: MeasurementRef = {
    client: destination,
    db: target.destDb,
    rp: target.rp,
    measurement: target.destMeasurement,
    signal,
  };
  const clock = nowNs + CLOCK_MARGIN_NS;
  const { floorNs: floor, ceilingNs: ceiling } = mode.bounds(nowNs);

  if (ceiling !== undefined) {
    // An explicit range (a backfill): copied whole, whatever the destination holds.
    const oldest = floor ?? (await edgeTime(src, "asc"));
    if (oldest === undefined) return undefined;
    const start = alignDown(oldest, bucketNs);
    const requests = await windowsToCopy(ctx, src, start, ceiling, [oldest], alwaysCount);
    return { requests, repairs: [], moveCursor: false, cursorCeilingNs: start, fromNs: start, toNs: ceiling };
  }

  // Where the copy resumes: a cursor the destination agrees with, else the destination's newest point.
  const resumed =
    destinationEmpty && !cursor ? undefined : await resumeOnDestination(dst, cursor, nowNs, windowNs, clock);
  if (!resumed && !alwaysCount) {
    // A first copy: from the shard groups, if the server lists them.
    const groups = await ctx.shardGroups?.(src.db, src.rp);
    if (groups) return firstCopyFromGroups(ctx, groups, floor, clock);
  }
  // Independent questions, asked at the same time: the source's oldest point for a first backup,
  // its newest point at or before the clock, and points later than the clock.
  const [start, newest, future] = await Promise.all([
    resumed ??
      edgeTime(src, "asc").then((t): ResumeFrom | undefined => (t === undefined ? undefined : { sourceOldestNs: t })),
    findNewest(src, nowNs, windowNs, clock),
    futurePoints(ctx, src, clock),
  ]);
  if (!start) return undefined;
  const first = start.cursorNs === undefined && start.destNewestNs === undefined;
  const resume = resumePoint({
    ...start,
    lookbackNs: config.lookbackNs,
    floorNs: floor,
    bucketNs,
    windowNs,
  });

  // Up to the newest point (nothing lies between it and the clock), or to the latest point in the future.
  const end = future ? future.latestNs + 1n : newest !== undefined ? newest + 1n : resume;
  const requests = await windowsToCopy(
    ctx,
    src,
    resume,
    end,
    [start.sourceOldestNs, newest, future?.latestNs],
    alwaysCount,
  );
  // The cursor stops after the bucket of the newest point at or before the clock, or at the
  // bucket still filling (recomputed next time), and never passes the clock less the margin,
  // whatever a device's clock says.
  const settled = nowNs - CLOCK_MARGIN_NS;
  const limit = newest === undefined ? resume : cursorCeiling(newest, settled, bucketNs);
  const cursorCeilingNs = limit > resume ? limit : resume;

  let repairs: Window[] = [];
  if (!first && config.lateDataHorizonNs > 0n) {
    // Behind the resume point, not behind the clock: a measurement whose devices all went quiet
    // two weeks ago still gets the points they upload late (what follows the resume point is
    // copied anyway).
    let from = alignDown(resume - config.lateDataHorizonNs, mode.digestIntervalNs);
    if (floor !== undefined && from < floor) from = floor;
    repairs = await findLateData(ctx, target, from, resume);
  }
  return {
    requests,
    repairs,
    moveCursor: true,
    cursorCeilingNs,
    future,
    fromNs: resume,
    toNs: end,
    ...(newest !== undefined ? { sourceNewestNs: newest } : {}),
  };
}

/** What the resume point is computed from (see resumePoint). */
interface ResumeFrom {
  cursorNs?: bigint;
  destNewestNs?: bigint;
  sourceOldestNs?: bigint;
}

/**
 * Where a copy that has begun resumes: a cursor the destination still agrees with (it holds
 * data from the cursor's check point on), else the destination's newest point at or before the
 * clock; undefined when nothing was copied yet.
 */
async function resumeOnDestination(
  dst: MeasurementRef,
  cursor: Cursor | undefined,
  nowNs: bigint,
  windowNs: bigint,
  clock: bigint,
): Promise<ResumeFrom | undefined> {
  if (cursor && (await edgeTime(dst, "desc", cursor.checkNs ?? cursor.resumeNs, clock)) !== undefined) {
    return { cursorNs: cursor.resumeNs };
  }
  // No cursor, or the destination no longer holds what it recorded (restored from an older copy).
  const destNewestNs = await findNewest(dst, nowNs, windowNs, clock);
  return destNewestNs === undefined ? undefined : { destNewestNs };
}

/**
 * A first copy planned from what the server already knows: every window over a shard group of
 * the retention policy, from the oldest group's start (or BACKUP_START) to the newest group's
 * end. Nothing asks the server for the data's edges (each such question opens a cursor per
 * series and field of every shard it touches); the rows copied tell the newest point, and
 * those later than the clock, as they come.
 */
function firstCopyFromGroups(
  ctx: CopyContext,
  groups: ShardGroup[],
  floor: bigint | undefined,
  clock: bigint,
): CopyPlan | undefined {
  const { bucketNs, windowNs } = ctx.mode;
  const first = groups[0];
  const last = groups[groups.length - 1];
  if (!first || !last) return undefined;
  let start = alignDown(first.startNs, bucketNs);
  if (floor !== undefined && start < floor) start = floor;
  const end = last.endNs;
  if (start >= end) return undefined;
  // After the window that holds the clock, one window to the newest group's end: nothing there
  // moves the cursor (it never passes the clock), and each window asks for a cursor per series.
  const windows = windowsInGroups(groups, start, end, bucketNs, windowNs);
  const after = windows.findIndex((w) => w.startNs > clock);
  if (after >= 0 && after < windows.length - 1) {
    const last = windows[windows.length - 1] as Window;
    windows.splice(after, windows.length - after, { startNs: (windows[after] as Window).startNs, endNs: last.endNs });
  }
  // Up to MAX_WINDOWS_PER_REQUEST windows a request, read one after the other: twenty years of
  // weekly shard groups cost a few requests; a request that breaks is repeated from its first
  // window not yet done (window.ts).
  const requests: WindowCount[][] = [];
  for (let i = 0; i < windows.length; i += MAX_WINDOWS_PER_REQUEST) {
    requests.push(windows.slice(i, i + MAX_WINDOWS_PER_REQUEST).map((window) => ({ window, points: 0, values: 0 })));
  }
  return {
    requests,
    repairs: [],
    moveCursor: true,
    cursorCeilingNs: start,
    fromNs: start,
    toNs: end,
    fromRows: { clockNs: clock, settledNs: ctx.nowNs - CLOCK_MARGIN_NS },
  };
}

/**
 * The windows of [startNs, endNs) to read, grouped into requests: all of them when they are
 * few (reading an empty window costs less than counting them all first, which reads every
 * point), else those that hold data; `known` are times known to hold points.
 */
async function windowsToCopy(
  ctx: CopyContext,
  src: MeasurementRef,
  startNs: bigint,
  endNs: bigint,
  known: (bigint | undefined)[],
  alwaysCount: boolean,
): Promise<WindowCount[][]> {
  const { windowNs } = ctx.mode;
  if (startNs >= endNs) return [];
  if (!alwaysCount && (alignDown(endNs - 1n, windowNs) - alignDown(startNs, windowNs)) / windowNs < BELOW_COUNTING) {
    return [...ctx.mode.windows(startNs, endNs)].map((window) => [{ window, points: 0, values: 0 }]);
  }
  const query = countPerInterval(src.db, src.rp, src.measurement, influxqlDuration(windowNs), startNs, endNs);
  const series = await src.client.query(query, { db: src.db, signal: src.signal });
  let windows = windowsWithData(series[0]?.values ?? [], startNs, endNs, windowNs);
  // InfluxDB's count cannot see points at the very edges of its time range: add their windows.
  for (const t of known) if (t !== undefined) windows = withWindowOf(windows, t, startNs, endNs, windowNs);
  return groupWindows(windows, REQUEST_BUDGET, MAX_WINDOWS_PER_REQUEST);
}

/** Points later than `clock`: how many and the latest time, or undefined when there are none. */
async function futurePoints(
  ctx: CopyContext,
  src: MeasurementRef,
  clock: bigint,
): Promise<{ points: number; latestNs: bigint } | undefined> {
  const latestNs = await edgeTime(src, "desc", clock + 1n);
  if (latestNs === undefined) return undefined;
  const series = await src.client.query(countAfter(src.db, src.rp, src.measurement, clock), {
    db: src.db,
    signal: ctx.signal,
  });
  const row = series[0]?.values?.[0] ?? [];
  const points = Math.max(1, ...row.slice(1).map((v) => Number(v ?? 0)));
  return { points, latestNs };
}
