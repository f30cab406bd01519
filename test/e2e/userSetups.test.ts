/**
 * The README's first screen, as a user with InfluxDB already running follows it with Docker
 * Compose v2: the servers run in a compose project of their own (network `<project>_default`);
 * `cp .env-example .env`, a few values set, `docker compose --profile production up -d`; the
 * backup arrives complete and exact, the container turns healthy, `verify` passes, and
 * `docker compose --profile production down` stops the backup service alone: the user's servers
 * and their network stay.
 * Servers on the Docker host itself are reached through host.docker.internal from an empty
 * network made for the backup. (Servers on a network made with `docker network create` are the
 * setup of production.test.ts.)
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  APP_IMAGE,
  INFLUXDB_IMAGE,
  buildAppImage,
  composeIn,
  docker,
  editedEnvExample,
  removeComposeProject,
  runningContainers,
  userFolder,
  waitFor,
} from "./compose";
import { freePort } from "../helpers/wait";

const MINUTE = 60_000_000_000n;
const NOW = ((BigInt(Date.now()) * 1_000_000n) / MINUTE) * MINUTE;
const MONITORING = `ibmon${process.pid}`;
const BACKUP = `ibbak${process.pid}`;

/** The user's own compose project: two InfluxDB servers, published on local ports for the test to look. */
const MONITORING_COMPOSE = `services:
  influxdb:
    image: ${INFLUXDB_IMAGE}
    ports: ["127.0.0.1::8086"]
  backup-influxdb:
    image: ${INFLUXDB_IMAGE}
    ports: ["127.0.0.1::8086"]
`;

class Server {
  constructor(readonly url: string) {}

