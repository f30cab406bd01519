/** Prometheus metrics of the backup runs (prom-client, a registry of our own). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Progress } from "./progress";
import type { RunRecord } from "./runSummary";

/** What the metrics need of a verification's result. */
export interface VerifyOutcome {
  ok: boolean;
  mismatchedWindows: number;
}

export class BackupMetrics {
  readonly registry = new Registry();
  private readonly runs = new Counter({
    name: "influxdb_backup_runs_total",
    help: "Backup runs by outcome (success, failure, stopped).",
    labelNames: ["outcome"],
    registers: [this.registry],
  });
  private readonly read = new Counter({
    name: "influxdb_backup_points_read_total",
    help: "Rows read from the source, by source database.",
    labelNames: ["database"],
    registers: [this.registry],
  });
  private readonly written = new Counter({
    name: "influxdb_backup_points_written_total",
    help: "Lines written to the destination, by source database.",
    labelNames: ["database"],
    registers: [this.registry],
  });
  private readonly dropped = new Counter({
    name: "influxdb_backup_points_dropped_total",
    help: "Values left out, by source database and reason (non_finite: NaN or Infinity).",
    labelNames: ["database", "reason"],
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: "influxdb_backup_run_duration_seconds",
    help: "Duration of backup runs.",
    buckets: [1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 12 * 3600],
    registers: [this.registry],
  });
  private readonly lastSuccess = new Gauge({
    name: "influxdb_backup_last_success_timestamp_seconds",
    help: "Unix time at which the last successful run finished.",
    registers: [this.registry],
  });

  private readonly progressWindows = new Gauge({
    name: "influxdb_backup_progress_windows",
    help: "Windows of the measurement being copied: done and total.",
    labelNames: ["database", "measurement", "state"],
    registers: [this.registry],
  });
  private readonly progressPoints = new Gauge({
    name: "influxdb_backup_progress_points",
    help: "Points read so far from the measurement being copied.",
    labelNames: ["database", "measurement"],
    registers: [this.registry],
  });

  private readonly verifyOk = new Gauge({
    name: "influxdb_backup_verify_ok",
    help: "1 when the last verification found source and destination equal, 0 when not.",
    registers: [this.registry],
  });
  private readonly verifyMismatches = new Gauge({
    name: "influxdb_backup_verify_mismatched_windows",
    help: "Windows that differed in the last verification (after repair, if enabled).",
    registers: [this.registry],
  });
  private readonly verifyTime = new Gauge({
    name: "influxdb_backup_verify_timestamp_seconds",
    help: "Unix time of the last verification.",
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "influxdb_backup_" });
    for (const outcome of ["success", "failure", "stopped"]) this.runs.inc({ outcome }, 0);
  }

  recordProgress(p: Progress): void {
    const labels = { database: p.database, measurement: `${p.retentionPolicy}.${p.measurement}` };
    this.progressWindows.set({ ...labels, state: "done" }, p.windowsDone);
    this.progressWindows.set({ ...labels, state: "total" }, p.windowsTotal);
    this.progressPoints.set(labels, p.points);
  }

  recordVerify(result: VerifyOutcome, now = Date.now()): void {
    this.verifyOk.set(result.ok ? 1 : 0);
    this.verifyMismatches.set(result.mismatchedWindows);
    this.verifyTime.set(now / 1000);
  }

  recordRun(record: RunRecord): void {
    this.runs.inc({ outcome: record.outcome === "running" ? "failure" : record.outcome });
    if (record.finishedAt) this.duration.observe((record.finishedAt.getTime() - record.startedAt.getTime()) / 1000);
    if (record.outcome === "success" && record.finishedAt) this.lastSuccess.set(record.finishedAt.getTime() / 1000);
    for (const [database, t] of Object.entries(record.summary?.perDatabase ?? {})) {
      this.read.inc({ database }, t.read);
      this.written.inc({ database }, t.written);
      this.dropped.inc({ database, reason: "non_finite" }, t.nonFiniteDropped);
    }
  }
}
