/**
 * InfluxDB's RPC (snapshot) addresses, host:port: SOURCE_RPC_ADDRESS and DEST_RPC_ADDRESS let a
 * first raw backup be seeded at disk speed, RESTORE_RPC_ADDRESS (with DEST_RPC_ADDRESS) a
 * restore. Empty or unset: off, the default. The port has no authentication, so it is off
 * unless the user names it.
 */
import type { Get } from "./values";

export interface RpcAddress {
  host: string;
  port: number;
}

export interface RpcSettings {
  /** Where each server's snapshot service listens (INFLUXDB_BIND_ADDRESS on the server). */
  rpc: { source?: RpcAddress; destination?: RpcAddress; restore?: RpcAddress };
}

export const RPC_VARIABLES: readonly string[] = ["SOURCE_RPC_ADDRESS", "DEST_RPC_ADDRESS", "RESTORE_RPC_ADDRESS"];

export function parseRpc(get: Get, problems: string[]): RpcSettings {
  const read = (name: string) => parseAddress(name, get(name), problems);
  return {
    rpc: {
      source: read("SOURCE_RPC_ADDRESS"),
      destination: read("DEST_RPC_ADDRESS"),
      restore: read("RESTORE_RPC_ADDRESS"),
    },
  };
}

/** "influxdb:8088" or "[::1]:8088"; undefined when empty. */
export function parseAddress(name: string, raw: string | undefined, problems: string[]): RpcAddress | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  const m = /^(?:\[([^\]]+)\]|([^:/\s]+)):(\d{1,5})$/.exec(raw.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port < 1 || port > 65535) {
    problems.push(
      `${name}=${JSON.stringify(raw)}: expected host:port of InfluxDB's RPC service (its bind-address), e.g. influxdb:8088`,
    );
    return undefined;
  }
  return { host: (m[1] ?? m[2]) as string, port };
}

export function describeAddress(a: RpcAddress): string {
  return a.host.includes(":") ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
