/**
 * The only entry point: loads .env, parses the configuration, creates the logger, wires the
 * InfluxDB clients to the backup engine, handles signals and sets the exit code.
 * Exit codes: 0 success or clean stop, 1 a backup failed, 2 invalid configuration.
 */
import dotenv from "dotenv";
import { describeConfig, parseConfig, type Config } from "./config";
import { ConfigError, errorMessage } from "./errors";
import { runBackup } from "./backup/engine";
import { InfluxClient } from "./influx/client";
import { createLogger, flushLogger, type Logger } from "./logger";

export const EXIT_OK = 0;
export const EXIT_BACKUP_FAILED = 1;
export const EXIT_INVALID_CONFIG = 2;

function clients(config: Config): { source: InfluxClient; destination: InfluxClient } {
  const timeoutMs = config.timeoutMs;
  return {
    source: new InfluxClient({ role: "source", ...config.source, timeoutMs }),
    destination: new InfluxClient({ role: "destination", ...config.destination, timeoutMs }),
  };
}

async function main(): Promise<number> {
  // Real environment variables win over .env (dotenv never overrides what is set).
  dotenv.config({ quiet: true });
  let config: Config;
  try {
    config = parseConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return EXIT_INVALID_CONFIG;
    }
    throw err;
  }
  let logger: Logger;
  try {
    logger = createLogger({
      level: config.logLevel,
      file: config.logFile,
      secrets: [config.source.password, config.destination.password].filter((s): s is string => !!s),
    });
  } catch (err) {
    process.stderr.write(
      `invalid configuration:\n  - LOG_FILE=${JSON.stringify(config.logFile)}: cannot create it (${errorMessage(err)})\n`,
    );
    return EXIT_INVALID_CONFIG;
  }

  const controller = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      logger.warning(`second ${signal}: exiting now`);
      process.exit(EXIT_OK);
    }
    logger.warning(`${signal} received: stopping after the current write`);
    controller.abort();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);

  logger.info("influxdb-backup starting", describeConfig(config));
  const { source, destination } = clients(config);
  let code = EXIT_OK;
  try {
    const summary = await runBackup({ config, source, destination, logger, signal: controller.signal });
    if (controller.signal.aborted) logger.info("stopped on request");
    else code = summary.ok ? EXIT_OK : EXIT_BACKUP_FAILED;
  } catch (err) {
    logger.error(`backup failed: ${errorMessage(err)}`);
    code = EXIT_BACKUP_FAILED;
  } finally {
    source.close();
    destination.close();
  }
  await flushLogger(logger);
  return code;
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
      // A stray timer or socket must not keep a finished run alive.
      setTimeout(() => process.exit(code), 5000).unref();
    },
    (err: unknown) => {
      process.stderr.write(`fatal: ${errorMessage(err)}\n`);
      process.exit(EXIT_BACKUP_FAILED);
    },
  );
}
