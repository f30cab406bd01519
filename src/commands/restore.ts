/** A restore wired to the copy: its data comes back through a backup run (copy/engine.ts). */
import type { Config } from "../config";
import type { CursorStore } from "../copy/cursors";
import { runBackup } from "../copy/engine";
import type { Progress } from "../observability/progress";
import type { RunSummary } from "../observability/runSummary";
import { errorMessage } from "../errors";
import type { Logger } from "../observability/logger";
import { describeMemoryPeaks, sampleMemoryPeaks } from "../observability/memoryPeaks";
import { runRestore as restoreBackup, type RestoreOptions } from "../restore/restore";
import { EXIT_BACKUP_FAILED, EXIT_OK } from "./exitCodes";
import { runOnce } from "./once";
import { createRestoreClients } from "./servers";

export interface RestoreRun extends Omit<RestoreOptions, "copyBack"> {
  cursors: CursorStore;
  onProgress?: (p: Progress) => void;
}

export function runRestore(options: RestoreRun): Promise<RunSummary> {
  const { logger, cursors, signal, now, onProgress } = options;
  return restoreBackup({
    ...options,
    copyBack: (run) => runBackup({ ...run, logger, cursors, signal, now, onProgress }),
  });
}

/** `node dist/main.js restore`: the backup copied back to the restore target, exit 0 when all came back. */
export function restoreOnce(config: Config, logger: Logger, signal: AbortSignal): Promise<number> {
  return runOnce(config, logger, {
    name: "restore",
    refusal: "restore",
    open() {
      const { backup, target, close } = createRestoreClients(config, logger);
      return {
        async run(cursors) {
          const memory = sampleMemoryPeaks();
          const summary = await runRestore({ config, backup, target, logger, cursors, signal });
          logger.debug("memory peaks during the run", describeMemoryPeaks(memory.stop()));
          return summary.ok || summary.aborted ? EXIT_OK : EXIT_BACKUP_FAILED;
        },
        failed: (err) => `restore failed: ${errorMessage(err)}`,
        close,
      };
    },
  });
}
