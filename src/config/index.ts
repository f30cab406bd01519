/**
 * Configuration: environment variables parsed once into a typed Config. Every problem is
 * collected and reported together, each naming its variable; secrets never leave this
 * object except as an Authorization header.
 *
 * One file per concern: server.ts (one InfluxDB server's settings, read under a prefix),
 * whatToCopy.ts, howToCopy.ts, schedule.ts, observability.ts; values.ts has shared parsers.
 */
import { ConfigError } from "../errors";
import { HOW_TO_COPY_DEFAULTS, HOW_TO_COPY_VARIABLES, parseHowToCopy, type HowToCopy } from "./howToCopy";
import {
  OBSERVABILITY_DEFAULTS,
  OBSERVABILITY_VARIABLES,
  parseObservability,
  type ObservabilitySettings,
} from "./observability";
import { SCHEDULE_DEFAULTS, SCHEDULE_VARIABLES, parseSchedule, type ScheduleSettings } from "./schedule";
import { RESTORE_DEFAULTS, RESTORE_VARIABLES, parseRestore, type RestoreSettings } from "./restore";
import { RPC_VARIABLES, parseRpc, type RpcSettings } from "./rpc";
import { parseServer, serverVariables, type ServerConfig } from "./server";
import { reader, type Env } from "./values";
import { WHAT_TO_COPY_VARIABLES, parseWhatToCopy, type WhatToCopy } from "./whatToCopy";

export { describeConfig } from "./describe";
export type { Aggregation, HowToCopy } from "./howToCopy";
export type { LogLevel, ObservabilitySettings } from "./observability";
export type { ScheduleSettings } from "./schedule";
export { SERVER_SUFFIXES, parseServer, redactUrlText, serverVariables, type ServerConfig } from "./server";
export type { Env } from "./values";
export { resolveBound, resolveRange, type DatabasePair, type TimeBound, type WhatToCopy } from "./whatToCopy";

export type { RestoreSettings } from "./restore";
export { describeAddress, type RpcAddress, type RpcSettings } from "./rpc";

export interface Config
  extends WhatToCopy, HowToCopy, ScheduleSettings, ObservabilitySettings, RestoreSettings, RpcSettings {
  source: ServerConfig;
  destination: ServerConfig;
  /** Docker network of the servers; read by docker-compose, kept here so it is documented and checked. */
  influxdbNetwork: string;
}

/** The InfluxDB servers, by the prefix of their variables (SOURCE_URL, DEST_USER, ...). */
export const SERVER_PREFIXES = ["SOURCE", "DEST"] as const;

/** Defaults, exactly as documented in README.md and .env-example. */
export const DEFAULTS = {
  ...HOW_TO_COPY_DEFAULTS,
  ...SCHEDULE_DEFAULTS,
  ...OBSERVABILITY_DEFAULTS,
  ...RESTORE_DEFAULTS,
  INFLUXDB_NETWORK: "influxdb_network",
} as const;

/** Every variable the program reads. */
export const VARIABLES: readonly string[] = [
  ...SERVER_PREFIXES.flatMap((prefix) => serverVariables(prefix)),
  ...WHAT_TO_COPY_VARIABLES,
  ...HOW_TO_COPY_VARIABLES,
  ...SCHEDULE_VARIABLES,
  ...OBSERVABILITY_VARIABLES,
  ...RESTORE_VARIABLES,
  ...RPC_VARIABLES,
  "INFLUXDB_NETWORK",
];

/** Parses the environment; throws ConfigError listing every problem. */
export function parseConfig(env: Env): Config {
  const problems: string[] = [];
  const get = reader(env);
  const source = parseServer("SOURCE", get, problems, { required: true, label: "source" });
  const destination = parseServer("DEST", get, problems, { required: true, label: "destination" });
  const config = {
    ...parseWhatToCopy(get, problems),
    ...parseHowToCopy(get, problems),
    ...parseSchedule(get, problems),
    ...parseObservability(get, problems),
    ...parseRpc(get, problems),
    influxdbNetwork: get("INFLUXDB_NETWORK") ?? DEFAULTS.INFLUXDB_NETWORK,
  };
  const { restoreTarget, restoreContinuousQueries } = parseRestore(get, problems, source);
  if (problems.length > 0 || !source || !destination || !restoreTarget || restoreContinuousQueries === undefined)
    throw new ConfigError(problems);
  return { source, destination, restoreTarget, restoreContinuousQueries, ...config };
}
