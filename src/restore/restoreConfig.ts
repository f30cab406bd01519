/**
 * A restore is a backup run the other way: from the backup server (DEST_*) to the restore
 * target (RESTORE_*, or the source), database pairs and renames reversed, always an exact
 * copy of what the backup holds. Pure.
 */
import type { Config } from "../config";
import { reverseSelection } from "../config/selection";

export function restoreConfig(config: Config): Config {
  return {
    ...config,
    source: config.destination,
    destination: config.restoreTarget,
    databases:
      config.databases === "all"
        ? "all"
        : config.databases.map((p) => ({ source: p.destination, destination: p.source })),
    aggregation: { mode: "raw" },
    selection: reverseSelection(config.selection),
    destRetention: undefined,
    lookbackNs: 0n,
    verifyAfterRun: false,
    schedule: undefined,
    // The backup server's snapshot service is the source, the restore target's the destination.
    rpc: { source: config.rpc.destination, destination: config.rpc.restore },
  };
}
