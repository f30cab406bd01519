/** The databases a run copies: which exist on the source, and which pairs the configuration names. */
import type { Config, DatabasePair } from "../config";
import type { InfluxClient } from "../influx/client";
import { showDatabases } from "../influx/influxql";

/** Where a backup records the source's metadata, on the destination (see metadata/). */
export const META_DB = "influxdb_backup_meta";

/** What earlier runs copied, by source: the cursor store answers it (copy/cursors.ts). */
export interface CopyHistory {
  sourceDatabases(sourceUrl: string): string[];
}

export async function databaseExists(client: InfluxClient, db: string, signal?: AbortSignal): Promise<boolean> {
  const series = await client.query(showDatabases(), { signal });
  return (series[0]?.values ?? []).some((row) => row[0] === db);
}

/** The database pairs of a run: SOURCE_DBS/DEST_DBS, or with SOURCE_DBS=* every source database but _internal and META_DB. */
export async function resolvePairs(
  config: Config,
  source: InfluxClient,
  signal?: AbortSignal,
): Promise<DatabasePair[]> {
  const series = await source.query(showDatabases(), { signal });
  const existing = new Set((series[0]?.values ?? []).map((row) => String(row[0])));
  if (config.databases === "all") {
    return [...existing]
      .filter((db) => db !== "_internal" && db !== META_DB)
      .map((db) => ({ source: db, destination: db }));
  }
  return config.databases;
}

/**
 * The source databases a run is for when the source cannot tell: those of SOURCE_DBS, or with
 * SOURCE_DBS=* those earlier runs copied (their cursors), else a description.
 */
export function intendedDatabases(config: Config, source: InfluxClient, history: CopyHistory): string[] {
  if (config.databases !== "all") return [...new Set(config.databases.map((p) => p.source))];
  const known = history.sourceDatabases(source.options.url.href);
  return known.length > 0 ? known : ["every source database (SOURCE_DBS=*)"];
}
