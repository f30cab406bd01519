/**
 * The scheduled daemon as users run it (`node dist/main.js` with BACKUP_SCHEDULE): /healthz and
 * /metrics after its runs, what a stop signal does in the middle of a run, and a STATE_DIR it
 * cannot write. Real servers; the slow source is a real one behind a TCP proxy that trickles.
 */
import fs from "node:fs";
import path from "node:path";
import { MINUTE, START, writeAll } from "./helpers/dataset";
import { freshName, startInflux, type InfluxServer } from "./helpers/influxServer";
import { freePort, runProgram, startProgram, tempDir, waitFor, type RunningProgram } from "./helpers/program";
import { TcpProxy } from "./helpers/tcpProxy";

let source: InfluxServer;
let dest: InfluxServer;
let slowSource: TcpProxy;
let tmp: string;
const started: RunningProgram[] = [];

beforeAll(async () => {
  [source, dest] = await Promise.all([startInflux(), startInflux()]);
  const u = new URL(source.url);
  slowSource = await new TcpProxy(u.hostname, Number(u.port)).start();
  tmp = tempDir("influxdb-backup-daemon-");
});
afterEach(() => {
  // A daemon a failed test left running (only the processes this file started).
  for (const p of started.splice(0))
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
  slowSource.trickle = undefined;
});
afterAll(async () => {
  await slowSource?.stop();
  await Promise.all([source?.stop(), dest?.stop()]);
});

/** The environment of a daemon writing its log and state under this file's folder. */
function daemonEnv(name: string, env: Record<string, string>): Record<string, string> {
  return {
    LOG_FILE: path.join(tmp, `${name}.log`),
    STATE_DIR: path.join(tmp, `${name}-state`),
    HEALTH_PORT: "0",
    ...env,
  };
}

function start(env: Record<string, string>, args: string[] = []): RunningProgram {
  const p = startProgram(env, args);
  started.push(p);
  return p;
}

interface Health {
  status: string;
  running: boolean;
  lastRun?: { startedAt: string; finishedAt?: string; outcome: string };
  nextRun?: string;
}

/** /healthz once the first run has finished: its status code and body. */
async function healthAfterRun(port: number): Promise<{ code: number; body: Health }> {
  return waitFor(async () => {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    const body = (await res.json()) as Health;
    return body.lastRun && body.lastRun.outcome !== "running" ? { code: res.status, body } : undefined;
  }, "the first run to finish");
}

