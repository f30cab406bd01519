/**
 * DRY_RUN=true: connect, plan and report what a run would copy (databases, retention
 * policies, measurements, windows, estimated points from cheap count queries) without
 * writing or creating anything.
 */
import { countValues } from "../influx/influxql";
import { nsToRfc3339 } from "../influx/time";
import { cursorKey } from "./cursors";
import { planRange, type CopyContext } from "./measurement";
import { countWindows, windowLength } from "./plan";
import type { MeasurementTarget } from "./targets";

export interface DryRunEstimate {
  windows: number;
  points: number;
  fromNs?: bigint;
  toNs?: bigint;
}

export async function estimateMeasurement(ctx: CopyContext, target: MeasurementTarget): Promise<DryRunEstimate> {
  const { config, source, destination, signal } = ctx;
  const bucketNs = config.aggregation.mode === "aggregate" ? config.aggregation.bucketNs : 1n;
  const windowNs = windowLength(config.paginationNs, bucketNs);
  const key = cursorKey({
    source: source.options.url.href,
    sourceDb: target.sourceDb,
    destination: destination.options.url.href,
    destDb: target.destDb,
    rp: target.rp,
    measurement:
      target.schema.name === target.destMeasurement
        ? target.schema.name
        : `${target.schema.name} -> ${target.destMeasurement}`,
  });
  const range = await planRange(ctx, target, key, bucketNs, windowNs);
  if (!range || range.start >= range.end) return { windows: 0, points: 0 };
  const series = await source.query(
    countValues(target.sourceDb, target.rp, target.schema.name, range.start, range.end),
    {
      db: target.sourceDb,
      signal,
    },
  );
  const row = series[0]?.values?.[0] ?? [];
  const points = Math.max(0, ...row.slice(1).map((v) => Number(v ?? 0)));
  return {
    windows: countWindows(range.start, range.end, bucketNs, windowNs),
    points,
    fromNs: range.start,
    toNs: range.end,
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
