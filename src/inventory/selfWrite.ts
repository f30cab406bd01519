/**
 * Whether a run may write what it plans to write: a backup, a repairing verification or a
 * restore must never write into what it reads. When the server written is the server read
 * (the same InfluxDB process, whatever the URLs say), no database written may be one read.
 * A database is compared whole, every retention policy together: whatever is written into a
 * database that is read is read back (each run reads every retention policy of its databases).
 * Pure: the identities are read by the caller.
 */
import type { IdentityAnswer, ServerIdentity } from "../influx/identity";
import { isSameProcess } from "../influx/identity";
import { nsToRfc3339 } from "../influx/time";

export interface ServerSide {
  /** The variable that names the server ("SOURCE_URL") and its value, without credentials. */
  variable: string;
  url: string;
  identity: IdentityAnswer;
}

export interface PlannedWrite {
  database: string;
  /** What makes the run write there, as the user configured it: "DEST_DBS=metrics". */
  because: string;
}

export interface SelfWritePlan {
  /** The server read, and the one written. */
  reader: ServerSide;
  writer: ServerSide;
  /** Databases read on the reader. */
  reads: readonly string[];
  writes: readonly PlannedWrite[];
  /** What the user can change, ending the refusal: "set DEST_DBS to other names or DEST_URL to another server". */
  fix: string;
}

export type SelfWriteVerdict = { ok: true; level: "debug" | "info"; note: string } | { ok: false; message: string };

export function judgeSelfWrite(plan: SelfWritePlan): SelfWriteVerdict {
  const { reader, writer } = plan;
  const both = `${reader.variable}=${reader.url} and ${writer.variable}=${writer.url}`;
  const clashes = describeClashes(plan);
  if ("identity" in reader.identity && "identity" in writer.identity) {
    const r = reader.identity.identity;
    const w = writer.identity.identity;
    if (!isSameProcess(r, w)) {
      return { ok: true, level: "debug", note: `${both} are different InfluxDB servers (${describeStarts(r, w)})` };
    }
    const same = `${both} are the same InfluxDB server (${describeSameness(r, w)})`;
    if (clashes) return { ok: false, message: `${same}; ${clashes}: ${plan.fix}` };
    return { ok: true, level: "info", note: `${same}; every database written is one it does not read` };
  }
  const why = [reader, writer]
    .flatMap((side) => ("unknown" in side.identity ? [`${side.variable}: ${side.identity.unknown}`] : []))
    .join("; ");
  const cannotTell = `cannot tell whether ${both} are the same InfluxDB server (${why})`;
  if (clashes) {
    return {
      ok: false,
      message:
        `${cannotTell}; if they are, ${clashes}: let their users read /debug/vars (an admin when ` +
        `pprof-auth-enabled is on) or run SHOW DIAGNOSTICS (an admin), or ${plan.fix}`,
    };
  }
  return { ok: true, level: "info", note: `${cannotTell}; no database written is one read, so it is safe either way` };
}

/** "DEST_DBS=metrics would write into the database metrics it reads", one clause per cause; empty when none. */
function describeClashes(plan: SelfWritePlan): string {
  const read = new Set(plan.reads);
  const byCause = new Map<string, string[]>();
  for (const w of plan.writes) {
    if (!read.has(w.database)) continue;
    const list = byCause.get(w.because) ?? [];
    if (!list.includes(w.database)) list.push(w.database);
    byCause.set(w.because, list);
  }
  return [...byCause]
    .map(
      ([because, dbs]) =>
        `${because} would write into the database${dbs.length > 1 ? "s" : ""} ${dbs.join(", ")} it reads`,
    )
    .join("; ");
}

function describeSameness(r: ServerIdentity, w: ServerIdentity): string {
  const host = r.hostname ?? w.hostname;
  const via = r.via === w.via ? r.via : `${r.via} and ${w.via}`;
  return `both report the InfluxDB process started at ${nsToRfc3339(r.startedNs)}${host ? ` on host ${host}` : ""}, in ${via}`;
}

function describeStarts(r: ServerIdentity, w: ServerIdentity): string {
  if (r.startedNs === w.startedNs)
    return `process ${r.pid ?? "?"} on ${r.hostname ?? "?"} and ${w.pid ?? "?"} on ${w.hostname ?? "?"}`;
  return `started at ${nsToRfc3339(r.startedNs)} and ${nsToRfc3339(w.startedNs)}`;
}
