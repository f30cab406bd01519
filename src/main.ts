/**
 * The only entry point: loads .env, parses the configuration, creates the logger, wires the
 * InfluxDB clients, the backup engine, the scheduler and the health/metrics listener,
 * handles signals and sets the exit code.
 * Exit codes: 0 success or clean stop, 1 a backup failed, 2 invalid configuration.
 */
import type http from "node:http";
import dotenv from "dotenv";
import { CursorStore } from "./copy/cursors";
import { intendedDatabases, runBackup } from "./copy/engine";
import { describeConfig, parseConfig, type Config } from "./config";
import { ConfigError, SelfWriteError, errorMessage } from "./influx/errors";
import { runRestore } from "./restore/restore";
import { describeMemoryPeaks, sampleMemoryPeaks } from "./observability/memoryPeaks";
import { createLogger, flushLogger, type Logger } from "./observability/logger";
import { startHealthServer } from "./observability/health";
import type { BackupMetrics } from "./observability/metrics";
import { Scheduler } from "./commands/scheduler";
import { createRestoreClients, createServers } from "./commands/servers";
import { COMMANDS, USAGE, helpText } from "./commands/usage";
import { VERSION } from "./commands/version";
import { runVerify, verifyFailures } from "./verify/verify";

export const EXIT_OK = 0;
export const EXIT_BACKUP_FAILED = 1;
export const EXIT_INVALID_CONFIG = 2;

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

async function main(): Promise<number> {
  const command = process.argv[2];
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
  // A one-shot run of a configuration whose .env also drives the scheduled daemon.
  const config = command === "backup" ? { ...parsed, schedule: undefined } : parsed;
  const logger = openLogger(config);
  if (!logger) return EXIT_INVALID_CONFIG;
  if (command === "verify") return verifyOnce(config, logger);
  if (command === "restore") return restoreOnce(config, logger);

  logger.info("influxdb-backup starting", { version: VERSION, ...describeConfig(config) });
  const { store: cursors, problem } = CursorStore.open(config.stateDir);
  if (problem) logger.warning(problem);
  const loaded = cursors.load();
  if (loaded.problem) logger.warning(loaded.problem);

  const servers = createServers(config, logger);
  const { source, destination } = servers;
  // prom-client (and its collectors of process metrics) only when /metrics can be read: loading
  // it costs a one-shot run ~30 ms of CPU for nothing.
  const metrics: BackupMetrics | undefined =
    config.healthPort > 0 ? new (await import("./observability/metrics")).BackupMetrics() : undefined;
  let runs = 0;
  // A run that would write into what it reads ends the daemon: no later run can be right either.
  let refused = false;
  let onRefused = () => {};
  const refusal = new Promise<void>((resolve) => (onRefused = resolve));
  const scheduler = new Scheduler({
    schedule: config.schedule,
    timezone: config.timezone,
    logger,
    run: async (signal) => {
      runs++;
      const deps = { config, source, destination, logger: logger.child({ run: runs }), cursors, signal };
      const memory = sampleMemoryPeaks();
      const summary = await runBackup({ ...deps, onProgress: (p) => metrics?.recordProgress(p) }).catch(
        (err: unknown) => {
          if (err instanceof SelfWriteError) {
            refused = true;
            onRefused();
          }
          throw err;
        },
      );
      deps.logger.debug("memory peaks during the run", describeMemoryPeaks(memory.stop()));
      if (config.verifyAfterRun && !summary.aborted) {
        const verified = await runVerify({ ...deps, repair: config.verifyRepair, selfWriteChecked: true });
        metrics?.recordVerify(verified);
        if (!verified.ok) {
          summary.ok = false;
          summary.failures.push(...verifyFailures(verified));
        }
      }
      return summary;
    },
    onRunFinished: (record) => metrics?.recordRun(record),
  });

  let server: http.Server | undefined;
  if (metrics) {
    try {
      server = await startHealthServer(config.healthPort, scheduler, metrics);
      logger.info(`health and metrics on :${config.healthPort} (/healthz, /metrics)`);
    } catch (err) {
      logger.error(
        `cannot listen on HEALTH_PORT ${config.healthPort}: ${errorMessage(err)}; set another port or 0 to disable`,
      );
      return EXIT_INVALID_CONFIG;
    }
  }

  let stopped = false;
  const stopRequested = new Promise<void>((resolve) => {
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

  const firstRun = scheduler.start();
  if (config.schedule) {
    await Promise.race([stopRequested, refusal]);
  } else {
    await Promise.race([firstRun, stopRequested]);
  }
  await scheduler.stop();
  server?.close();
  servers.close();

  const last = scheduler.lastRun;
  const code = refused
    ? EXIT_INVALID_CONFIG
    : stopped || config.schedule || last?.outcome !== "failure"
      ? EXIT_OK
      : EXIT_BACKUP_FAILED;
  if (stopped) logger.info("stopped");
  await flushLogger(logger);
  return code;
}

/** `node dist/main.js verify`: one verification, exit 0 when source and destination match. */
async function verifyOnce(config: Config, logger: Logger): Promise<number> {
  logger.info("influxdb-backup verify starting", { version: VERSION, ...describeConfig(config) });
  const { store: cursors } = CursorStore.open(config.stateDir);
  cursors.load();
  const servers = createServers(config, logger);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  try {
    for (const client of [servers.source, servers.destination]) await client.ping(controller.signal);
    const result = await runVerify({
      ...servers,
      config,
      logger,
      cursors,
      signal: controller.signal,
      repair: config.verifyRepair,
    });
    return result.ok ? EXIT_OK : EXIT_BACKUP_FAILED;
  } catch (err) {
    if (err instanceof SelfWriteError) {
      logger.error(`verification refused: ${err.message}`);
      return EXIT_INVALID_CONFIG;
    }
    const databases = intendedDatabases(config, servers.source, cursors);
    logger.error(`verification of ${databases.join(", ")} failed: ${errorMessage(err)}`);
    return EXIT_BACKUP_FAILED;
  } finally {
    servers.close();
    await flushLogger(logger);
  }
}

/** `node dist/main.js restore`: the backup copied back to the restore target, exit 0 when all came back. */
async function restoreOnce(config: Config, logger: Logger): Promise<number> {
  logger.info("influxdb-backup restore starting", { version: VERSION, ...describeConfig(config) });
  const { store: cursors } = CursorStore.open(config.stateDir);
  cursors.load();
  const { backup, target, close } = createRestoreClients(config, logger);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  try {
    const memory = sampleMemoryPeaks();
    const summary = await runRestore({ config, backup, target, logger, cursors, signal: controller.signal });
    logger.debug("memory peaks during the run", describeMemoryPeaks(memory.stop()));
    return summary.ok || summary.aborted ? EXIT_OK : EXIT_BACKUP_FAILED;
  } catch (err) {
    if (err instanceof ConfigError) {
      logger.error(err.message);
      return EXIT_INVALID_CONFIG;
    }
    if (err instanceof SelfWriteError) {
      logger.error(`restore refused: ${err.message}`);
      return EXIT_INVALID_CONFIG;
    }
    logger.error(`restore failed: ${errorMessage(err)}`);
    return EXIT_BACKUP_FAILED;
  } finally {
    close();
    await flushLogger(logger);
  }
}

if (require.main === module) {
  main().then(
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
