/**
 * The three usage modes, end to end in real containers: the development compose profile,
 * one-shot runs of the image (exit codes 0 and 2), and a scheduled daemon that picks up new
 * data and stops cleanly on `docker stop`. Builds the project image first (NODE_IMAGE).
 */
import { Network, type StartedNetwork } from "testcontainers";
import { START } from "../integration/helpers/dataset";
import { startInflux, type InfluxServer } from "../integration/helpers/influxServer";
import {
  APP_IMAGE,
  INFLUXDB_IMAGE,
  buildAppImage,
  composeIn,
  docker as dockerCommand,
  removeComposeProject,
  userFolder,
  waitFor,
} from "./compose";

const IMAGE = APP_IMAGE;
const docker = (args: string[]) => dockerCommand(...args);

beforeAll(async () => {
  await buildAppImage();
}, 600_000);

describe("development profile", () => {
  const project = `ibe2e${process.pid}`;
  // No .env and no network of the user's: the demo needs neither.
  const compose = composeIn(userFolder(""), project, {
    INFLUXDB_IMAGE,
    DEV_DEST_PORT: "28086",
    DEV_SOURCE_PORT: "28087",
    DEV_HEALTH_PORT: "29100",
  });

  afterAll(async () => {
    await compose("--profile", "development", "down", "-v", "--remove-orphans");
    await removeComposeProject(project);
  }, 120_000);

  it("brings up a demo source, a destination and the backup service, which copies the demo data with its tags", async () => {
    const up = await compose("--profile", "development", "up", "-d");
    expect(up).toEqual(expect.objectContaining({ code: 0 }));
    const series = await waitFor(async () => {
      const res = await fetch("http://127.0.0.1:28086/query?db=demo_backup", {
        method: "POST",
        body: new URLSearchParams({ q: "SELECT count(usage_user) FROM cpu GROUP BY *" }),
      });
      const body = (await res.json()) as {
        results: { series?: { tags: Record<string, string>; values: number[][] }[] }[];
      };
      const s = body.results[0]?.series;
      return s && s.length === 3 ? s : undefined;
    }, "the destination to hold the demo data");
    expect(series.map((s) => s.tags)).toEqual([
      { host: "db-1", region: "us-east" },
      { host: "web-1", region: "eu-west" },
      { host: "web-2", region: "eu-west" },
    ]);
    const health = await waitFor(async () => {
      const res = await fetch("http://127.0.0.1:29100/healthz");
      const body = (await res.json()) as { lastRun?: { outcome: string } };
      return res.status === 200 && body.lastRun?.outcome !== "running" ? body : undefined;
    }, "/healthz to answer 200 after a finished run");
    expect(health.lastRun?.outcome).toBe("success");
    const metrics = await (await fetch("http://127.0.0.1:29100/metrics")).text();
    expect(metrics).toMatch(/influxdb_backup_runs_total\{outcome="success"\} [1-9]/);
  }, 300_000);
});

describe("the image, run one-shot and scheduled", () => {
  let network: StartedNetwork;
  let source: InfluxServer;
  let dest: InfluxServer;

  beforeAll(async () => {
    network = await new Network().start();
    [source, dest] = await Promise.all([
      startInflux({}, { network, alias: "src" }),
      startInflux({}, { network, alias: "dst" }),
    ]);
    await source.query("CREATE DATABASE app");
    await source.write("app", [`m,host=a v=1.5,n=2i,s="x" ${START}`, `m,host=b v=2.5 ${START + 1n}`].join("\n"));
  }, 120_000);
  afterAll(async () => {
    await Promise.all([source?.stop(), dest?.stop()]);
    await network?.stop();
  });

  const appEnv = (extra: string[] = []) => [
    "-e",
    "SOURCE_URL=http://src:8086",
    "-e",
    "SOURCE_DBS=app",
    "-e",
    "DEST_URL=http://dst:8086",
    "-e",
    "DEST_DBS=app_copy",
    "-e",
    "SOURCE_GROUP_BY=raw",
    ...extra,
  ];

  it("runs once and exits 0 when BACKUP_SCHEDULE is unset", async () => {
    const r = await docker(["run", "--rm", "--network", network.getName(), ...appEnv(), IMAGE]);
    expect(r.out).toMatch(/backup finished/);
    expect(r.code).toBe(0);
    const copied = await dest.query("SELECT * FROM m GROUP BY *", "app_copy");
    expect(copied.results[0]!.series!.map((s) => [s.tags, s.values])).toEqual([
      [{ host: "a" }, [["2024-01-01T00:02:17.123456789Z", 2, "x", 1.5]]],
      [{ host: "b" }, [["2024-01-01T00:02:17.12345679Z", null, null, 2.5]]],
    ]);
  }, 120_000);

  it("runs once with `compose run --rm backup-service` and exits with the backup's exit code", async () => {
    const project = `ibone${process.pid}`;
    const compose = composeIn(userFolder(""), project, {
      INFLUXDB_NETWORK: network.getName(),
      SOURCE_URL: "http://src:8086",
      SOURCE_DBS: "app",
      DEST_URL: "http://dst:8086",
      DEST_DBS: "app_compose",
      SOURCE_GROUP_BY: "raw",
    });
    const run = async (dbs: string) => (await compose("run", "--rm", "-e", `SOURCE_DBS=${dbs}`, "backup-service")).code;
    try {
      expect(await run("app")).toBe(0);
      const copied = await dest.query("SELECT * FROM m GROUP BY *", "app_compose");
      expect(copied).toEqual(await source.query("SELECT * FROM m GROUP BY *", "app"));
      expect(await run("no_such_db")).toBe(1);
    } finally {
      await removeComposeProject(project);
    }
  }, 300_000);

  it("exits 2 and names the variable when the configuration is invalid", async () => {
    const r = await docker(["run", "--rm", ...appEnv(["-e", "DAYS_OF_PAGINATION=soon"]), IMAGE]);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/DAYS_OF_PAGINATION="soon": expected a number of days/);
  }, 60_000);

  it("runs on a seconds-level schedule, picks up new points without a restart, and stops cleanly on docker stop", async () => {
    const name = `ib-sched-${process.pid}`;
    const started = await docker([
      "run",
      "-d",
      "--name",
      name,
      "--network",
      network.getName(),
      ...appEnv(["-e", "BACKUP_SCHEDULE=*/2 * * * * *", "-e", "DEST_DBS=app_sched"]),
      IMAGE,
    ]);
    expect(started.code).toBe(0);
    try {
      await waitFor(async () => {
        const a = await dest.query("SELECT count(v) FROM m", "app_sched");
        return a.results[0]?.series ? true : undefined;
      }, "the first run");
      await source.write("app", `m,host=c v=9 ${START + 3600n * 1_000_000_000n}`);
      await waitFor(async () => {
        const a = await dest.query(`SELECT v FROM m WHERE host='c'`, "app_sched");
        return a.results[0]?.series ? true : undefined;
      }, "the new point to arrive");
      // Exit code 0 proves a clean stop: Docker's SIGKILL after the 10 s would give 137.
      const stop = await docker(["stop", "-t", "10", name]);
      expect(stop.code).toBe(0);
      const state = await docker(["inspect", "-f", "{{.State.ExitCode}}", name]);
      expect(state.out.trim()).toBe("0");
      const logs = await docker(["logs", name]);
      expect(logs.out).toMatch(/next run .*, in \d+s/);
      expect(logs.out).toMatch(/SIGTERM received/);
    } finally {
      await docker(["rm", "-f", name]);
    }
  }, 180_000);
});
