/**
 * The real service under a real Prometheus: the built daemon (`node dist/main.js`, a schedule
 * every 2 s, /metrics on a free loopback port) backs up a real InfluxDB into another through a
 * proxy the test can break. Every dashboard panel's query returns data once the service has run,
 * and breaking the destination raises InfluxdbBackupFailing (alerts.yml, its `for:` shortened).
 */
import fs from "node:fs";
import path from "node:path";
import { START } from "../integration/helpers/dataset";
import { HttpProxy } from "../integration/helpers/httpProxy";
import { freshName, startInflux, type InfluxServer } from "../integration/helpers/influxServer";
import { startProgram, tempDir, type RunningProgram } from "../integration/helpers/program";
import { queriesWithoutData } from "./dashboard";
import { MONITORING_DIR, freePort, startPrometheus, type RunningPrometheus } from "./prometheus";

let source: InfluxServer;
let dest: InfluxServer;
let destProxy: HttpProxy;
let service: RunningProgram;
let prometheus: RunningPrometheus;
let broken = false;

beforeAll(async () => {
  [source, dest] = await Promise.all([startInflux(), startInflux()]);
  destProxy = await new HttpProxy(dest.url).start();
  destProxy.intercept = (_e, res) => {
    if (!broken) return false;
    res.writeHead(503, { "Content-Type": "application/json" }).end(JSON.stringify({ error: "service unavailable" }));
    return true;
  };
  const db = freshName("monitored");
  await source.queryText(`CREATE DATABASE ${db}`);
  const lines = Array.from({ length: 300 }, (_, i) => `cpu,host=a v=${i}.5 ${START + BigInt(i) * 600_000_000_000n}`);
  await source.write(db, lines.join("\n"));

  const tmp = tempDir("influxdb-backup-monitored-");
  const port = await freePort();
  service = startProgram({
    SOURCE_URL: source.url,
    SOURCE_DBS: db,
    DEST_URL: destProxy.url,
    DEST_DBS: `${db}_b`,
    SOURCE_GROUP_BY: "raw",
    BACKUP_SCHEDULE: "*/2 * * * * *",
    VERIFY_AFTER_RUN: "true",
    MAX_RETRIES: "0",
    HEALTH_PORT: String(port),
    LOG_FILE: path.join(tmp, "backup.log"),
    STATE_DIR: path.join(tmp, "state"),
  });
  await service.waitForOutput(/backup finished:/);

  // alerts.yml as shipped, but Failing pending after 1 s of failure instead of firing after 1 m.
  const rules = path.join(tmp, "alerts.yml");
  fs.writeFileSync(
    rules,
    fs.readFileSync(path.join(MONITORING_DIR, "alerts.yml"), "utf8").replace(/for: 1m/g, "for: 5s"),
  );
  prometheus = await startPrometheus({
    targets: [`127.0.0.1:${port}`],
    ruleFiles: [rules],
    scrapeInterval: "1s",
    evaluationInterval: "1s",
  });
  await prometheus.waitForTargetsUp();
});

afterAll(async () => {
  await prometheus?.stop();
  if (service && service.child.exitCode === null && service.child.signalCode === null) {
    service.child.kill("SIGTERM");
    await service.exited;
  }
  await destProxy?.stop();
  await Promise.all([source?.stop(), dest?.stop()]);
});

describe("Prometheus scraping the running service", () => {
  it("answers every dashboard panel's query with data", async () => {
    expect(await queriesWithoutData(prometheus)).toEqual([]);
  });

  it("raises InfluxdbBackupFailing once the destination breaks", async () => {
    expect((await prometheus.alerts()).filter((a) => a.labels.alertname === "InfluxdbBackupFailing")).toEqual([]);
    broken = true;
    const alert = await prometheus.waitForAlert("InfluxdbBackupFailing", "firing", {}, 60_000);
    const answer = await (await fetch(`${prometheus.url}/api/v1/alerts`)).json();
    console.log(`/api/v1/alerts with the destination broken:\n${JSON.stringify(answer, null, 2)}`);
    expect(alert.labels).toMatchObject({ severity: "warning", job: "influxdb-backup" });
    expect(alert.value).toBe("0e+00");
  });
});
