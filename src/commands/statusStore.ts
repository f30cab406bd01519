/**
 * STATE_DIR/status.json: read by `status` and by the daemon at start, written (temp file, then
 * rename, so a reader never sees half a file) as each run starts and when it ends.
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { errorMessage } from "../errors";
import type { BackupStatus } from "../observability/status";

export const STATUS_FILE = "status.json";

export function statusPath(stateDir: string): string {
  return path.join(stateDir, STATUS_FILE);
}

/** The status kept in `stateDir`: undefined when there is none yet; `problem` when the file cannot be read. */
export function readStatus(stateDir: string): { status?: BackupStatus; problem?: string } {
  const file = statusPath(stateDir);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
    return { problem: `cannot read ${file}: ${errorMessage(err)}` };
  }
  try {
    const status = JSON.parse(text) as BackupStatus;
    if (typeof status !== "object" || status === null || !Array.isArray(status.measurements))
      return { problem: `${file} is not a status file` };
    return { status };
  } catch (err) {
    return { problem: `${file} is damaged (${errorMessage(err)})` };
  }
}

/** Replaces the status file atomically; the problem when it cannot (the run goes on without it). */
export function writeStatus(stateDir: string, status: BackupStatus): string | undefined {
  const file = statusPath(stateDir);
  // A name of its own: the daemon and a one-shot container share the folder, and both run as PID 1.
  const tmp = `${file}.${randomUUID()}.tmp`;
  try {
    fs.mkdirSync(stateDir, { recursive: true });
    fs.writeFileSync(tmp, `${JSON.stringify(status, null, 2)}\n`);
    fs.renameSync(tmp, file);
    return undefined;
  } catch (err) {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // STATE_DIR is no folder at all: there is no temporary file to remove either.
    }
    return `cannot write ${file}: ${errorMessage(err)}; \`status\` and a restarted service will not know this run`;
  }
}
