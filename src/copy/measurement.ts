/**
 * Copies one measurement of one retention policy: plan, then window by window read, write and
 * move the cursor. A window is the unit of work; a run that stops anywhere can simply be run
 * again (re-writing a window is idempotent).
 */
import { nsToRfc3339 } from "../influx/time";
import type { MeasurementTarget } from "../inventory/targets";
import { measurementKey, type CopyContext } from "./context";
import { planCopy } from "./planCopy";
import { CopyTally, emptyResult, type MeasurementResult } from "./tally";
import { copyRequest, writerFor } from "./window";

export type { MeasurementResult } from "./tally";

export async function copyMeasurement(ctx: CopyContext, target: MeasurementTarget): Promise<MeasurementResult> {
  const { logger, mode } = ctx;
  const key = measurementKey(ctx, target);
  const plan = await planCopy(ctx, target, ctx.cursors.get(key));
  if (!plan) return emptyResult();
  const where = `${target.sourceDb}.${target.rp}.${target.schema.name}`;
  if (plan.future) {
    logger.warning(
      `${where}: ${plan.future.points} point(s) are later than this run's clock, the latest at ${nsToRfc3339(plan.future.latestNs)} (a device with a wrong clock?); they are copied, and the next run still starts from now`,
    );
  }
  if (plan.repairs.length > 0) {
    logger.info(
      `${where}: late data in ${plan.repairs.length} range(s) behind the resume point (${plan.repairs.map((r) => `${nsToRfc3339(r.startNs)} .. ${nsToRfc3339(r.endNs)}`).join(", ")}); copying them again`,
    );
  }

  const writer = writerFor(ctx, target);
  const repairWindows = plan.repairs.flatMap((r) => [...mode.windows(r.startNs, r.endNs)]);
  const windowsTotal = plan.requests.reduce((n, r) => n + r.length, 0) + repairWindows.length;
  const tally = new CopyTally(ctx, target, key, plan.cursorCeilingNs, windowsTotal);
  tally.result.fromNs = plan.fromNs;
  for (const request of plan.requests) {
    await copyRequest(
      ctx,
      target,
      request.map((w) => w.window),
      writer,
      (w, stats) => tally.windowDone(w, stats, writer.takeRejections(), plan.moveCursor),
    );
  }
  for (const window of repairWindows) {
    await copyRequest(ctx, target, [window], writer, (w, s) => tally.windowDone(w, s, writer.takeRejections(), false));
  }
  const result = tally.result;
  result.beyondRetention = writer.beyondRetention;
  // Points the destination dropped were not written: the summaries count only what it kept.
  result.lines -= writer.beyondRetention;
  return result;
}
