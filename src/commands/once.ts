/**
 * The one way a command runs once and exits (verify, restore): its start line, the cursors, the
 * run, the exit code its outcome gives, the clients closed and the logger flushed.
 */
import { describeConfig, type Config } from "../config";
import type { CursorStore } from "../copy/cursors";
import { ConfigError, SelfWriteError } from "../errors";
import { flushLogger, type Logger } from "../observability/logger";
import { EXIT_BACKUP_FAILED, EXIT_INVALID_CONFIG } from "./exitCodes";
import { openCursors } from "./state";
import { VERSION } from "./version";

export interface OnceCommand {
  /** "verify", "restore": named in the start line. */
  name: string;
  /** What a refusal to write into what it reads is called ("verification", "restore"). */
  refusal: string;
  /** Creates the command's clients. */
  open(): OpenCommand;
}

export interface OpenCommand {
  /** Runs the command; its exit code. */
  run(cursors: CursorStore): Promise<number>;
  /** The error line of a failure the run did not handle. */
  failed(err: unknown, cursors: CursorStore): string;
  /** Closes the command's clients. */
  close(): void;
}

export async function runOnce(config: Config, logger: Logger, command: OnceCommand): Promise<number> {
  logStart(logger, command.name, config);
  const { cursors } = openCursors(config);
  const open = command.open();
  try {
    return await open.run(cursors);
  } catch (err) {
    if (err instanceof ConfigError) {
      logger.error(err.message);
      return EXIT_INVALID_CONFIG;
    }
    if (err instanceof SelfWriteError) {
      logger.error(`${command.refusal} refused: ${err.message}`);
      return EXIT_INVALID_CONFIG;
    }
    logger.error(open.failed(err, cursors));
    return EXIT_BACKUP_FAILED;
  } finally {
    open.close();
    await flushLogger(logger);
  }
}

/** The start line of a command. */
export function logStart(logger: Logger, name: string, config: Config): void {
  logger.info(`influxdb-backup${name ? ` ${name}` : ""} starting`, { version: VERSION, ...describeConfig(config) });
}
