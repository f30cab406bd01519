/** Prometheus metrics of the backup runs (prom-client, a registry of our own). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Progress } from "./progress";
import type { RunRecord } from "./runSummary";
import type { RunProgressSnapshot } from "./runProgress";
import type { BackupStatus } from "./status";

/** What the metrics need of a verification's result. */
export interface VerifyOutcome {
  ok: boolean;
  mismatchedWindows: number;
}

/**
 * A gauge without labels that is absent from /metrics until it is first set: prom-client shows
 * an unset one as 0, which for "last run succeeded" or "verification passed" reads as a failure
 * (and would fire the alerts before the first run, or for a service that never verifies).
 */
class GaugeOnceSet {
  private gauge?: Gauge;

  constructor(
    private readonly registry: Registry,
    private readonly name: string,
    private readonly help: string,
  ) {}

  set(value: number): void {
    this.gauge ??= new Gauge({ name: this.name, help: this.help, registers: [this.registry] });
    this.gauge.set(value);
  }
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

  private readonly verifyOk = new GaugeOnceSet(
    this.registry,
    "influxdb_backup_verify_ok",
    "1 when the last verification found source and destination equal, 0 when not.",
  );
  private readonly verifyMismatches = new GaugeOnceSet(
    this.registry,
    "influxdb_backup_verify_mismatched_windows",
    "Windows that differed in the last verification (after repair, if enabled).",
  );
  private readonly verifyTime = new GaugeOnceSet(
    this.registry,
    "influxdb_backup_verify_timestamp_seconds",
    "Unix time of the last verification.",
  );

  private readonly lastRunSuccess = new GaugeOnceSet(
    this.registry,
    "influxdb_backup_last_run_success",
    "1 when the last finished run succeeded (or was stopped on request), 0 when it failed; absent before the first run ends.",
  );
  private readonly lastRunTime = new GaugeOnceSet(
    this.registry,
    "influxdb_backup_last_run_timestamp_seconds",
    "Unix time at which the last run ended.",
  );
  private readonly databaseLastSuccess = new Gauge({
    name: "influxdb_backup_database_last_success_timestamp_seconds",
    help: "Unix time at which the last run that copied the source database without a failure ended.",
    labelNames: ["database"],
    registers: [this.registry],
  });
  private readonly lag = new Gauge({
    name: "influxdb_backup_lag_seconds",
    help: "How far the newest copied point is behind the source's newest point at the run's time (0 when fully copied), by source database and rp.measurement.",
    labelNames: ["database", "measurement"],
    registers: [this.registry],
  });
  private readonly newestCopied = new Gauge({
    name: "influxdb_backup_newest_copied_timestamp_seconds",
    help: "Unix time of the newest point copied, by source database and rp.measurement.",
    labelNames: ["database", "measurement"],
    registers: [this.registry],
  });
  private readonly maxLag = new Gauge({
    name: "influxdb_backup_max_lag_seconds",
    help: "MAX_LAG: the lag above which status fails and InfluxdbBackupLagHigh fires (0: no lag check).",
    registers: [this.registry],
  });
  private readonly scheduleInterval = new GaugeOnceSet(
    this.registry,
    "influxdb_backup_schedule_interval_seconds",
    "Seconds between the next two scheduled runs; absent without a schedule.",
  );
  private readonly runMeasurements = new Gauge({
    name: "influxdb_backup_run_measurements",
    help: "Measurements of the current (or last) run: done and total (total estimated until every database is planned).",
    labelNames: ["state"],
    registers: [this.registry],
  });
  private readonly runPoints = new Gauge({
    name: "influxdb_backup_run_points_read",
    help: "Points read so far by the current (or last) run.",
    registers: [this.registry],
  });
  private readonly runEta = new Gauge({
    name: "influxdb_backup_run_eta_seconds",
    help: "Estimated seconds left in the current run (0 once it ended).",
    registers: [this.registry],
  });

  constructor(settings: { maxLagSeconds: number }) {
    this.maxLag.set(settings.maxLagSeconds);
    collectDefaultMetrics({ register: this.registry, prefix: "influxdb_backup_" });
    for (const outcome of ["success", "failure", "stopped"]) this.runs.inc({ outcome }, 0);
  }

  recordProgress(p: Progress): void {
    const labels = { database: p.database, measurement: `${p.retentionPolicy}.${p.measurement}` };
    this.progressWindows.set({ ...labels, state: "done" }, p.windowsDone);
    this.progressWindows.set({ ...labels, state: "total" }, p.windowsTotal);
    this.progressPoints.set(labels, p.points);
  }

  recordRunProgress(p: RunProgressSnapshot): void {
    this.runMeasurements.set({ state: "done" }, p.measurementsDone);
    this.runMeasurements.set({ state: "total" }, p.measurementsTotal);
    this.runPoints.set(p.points);
    if (p.etaMs !== undefined) this.runEta.set(p.etaMs / 1000);
  }

  setScheduleInterval(seconds: number | undefined): void {
    if (seconds !== undefined) this.scheduleInterval.set(seconds);
  }

  /** The gauges kept in the status file: the last run, each database's last success, each measurement's lag. */
  recordStatus(status: BackupStatus): void {
    const run = status.lastRun;
    if (run?.finishedAt) {
      const ended = Date.parse(run.finishedAt) / 1000;
      this.lastRunSuccess.set(run.outcome === "failure" ? 0 : 1);
      this.lastRunTime.set(ended);
    }
    if (status.lastSuccess) this.lastSuccess.set(Date.parse(status.lastSuccess) / 1000);
    this.databaseLastSuccess.reset();
    for (const [database, db] of Object.entries(status.databases)) {
      if (db.lastSuccess) this.databaseLastSuccess.set({ database }, Date.parse(db.lastSuccess) / 1000);
    }
    this.lag.reset();
    this.newestCopied.reset();
    for (const m of status.measurements) {
      const labels = { database: m.database, measurement: m.measurement };
      this.lag.set(labels, m.lagSeconds);
      this.newestCopied.set(labels, Date.parse(m.newestCopied) / 1000);
    }
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
