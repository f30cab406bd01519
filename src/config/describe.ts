/** What may be logged of the configuration: everything but passwords. */
import { formatDuration } from "../influx/time";
import { paginationDays, type HowToCopy } from "./howToCopy";
import type { ObservabilitySettings } from "./observability";
import type { ScheduleSettings } from "./schedule";
import { describeRule } from "./retentionRule";
import type { RestoreSettings } from "./restore";
import { describeAddress, type RpcSettings } from "./rpc";
import { describeServer, type ServerConfig } from "./server";
import { describeBound, describeSelection, type WhatToCopy } from "./whatToCopy";

/** A Config, spelled out here so that this file does not import index.ts, which re-exports it. */
type Described = WhatToCopy &
  HowToCopy &
  ScheduleSettings &
  ObservabilitySettings &
  RestoreSettings &
  RpcSettings & { source: ServerConfig; destination: ServerConfig };

export function describeConfig(config: Described): Record<string, unknown> {
  return {
    source: describeServer(config.source),
    destination: describeServer(config.destination),
    ...(config.restoreTarget !== config.source ? { restoreTarget: describeServer(config.restoreTarget) } : {}),
    databases:
      config.databases === "all"
        ? "all except _internal"
        : config.databases.map((d) => `${d.source} -> ${d.destination}`),
    aggregation: config.aggregation.mode === "raw" ? "raw (exact copy)" : `mean/last per ${config.aggregation.bucket}`,
    measurements: describeSelection(config.selection),
    timeoutSeconds: config.timeoutMs / 1000,
    paginationDays: paginationDays(config.paginationNs),
    writeBatchSize: config.writeBatchSize,
    writeConcurrency: config.writeConcurrency,
    concurrency: config.concurrency,
    logFile: config.logFile,
    logLevel: config.logLevel,
    schedule: config.schedule ? `${config.schedule} (${config.timezone})` : "(none: run once)",
    healthPort: config.healthPort || "(disabled)",
    stateDir: config.stateDir ?? "(none)",
    retries: `${config.maxRetries}, from ${config.retryBaseDelayMs}ms`,
    lookback: formatDuration(config.lookbackNs),
    lateDataHorizon: config.lateDataHorizonNs > 0n ? formatDuration(config.lateDataHorizonNs) : "(off)",
    ...(config.destRetention ? { destRetention: describeRule(config.destRetention) } : {}),
    ...(config.start ? { start: describeBound(config.start) } : {}),
    ...(config.end ? { end: describeBound(config.end) } : {}),
    ...(config.dryRun ? { dryRun: true } : {}),
    ...Object.fromEntries(
      Object.entries(config.rpc)
        .filter(([, a]) => a !== undefined)
        .map(([server, a]) => [`${server}Rpc`, describeAddress(a)]),
    ),
    ...(config.verifyAfterRun ? { verifyAfterRun: true, verifyRepair: config.verifyRepair } : {}),
  };
}