/** The value of one sample of a Prometheus text answer, whose labels include `labels`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    const m = line.match(/^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

async function scrape(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

async function stopDaemon(p: RunningProgram): Promise<void> {
  p.child.kill("SIGTERM");
  expect((await p.exited).code).toBe(0);
}

async function count(server: InfluxServer, db: string, q: string): Promise<number> {
  const answer = await server.query(q, db);
  return (answer.results[0]?.series?.[0]?.values?.[0]?.[1] as number | undefined) ?? 0;
}

describe("/healthz of the scheduled daemon", () => {
  it("answers 200 after a successful run, with the run's start, end and outcome and the next run time", async () => {
    const db = freshName("health_ok");
    await source.query(`CREATE DATABASE ${db}`);
    await source.write(db, `m,host=a v=1.5 ${START}`);
    const port = await freePort();
    const before = Date.now();
    const daemon = start(
      daemonEnv(db, {
        SOURCE_URL: source.url,
        SOURCE_DBS: db,
        DEST_URL: dest.url,
        DEST_DBS: `${db}_b`,
        BACKUP_SCHEDULE: "0 0 1 1 *",
        HEALTH_PORT: String(port),
      }),
    );
    const { code, body } = await healthAfterRun(port);
    expect(code).toBe(200);
    expect(body.status).toBe("ok");
    expect(body.lastRun?.outcome).toBe("success");
    const startedAt = Date.parse(body.lastRun!.startedAt);
    const finishedAt = Date.parse(body.lastRun!.finishedAt!);
    expect(startedAt).toBeGreaterThanOrEqual(before - 1000);
    expect(finishedAt).toBeGreaterThanOrEqual(startedAt);
    expect(finishedAt).toBeLessThanOrEqual(Date.now());
    // "0 0 1 1 *" in UTC: the next New Year's midnight.
    expect(body.nextRun).toBe(new Date(Date.UTC(new Date().getUTCFullYear() + 1, 0, 1)).toISOString());
    await stopDaemon(daemon);
  }, 90_000);

  it("answers 503 after a failed run, and counts it as a failure on /metrics", async () => {
    const port = await freePort();
    const daemon = start(
      daemonEnv("health_fail", {
        SOURCE_URL: source.url,
        SOURCE_DBS: "no_such_database",
        DEST_URL: dest.url,
        DEST_DBS: "no_such_database_b",
        BACKUP_SCHEDULE: "0 0 1 1 *",
        HEALTH_PORT: String(port),
      }),
    );
    const { code, body } = await healthAfterRun(port);
    expect(code).toBe(503);
    expect(body.status).toBe("failing");
    expect(body.lastRun?.outcome).toBe("failure");
    expect(body.lastRun?.finishedAt).toEqual(expect.any(String));
    expect(body.nextRun).toEqual(expect.any(String));
    const metrics = await scrape(port);
    expect(sample(metrics, "influxdb_backup_runs_total", { outcome: "failure" })).toBe(1);
    expect(sample(metrics, "influxdb_backup_runs_total", { outcome: "success" })).toBe(0);
    expect(sample(metrics, "influxdb_backup_last_success_timestamp_seconds")).toBe(0);
    await stopDaemon(daemon);
  }, 90_000);

  it("answers 503 when VERIFY_AFTER_RUN finds the copy differs, and /metrics says verification failed", async () => {
    const db = freshName("health_verify");
    await source.query(`CREATE DATABASE ${db}`);
    await source.write(db, [0n, 1n, 2n].map((i) => `m,host=a v=${i}.5 ${START + i * 10n * MINUTE}`).join("\n"));
    // The backup copies everything, but the destination also holds a series the source does not.
    await dest.query(`CREATE DATABASE ${db}_b`);
    await dest.write(`${db}_b`, `m,host=intruder v=9 ${START}`);
    const port = await freePort();
    const daemon = start(
      daemonEnv(db, {
        SOURCE_URL: source.url,
        SOURCE_DBS: db,
        DEST_URL: dest.url,
        DEST_DBS: `${db}_b`,
        BACKUP_SCHEDULE: "0 0 1 1 *",
        HEALTH_PORT: String(port),
        VERIFY_AFTER_RUN: "true",
      }),
    );
    const { code, body } = await healthAfterRun(port);
    expect(body.lastRun?.outcome).toBe("failure");
    expect(code).toBe(503);
    expect(await count(dest, `${db}_b`, `SELECT count(v) FROM m WHERE host='a'`)).toBe(3);
    const metrics = await scrape(port);
    expect(sample(metrics, "influxdb_backup_verify_ok")).toBe(0);
    expect(sample(metrics, "influxdb_backup_verify_mismatched_windows")).toBeGreaterThanOrEqual(1);
    expect(daemon.output()).toMatch(/verification FAILED/);
    await stopDaemon(daemon);
  }, 90_000);
});

describe("/metrics of the scheduled daemon", () => {
  it("exports every documented metric, and they move with the runs", async () => {
    const db = freshName("metrics");
    await source.query(`CREATE DATABASE ${db}`);
    const lines: string[] = [];
    for (const host of ["a", "b"])
      for (let i = 0n; i < 12n; i++) lines.push(`m,host=${host} v=${i}.25,n=${i}i ${START + i * 5n * MINUTE}`);
    // Two huge values in one bucket: their mean overflows to +Inf, which is dropped (n is still copied).
    lines.push(`m,host=a v=1.7e308 ${START + 1n}`, `m,host=a v=1.7e308 ${START + 2n}`);
    await source.write(db, lines.join("\n"));
    const port = await freePort();
    const before = Date.now() / 1000;
    const daemon = start(
      daemonEnv(db, {
        SOURCE_URL: source.url,
        SOURCE_DBS: db,
        DEST_URL: dest.url,
        DEST_DBS: `${db}_b`,
        SOURCE_GROUP_BY: "5m",
        BACKUP_SCHEDULE: "*/2 * * * * *",
        HEALTH_PORT: String(port),
        VERIFY_AFTER_RUN: "true",
        // With the default LATE_DATA_HORIZON: the dropped +Inf mean must not make the late-data
        // digests copy its hour again on every run (each run reads only what is new).
      }),
    );
    const first = await waitFor(async () => {
      const text = await scrape(port);
      return (sample(text, "influxdb_backup_runs_total", { outcome: "success" }) ?? 0) >= 1 ? text : undefined;
    }, "a successful run on /metrics");
    const buckets = 24; // 2 series x 12 buckets of 5m
    expect(await count(dest, `${db}_b`, `SELECT count(n) FROM m`)).toBe(buckets);
    expect(await count(dest, `${db}_b`, `SELECT count(v) FROM m`)).toBe(buckets - 1);
    const runs = sample(first, "influxdb_backup_runs_total", { outcome: "success" })!;
    expect(sample(first, "influxdb_backup_runs_total", { outcome: "failure" })).toBe(0);
    // Later runs find nothing new: the totals are those of the first run, whatever the number of runs.
    expect(sample(first, "influxdb_backup_points_read_total", { database: db })).toBe(buckets);
    expect(sample(first, "influxdb_backup_points_written_total", { database: db })).toBe(buckets);
    expect(sample(first, "influxdb_backup_points_dropped_total", { database: db, reason: "non_finite" })).toBe(1);
    expect(sample(first, "influxdb_backup_run_duration_seconds_count")).toBe(runs);
    expect(sample(first, "influxdb_backup_run_duration_seconds_sum")).toBeGreaterThan(0);
    expect(sample(first, "influxdb_backup_run_duration_seconds_bucket", { le: "+Inf" })).toBe(runs);
    const lastSuccess = sample(first, "influxdb_backup_last_success_timestamp_seconds")!;
    expect(lastSuccess).toBeGreaterThanOrEqual(before);
    expect(lastSuccess).toBeLessThanOrEqual(Date.now() / 1000);
    const progress = { database: db, measurement: "autogen.m" };
    const total = sample(first, "influxdb_backup_progress_windows", { ...progress, state: "total" });
    expect(total).toBeGreaterThanOrEqual(1);
    expect(sample(first, "influxdb_backup_progress_windows", { ...progress, state: "done" })).toBe(total);
    expect(sample(first, "influxdb_backup_progress_points", progress)).toBe(buckets);
    expect(sample(first, "influxdb_backup_verify_ok")).toBe(1);
    expect(sample(first, "influxdb_backup_verify_mismatched_windows")).toBe(0);
    expect(sample(first, "influxdb_backup_verify_timestamp_seconds")).toBeGreaterThanOrEqual(before);
    expect(sample(first, "influxdb_backup_process_resident_memory_bytes")).toBeGreaterThan(0);

    // Two new buckets: the next run reads and writes exactly those.
    await source.write(db, ["a", "b"].map((host) => `m,host=${host} v=7,n=7i ${START + 3n * 60n * MINUTE}`).join("\n"));
    const later = await waitFor(async () => {
      const text = await scrape(port);
      return sample(text, "influxdb_backup_points_written_total", { database: db }) === buckets + 2 ? text : undefined;
    }, "the new buckets on /metrics");
    expect(sample(later, "influxdb_backup_points_read_total", { database: db })).toBe(buckets + 2);
    expect(sample(later, "influxdb_backup_runs_total", { outcome: "success" })).toBeGreaterThan(runs);
    expect(sample(later, "influxdb_backup_last_success_timestamp_seconds")).toBeGreaterThan(lastSuccess);
    expect(await count(dest, `${db}_b`, `SELECT count(n) FROM m`)).toBe(buckets + 2);
    await stopDaemon(daemon);
  }, 120_000);
});

