/** The restore target: RESTORE_* when RESTORE_URL is set, else the source; and what a restore recreates. */
import { parseServer, serverVariables, type ServerConfig } from "./server";
import { parseBool, type Get } from "./values";

export interface RestoreSettings {
  /** Where `restore` writes: RESTORE_* when RESTORE_URL is set, else the source. */
  restoreTarget: ServerConfig;
  /** `restore` recreates the continuous queries recorded with the backup. */
  restoreContinuousQueries: boolean;
}

export const RESTORE_DEFAULTS = { RESTORE_CONTINUOUS_QUERIES: "true" } as const;

export const RESTORE_VARIABLES: readonly string[] = [...serverVariables("RESTORE"), "RESTORE_CONTINUOUS_QUERIES"];

export function parseRestore(get: Get, problems: string[], source: ServerConfig | undefined): Partial<RestoreSettings> {
  const restoreContinuousQueries = parseBool(
    "RESTORE_CONTINUOUS_QUERIES",
    get("RESTORE_CONTINUOUS_QUERIES") ?? RESTORE_DEFAULTS.RESTORE_CONTINUOUS_QUERIES,
    problems,
  );
  if (get("RESTORE_URL") !== undefined) {
    const restoreTarget = parseServer("RESTORE", get, problems, { required: true, label: "restore target" });
    return { restoreTarget, restoreContinuousQueries };
  }
  const stray = serverVariables("RESTORE").filter((n) => n !== "RESTORE_TLS_VERIFY" && get(n) !== undefined);
  if (stray.length) {
    problems.push(
      `${stray.join(", ")} set without RESTORE_URL: without it, restore writes to the source (SOURCE_* settings); set RESTORE_URL too`,
    );
  }
  return { restoreTarget: source, restoreContinuousQueries };
}
