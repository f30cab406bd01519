/** Verification wired to the copy: its mode and, with VERIFY_REPAIR, the copy of a window again. */
import type { Config } from "../config";
import { copyContext, type RunDeps } from "../copy/context";
import { copyWindowAgain } from "../copy/window";
import { errorMessage } from "../errors";
import { intendedDatabases } from "../inventory/databases";
import type { Logger } from "../observability/logger";
import type { RunSummary } from "../observability/runSummary";
import { runVerify as verifyBackup, verifyFailures, type VerifyResult } from "../verify/verify";
import { EXIT_BACKUP_FAILED, EXIT_OK } from "./exitCodes";
import { runOnce } from "./once";
import { createServers } from "./servers";

export interface VerifyRun extends RunDeps {
  /** Copy the windows that differ again. */
  repair: boolean;
}

export async function runVerify(options: VerifyRun): Promise<VerifyResult> {
  const ctx = copyContext(options);
  return verifyBackup({
    ...options,
    history: options.cursors,
    mode: ctx.mode,
    repairWindow: (target, window) => copyWindowAgain(ctx, target, window),
  });
}

/** `node dist/main.js verify`: one verification, exit 0 when source and destination match. */
export function verifyOnce(config: Config, logger: Logger, signal: AbortSignal): Promise<number> {
  return runOnce(config, logger, {
    name: "verify",
    refusal: "verification",
    open() {
      const servers = createServers(config, logger);
      return {
        async run(cursors) {
          for (const client of [servers.source, servers.destination]) await client.ping(signal);
          const result = await runVerify({ ...servers, config, logger, cursors, signal, repair: config.verifyRepair });
          return result.ok ? EXIT_OK : EXIT_BACKUP_FAILED;
        },
        failed: (err, cursors) =>
          `verification of ${intendedDatabases(config, servers.source, cursors).join(", ")} failed: ${errorMessage(err)}`,
        close: () => servers.close(),
      };
    },
  });
}

/**
 * VERIFY_AFTER_RUN: a verification after a backup run that was not stopped; what it finds
 * makes the run a failure (each measurement that differs, each database it could not check).
 */
export async function verifyAfterRun(
  deps: RunDeps,
  summary: RunSummary,
  onVerified?: (result: VerifyResult) => void,
): Promise<void> {
  if (!deps.config.verifyAfterRun || summary.aborted) return;
  // A repairing verification checks again that it does not write into what it reads: the run it
  // follows may have failed before its own check, and SOURCE_DBS=* may list other databases now.
  const verified = await runVerify({ ...deps, repair: deps.config.verifyRepair });
  onVerified?.(verified);
  if (!verified.ok) {
    summary.ok = false;
    summary.failures.push(...verifyFailures(verified));
  }
}
