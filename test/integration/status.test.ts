/**
 * The `status` command and the state behind it (STATE_DIR/status.json), with the built program
 * against real servers: the lag after a complete and an incomplete copy, status after a failed
 * and a successful run (text and --json), read while a scheduled daemon runs, and a restarted
 * daemon that still reports the last run on /healthz and /metrics.
 */
import path from "node:path";
import type { ServerResponse } from "node:http";
import { nsToRfc3339 } from "../../src/influx/time";
import { START } from "./helpers/dataset";
import { HttpProxy } from "./helpers/httpProxy";
import { freshName, startInflux, type InfluxServer } from "./helpers/influxServer";
import { freePort, runProgram, startProgram, tempDir, waitFor, type RunningProgram } from "./helpers/program";
import { TcpProxy } from "./helpers/tcpProxy";

let source: InfluxServer;
let dest: InfluxServer;
let tmp: string;
const started: RunningProgram[] = [];
const TEN_MINUTES = 600_000_000_000n;
/** Three days of one point every 10 minutes, long ago: a source that stopped writing. */
const POINTS = 432;
const NEWEST = START + BigInt(POINTS - 1) * TEN_MINUTES;

beforeAll(async () => {
  [source, dest] = await Promise.all([startInflux(), startInflux()]);
  tmp = tempDir("influxdb-backup-status-");
});
afterEach(() => {
  for (const p of started.splice(0))
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
});
afterAll(async () => {
  await Promise.all([source?.stop(), dest?.stop()]);
});

async function sourceDatabase(): Promise<string> {
  const db = freshName("status");
  await source.queryText(`CREATE DATABASE ${db}`);
  const lines = Array.from({ length: POINTS }, (_, i) => `cpu,host=a v=${i}.5 ${START + BigInt(i) * TEN_MINUTES}`);
  await source.write(db, lines.join("\n"));
  return db;
}

function envFor(db: string, destUrl: string, name: string): Record<string, string> {
  return {
    SOURCE_URL: source.url,
    SOURCE_DBS: db,
    DEST_URL: destUrl,
    DEST_DBS: `${db}_b`,
    SOURCE_GROUP_BY: "raw",
    DAYS_OF_PAGINATION: "0.5",
    WRITE_BATCH_SIZE: "20",
    MAX_RETRIES: "0",
    LOG_FILE: path.join(tmp, `${name}.log`),
    STATE_DIR: path.join(tmp, `${name}-state`),
    HEALTH_PORT: "0",
  };
}

interface StatusJson {
  ok: boolean;
  reason: string;
  maxLagSeconds: number;
  status: {
    lastRun?: { outcome: string; pointsRead: number; pointsWritten: number; failures: { message: string }[] };
    databases: Record<string, { destination?: string; lastSuccess?: string }>;
    measurements: {
      database: string;
      measurement: string;
      lagSeconds: number;
      newestCopied: string;
      sourceNewest: string;
    }[];
  } | null;
}

async function statusJson(env: Record<string, string>): Promise<{ code: number | null; json: StatusJson }> {
  const out = await runProgram(env, ["status", "--json"]);
  return { code: out.code, json: JSON.parse(out.output) as StatusJson };
}

const iso = nsToRfc3339;

