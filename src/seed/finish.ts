/**
 * Finishing a seed, in the run that made it or in the next one after a stop: every seeded
 * shard's range is checked against the source, a range that differs is dropped on the
 * destination and copied again over HTTP, then each measurement's HTTP copy resumes where the
 * seed took over and the seed's record goes.
 */
import type { DatabasePair } from "../config";
import { nsToRfc3339 } from "../influx/time";
import type { DatabasePlan } from "../inventory/targets";
import { shardDifferences } from "./check";
import type { SeedContext } from "./context";
import type { SeedRecord } from "./record";
import { dropShard, listShards } from "./shards";

export async function finishSeed(
  ctx: SeedContext,
  pair: DatabasePair,
  plan: DatabasePlan,
  record: SeedRecord,
  key: string,
): Promise<void> {
  const { source, destination, logger, signal, hooks } = ctx;
  let copiedAgain = 0;
  for (const shard of record.shards) {
    if (signal?.aborted) return;
    const ref = (client: typeof source, db: string) => ({ client, db, rp: shard.rp, signal });
    const diffs = await shardDifferences(
      ref(source, pair.source),
      ref(destination, pair.destination),
      shard,
      record.resumeNs,
    );
    if (diffs.length === 0) continue;
    copiedAgain++;
    const where = `${pair.destination}.${shard.rp} ${nsToRfc3339(shard.startNs)} .. ${nsToRfc3339(shard.endNs)}`;
    const shown = diffs.slice(0, 3).join("; ") + (diffs.length > 3 ? `; and ${diffs.length - 3} more` : "");
    logger.info(`seeded shard ${where} differs from the source (${shown}): copying its range again over HTTP`);
    // Drop what the destination holds there (a shard is one retention policy's range), then copy it again.
    let from = shard.startNs;
    let to = shard.endNs;
    for (const held of await listShards(destination, pair.destination, signal)) {
      if (held.rp !== shard.rp || held.endNs <= shard.startNs || held.startNs >= shard.endNs) continue;
      if (held.startNs < from) from = held.startNs;
      if (held.endNs > to) to = held.endNs;
      await dropShard(destination, held.id, signal);
    }
    for (const { target } of plan.targets.filter((t) => t.rp.name === shard.rp)) {
      if (signal?.aborted) return;
      await hooks.recopy(target, from, to);
    }
  }
  if (signal?.aborted) return;
  for (const { target } of plan.targets) await hooks.resumeAt(target, record.resumeNs);
  ctx.records?.delete(key);
  logger.info(
    `seed of ${pair.source} -> ${pair.destination} checked against the source: ${record.shards.length} shard(s), ${copiedAgain} copied again over HTTP; copying what arrived since ${nsToRfc3339(record.resumeNs)} over HTTP`,
  );
}
