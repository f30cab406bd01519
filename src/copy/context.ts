/** What a copy runs with: its clients, logger, cursors, clock and the compiled copy mode. */
import type { Config } from "../config";
import type { InfluxClient } from "../influx/client";
import type { Logger } from "../observability/logger";
import type { Progress } from "../observability/progress";
import type { CopyReach } from "../observability/lag";
import type { MeasurementTarget } from "../inventory/targets";
import { cursorKey, type CursorStore } from "./cursors";
import { compileMode, type CopyMode } from "./mode";
import { shardGroupLookup, type ShardGroupLookup } from "../inventory/shardGroups";

export interface CopyContext {
  config: Config;
  /** The copy mode, compiled once for the run. */
  mode: CopyMode;
  source: InfluxClient;
  destination: InfluxClient;
  logger: Logger;
  signal?: AbortSignal;
  /** Concurrent write requests per measurement. */
  writeConcurrency: number;
  cursors: CursorStore;
  /** When this run started, for bounds relative to it (BACKUP_START=-30d). */
  nowNs: bigint;
  /** Told about progress at PROGRESS_INTERVAL (for metrics). */
  onProgress?: (p: Progress) => void;
  /** Told what a measurement's copy has reached: once planned, then after each window written in order. */
  onReach?: (r: CopyReach) => void;
  /** Told that a measurement's plan is known (how many windows), and of each window written; `where` is "db.rp.measurement". */
  onWindows?: (where: string, done: number, total: number) => void;
  /** The source's shard groups of a retention policy (SHOW SHARDS, asked once a run), for planning first copies. */
  shardGroups?: ShardGroupLookup;
}

/** What a backup or a verification runs with. */
export interface RunDeps {
  config: Config;
  source: InfluxClient;
  destination: InfluxClient;
  logger: Logger;
  cursors: CursorStore;
  signal?: AbortSignal;
  /** The clock, in milliseconds since the epoch (tests pass their own). */
  now?: () => number;
  onProgress?: (p: Progress) => void;
  /** The caller has already made sure the run writes nothing it reads (see inventory/selfWriteGuard.ts). */
  selfWriteChecked?: boolean;
}

/** The context a run copies in: its clients, logger, cursors and clock. */
export function copyContext(o: RunDeps): CopyContext {
  return {
    ...o,
    mode: compileMode(o.config),
    shardGroups: shardGroupLookup(o.source, o.logger, o.signal),
    writeConcurrency: o.config.writeConcurrency,
    nowNs: BigInt(o.now?.() ?? Date.now()) * 1_000_000n,
  };
}

/** The cursor key of a measurement: its source and destination, renames included. */
export function measurementKey(ctx: CopyContext, target: MeasurementTarget): string {
  const name = target.schema.name;
  return cursorKey({
    source: ctx.source.options.url.href,
    sourceDb: target.sourceDb,
    destination: ctx.destination.options.url.href,
    destDb: target.destDb,
    rp: target.rp,
    measurement: name === target.destMeasurement ? name : `${name} -> ${target.destMeasurement}`,
  });
}
