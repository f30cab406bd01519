/**
 * monitoring/ as promtool sees it: the configuration and the rules load, the rules' unit tests
 * pass, and those tests catch a broken rule (each mutation below of alerts.yml makes them fail
 * for the alert it breaks).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { MONITORING_DIR, promtool } from "./prometheus";

const ALERTS = path.join(MONITORING_DIR, "alerts.yml");

/** alerts.yml with `from` replaced by `to` inside the rule of `alert` (exactly one occurrence). */
function mutateRule(text: string, alert: string, from: string, to: string): string {
  const start = text.indexOf(`- alert: ${alert}\n`);
  if (start < 0) throw new Error(`no rule ${alert} in alerts.yml`);
  const next = text.indexOf("- alert: ", start + 1);
  const end = next < 0 ? text.length : next;
  const rule = text.slice(start, end);
  const count = rule.split(from).length - 1;
  if (count !== 1) throw new Error(`rule ${alert}: expected "${from}" once, found it ${count} times`);
  return text.slice(0, start) + rule.replace(from, to) + text.slice(end);
}

/** Runs alerts.test.yml against a copy of the rules in which `mutate` changed alerts.yml. */
async function testRulesWith(mutate: (alerts: string) => string): Promise<{ code: number; out: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ib-alerts-"));
  try {
    fs.writeFileSync(path.join(dir, "alerts.yml"), mutate(fs.readFileSync(ALERTS, "utf8")));
    fs.copyFileSync(path.join(MONITORING_DIR, "alerts.test.yml"), path.join(dir, "alerts.test.yml"));
    return await promtool(["test", "rules", "alerts.test.yml"], dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("promtool", () => {
  it("accepts monitoring/prometheus.yml and the rule file it names", async () => {
    const { code, out } = await promtool(["check", "config", "monitoring/prometheus.yml"]);
    expect(out).toContain("1 rule files found");
    expect(code).toBe(0);
  });

  it("accepts the five alerts of monitoring/alerts.yml", async () => {
    const { code, out } = await promtool(["check", "rules", "monitoring/alerts.yml"]);
    expect(out).toContain("SUCCESS: 5 rules found");
    expect(code).toBe(0);
  });

  it("refuses a rule file with invalid PromQL (so the two checks above can fail)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ib-alerts-"));
    try {
      const broken = mutateRule(
        fs.readFileSync(ALERTS, "utf8"),
        "InfluxdbBackupLagHigh",
        "on(job, instance) group_left",
        "on(job, instance) group_left(",
      );
      fs.writeFileSync(path.join(dir, "alerts.yml"), broken);
      const { code, out } = await promtool(["check", "rules", "alerts.yml"], dir);
      expect(out).toMatch(/FAILED|parse error/);
      expect(code).not.toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("passes the unit tests of every alert (monitoring/alerts.test.yml)", async () => {
    const { code, out } = await promtool(["test", "rules", "monitoring/alerts.test.yml"]);
    expect(out).toContain("SUCCESS");
    expect(code).toBe(0);
  });

  it("has unit tests for every alert of the rule file", () => {
    const alerts = [...fs.readFileSync(ALERTS, "utf8").matchAll(/- alert: (\w+)/g)].map((m) => m[1]);
    const tests = fs.readFileSync(path.join(MONITORING_DIR, "alerts.test.yml"), "utf8");
    for (const alert of alerts) {
      // A case where it fires and one where it does not.
      expect(tests).toMatch(new RegExp(`alertname: ${alert}\\n\\s+exp_alerts:\\n\\s+- exp_labels`));
      expect(tests).toMatch(new RegExp(`alertname: ${alert}\\n\\s+exp_alerts: \\[\\]`));
    }
    expect(alerts).toHaveLength(5);
  });

  // Each broken rule must fail the unit tests, and on the alert it breaks.
  const mutations: [string, string, string, string][] = [
    [
      "InfluxdbBackupFailing",
      "a success taken for a failure",
      "influxdb_backup_last_run_success == 0",
      "influxdb_backup_last_run_success == 1",
    ],
    ["InfluxdbBackupFailing", "waiting 10 minutes instead of 1", "for: 1m", "for: 10m"],
    ["InfluxdbBackupStale", "a threshold of 2 hours past two intervals", "+ 3600", "+ 7200"],
    [
      "InfluxdbBackupStale",
      "last_success = 0 (before the first success) counted from the epoch",
      "(max_over_time(influxdb_backup_last_success_timestamp_seconds[1w]) > 0)",
      "max_over_time(influxdb_backup_last_success_timestamp_seconds[1w])",
    ],
    [
      "InfluxdbBackupStale",
      "the success before a restart forgotten",
      "max_over_time(influxdb_backup_last_success_timestamp_seconds[1w])",
      "influxdb_backup_last_success_timestamp_seconds",
    ],
    [
      "InfluxdbBackupStale",
      "the time since the current process start only (a crash loop never fires)",
      "min_over_time(influxdb_backup_process_start_time_seconds[1w])",
      "influxdb_backup_process_start_time_seconds",
    ],
    [
      "InfluxdbBackupLagHigh",
      "no join with the MAX_LAG gauge",
      "> on(job, instance) group_left influxdb_backup_max_lag_seconds",
      "> influxdb_backup_max_lag_seconds",
    ],
    [
      "InfluxdbBackupLagHigh",
      "a fixed hour instead of MAX_LAG",
      "on(job, instance) group_left influxdb_backup_max_lag_seconds",
      "3600",
    ],
    [
      "InfluxdbBackupLagHigh",
      "the age of the newest copied point (a stopped source fires)",
      "influxdb_backup_lag_seconds >",
      "(time() - influxdb_backup_newest_copied_timestamp_seconds) >",
    ],
    [
      "InfluxdbBackupVerifyFailed",
      "the test inverted",
      "influxdb_backup_verify_ok == 0",
      "influxdb_backup_verify_ok != 0",
    ],
    ["InfluxdbBackupDown", "any job", 'up{job="influxdb-backup"} == 0', "up == 0"],
    ["InfluxdbBackupDown", "firing after 1 minute", "for: 5m", "for: 1m"],
  ];
  it.each(mutations)("fails the unit tests of %s when broken: %s", async (alert, _what, from, to) => {
    const { code, out } = await testRulesWith((text) => mutateRule(text, alert, from, to));
    expect(code).not.toBe(0);
    // A failed expectation on that alert, not a file promtool could not load.
    expect(out).toContain(`alertname: ${alert}`);
  });
});
