/**
 * The `status` command: reads STATE_DIR/status.json (what the daemon and one-shot runs keep) and
 * tells how the last run went and how far each measurement lags; it never contacts the servers,
 * so it answers while they are down. Exit 0 all well, 1 failed run / lag above MAX_LAG / no run
 * recorded, 2 when there is nothing it can read (STATE_DIR=none, or an unreadable file).
 */
import type { Config } from "../config";
import { decideStatus, renderStatus, type StatusJson } from "../observability/statusReport";
import { EXIT_BACKUP_FAILED, EXIT_INVALID_CONFIG, EXIT_OK } from "./exitCodes";
import { readStatus } from "./statusStore";

export interface StatusOutput {
  stdout: string;
  stderr: string;
  code: number;
}

export function statusCommand(config: Pick<Config, "stateDir" | "maxLagMs">, json: boolean): StatusOutput {
  if (!config.stateDir) {
    return {
      stdout: "",
      stderr: "status needs STATE_DIR: with STATE_DIR=none the service keeps no status to read\n",
      code: EXIT_INVALID_CONFIG,
    };
  }
  const { status, problem } = readStatus(config.stateDir);
  if (problem) return { stdout: "", stderr: `${problem}\n`, code: EXIT_INVALID_CONFIG };
  const verdict = decideStatus(status, config.maxLagMs, Date.now());
  const code = verdict.ok ? EXIT_OK : EXIT_BACKUP_FAILED;
  if (json) {
    const answer: StatusJson = { ...verdict, maxLagSeconds: config.maxLagMs / 1000, status: status ?? null };
    return { stdout: `${JSON.stringify(answer, null, 2)}\n`, stderr: "", code };
  }
  return { stdout: renderStatus(status, verdict), stderr: "", code };
}