describe("a stop signal in the middle of a run", () => {
  /** 10 days of a point a minute for 2 series, in 20 windows (DAYS_OF_PAGINATION=0.5). */
  async function seedLong(db: string): Promise<void> {
    await source.query(`CREATE DATABASE ${db}`);
    const lines: string[] = [];
    for (let i = 0n; i < 10n * 24n * 60n; i++)
      for (const host of ["a", "b"]) lines.push(`m,host=${host} v=${i}.5,n=${i}i ${START + i * MINUTE}`);
    await writeAll((body) => source.write(db, body), lines);
  }

  function slowEnv(db: string, destUrl: string): Record<string, string> {
    return daemonEnv(db, {
      SOURCE_URL: slowSource.url,
      SOURCE_DBS: db,
      DEST_URL: destUrl,
      DEST_DBS: `${db}_b`,
      SOURCE_GROUP_BY: "raw",
      DAYS_OF_PAGINATION: "0.5",
      BACKUP_SCHEDULE: "*/2 * * * * *",
      LOG_LEVEL: "DEBUG",
    });
  }

  it("SIGINT stops scheduling and exits 0; the next run copies the interrupted window, and the copy is complete", async () => {
    const db = freshName("sigint");
    await seedLong(db);
    // About a second a window: the run is still going long after its first window.
    slowSource.trickle = { bytes: 2048, ms: 50 };
    const env = slowEnv(db, dest.url);
    const daemon = start(env);
    await daemon.waitForOutput(/DEBUG +window \S+ \.\. \S+ copied/);
    daemon.child.kill("SIGINT");
    const exit = await daemon.exited;
    expect(exit.signal).toBeNull();
    expect(exit.code).toBe(0);
    expect(exit.output).toMatch(/SIGINT received: stopping/);
    expect(exit.output).toMatch(/backup stopped on request; the next run continues where it stopped/);
    expect(exit.output).toMatch(/INFO +stopped/);
    expect(exit.output).not.toMatch(/backup finished/);
    const all = 2 * 10 * 24 * 60;
    expect(await count(dest, `${db}_b`, `SELECT count(v) FROM m`)).toBeLessThan(all);

    slowSource.trickle = undefined;
    const again = await runProgram(env, ["backup"]);
    expect(again.code).toBe(0);
    const q = `SELECT * FROM m GROUP BY *`;
    const expected = await source.queryText(q, db);
    expect(expected).toContain(`"values"`);
    expect(await dest.queryText(q, `${db}_b`)).toBe(expected);
  }, 180_000);

  it("a second SIGINT exits 0 at once, while the first waits for a write that does not finish", async () => {
    const db = freshName("sigint2");
    await seedLong(db);
    const u = new URL(dest.url);
    const slowDest = await new TcpProxy(u.hostname, Number(u.port)).start();
    try {
      slowSource.trickle = { bytes: 2048, ms: 50 };
      const daemon = start(slowEnv(db, slowDest.url));
      await daemon.waitForOutput(/DEBUG +window \S+ \.\. \S+ copied/);
      // From now on the destination acknowledges writes one byte every 5 s: a write in flight hangs.
      slowDest.trickle = { bytes: 1, ms: 5000 };
      const writes = slowDest.requests.get("/write") ?? 0;
      await waitFor(async () => ((slowDest.requests.get("/write") ?? 0) > writes ? true : undefined), "a write");
      daemon.child.kill("SIGINT");
      await daemon.waitForOutput(/SIGINT received/);
      const second = Date.now();
      daemon.child.kill("SIGINT");
      const exit = await daemon.exited;
      expect(exit.code).toBe(0);
      expect(exit.output).toMatch(/second SIGINT: exiting now/);
      // The first signal alone would wait up to its 8 s grace for the hanging write.
      expect(Date.now() - second).toBeLessThan(5000);
    } finally {
      await slowDest.stop();
    }
  }, 180_000);
});

