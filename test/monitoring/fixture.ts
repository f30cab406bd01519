/**
 * A fixed /metrics text with every metric the service exports (docs/monitoring.md), for checking
 * the dashboard's and the alerts' queries against a real Prometheus before the service has them.
 * Values are those of a healthy service in the middle of a run.
 */

/** Metric families the dashboard and the alerts are written against (process metrics aside). */
export const BACKUP_METRICS = [
  "influxdb_backup_runs_total",
  "influxdb_backup_points_read_total",
  "influxdb_backup_points_written_total",
  "influxdb_backup_points_dropped_total",
  "influxdb_backup_run_duration_seconds",
  "influxdb_backup_last_success_timestamp_seconds",
  "influxdb_backup_progress_windows",
  "influxdb_backup_progress_points",
  "influxdb_backup_verify_ok",
  "influxdb_backup_verify_mismatched_windows",
  "influxdb_backup_verify_timestamp_seconds",
  "influxdb_backup_last_run_success",
  "influxdb_backup_last_run_timestamp_seconds",
  "influxdb_backup_database_last_success_timestamp_seconds",
  "influxdb_backup_lag_seconds",
  "influxdb_backup_newest_copied_timestamp_seconds",
  "influxdb_backup_max_lag_seconds",
  "influxdb_backup_schedule_interval_seconds",
  "influxdb_backup_run_measurements",
  "influxdb_backup_run_points_read",
  "influxdb_backup_run_eta_seconds",
] as const;

export interface FixtureValues {
  now: number;
  lastRunSuccess: number;
  cpuLag: number;
}

export function fixtureMetrics(v: Partial<FixtureValues> = {}): string {
  const now = v.now ?? Math.floor(Date.now() / 1000);
  const lastRunSuccess = v.lastRunSuccess ?? 1;
  const cpuLag = v.cpuLag ?? 120;
  const cpu = 'database="telegraf",measurement="autogen.cpu"';
  const disk = 'database="legacy",measurement="autogen.disk"';
  return `# HELP influxdb_backup_runs_total Backup runs by outcome (success, failure, stopped).
# TYPE influxdb_backup_runs_total counter
influxdb_backup_runs_total{outcome="success"} 12
influxdb_backup_runs_total{outcome="failure"} 1
influxdb_backup_runs_total{outcome="stopped"} 0
# TYPE influxdb_backup_points_read_total counter
influxdb_backup_points_read_total{database="telegraf"} 120000
influxdb_backup_points_read_total{database="legacy"} 5000
# TYPE influxdb_backup_points_written_total counter
influxdb_backup_points_written_total{database="telegraf"} 119990
influxdb_backup_points_written_total{database="legacy"} 5000
# TYPE influxdb_backup_points_dropped_total counter
influxdb_backup_points_dropped_total{database="telegraf",reason="non_finite"} 10
influxdb_backup_points_dropped_total{database="legacy",reason="non_finite"} 0
# TYPE influxdb_backup_run_duration_seconds histogram
influxdb_backup_run_duration_seconds_bucket{le="1"} 0
influxdb_backup_run_duration_seconds_bucket{le="5"} 2
influxdb_backup_run_duration_seconds_bucket{le="15"} 10
influxdb_backup_run_duration_seconds_bucket{le="60"} 13
influxdb_backup_run_duration_seconds_bucket{le="300"} 13
influxdb_backup_run_duration_seconds_bucket{le="900"} 13
influxdb_backup_run_duration_seconds_bucket{le="3600"} 13
influxdb_backup_run_duration_seconds_bucket{le="14400"} 13
influxdb_backup_run_duration_seconds_bucket{le="43200"} 13
influxdb_backup_run_duration_seconds_bucket{le="+Inf"} 13
influxdb_backup_run_duration_seconds_sum 130
influxdb_backup_run_duration_seconds_count 13
# TYPE influxdb_backup_last_success_timestamp_seconds gauge
influxdb_backup_last_success_timestamp_seconds ${now - 300}
# TYPE influxdb_backup_progress_windows gauge
influxdb_backup_progress_windows{${cpu},state="done"} 3
influxdb_backup_progress_windows{${cpu},state="total"} 8
# TYPE influxdb_backup_progress_points gauge
influxdb_backup_progress_points{${cpu}} 4200
# TYPE influxdb_backup_verify_ok gauge
influxdb_backup_verify_ok 1
# TYPE influxdb_backup_verify_mismatched_windows gauge
influxdb_backup_verify_mismatched_windows 0
# TYPE influxdb_backup_verify_timestamp_seconds gauge
influxdb_backup_verify_timestamp_seconds ${now - 290}
# TYPE influxdb_backup_last_run_success gauge
influxdb_backup_last_run_success ${lastRunSuccess}
# TYPE influxdb_backup_last_run_timestamp_seconds gauge
influxdb_backup_last_run_timestamp_seconds ${now - 300}
# TYPE influxdb_backup_database_last_success_timestamp_seconds gauge
influxdb_backup_database_last_success_timestamp_seconds{database="telegraf"} ${now - 300}
influxdb_backup_database_last_success_timestamp_seconds{database="legacy"} ${now - 300}
# TYPE influxdb_backup_lag_seconds gauge
influxdb_backup_lag_seconds{${cpu}} ${cpuLag}
influxdb_backup_lag_seconds{${disk}} 0
# TYPE influxdb_backup_newest_copied_timestamp_seconds gauge
influxdb_backup_newest_copied_timestamp_seconds{${cpu}} ${now - 300 - cpuLag}
influxdb_backup_newest_copied_timestamp_seconds{${disk}} ${now - 365 * 86400}
# TYPE influxdb_backup_max_lag_seconds gauge
influxdb_backup_max_lag_seconds 3600
# TYPE influxdb_backup_schedule_interval_seconds gauge
influxdb_backup_schedule_interval_seconds 3600
# TYPE influxdb_backup_run_measurements gauge
influxdb_backup_run_measurements{state="done"} 1
influxdb_backup_run_measurements{state="total"} 4
# TYPE influxdb_backup_run_points_read gauge
influxdb_backup_run_points_read 4200
# TYPE influxdb_backup_run_eta_seconds gauge
influxdb_backup_run_eta_seconds 95
# TYPE influxdb_backup_process_start_time_seconds gauge
influxdb_backup_process_start_time_seconds ${now - 86400}
# TYPE influxdb_backup_process_resident_memory_bytes gauge
influxdb_backup_process_resident_memory_bytes 83886080
# TYPE influxdb_backup_nodejs_heap_size_used_bytes gauge
influxdb_backup_nodejs_heap_size_used_bytes 25165824
`;
}
