/**
 * The only entry point: argv -> command -> exit code. Loads .env, parses the configuration,
 * creates the logger, hands over to the command (commands/), and owns what belongs to the
 * process: signals, the exit code and the hard-exit timers.
 * Exit codes: 0 success or clean stop, 1 a backup failed, 2 invalid configuration.
 */
import dotenv from "dotenv";
import { parseConfig, type Config } from "./config";
import { runDaemon, type StopRequest } from "./commands/daemon";
import { EXIT_BACKUP_FAILED, EXIT_INVALID_CONFIG, EXIT_OK } from "./commands/exitCodes";
import { restoreOnce } from "./commands/restore";
import { statusCommand } from "./commands/status";
import { COMMANDS, USAGE, helpText } from "./commands/usage";
import { verifyOnce } from "./commands/verify";
import { VERSION } from "./commands/version";
import { ConfigError, errorMessage } from "./errors";
import { createLogger, type Logger } from "./observability/logger";

export { EXIT_BACKUP_FAILED, EXIT_INVALID_CONFIG, EXIT_OK };

/** After the first stop signal the process exits within this time even if a write hangs. */
const STOP_GRACE_MS = 8000;

function loadConfig(): Config | number {
  // Real environment variables win over .env (dotenv never overrides what is set).
  dotenv.config({ quiet: true });
  try {
    return parseConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return EXIT_INVALID_CONFIG;
    }
    throw err;
  }
}

function openLogger(config: Config): Logger | undefined {
  try {
    return createLogger({
      level: config.logLevel,
      file: config.logFile,
      secrets: [config.source.password, config.destination.password, config.restoreTarget.password].filter(
        (s): s is string => !!s,
      ),
    });
  } catch (err) {
    process.stderr.write(
      `invalid configuration:\n  - LOG_FILE=${JSON.stringify(config.logFile)}: cannot create it (${errorMessage(err)})\n`,
    );
    return undefined;
  }
}

/** The daemon's stop: the first signal stops after the writes in flight (within STOP_GRACE_MS), the second at once. */
function stopOnSignals(logger: Logger): StopRequest {
  let stopped = false;
  const requested = new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        logger.warning(`second ${signal}: exiting now`);
        process.exit(EXIT_OK);
      }
      stopped = true;
      logger.info(`${signal} received: stopping after the writes in flight (send it again to exit at once)`);
      setTimeout(() => process.exit(EXIT_OK), STOP_GRACE_MS).unref();
      resolve();
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
  return {
    requested,
    get stopped() {
      return stopped;
    },
  };
}

/** A one-shot command's stop: a signal aborts what it is doing. */
function abortOnSignal(): AbortSignal {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  return controller.signal;
}

async function main(argv: string[]): Promise<number> {
  const command = argv[0];
  // Help and version need no configuration: they answer before .env is read.
  if (command === "help" || command === "--help" || command === "-h") {
    process.stdout.write(helpText(VERSION));
    return EXIT_OK;
  }
  if (command === "--version" || command === "-v") {
    process.stdout.write(`${VERSION}\n`);
    return EXIT_OK;
  }
  if (command !== undefined && !(COMMANDS as readonly string[]).includes(command)) {
    process.stderr.write(`unknown command "${command}"\n${USAGE}`);
    return EXIT_INVALID_CONFIG;
  }
  const parsed = loadConfig();
  if (typeof parsed === "number") return parsed;
  if (command === "status") {
    // Reads the status file only: no logger (it would write to LOG_FILE), no server.
    const out = statusCommand(parsed, argv.slice(1).includes("--json"));
    process.stdout.write(out.stdout);
    process.stderr.write(out.stderr);
    return out.code;
  }
  // A one-shot run of a configuration whose .env also drives the scheduled daemon.
  const config = command === "backup" ? { ...parsed, schedule: undefined } : parsed;
  const logger = openLogger(config);
  if (!logger) return EXIT_INVALID_CONFIG;
  if (command === "verify") return verifyOnce(config, logger, abortOnSignal());
  if (command === "restore") return restoreOnce(config, logger, abortOnSignal());
  return runDaemon(config, logger, () => stopOnSignals(logger));
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
      // A stray timer or socket must not keep a finished process alive.
      setTimeout(() => process.exit(code), 3000).unref();
    },
    (err: unknown) => {
      process.stderr.write(`fatal: ${errorMessage(err)}\n`);
      process.exit(EXIT_BACKUP_FAILED);
    },
  );
}
