/**
 * Which InfluxDB process answers at an address. InfluxDB 1.x has no server ID over HTTP, but
 * it reports the instant its process started, to the nanosecond: in the `system` section that
 * opens GET /debug/vars (no authentication unless pprof-auth-enabled is on, then an admin), and
 * in SHOW DIAGNOSTICS (admin when authentication is on), which also gives the PID and the host
 * name. Two addresses whose servers started at the same nanosecond are one server, whatever the
 * URLs say (another host name, localhost or 127.0.0.1, a proxy in between). Pure: parsing.
 */
import type { Series } from "../codec/response";
import { rfc3339ToNs } from "./time";

export interface ServerIdentity {
  /** When the InfluxDB process started, in nanoseconds since the epoch. */
  startedNs: bigint;
  pid?: number;
  hostname?: string;
  /** Where it was read: "/debug/vars" or "SHOW DIAGNOSTICS". */
  via: string;
}

/** A server's identity, or why it could not be read. */
export type IdentityAnswer = { identity: ServerIdentity } | { unknown: string };

/** The `"system": {…}` object that /debug/vars opens with, found in the first bytes of the answer. */
const SYSTEM_SECTION = /"system"\s*:\s*(\{[^{}]*\})/;

/** The identity in the opening of a /debug/vars answer; undefined until the system section is complete. */
export function identityFromDebugVars(opening: string): ServerIdentity | undefined {
  const m = SYSTEM_SECTION.exec(opening);
  if (!m) return undefined;
  const system = JSON.parse(m[1] as string) as { started?: unknown };
  if (typeof system.started !== "string") throw new Error('its "system" section has no "started" time');
  return { startedNs: rfc3339ToNs(system.started), via: "/debug/vars" };
}

/** The identity in the answer to SHOW DIAGNOSTICS (times arrive as nanosecond text or RFC3339). */
export function identityFromDiagnostics(series: Series[]): ServerIdentity {
  const cell = (name: string, column: string): unknown => {
    const s = series.find((x) => x.name === name);
    const i = s?.columns.indexOf(column) ?? -1;
    return i < 0 ? undefined : s?.values?.[0]?.[i];
  };
  const started = cell("system", "started");
  if (typeof started !== "string") throw new Error('its "system" section has no "started" time');
  const pid = cell("system", "PID");
  const hostname = cell("network", "hostname");
  return {
    startedNs: /^-?\d+$/.test(started) ? BigInt(started) : rfc3339ToNs(started),
    pid: typeof pid === "number" || typeof pid === "bigint" ? Number(pid) : undefined,
    hostname: typeof hostname === "string" ? hostname : undefined,
    via: "SHOW DIAGNOSTICS",
  };
}

/** The same InfluxDB process: the same start instant, and the same PID and host name where both sides know them. */
export function isSameProcess(a: ServerIdentity, b: ServerIdentity): boolean {
  const agree = <T>(x: T | undefined, y: T | undefined) => x === undefined || y === undefined || x === y;
  return a.startedNs === b.startedNs && agree(a.pid, b.pid) && agree(a.hostname, b.hostname);
}
