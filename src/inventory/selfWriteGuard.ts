/**
 * Before a run writes anything: asks both servers which InfluxDB process they are (one cheap
 * read each) and refuses, with SelfWriteError, a plan that would write into what it reads.
 */
import type { Config, DatabasePair } from "../config";
import { SelfWriteError } from "../errors";
import type { InfluxClient } from "../influx/client";
import type { Logger } from "../observability/logger";
import { META_DB } from "./databases";
import { judgeSelfWrite, type PlannedWrite } from "./selfWrite";

export interface GuardPlan {
  reader: InfluxClient;
  writer: InfluxClient;
  reads: readonly string[];
  writes: readonly PlannedWrite[];
  fix: string;
}

export async function refuseSelfWrite(plan: GuardPlan, logger: Logger, signal?: AbortSignal): Promise<void> {
  const side = async (client: InfluxClient) => ({
    variable: `${client.options.envPrefix ?? client.options.role}_URL`,
    url: client.options.url.origin + client.options.url.pathname.replace(/\/+$/, ""),
    identity: await client.identify(signal),
  });
  const [reader, writer] = await Promise.all([side(plan.reader), side(plan.writer)]);
  const verdict = judgeSelfWrite({ ...plan, reader, writer });
  if (!verdict.ok) throw new SelfWriteError(verdict.message);
  logger.log(verdict.level, verdict.note);
}

/** What a backup (or a repairing verification) reads and writes: its database pairs, and the metadata record. */
export function backupPlan(
  config: Config,
  pairs: readonly DatabasePair[],
  source: InfluxClient,
  destination: InfluxClient,
  recordsMetadata: boolean,
): GuardPlan {
  const because = (p: DatabasePair) =>
    config.databases === "all" ? "SOURCE_DBS=* (every database keeps its name)" : `DEST_DBS=${p.destination}`;
  const writes: PlannedWrite[] = pairs.map((p) => ({ database: p.destination, because: because(p) }));
  if (recordsMetadata) writes.push({ database: META_DB, because: `recording the source's metadata in ${META_DB}` });
  return {
    reader: source,
    writer: destination,
    reads: pairs.map((p) => p.source),
    writes,
    fix:
      config.databases === "all"
        ? "list the databases in SOURCE_DBS with other names in DEST_DBS, or set DEST_URL to another server"
        : "set DEST_DBS to other names or DEST_URL to another server",
  };
}
