/**
 * What one measurement's copy has done so far: each window written is counted into the result,
 * reported as progress, and, when the plan says so, moves the measurement's cursor.
 */
import { addStats, emptyStats, later, type TransformStats } from "../codec/transform";
import { nsToRfc3339 } from "../influx/time";
import type { MeasurementTarget } from "../inventory/targets";
import { ProgressReporter, describeProgress } from "../observability/progress";
import type { CopyContext } from "./context";
import { cursorAfter, cursorCeiling, type Window } from "./plan";
import type { Rejection } from "./writer";

export interface MeasurementResult extends TransformStats {
  windows: number;
  /** Points the destination refused, by reason and window. */
  rejections: (Rejection & { window: Window })[];
  /** Points the destination dropped as older than its retention policy. */
  beyondRetention: number;
  /** First and last instant copied, when anything was. */
  fromNs?: bigint;
  toNs?: bigint;
  /** What the copy reached, as last told (see measurement.ts). */
  reach?: { sourceNewestNs: bigint; copiedThroughNs: bigint };
  /** Skipped: neither server has written to its retention policy since the last complete copy (quiet.ts). */
  unchanged?: boolean;
}

export function emptyResult(): MeasurementResult {
  return { ...emptyStats(), windows: 0, rejections: [], beyondRetention: 0 };
}

export class CopyTally {
  readonly result = emptyResult();
  private readonly progress: ProgressReporter;
  /** The last window that holds points before the cursor's ceiling: the destination must still hold data from there on. */
  private checkNs: bigint | undefined;
  /** With a plan learnt from the rows: the source's newest point at or before the clock, so far. */
  newestNs: bigint | undefined;

  constructor(
    private readonly ctx: CopyContext,
    private readonly target: MeasurementTarget,
    /** The measurement's cursor key. */
    private readonly key: string,
    /** The cursor never passes this (see CopyPlan.cursorCeilingNs). */
    private readonly cursorCeilingNs: bigint,
    private readonly windowsTotal: number,
    /** A first copy planned from shard groups: the ceiling follows the newest row copied (CopyPlan.fromRows). */
    private readonly fromRows?: { settledNs: bigint; fromNs: bigint },
  ) {
    const { config, logger } = ctx;
    const where = `${target.sourceDb}.${target.rp}.${target.schema.name}`;
    this.checkNs = ctx.cursors.get(key)?.checkNs;
    this.progress = new ProgressReporter(config.progressIntervalMs, Date.now, (p) => {
      // Short copies need no progress lines; their summary says it all.
      if (p.windowsDone < p.windowsTotal || p.elapsedMs >= config.progressIntervalMs) {
        logger.info(`progress ${where}: ${describeProgress(p)}`);
      }
      ctx.onProgress?.(p);
    });
  }

  /** A window was written (its writes acknowledged), with the destination's refusals since the last one. */
  windowDone(window: Window, stats: TransformStats, refused: Rejection[], moveCursor: boolean): void {
    const { ctx, result, target } = this;
    for (const r of refused) result.rejections.push({ ...r, window });
    let ceiling = this.cursorCeilingNs;
    if (this.fromRows) {
      const { settledNs, fromNs } = this.fromRows;
      if (stats.newestNs !== undefined) this.newestNs = later(this.newestNs, stats.newestNs);
      const limit = this.newestNs === undefined ? fromNs : cursorCeiling(this.newestNs, settledNs, ctx.mode.bucketNs);
      ceiling = limit > fromNs ? limit : fromNs;
    }
    if (moveCursor) {
      const holdsPoints = this.fromRows ? stats.newestNs !== undefined : window.startNs < ceiling;
      if (holdsPoints) this.checkNs = window.startNs;
      ctx.cursors.set(this.key, {
        resumeNs: cursorAfter(window, ceiling),
        ...(this.checkNs !== undefined ? { checkNs: this.checkNs } : {}),
      });
    }
    result.windows++;
    if (result.toNs === undefined || window.endNs > result.toNs) result.toNs = window.endNs;
    addStats(result, stats);
    this.progress.update({
      database: target.sourceDb,
      retentionPolicy: target.rp,
      measurement: target.schema.name,
      windowsDone: result.windows,
      windowsTotal: this.windowsTotal,
      points: result.rows,
    });
    ctx.logger.debug(`window ${nsToRfc3339(window.startNs)} .. ${nsToRfc3339(window.endNs)} copied`, {
      measurement: target.schema.name,
      read: stats.rows,
      written: stats.lines,
    });
  }
}
