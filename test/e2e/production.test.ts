/**
 * Production as a user runs it, in real containers against servers with authentication:
 * - the production profile with a .env and the Docker secrets override: every setting reaches
 *   the container (a filter, a long-term archive policy, verification after each run), the
 *   passwords come from /run/secrets and never reach the logs; a restart with the same .env
 *   goes on where it was; one-shot `run`s get the same settings;
 * - a disaster-recovery drill: the primary's container and volume are destroyed, a new empty
 *   server takes its place, `restore` brings data back through the servers' RPC ports (a
 *   seeded restore, ports on the servers' network only), then retention policies and
 *   continuous queries, `verify` passes, and a partial restore brings back exactly one
 *   deleted day.
 */
import {
  INFLUXDB_IMAGE,
  buildAppImage,
  composeIn as composeFolder,
  docker,
  removeComposeProject,
  runningContainers,
  userFolder,
  waitFor,
} from "./compose";

const ID = `ibprod${process.pid}`;
const NETWORK = `${ID}_net`;
const ADMIN = "admin";
const SOURCE_PW = "s3cret source pa$$word";
const DEST_PW = "an0ther #secret";
const MINUTE = 60_000_000_000n;
const DAY = 1440n * MINUTE;
const NOW = ((BigInt(Date.now()) * 1_000_000n) / MINUTE) * MINUTE;

/** An InfluxDB with authentication on the test network, published on a random local port. */
class AuthInflux {
  url = "";
  constructor(
    readonly name: string,
    readonly alias: string,
    readonly password: string,
    readonly volume?: string,
    /** Opens the RPC (snapshot) port 8088 on the test network only, never published. */
    readonly rpc = false,
  ) {}

