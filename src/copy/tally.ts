/**
 * What one measurement's copy has done so far: each window written is counted into the result,
 * reported as progress, and, when the plan says so, moves the measurement's cursor.
 */
import { addStats, emptyStats, type TransformStats } from "../codec/transform";
import { nsToRfc3339 } from "../influx/time";
import type { MeasurementTarget } from "../inventory/targets";
import { ProgressReporter, describeProgress } from "../observability/progress";
import type { CopyContext } from "./context";
import { cursorAfter, type Window } from "./plan";
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

  constructor(
    private readonly ctx: CopyContext,
    private readonly target: MeasurementTarget,
    /** The measurement's cursor key. */
    private readonly key: string,
    /** The cursor never passes this (see CopyPlan.cursorCeilingNs). */
    private readonly cursorCeilingNs: bigint,
    private readonly windowsTotal: number,
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
    if (moveCursor) {
      if (window.startNs < this.cursorCeilingNs) this.checkNs = window.startNs;
      ctx.cursors.set(this.key, {
        resumeNs: cursorAfter(window, this.cursorCeilingNs),
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
