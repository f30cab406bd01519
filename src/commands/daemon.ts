/**
 * The backup command: the scheduled daemon, or one run when there is no schedule (and for
 * `backup`, which ignores SCHEDULE). Wires the clients, the engine, the scheduler and the
 * health/metrics listener; main.ts hands it the stop request its signals make.
 */
import type { Config } from "../config";
import { runBackup } from "../copy/engine";
import { SelfWriteError, errorMessage } from "../errors";
import { startHealthServer } from "../observability/health";
import { flushLogger, type Logger } from "../observability/logger";
import { describeMemoryPeaks, sampleMemoryPeaks } from "../observability/memoryPeaks";
import type { BackupMetrics } from "../observability/metrics";
import { EXIT_BACKUP_FAILED, EXIT_INVALID_CONFIG, EXIT_OK } from "./exitCodes";
import { logStart } from "./once";
import { Scheduler } from "./scheduler";
import { createServers } from "./servers";
import { openCursors } from "./state";
import { verifyAfterRun } from "./verify";
import { readStatus, writeStatus } from "./statusStore";
import { statusAfterRun, statusAtStart, type BackupStatus } from "../observability/status";
import type { RunRecord } from "../observability/runSummary";

/** A stop requested by a signal: `requested` settles on the first one. */
export interface StopRequest {
  requested: Promise<void>;
  readonly stopped: boolean;
}

/** `listenForStop` is called once the daemon is ready to stop gracefully. */
export async function runDaemon(config: Config, logger: Logger, listenForStop: () => StopRequest): Promise<number> {
  logStart(logger, "", config);
  const { cursors, problems } = openCursors(config);
  for (const problem of problems) logger.warning(problem);

  const servers = createServers(config, logger);
  const { source, destination } = servers;
  // prom-client (and its collectors of process metrics) only when /metrics can be read: loading
  // it costs a one-shot run ~30 ms of CPU for nothing.
  const metrics: BackupMetrics | undefined =
    config.healthPort > 0
      ? new (await import("../observability/metrics")).BackupMetrics({ maxLagSeconds: config.maxLagMs / 1000 })
      : undefined;
  // What earlier processes kept: /healthz, /metrics and the next status start from it.
  const kept = config.stateDir ? readStatus(config.stateDir) : {};
  if (kept.problem) logger.warning(`${kept.problem}; starting without the earlier runs' status`);
  let status: BackupStatus | undefined = kept.status;
  if (status) metrics?.recordStatus(status);
  let statusProblem: string | undefined;
  // A dry run copies nothing and a BACKUP_START..BACKUP_END backfill says nothing of how current
  // the backup is: neither replaces what the status file says of the regular runs.
  const recordsStatus = !config.dryRun && config.end === undefined;
  /** What the file holds now (a one-shot container may have written it since), else what this process knows. */
  const latestStatus = () => (config.stateDir ? readStatus(config.stateDir).status : undefined) ?? status;
  const keepStatus = (next: BackupStatus) => {
    status = next;
    if (!config.stateDir || !recordsStatus) return;
    const problem = writeStatus(config.stateDir, next);
    if (problem && problem !== statusProblem) logger.warning(problem);
    statusProblem = problem;
  };
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
      const summary = await runBackup({
        ...deps,
        onProgress: (p) => metrics?.recordProgress(p),
        onRunProgress: (p) => metrics?.recordRunProgress(p),
      }).catch((err: unknown) => {
        if (err instanceof SelfWriteError) {
          refused = true;
          onRefused();
        }
        throw err;
      });
      deps.logger.debug("memory peaks during the run", describeMemoryPeaks(memory.stop()));
      await verifyAfterRun(deps, summary, (verified) => metrics?.recordVerify(verified));
      return summary;
    },
    lastRun: earlierRun(status),
    onRunStarted: (record) => keepStatus(statusAtStart(latestStatus(), record.startedAt, scheduler.nextRun())),
    onRunFinished: (record) => {
      metrics?.recordRun(record);
      keepStatus(statusAfterRun(latestStatus(), record, scheduler.nextRun()));
      if (status) metrics?.recordStatus(status);
    },
  });

  let server: Awaited<ReturnType<typeof startHealthServer>> | undefined;
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

  const stop = listenForStop();
  const firstRun = scheduler.start();
  metrics?.setScheduleInterval(scheduler.intervalSeconds());
  if (config.schedule) {
    await Promise.race([stop.requested, refusal]);
  } else {
    await Promise.race([firstRun, stop.requested]);
  }
  await scheduler.stop();
  server?.close();
  servers.close();

  const last = scheduler.lastRun;
  const code = refused
    ? EXIT_INVALID_CONFIG
    : stop.stopped || config.schedule || last?.outcome !== "failure"
      ? EXIT_OK
      : EXIT_BACKUP_FAILED;
  if (stop.stopped) logger.info("stopped");
  await flushLogger(logger);
  return code;
}

/** The last finished run an earlier process kept, as the scheduler reports it until this process runs. */
function earlierRun(status: BackupStatus | undefined): RunRecord | undefined {
  const run = status?.lastRun;
  if (!run) return undefined;
  return {
    startedAt: new Date(run.startedAt),
    ...(run.finishedAt ? { finishedAt: new Date(run.finishedAt) } : {}),
    outcome: run.outcome,
    ...(run.error ? { error: run.error } : {}),
    fromEarlierProcess: true,
  };
}
