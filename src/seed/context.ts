/** What a seed runs with; the copy engine (copy/seedHooks.ts) hands it the HTTP copy it needs. */
import type { Config } from "../config";
import type { InfluxClient } from "../influx/client";
import type { MeasurementTarget } from "../inventory/targets";
import type { Logger } from "../observability/logger";
import type { SeedRecords } from "./record";

export interface SeedHooks {
  /** Copies [fromNs, toNs) of a measurement over HTTP whatever the destination holds; cursors stay as they are. */
  recopy(target: MeasurementTarget, fromNs: bigint, toNs: bigint): Promise<void>;
  /** Makes the measurement's next HTTP copy resume at `resumeNs`. */
  resumeAt(target: MeasurementTarget, resumeNs: bigint): Promise<void>;
}

export interface SeedContext {
  config: Config;
  source: InfluxClient;
  destination: InfluxClient;
  logger: Logger;
  signal?: AbortSignal;
  /** The clock, in milliseconds since the epoch. */
  now: () => number;
  /** Undefined when STATE_DIR is not writable: then nothing is seeded. */
  records?: SeedRecords;
  /** Earlier runs copied this pair (its cursors): a destination database that exists is then no news. */
  copiedBefore: boolean;
  hooks: SeedHooks;
}