  async query(q: string, db?: string): Promise<string> {
    const res = await fetch(`${this.url}/query`, {
      method: "POST",
      body: new URLSearchParams({ q, ...(db ? { db } : {}) }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (res.status !== 200 || text.includes('"error"')) throw new Error(`${q}: HTTP ${res.status} ${text}`);
    return text;
  }

  async write(db: string, lines: string): Promise<void> {
    const res = await fetch(`${this.url}/write?db=${db}&precision=ns`, {
      method: "POST",
      body: lines,
      signal: AbortSignal.timeout(30_000),
    });
    if (res.status !== 204) throw new Error(`write: HTTP ${res.status} ${await res.text()}`);
  }
}

beforeAll(async () => {
  await buildAppImage();
}, 600_000);

describe("servers in another compose project", () => {
  const monitoringDir = userFolder("", { "docker-compose.yaml": MONITORING_COMPOSE });
  const monitoring = composeIn(monitoringDir, MONITORING);

  afterAll(async () => {
    // The backup service first: while it is attached, the user's network cannot be removed.
    await removeComposeProject(BACKUP);
    await monitoring("down", "-v");
    await removeComposeProject(MONITORING);
  }, 120_000);

  it("is backed up by `up -d` on their network, and `down` leaves the servers and the network alone", async () => {
    expect((await monitoring("up", "-d")).code).toBe(0);
    const [source, backup] = await Promise.all(
      ["influxdb", "backup-influxdb"].map(async (service) => {
        const port = await waitFor(
          async () => /:(\d+)\s*$/m.exec((await monitoring("port", service, "8086")).out)?.[1],
          `the published port of ${service}`,
        );
        const server = new Server(`http://127.0.0.1:${port}`);
        await waitFor(async () => ((await fetch(`${server.url}/ping`)).status === 204 ? true : undefined), "ping");
        return server;
      }),
    );
    await source!.query("CREATE DATABASE telegraf");
    const lines: string[] = [];
    for (let i = 0n; i < 600n; i++) {
      const t = NOW - 2n * 1440n * MINUTE + i * 4n * MINUTE + 123n;
      lines.push(`cpu,host=web-${i % 3n},cpu=cpu-total usage_user=${Number(i % 89n) / 8},n=${i}i ${t}`);
      lines.push(`system,host=web-${i % 3n} uptime=${i * 240n}i,load1=${Number(i % 7n) / 3},up=true ${t}`);
    }
    lines.push(`syslog,host=web-0 message="disk \\"sda\\" ok",severity=6i ${NOW - MINUTE}`);
    await source!.write("telegraf", lines.join("\n"));

    // What the README asks of the user: copy the example, set these, start.
    const dir = userFolder(
      editedEnvExample({
        SOURCE_URL: "http://influxdb:8086",
        SOURCE_DBS: "telegraf",
        DEST_URL: "http://backup-influxdb:8086",
        DEST_DBS: "telegraf_backup",
        SOURCE_GROUP_BY: "raw",
        INFLUXDB_NETWORK: `${MONITORING}_default`,
        BACKUP_SCHEDULE: "0 3 * * *",
      }),
    );
    const compose = composeIn(dir, BACKUP);
    const up = await compose("--profile", "production", "up", "-d");
    expect(up).toEqual(expect.objectContaining({ code: 0 }));

    const all = "SELECT * FROM /.*/ GROUP BY *";
    const original = await source!.query(all, "telegraf");
    await waitFor(
      async () => ((await backup!.query(all, "telegraf_backup")) === original ? true : undefined),
      "the backup to match the source",
    );
    const [id] = await runningContainers(BACKUP);
    const health = await waitFor(
      async () => {
        const status = (await docker("inspect", "--format", "{{.State.Health.Status}}", id!)).out.trim();
        return status === "starting" ? undefined : status;
      },
      "the image's health check",
      120_000,
    );
    expect(health).toBe("healthy");
    const verify = await compose("run", "--rm", "backup-service", "verify");
    expect(verify.out).toMatch(/verification/);
    expect(verify.code).toBe(0);
    // `status` from a container of its own, while the daemon runs: it reads the shared state volume.
    const status = await compose("run", "--rm", "backup-service", "status");
    expect(status.out).toMatch(/database telegraf -> telegraf_backup/);
    expect(status.out).toMatch(/autogen\.cpu: lag 0s/);
    expect(status.out).toMatch(/next run: \d{4}-\d\d-\d\dT03:00:00/);
    expect(status.code).toBe(0);

    const down = await compose("--profile", "production", "down");
    expect(down.code).toBe(0);
    expect(await runningContainers(BACKUP)).toEqual([]);
    expect(await runningContainers(MONITORING)).toHaveLength(2);
    expect((await docker("network", "inspect", `${MONITORING}_default`)).code).toBe(0);
    expect(await backup!.query(all, "telegraf_backup")).toBe(original);
  }, 600_000);
});

/** An InfluxDB installed on the Docker host from Debian's package, listening where containers reach the host. */
async function hostInflux(address: string): Promise<{ server: Server; stop(): void }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ib-host-influx-"));
  const config = path.join(dir, "influxdb.conf");
  fs.writeFileSync(
    config,
    [
      "reporting-disabled = true",
      'bind-address = "127.0.0.1:0"',
      `[meta]\n  dir = "${dir}/meta"`,
      `[data]\n  dir = "${dir}/data"\n  wal-dir = "${dir}/wal"\n  query-log-enabled = false`,
      `[http]\n  bind-address = "${address}"\n  log-enabled = false`,
      "",
    ].join("\n"),
  );
  // Only the config file configures it: influxd also reads INFLUXDB_* variables from its environment.
  const child = spawn("influxd", ["-config", config], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", HOME: dir },
    stdio: "ignore",
  });
  const server = new Server(`http://${address}`);
  await waitFor(async () => ((await fetch(`${server.url}/ping`)).status === 204 ? true : undefined), "host influxd");
  return {
    server,
    stop() {
      child.kill("SIGKILL");
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe("servers on the Docker host", () => {
  const project = `ibhost${process.pid}`;
  const network = `${project}_net`;
  const hosts: { stop(): void }[] = [];

  afterAll(async () => {
    for (const h of hosts) h.stop();
    await removeComposeProject(project);
    await docker("network", "rm", network);
  }, 120_000);

  it("are reached through host.docker.internal from an empty network made for the backup", async () => {
    // The host's address as containers see it (host-gateway): the servers listen there.
    const resolved = await docker(
      ...["run", "--rm", "--add-host", "host.docker.internal:host-gateway", "--entrypoint", "getent"],
      ...[APP_IMAGE, "ahostsv4", "host.docker.internal"],
    );
    const gateway = /^(\d+\.\d+\.\d+\.\d+)\s/.exec(resolved.out)?.[1];
    expect(gateway).toBeDefined();
    const [sourcePort, backupPort] = [await freePort(), await freePort()];
    const [source, backup] = await Promise.all([sourcePort, backupPort].map((p) => hostInflux(`${gateway}:${p}`)));
    hosts.push(source!, backup!);
    await source!.server.query("CREATE DATABASE sensors");
    const lines = Array.from(
      { length: 300 },
      (_, i) => `temp,room=r${i % 4} celsius=${(i % 40) / 2 + 0.25},ok=${i % 2 === 0} ${NOW - BigInt(i) * MINUTE + 7n}`,
    );
    await source!.server.write("sensors", lines.join("\n"));

    expect((await docker("network", "create", network)).code).toBe(0);
    const dir = userFolder(
      editedEnvExample({
        SOURCE_URL: `http://host.docker.internal:${sourcePort}`,
        SOURCE_DBS: "sensors",
        DEST_URL: `http://host.docker.internal:${backupPort}`,
        DEST_DBS: "sensors",
        SOURCE_GROUP_BY: "raw",
        INFLUXDB_NETWORK: network,
        BACKUP_SCHEDULE: "0 3 * * *",
      }),
    );
    const compose = composeIn(dir, project);
    expect((await compose("--profile", "production", "up", "-d")).code).toBe(0);
    const all = "SELECT * FROM /.*/ GROUP BY *";
    const original = await source!.server.query(all, "sensors");
    await waitFor(
      async () => ((await backup!.server.query(all, "sensors")) === original ? true : undefined),
      "the backup to match the source",
    );
    expect((await compose("--profile", "production", "down")).code).toBe(0);
    expect((await docker("network", "inspect", network)).code).toBe(0);
  }, 300_000);
});
