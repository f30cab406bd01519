/**
 * Copies one measurement of one retention policy: plan, then window by window read, write and
 * move the cursor. A window is the unit of work; a run that stops anywhere can simply be run
 * again (re-writing a window is idempotent).
 */
import { nsToRfc3339 } from "../influx/time";
import type { MeasurementTarget } from "../inventory/targets";
import { measurementKey, type CopyContext } from "./context";
import { planCopy, type CopyPlan } from "./planCopy";
import { CopyTally, emptyResult, type MeasurementResult } from "./tally";
import { copyRequest, writerFor } from "./window";
import { nothingWrittenSince, type WritesSeen } from "./quiet";
import { findNewest } from "../inventory/edges";
import { shardsOf } from "../influx/shardWrites";

export type { MeasurementResult } from "./tally";

export async function copyMeasurement(
  ctx: CopyContext,
  target: MeasurementTarget,
  /** Both servers' write counters before this database was planned (see quiet.ts). */
  writes?: WritesSeen,
): Promise<MeasurementResult> {
  const { logger, mode } = ctx;
  const key = measurementKey(ctx, target);
  const cursor = ctx.cursors.get(key);
  if (nothingWrittenSince(ctx, target, cursor, writes)) {
    // Neither server has written anything to this retention policy since the last complete copy.
    const result = { ...emptyResult(), unchanged: true };
    const reach = cursor?.quiet?.reach;
    if (reach) {
      result.reach = reach;
      ctx.onReach?.({
        database: target.sourceDb,
        destination: target.destDb,
        measurement: `${target.rp}.${target.schema.name}`,
        ...reach,
      });
    }
    return result;
  }
  // Nothing to resume from when the destination has no shard of the retention policy (a first copy).
  const destinationEmpty = writes?.destination
    ? shardsOf(writes.destination, target.destDb, target.rp).length === 0
    : false;
  const plan = await planCopy(ctx, target, cursor, { destinationEmpty });
  if (!plan) return emptyResult();
  const where = `${target.sourceDb}.${target.rp}.${target.schema.name}`;
  if (plan.future) warnFuture(ctx, where, plan.future.points, plan.future.latestNs);
  if (plan.repairs.length > 0) {
    logger.info(
      `${where}: late data in ${plan.repairs.length} range(s) behind the resume point (${plan.repairs.map((r) => `${nsToRfc3339(r.startNs)} .. ${nsToRfc3339(r.endNs)}`).join(", ")}); copying them again`,
    );
  }

  const writer = writerFor(ctx, target);
  const repairWindows = plan.repairs.flatMap((r) => [...mode.windows(r.startNs, r.endNs)]);
  const windowsTotal = plan.requests.reduce((n, r) => n + r.length, 0) + repairWindows.length;
  const fromRows = plan.fromRows && { settledNs: plan.fromRows.settledNs, fromNs: plan.fromNs };
  const tally = new CopyTally(ctx, target, key, plan.cursorCeilingNs, windowsTotal, fromRows);
  tally.result.fromNs = plan.fromNs;
  const reach = reachReporter(ctx, target, plan, tally);
  // A plan learnt from the rows reads them with the clock to watch their times against.
  const read = plan.fromRows ? { ...target, watchClockNs: plan.fromRows.clockNs } : target;
  let windowsDone = 0;
  ctx.onWindows?.(where, 0, windowsTotal);
  const done = () => ctx.onWindows?.(where, ++windowsDone, windowsTotal);
  try {
    for (const request of plan.requests) {
      await copyRequest(
        ctx,
        read,
        request.map((w) => w.window),
        writer,
        (w, stats) => {
          tally.windowDone(w, stats, writer.takeRejections(), plan.moveCursor);
          reach.afterWindow();
          done();
        },
      );
    }
  } catch (err) {
    // A first copy planned from the rows stopped part-way: the newest point is not known from
    // them, so it is asked for now, for the lag the status reports (see lag.ts).
    if (plan.fromRows && !ctx.signal?.aborted) await reach.askNewest().catch(() => undefined);
    throw err;
  }
  for (const window of repairWindows) {
    await copyRequest(ctx, target, [window], writer, (w, s) => {
      tally.windowDone(w, s, writer.takeRejections(), false);
      done();
    });
  }
  const result = tally.result;
  if (plan.fromRows && result.futureRows && result.futureLatestNs !== undefined)
    warnFuture(ctx, where, result.futureRows, result.futureLatestNs);
  result.beyondRetention = writer.beyondRetention;
  // Points the destination dropped were not written: the summaries count only what it kept.
  result.lines -= writer.beyondRetention;
  return result;
}

/** Points later than the run's clock were found (copied all the same). */
function warnFuture(ctx: CopyContext, where: string, points: number, latestNs: bigint): void {
  ctx.logger.warning(
    `${where}: ${points} point(s) are later than this run's clock, the latest at ${nsToRfc3339(latestNs)} (a device with a wrong clock?); they are copied, and the next run still starts from now`,
  );
}

/**
 * Tells ctx.onReach what the copy has reached: at once (everything before the first window to
 * copy is there already: older data was copied by earlier runs, windows in between hold none),
 * then after each window, the start of the next one (the end of the plan after the last).
 * A plan learnt from the rows knows the source's newest point only from the windows copied:
 * it tells after each window that found one. Returns the function to call after each window
 * of plan.requests, in order.
 */
function reachReporter(
  ctx: CopyContext,
  target: MeasurementTarget,
  plan: CopyPlan,
  tally: CopyTally,
): { afterWindow: () => void; askNewest: () => Promise<void> } {
  const starts = plan.requests.flatMap((r) => r.map((w) => w.window.startNs));
  let next = 0;
  const tell = (newest = plan.sourceNewestNs ?? tally.newestNs) => {
    if (newest === undefined) return;
    tally.result.reach = { sourceNewestNs: newest, copiedThroughNs: starts[next] ?? plan.toNs };
    ctx.onReach?.({
      database: target.sourceDb,
      destination: target.destDb,
      measurement: `${target.rp}.${target.schema.name}`,
      ...tally.result.reach,
    });
  };
  tell();
  return {
    afterWindow: () => {
      next++;
      tell();
    },
    askNewest: async () => {
      const src = { client: ctx.source, db: target.sourceDb, rp: target.rp, measurement: target.schema.name };
      const clock = plan.fromRows?.clockNs;
      const newest = await findNewest({ ...src, signal: ctx.signal }, ctx.nowNs, ctx.mode.windowNs, clock);
      if (newest !== undefined) tell(newest);
    },
  };
}
