/** What a seed (src/seed/) needs of the copy: an HTTP copy of a range, and resume cursors. */
import type { DatabasePair } from "../config";
import { findNewest } from "../inventory/edges";
import type { MeasurementTarget } from "../inventory/targets";
import type { SeedContext } from "../seed/context";
import { SeedRecords } from "../seed/record";
import { measurementKey, type CopyContext } from "./context";
import { copyMeasurement } from "./measurement";
import { compileMode } from "./mode";

export function seedContext(ctx: CopyContext, pair: DatabasePair): SeedContext {
  const { config, source, destination, logger, signal, cursors } = ctx;
  return {
    config,
    source,
    destination,
    logger,
    signal,
    now: () => Date.now(),
    records: SeedRecords.beside(cursors.file),
    copiedBefore: cursors.sourceDatabases(source.options.url.href).includes(pair.source),
    hooks: {
      recopy: (target, fromNs, toNs) => recopy(ctx, target, fromNs, toNs),
      async resumeAt(target, resumeNs) {
        // The cursor is trusted while the destination holds its newest point before the resume point.
        const dst = {
          client: destination,
          db: target.destDb,
          rp: target.rp,
          measurement: target.destMeasurement,
          signal,
        };
        const newest = await findNewest(dst, resumeNs, ctx.mode.windowNs, resumeNs - 1n);
        if (newest !== undefined) cursors.set(measurementKey(ctx, target), { resumeNs, checkNs: newest });
      },
    },
  };
}

/** A backfill of [fromNs, toNs): copied whole, cursors left alone. */
async function recopy(ctx: CopyContext, target: MeasurementTarget, fromNs: bigint, toNs: bigint): Promise<void> {
  const config = { ...ctx.config, start: { absoluteNs: fromNs }, end: { absoluteNs: toNs } };
  const r = await copyMeasurement(
    { ...ctx, config, mode: compileMode(config), onReach: undefined, onWindows: undefined },
    target,
  );
  const refused = r.rejections.reduce((n, rej) => n + rej.count, 0) + r.unrepresentable;
  if (refused > 0)
    throw new Error(
      `the destination refused ${refused} point(s) of ${target.sourceDb}.${target.rp}.${target.schema.name} copied again after the seed`,
    );
}
