/**
 * The HTTP listener for Docker and Prometheus: /healthz (200 while the scheduler is alive and
 * the last run did not fail, 503 otherwise) and /metrics. It never shows configuration.
 */
import http from "node:http";
import type { RunRecord } from "./runSummary";
import type { BackupMetrics } from "./metrics";

interface RunReport {
  startedAt: string;
  finishedAt?: string;
  outcome: string;
  error?: string;
  /** The run was made by the process before a restart (kept in STATE_DIR/status.json). */
  fromEarlierProcess?: boolean;
}

export interface HealthReport {
  status: "ok" | "failing" | "stopping";
  running: boolean;
  lastRun?: RunReport;
  /** While a run is in progress (lastRun), the last one that ended. */
  previousRun?: RunReport;
  nextRun?: string;
}

/** What the listener asks of the scheduler (commands/scheduler.ts). */
export interface ScheduleState {
  readonly alive: boolean;
  readonly running: boolean;
  readonly lastRun?: RunRecord;
  readonly lastFinished?: RunRecord;
  nextRun(): Date | undefined;
}

export function healthReport(scheduler: ScheduleState): HealthReport {
  const last = scheduler.lastRun;
  const failed = last?.outcome === "failure";
  return {
    status: !scheduler.alive ? "stopping" : failed ? "failing" : "ok",
    running: scheduler.running,
    lastRun: last && runReport(last),
    ...(scheduler.lastFinished && scheduler.lastFinished !== last
      ? { previousRun: runReport(scheduler.lastFinished) }
      : {}),
    nextRun: scheduler.nextRun()?.toISOString(),
  };
}

export function startHealthServer(
  port: number,
  scheduler: ScheduleState,
  metrics: BackupMetrics,
): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET") {
      res.writeHead(405).end();
    } else if (path === "/healthz") {
      const report = healthReport(scheduler);
      res.writeHead(report.status === "ok" ? 200 : 503, { "Content-Type": "application/json" });
      res.end(JSON.stringify(report));
    } else if (path === "/metrics") {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { "Content-Type": metrics.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    } else {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found: try /healthz or /metrics\n");
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, () => resolve(server));
  });
}

function runReport(run: RunRecord): RunReport {
  return {
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt?.toISOString(),
    outcome: run.outcome,
    error: run.error,
    ...(run.fromEarlierProcess ? { fromEarlierProcess: true } : {}),
  };
}
