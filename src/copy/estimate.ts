/**
 * DRY_RUN=true: connect, plan and report what a run would copy (databases, retention
 * policies, measurements, windows, estimated points from cheap count queries) without
 * writing or creating anything.
 */
import { nsToRfc3339 } from "../influx/time";
import { measurementKey, type CopyContext } from "./context";
import { planCopy } from "./planCopy";
import type { MeasurementTarget } from "../inventory/targets";

export interface DryRunEstimate {
  windows: number;
  points: number;
  fromNs?: bigint;
  toNs?: bigint;
}

export async function estimateMeasurement(ctx: CopyContext, target: MeasurementTarget): Promise<DryRunEstimate> {
  const plan = await planCopy(ctx, target, ctx.cursors.get(measurementKey(ctx, target)), { alwaysCount: true });
  if (!plan) return { windows: 0, points: 0 };
  const windows = plan.requests.flat();
  const repairWindows = plan.repairs.flatMap((r) => [...ctx.mode.windows(r.startNs, r.endNs)]);
  return {
    windows: windows.length + repairWindows.length,
    points: windows.reduce((n, w) => n + w.points, 0),
    fromNs: plan.fromNs,
    toNs: plan.toNs,
  };
}

export function describeEstimate(e: DryRunEstimate): Record<string, unknown> {
  return {
    windows: e.windows,
    estimatedPoints: e.points,
    from: e.fromNs === undefined ? "-" : nsToRfc3339(e.fromNs),
    to: e.toNs === undefined ? "-" : nsToRfc3339(e.toNs),
  };
}