describe("a STATE_DIR it cannot write", () => {
  it.each([
    ["a file in place of the folder", ""],
    ["a folder under a file", "state"],
  ])(
    "%s: warns, backs up, and resumes from the destination",
    async (_case, under) => {
      const db = freshName("state");
      await source.query(`CREATE DATABASE ${db}`);
      // A point every 6 h: 100 points over 25 one-day windows.
      const points = (from: bigint, n: bigint) =>
        Array.from({ length: Number(n) }, (_, i) => `m,host=a v=${i}.5 ${START + (from + BigInt(i)) * 360n * MINUTE}`);
      await source.write(db, points(0n, 100n).join("\n"));
      const file = path.join(tmp, `${db}-state`);
      fs.writeFileSync(file, "not a folder");
      const stateDir = path.join(file, under);
      const env = daemonEnv(db, {
        SOURCE_URL: source.url,
        SOURCE_DBS: db,
        DEST_URL: dest.url,
        DEST_DBS: `${db}_b`,
        SOURCE_GROUP_BY: "raw",
        DAYS_OF_PAGINATION: "1",
        STATE_DIR: stateDir,
      });
      const warning = new RegExp(
        `WARNING +STATE_DIR ${stateDir.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} is not writable`,
      );
      const first = await runProgram(env);
      expect(first.code).toBe(0);
      expect(first.output).toMatch(warning);
      expect(first.output).toMatch(/backup finished: .*wrote 100 points/);
      await source.write(db, points(100n, 5n).join("\n"));
      const second = await runProgram(env);
      expect(second.code).toBe(0);
      expect(second.output).toMatch(warning);
      // Resumed from the window before the destination's newest window (two windows: at most 8
      // points) and the 5 new points, not from the beginning.
      const written = Number(second.output.match(/backup finished: .*wrote (\d+) points/)?.[1]);
      expect(written).toBeGreaterThanOrEqual(5);
      expect(written).toBeLessThanOrEqual(13);
      const q = `SELECT * FROM m GROUP BY *`;
      expect(await dest.queryText(q, `${db}_b`)).toBe(await source.queryText(q, db));
      expect(fs.readFileSync(file, "utf8")).toBe("not a folder");
    },
    90_000,
  );
});
