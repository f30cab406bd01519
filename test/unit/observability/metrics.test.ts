import { BackupMetrics } from "../../../src/observability/metrics";

const exposition = (m: BackupMetrics) => m.registry.metrics();
const sample = (text: string, name: string) => new RegExp(`^${name}(\\{[^}]*\\})? `, "m").test(text);

describe("the metrics a service exports before anything happened", () => {
  it("leaves out the last run's outcome, the verification and the schedule until they are known", async () => {
    const metrics = new BackupMetrics({ maxLagSeconds: 3600 });
    const text = await exposition(metrics);
    // prom-client shows an unset gauge as 0: for these, 0 means "failed", and would fire the alerts.
    for (const name of [
      "influxdb_backup_last_run_success",
      "influxdb_backup_last_run_timestamp_seconds",
      "influxdb_backup_verify_ok",
      "influxdb_backup_verify_mismatched_windows",
      "influxdb_backup_verify_timestamp_seconds",
      "influxdb_backup_schedule_interval_seconds",
    ])
      expect([name, sample(text, name)]).toEqual([name, false]);
    expect(text).toMatch(/^influxdb_backup_max_lag_seconds 3600$/m);
  });

  it("shows each once it is set", async () => {
    const metrics = new BackupMetrics({ maxLagSeconds: 0 });
    metrics.setScheduleInterval(86_400);
    metrics.recordVerify({ ok: false, mismatchedWindows: 2 }, 1_700_000_000_000);
    const text = await exposition(metrics);
    expect(text).toMatch(/^influxdb_backup_schedule_interval_seconds 86400$/m);
    expect(text).toMatch(/^influxdb_backup_verify_ok 0$/m);
    expect(text).toMatch(/^influxdb_backup_verify_mismatched_windows 2$/m);
  });
});
