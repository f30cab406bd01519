/**
 * The Grafana dashboard and the alerts against a real Prometheus (Debian's package) scraping a
 * fixed /metrics text that has every metric of the service: each dashboard query is valid PromQL
 * and returns data, each alert evaluates without error, and alerts fire from scraped metrics.
 */
import path from "node:path";
import { dashboard, panels, queries, queriesWithoutData } from "./dashboard";
import { BACKUP_METRICS, fixtureMetrics } from "./fixture";
import {
  MONITORING_DIR,
  serveMetrics,
  startPrometheus,
  type MetricsServer,
  type RunningPrometheus,
} from "./prometheus";

describe("the Grafana dashboard (monitoring/grafana-dashboard.json)", () => {
  it("is a dashboard of a recent schema whose panels all query the chosen Prometheus", () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.uid).toBe("influxdb-backup");
    const datasource = dashboard.templating.list.find((v) => v.type === "datasource");
    expect(datasource).toMatchObject({ name: "datasource", query: "prometheus" });
    expect(panels.length).toBeGreaterThan(10);
    expect(panels.filter((p) => (p.targets ?? []).length === 0).map((p) => p.title)).toEqual([]);
    const targets = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, ...t })));
    expect(targets.filter((t) => !t.expr?.trim()).map((t) => `${t.panel} ${t.refId}`)).toEqual([]);
    expect(targets.filter((t) => t.datasource?.uid !== "${datasource}").map((t) => `${t.panel} ${t.refId}`)).toEqual(
      [],
    );
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("shows every metric of the service", () => {
    const all = queries.map((q) => q.expr).join("\n");
    expect(BACKUP_METRICS.filter((m) => !all.includes(m))).toEqual([]);
  });
});

describe("a real Prometheus scraping every metric of the service", () => {
  let metrics: MetricsServer;
  let prometheus: RunningPrometheus;

  beforeAll(async () => {
    metrics = await serveMetrics(fixtureMetrics());
    prometheus = await startPrometheus({
      targets: [metrics.target],
      ruleFiles: [path.join(MONITORING_DIR, "alerts.yml")],
    });
    await prometheus.waitForTargetsUp();
  });

  afterAll(async () => {
    await prometheus?.stop();
    await metrics?.close();
  });

  it("answers every dashboard query with data", async () => {
    expect(await queriesWithoutData(prometheus)).toEqual([]);
  });

  it("tells an invalid query apart (so the check above can fail)", async () => {
    const answer = await prometheus.query("sum by (database (influxdb_backup_lag_seconds)");
    expect(answer.status).toBe("error");
    expect(answer.errorType).toBe("bad_data");
    const empty = await prometheus.query("influxdb_backup_no_such_metric");
    expect(empty).toMatchObject({ status: "success", data: { result: [] } });
  });

  it("loads every alert of alerts.yml, evaluates it without error and accepts its query", async () => {
    const rules = await prometheus.waitForRulesEvaluated();
    expect(rules.map((r) => r.name).sort()).toEqual([
      "InfluxdbBackupDown",
      "InfluxdbBackupFailing",
      "InfluxdbBackupLagHigh",
      "InfluxdbBackupStale",
      "InfluxdbBackupVerifyFailed",
    ]);
    for (const rule of rules) {
      expect({ rule: rule.name, health: rule.health, error: rule.lastError ?? "" }).toEqual({
        rule: rule.name,
        health: "ok",
        error: "",
      });
      expect({ rule: rule.name, status: (await prometheus.query(rule.query)).status }).toEqual({
        rule: rule.name,
        status: "success",
      });
    }
    // A healthy service: nothing active.
    expect(await prometheus.alerts()).toEqual([]);
  });

  it("raises Failing and LagHigh (naming the measurement) from what it scrapes", async () => {
    metrics.setText(fixtureMetrics({ lastRunSuccess: 0, cpuLag: 7200 }));
    const failing = await prometheus.waitForAlert("InfluxdbBackupFailing", "pending");
    expect(failing.labels).toMatchObject({ severity: "warning", job: "influxdb-backup", instance: metrics.target });
    const lag = await prometheus.waitForAlert("InfluxdbBackupLagHigh", "pending");
    expect(lag.labels).toMatchObject({ database: "telegraf", measurement: "autogen.cpu" });
    expect(lag.annotations.summary).toBe("Backup of telegraf.autogen.cpu lags 2h 0m 0s behind the source");
    // The stopped source (lag 0, newest point a year old) stays quiet.
    expect((await prometheus.alerts()).filter((a) => a.labels.database === "legacy")).toEqual([]);
  });
});
