/**
 * Seeding: the first raw backup of a database that the destination does not hold yet, shard
 * by shard through InfluxDB's snapshot protocol (influx/snapshotter.ts) instead of point by
 * point over HTTP, then checked (finish.ts); the HTTP copy takes over from the seed's start
 * less a margin. Anything the seed cannot do exactly is left to the HTTP copy, said in one line.
 */
import type { DatabasePair } from "../config";
import { describeAddress } from "../config";
import { describeRetention, destinationDuration } from "../config/retentionRule";
import { errorMessage } from "../errors";
import { quoteIdent } from "../influx/influxql";
import { SnapshotterClient } from "../influx/snapshotter";
import { influxqlDuration } from "../influx/time";
import { databaseExists } from "../inventory/databases";
import type { DatabasePlan } from "../inventory/targets";
import type { SeedContext } from "./context";
import { whyNotSeed } from "./eligibility";
import { finishSeed } from "./finish";
import { seedKey, type SeedRecord } from "./record";
import { listShards, type ShardInfo } from "./shards";

/** Points written this long before the seed began may still reach the source late: the HTTP copy goes over them again. */
export const SEED_MARGIN_NS = 5n * 60n * 1_000_000_000n;

/** Finishes a seed an earlier run began, or seeds the pair when it can; returns having done nothing otherwise. */
export async function seedDatabase(ctx: SeedContext, pair: DatabasePair, plan: DatabasePlan): Promise<void> {
  const { config, source, destination, logger, signal, records } = ctx;
  const key = seedKey(source.options.url.href, pair.source, destination.options.url.href, pair.destination);
  const pending = records?.get(key);
  const { source: from, destination: to } = config.rpc;
  if (!pending && (!from || !to)) return; // off, the default: not a single request more
  const exists = await databaseExists(destination, pair.destination, signal);
  if (pending && exists) {
    logger.info(
      `completing the seed of ${pair.source} -> ${pair.destination} that an earlier run began: checking its ${pending.shards.length} shard(s) against the source`,
    );
    return finishSeed(ctx, pair, plan, pending, key);
  }
  if (pending) records?.delete(key); // stopped before the destination changed: nothing to finish
  if (!from || !to || plan.targets.length === 0) return;
  const why =
    whyNotSeed(config, records !== undefined) ?? (exists ? "the destination database exists already" : undefined);
  if (why) {
    const say = exists && ctx.copiedBefore ? logger.debug.bind(logger) : logger.info.bind(logger);
    say(`not seeding ${pair.source} -> ${pair.destination} through the RPC port: ${why}; copying over HTTP`);
    return;
  }
  const rpcSource = new SnapshotterClient(from, "source", config.timeoutMs);
  const rpcDestination = new SnapshotterClient(to, "destination", config.timeoutMs);
  logger.info(
    `seeding ${pair.source} -> ${pair.destination} through InfluxDB's RPC snapshot protocol (${describeAddress(from)} -> ${describeAddress(to)}); that port has no authentication and must stay on a private network`,
  );
  const began = ctx.now();
  const record: SeedRecord = { resumeNs: BigInt(began) * 1_000_000n - SEED_MARGIN_NS, shards: [] };
  let metadata: Buffer;
  let shards: ShardInfo[];
  try {
    metadata = await rpcSource.metastoreBackup(signal);
    shards = await listShards(source, pair.source, signal);
  } catch (err) {
    if (signal?.aborted) return;
    logger.info(`not seeding ${pair.source}: ${errorMessage(err)}; copying over HTTP`);
    return;
  }
  record.shards = shards.map(({ rp, startNs, endNs }) => ({ rp, startNs, endNs }));
  records?.set(key, record); // before the destination changes: a run stopped from here on is finished by the next
  let ids: Map<bigint, bigint>;
  try {
    ids = await rpcDestination.importMetadata(metadata, pair.source, pair.destination, signal);
  } catch (err) {
    if (signal?.aborted) return;
    if (!(await databaseExists(destination, pair.destination, signal))) {
      records?.delete(key);
      logger.info(`not seeding ${pair.source}: ${errorMessage(err)}; copying over HTTP`);
      return;
    }
    // The import happened but its answer was lost: the check finds every shard empty and copies it.
    logger.warning(`the seed of ${pair.destination} lost the shard IDs (${errorMessage(err)}); copying over HTTP`);
    ids = new Map();
  }
  await applyDestRetention(ctx, pair, [...new Set(shards.map((s) => s.rp))]);
  const streamed = await streamShards(ctx, rpcSource, rpcDestination, pair, shards, ids);
  if (signal?.aborted) return;
  logger.info(
    `seeded ${pair.source} -> ${pair.destination}: ${streamed} of ${shards.length} shard(s) streamed in ${((ctx.now() - began) / 1000).toFixed(1)}s; checking them against the source`,
  );
  await finishSeed(ctx, pair, plan, record, key);
}

/** Streams the shards, a few at a time; a shard that fails is left to the check. Returns how many went through. */
async function streamShards(
  ctx: SeedContext,
  from: SnapshotterClient,
  to: SnapshotterClient,
  pair: DatabasePair,
  shards: ShardInfo[],
  ids: Map<bigint, bigint>,
): Promise<number> {
  const { logger, signal } = ctx;
  let streamed = 0;
  const queue = [...shards];
  const worker = async () => {
    for (let shard = queue.shift(); shard && !signal?.aborted; shard = queue.shift()) {
      const toId = ids.get(shard.id);
      if (toId === undefined) continue;
      try {
        const { renamed } = await to.copyShard(from, shard.id, { db: pair.destination, rp: shard.rp, toId }, signal);
        logger.debug(`seeded shard ${shard.id} of ${pair.source} as shard ${toId}`, { rp: shard.rp, files: renamed });
        streamed++;
      } catch (err) {
        if (signal?.aborted) return;
        logger.warning(
          `shard ${shard.id} of ${pair.source} could not be streamed (${errorMessage(err)}); the check copies its range over HTTP`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(ctx.config.concurrency, 4)) }, worker));
  return streamed;
}

/** DEST_RETENTION for the retention policies the seed created (they come with the source's durations). */
async function applyDestRetention(ctx: SeedContext, pair: DatabasePair, policies: string[]): Promise<void> {
  const { config, destination, logger, signal } = ctx;
  for (const rp of policies) {
    const ns = destinationDuration(config.destRetention, rp);
    if (ns === undefined) continue;
    const duration = ns === 0n ? "INF" : influxqlDuration(ns);
    const statement = `ALTER RETENTION POLICY ${quoteIdent(rp)} ON ${quoteIdent(pair.destination)} DURATION ${duration}`;
    try {
      await destination.query(statement, { db: pair.destination, signal });
      logger.info(`retention policy ${rp} on ${pair.destination} keeps data ${describeRetention(ns)} (DEST_RETENTION)`);
    } catch (err) {
      logger.warning(
        `DEST_RETENTION for ${pair.destination}.${rp} could not be applied (${errorMessage(err)}): ${statement} does it`,
      );
    }
  }
}