  async start(): Promise<this> {
    const r = await docker(
      "run",
      "-d",
      "--name",
      this.name,
      "--network",
      NETWORK,
      "--network-alias",
      this.alias,
      "-p",
      "127.0.0.1::8086",
      ...(this.volume ? ["-v", `${this.volume}:/var/lib/influxdb`] : []),
      "-e",
      "INFLUXDB_HTTP_AUTH_ENABLED=true",
      "-e",
      "INFLUXDB_REPORTING_DISABLED=true",
      ...(this.rpc ? ["-e", "INFLUXDB_BIND_ADDRESS=:8088"] : []),
      INFLUXDB_IMAGE,
    );
    if (r.code !== 0) throw new Error(r.out);
    // The published port, once Docker reports it; each ping may take 2 s at most.
    const port = await waitFor(
      async () => /:(\d+)\s*$/m.exec((await docker("port", this.name, "8086")).out)?.[1],
      "the published port",
    );
    this.url = `http://127.0.0.1:${port}`;
    await waitFor(async () => {
      const res = await fetch(`${this.url}/ping`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
      return res?.status === 204 ? true : undefined;
    }, "ping");
    // With no user yet, InfluxDB lets the first admin be created without credentials.
    await this.query(`CREATE USER ${ADMIN} WITH PASSWORD '${this.password.replace(/'/g, "\\'")}' WITH ALL PRIVILEGES`);
    return this;
  }

  private get auth(): Record<string, string> {
    return { Authorization: `Basic ${Buffer.from(`${ADMIN}:${this.password}`).toString("base64")}` };
  }

  async query(q: string, db?: string): Promise<string> {
    const params = new URLSearchParams({ q, ...(db ? { db } : {}) });
    const res = await fetch(`${this.url}/query`, {
      method: "POST",
      body: params,
      headers: this.auth,
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (res.status !== 200 || text.includes('"error"')) throw new Error(`${q}: HTTP ${res.status} ${text}`);
    return text;
  }

  async write(db: string, lines: string, rp?: string): Promise<void> {
    const params = new URLSearchParams({ db, precision: "ns", ...(rp ? { rp } : {}) });
    const res = await fetch(`${this.url}/write?${params}`, {
      method: "POST",
      body: lines,
      headers: this.auth,
      signal: AbortSignal.timeout(30_000),
    });
    if (res.status !== 204) throw new Error(`write: HTTP ${res.status} ${await res.text()}`);
  }

  async remove(): Promise<void> {
    await docker("rm", "-f", "-v", this.name);
    if (this.volume) await docker("volume", "rm", "-f", this.volume);
  }
}

/** A project folder as a user has it: the compose files, a .env and the password files. */
function project(dotenv: Record<string, string>): string {
  const lines = Object.entries({
    SOURCE_USER: ADMIN,
    DEST_USER: ADMIN,
    INFLUXDB_NETWORK: NETWORK,
    ...dotenv,
  }).map(([k, v]) => `${k}=${v}`);
  return userFolder(`${lines.join("\n")}\n`, {
    "secrets/source_password": `${SOURCE_PW}\n`,
    "secrets/dest_password": `${DEST_PW}\n`,
  });
}

/** Compose with the Docker secrets override, as the README shows it. */
function composeIn(dir: string, name: string) {
  const withSecrets = composeFolder(dir, name);
  return (...args: string[]) => withSecrets("-f", "docker-compose.yaml", "-f", "docker-compose.secrets.yaml", ...args);
}

const count = async (server: AuthInflux, db: string, q: string) => {
  const m = /"values":\[\[[^,]+,(\d+)/.exec(await server.query(q, db));
  return m ? Number(m[1]) : 0;
};

let source: AuthInflux;
let backupServer: AuthInflux;

beforeAll(async () => {
  await buildAppImage();
  await docker("network", "create", NETWORK);
  [source, backupServer] = await Promise.all([
    new AuthInflux(`${ID}_source`, "source-influxdb", SOURCE_PW).start(),
    new AuthInflux(`${ID}_backup`, "backup-influxdb", DEST_PW, undefined, true).start(),
  ]);
}, 600_000);

afterAll(async () => {
  await Promise.all([source?.remove(), backupServer?.remove()]);
  await docker("network", "rm", NETWORK);
}, 120_000);

describe("the production profile with .env and Docker secrets", () => {
  it("gets every setting, keeps 5-minute means forever, survives a restart, and one-shot runs get the same settings", async () => {
    await source.query(`CREATE DATABASE metrics`);
    await source.query(`CREATE RETENTION POLICY "rp_30d" ON "metrics" DURATION 30d REPLICATION 1 DEFAULT`);
    const points = (from: bigint, n: number) =>
      Array.from(
        { length: n },
        (_, i) =>
          `cpu,host=h${i % 2} usage=${i}.5 ${from + BigInt(i) * MINUTE}\ndebug,host=h v=${i} ${from + BigInt(i) * MINUTE}`,
      ).join("\n");
    await source.write("metrics", points(NOW - 2n * DAY, 120), "rp_30d");
    const dir = project({
      SOURCE_URL: "http://source-influxdb:8086",
      SOURCE_DBS: "metrics",
      DEST_URL: "http://backup-influxdb:8086",
      DEST_DBS: "metrics_archive",
      SOURCE_GROUP_BY: "5m",
      DEST_RETENTION: "INF",
      MEASUREMENTS_EXCLUDE: "debug",
      VERIFY_AFTER_RUN: "true",
      BACKUP_SCHEDULE: "*/3 * * * * *",
    });
    const compose = composeIn(dir, `${ID}prod`);
    try {
      const up = await compose("--profile", "production", "up", "-d", "--no-build");
      expect(up.code).toBe(0);
      await waitFor(
        async () =>
          (await count(backupServer, "metrics_archive", 'SELECT count(usage) FROM "rp_30d"."cpu"')) > 0
            ? true
            : undefined,
        "the first backup",
      );
      // DEST_RETENTION reached the container: the archive keeps the 30-day policy's data forever.
      expect(await backupServer.query(`SHOW RETENTION POLICIES ON "metrics_archive"`)).toMatch(
        /\["rp_30d","0s","168h0m0s",1,true\]/,
      );
      // MEASUREMENTS_EXCLUDE reached it too.
      expect(await backupServer.query(`SHOW MEASUREMENTS`, "metrics_archive")).not.toContain("debug");
      const [container] = await runningContainers(`${ID}prod`);
      const logs = async () => (await docker("logs", container!)).out;
      await waitFor(
        async () => (/verification of 1 measurement/.test(await logs()) ? true : undefined),
        "VERIFY_AFTER_RUN",
      );
      expect(await logs()).not.toContain(SOURCE_PW);
      expect(await logs()).not.toContain(DEST_PW);

      // A restart with the same .env goes on where it was.
      expect((await compose("--profile", "production", "restart", "backup-service")).code).toBe(0);
      await source.write("metrics", `cpu,host=late usage=42 ${NOW - 10n * MINUTE}`, "rp_30d");
      await waitFor(
        async () =>
          (await count(backupServer, "metrics_archive", `SELECT count(usage) FROM "rp_30d"."cpu" WHERE host='late'`)) >
          0
            ? true
            : undefined,
        "the point written after the restart",
      );
      expect((await compose("--profile", "production", "stop")).code).toBe(0);

      // One-shot runs read the same .env and secrets.
      const verify = await compose("run", "--rm", "backup-service", "verify");
      expect(verify.out).toMatch(/verification/);
      expect(verify.code).toBe(0);
      // `backup` runs once now, whatever BACKUP_SCHEDULE in .env says.
      const dry = await compose("run", "--rm", "-e", "DRY_RUN=true", "backup-service", "backup");
      expect(dry.code).toBe(0);
      expect(dry.out).toMatch(/dry run: would copy metrics\.rp_30d\.cpu/);
      expect(dry.out).not.toMatch(/dry run: would copy metrics\.rp_30d\.debug/);

      // `down` removes the backup service alone: the user's servers and their network stay.
      expect((await compose("--profile", "production", "down")).code).toBe(0);
      const running = (name: string) => docker("inspect", "--format", "{{.State.Running}}", name);
      expect((await running(source.name)).out.trim()).toBe("true");
      expect((await running(backupServer.name)).out.trim()).toBe("true");
      expect((await docker("network", "inspect", NETWORK)).code).toBe(0);
    } finally {
      await compose("--profile", "production", "down", "-v");
      await removeComposeProject(`${ID}prod`);
    }
  }, 600_000);
});

describe("disaster-recovery drill", () => {
  it("restores a destroyed primary from the backup through the RPC ports: data, retention policies, continuous queries; verify passes", async () => {
    const primary = await new AuthInflux(`${ID}_primary`, "primary", SOURCE_PW, `${ID}_primary_data`).start();
    let replacement: AuthInflux | undefined;
    const db = "plant";
    try {
      await primary.query(`CREATE DATABASE ${db}`);
      await primary.query(
        `CREATE RETENTION POLICY "one_year" ON "${db}" DURATION 52w REPLICATION 1 SHARD DURATION 1d DEFAULT`,
      );
      await primary.query(`CREATE RETENTION POLICY "forever" ON "${db}" DURATION INF REPLICATION 1`);
      const t0 = NOW - 3n * DAY;
      const lines: string[] = [];
      for (let i = 0n; i < 3n * 24n * 12n; i++) {
        const t = t0 + i * 5n * MINUTE + 7n;
        lines.push(
          `sensor,line=a,unit=°C temp=${Number(i % 97n) / 4},count=${i}i,state="ok ${i % 3n}",on=${i % 2n === 0n} ${t}`,
        );
        lines.push(`sensor,line=b,unit=bar pressure=${Number(i % 13n) + 0.125},count=-${i}i ${t + 1n}`);
      }
      lines.push(`odd\\ name,tag\\,k=v\\=1 field\\ with\\,odd\\=chars="x \\"q\\"",big=9223372036854775807i ${t0}`);
      await primary.write(db, lines.join("\n"), "one_year");
      await primary.write(db, `hourly,line=a temp=1.5 ${t0}`, "forever");
      await primary.query(
        `CREATE CONTINUOUS QUERY "cq_hourly" ON "${db}" BEGIN SELECT mean("temp") AS "temp" INTO "${db}"."forever"."hourly" FROM "${db}"."one_year"."sensor" GROUP BY time(1h), * END`,
      );
      const all = `SELECT * FROM "one_year"./.*/ GROUP BY *`;
      const original = await primary.query(all, db);
      const originalForever = await primary.query(`SELECT * FROM "forever"./.*/ GROUP BY *`, db);
      const policies = async (s: AuthInflux) =>
        JSON.parse(await s.query(`SHOW RETENTION POLICIES ON "${db}"`)).results[0].series[0].values.sort();
      const cqs = async (s: AuthInflux) =>
        (
          JSON.parse(await s.query("SHOW CONTINUOUS QUERIES")).results[0].series as {
            name: string;
            values?: unknown[];
          }[]
        ).find((x) => x.name === db)?.values;
      const originalPolicies = await policies(primary);
      const originalCqs = await cqs(primary);

      const env = {
        SOURCE_URL: "http://primary:8086",
        SOURCE_DBS: db,
        DEST_URL: "http://backup-influxdb:8086",
      };
      const rawProject = project({ ...env, DEST_DBS: `${db}_raw`, SOURCE_GROUP_BY: "raw" });
      const aggProject = project({ ...env, DEST_DBS: `${db}_5m`, SOURCE_GROUP_BY: "5m" });
      const raw = composeIn(rawProject, `${ID}drill`);
      expect((await raw("run", "--rm", "backup-service")).code).toBe(0);
      expect((await composeIn(aggProject, `${ID}drill`)("run", "--rm", "backup-service")).code).toBe(0);

      // The primary is lost, container and volume; a new, empty server takes its place.
      await primary.remove();
      replacement = await new AuthInflux(
        `${ID}_replacement`,
        "primary",
        SOURCE_PW,
        `${ID}_replacement_data`,
        true,
      ).start();
      // The restore streams the shards from the backup server's RPC port into the new server's,
      // both on the servers' network only, then checks them against the backup over HTTP.
      const rpc = ["-e", "DEST_RPC_ADDRESS=backup-influxdb:8088", "-e", "RESTORE_RPC_ADDRESS=primary:8088"];
      const restored = await raw("run", "--rm", ...rpc, "backup-service", "restore");
      expect(restored.out).toMatch(/seeding plant_raw -> plant through InfluxDB's RPC snapshot protocol/);
      expect(restored.out).toMatch(/seeded plant_raw -> plant: (\d+) of \1 shard\(s\) streamed/);
      expect(restored.out).toMatch(
        /seed of plant_raw -> plant checked against the source: \d+ shard\(s\), 0 copied again/,
      );
      expect(restored.out).not.toMatch(/not seeding|lost the shard IDs/);
      expect(restored.out).toMatch(/recreated continuous query cq_hourly/);
      expect(restored.code).toBe(0);
      expect(await replacement.query(all, db)).toBe(original);
      expect(await replacement.query(`SELECT * FROM "forever"./.*/ GROUP BY *`, db)).toBe(originalForever);
      expect(await policies(replacement)).toEqual(originalPolicies);
      expect(await cqs(replacement)).toEqual(originalCqs);
      const verified = await raw("run", "--rm", "backup-service", "verify");
      expect(verified.code).toBe(0);

      // One day deleted by mistake on the live server comes back exactly.
      const dayStart = t0 + DAY;
      await replacement.query(`DELETE FROM /.*/ WHERE time >= ${dayStart} AND time < ${dayStart + DAY}`, db);
      expect(await replacement.query(all, db)).not.toBe(original);
      const iso = (ns: bigint) => new Date(Number(ns / 1_000_000n)).toISOString();
      const day = await raw(
        "run",
        "--rm",
        "-e",
        `BACKUP_START=${iso(dayStart)}`,
        "-e",
        `BACKUP_END=${iso(dayStart + DAY)}`,
        // The database exists now: copied over HTTP, whatever the RPC addresses.
        ...rpc,
        "backup-service",
        "restore",
      );
      expect(day.code).toBe(0);
      expect(await replacement.query(all, db)).toBe(original);
    } finally {
      await primary.remove();
      await replacement?.remove();
      await removeComposeProject(`${ID}drill`);
    }
  }, 600_000);
});