describe("status after a one-shot run", () => {
  it("reports a complete copy of a stopped source with lag 0 and exits 0", async () => {
    const db = await sourceDatabase();
    const env = envFor(db, dest.url, "complete");
    expect((await runProgram(env, ["status"])).code).toBe(1); // no run recorded yet
    const run = await runProgram(env, ["backup"]);
    expect(run.code).toBe(0);

    const text = await runProgram(env, ["status"]);
    console.log(`status after a successful run (exit ${text.code}):\n${text.output}`);
    expect(text.code).toBe(0);
    expect(text.output).toContain(`database ${db} -> ${db}_b: read ${POINTS}, wrote ${POINTS} points`);
    expect(text.output).toMatch(/\nOK: last run succeeded, no lag above MAX_LAG 1h 0m\n$/);

    const { code, json } = await statusJson(env);
    expect(code).toBe(0);
    expect(json).toMatchObject({ ok: true, maxLagSeconds: 3600 });
    expect(json.status?.lastRun).toMatchObject({
      outcome: "success",
      pointsRead: POINTS,
      pointsWritten: POINTS,
      failures: [],
    });
    expect(json.status?.measurements).toEqual([
      expect.objectContaining({
        database: db,
        measurement: "autogen.cpu",
        lagSeconds: 0,
        newestCopied: iso(NEWEST),
        sourceNewest: iso(NEWEST),
      }),
    ]);
  });

  it("reports the lag of a copy the destination broke off part-way, and exits 1 naming the failure", async () => {
    const db = await sourceDatabase();
    const proxy = await new HttpProxy(dest.url).start();
    let writes = 0;
    proxy.intercept = (e, res: ServerResponse) => {
      if (e.path !== "/write" || ++writes <= 8) return false;
      res.writeHead(503, { "Content-Type": "application/json" }).end(JSON.stringify({ error: "service unavailable" }));
      return true;
    };
    try {
      const env = envFor(db, proxy.url, "broken");
      expect((await runProgram(env, ["backup"])).code).toBe(1);

      const text = await runProgram(env, ["status"]);
      console.log(`status after a failed run (exit ${text.code}):\n${text.output}`);
      expect(text.code).toBe(1);
      const last = text.output.trim().split("\n").pop();
      expect(last).toMatch(new RegExp(`^FAILING: last run failed \\(ended [^)]+\\): ${db}\\.autogen\\.cpu: .*503`));

      const { code, json } = await statusJson(env);
      expect(code).toBe(1);
      const cpu = json.status?.measurements[0];
      expect(cpu).toMatchObject({ database: db, measurement: "autogen.cpu", sourceNewest: iso(NEWEST) });
      // Eight writes of 20 points: the copy got about a day in, two days short of the newest point.
      expect(cpu!.lagSeconds).toBeGreaterThan(86_400);
      expect(cpu!.lagSeconds).toBeLessThan(3 * 86_400);
      expect(Date.parse(cpu!.newestCopied)).toBeLessThan(Date.parse(iso(NEWEST)));
    } finally {
      await proxy.stop();
    }
  });

  it("says status needs STATE_DIR when it is none (exit 2)", async () => {
    const out = await runProgram({ ...envFor("x", dest.url, "none"), STATE_DIR: "none" }, ["status"]);
    expect(out.code).toBe(2);
    expect(out.output).toContain("status needs STATE_DIR");
  });
});

describe("status and a scheduled daemon", () => {
  it("is read while the daemon runs, and a restarted daemon reports the last run on /healthz and /metrics", async () => {
    const db = await sourceDatabase();
    const port = await freePort();
    const env = { ...envFor(db, dest.url, "daemon"), BACKUP_SCHEDULE: "*/3 * * * * *", HEALTH_PORT: String(port) };
    const daemon = startProgram(env);
    started.push(daemon);
    await daemon.waitForOutput(/backup finished/);
    const during = await runProgram(env, ["status"]);
    expect(during.code).toBe(0);
    expect(during.output).toMatch(/next run: \d{4}-/);
    daemon.child.kill("SIGTERM");
    expect((await daemon.exited).code).toBe(0);

    // Restarted with a source that never answers: its first run hangs, so what /healthz and
    // /metrics report is the run the earlier process kept.
    const u = new URL(source.url);
    const silent = await new TcpProxy(u.hostname, Number(u.port)).start();
    silent.mode = "blackhole";
    try {
      const again = startProgram({ ...env, SOURCE_URL: silent.url });
      started.push(again);
      const health = await waitFor(async () => {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`);
        type Run = { outcome: string; fromEarlierProcess?: boolean };
        const body = (await res.json()) as { lastRun?: Run; previousRun?: Run };
        // The new run shows as lastRun as soon as it starts; the earlier one is then previousRun.
        return body.previousRun ?? body.lastRun;
      }, "/healthz of the restarted daemon");
      expect(health).toMatchObject({ outcome: "success", fromEarlierProcess: true });
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toMatch(/^influxdb_backup_last_run_success 1$/m);
      expect(metrics).toContain(`influxdb_backup_lag_seconds{database="${db}",measurement="autogen.cpu"} 0`);
      expect(metrics).toMatch(/^influxdb_backup_schedule_interval_seconds 3$/m);
      expect(metrics).toMatch(/^influxdb_backup_max_lag_seconds 3600$/m);
      again.child.kill("SIGTERM");
      await again.exited;
    } finally {
      await silent.stop();
    }
  });
});
