/**
 * The program as users run it (`node dist/main.js`): exit codes, messages, log file, and
 * secrets that never reach a log line. Needs `npm run build` first (npm test does it).
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { START } from "./helpers/dataset";
import { freshName, startInflux, type InfluxServer } from "./helpers/influxServer";
import { HttpProxy } from "./helpers/httpProxy";

const MAIN = path.resolve(__dirname, "../../dist/main.js");
const PASSWORD = "Sup3r-S3cret!pw";

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the program in an empty folder with only `env` and PATH: no stray .env configures it. */
function run(env: Record<string, string>, args: string[] = []): Promise<Exit> {
  return new Promise((resolve) => {
    const defaults = { HEALTH_PORT: "0", STATE_DIR: path.join(tmp, "state") };
    const child = spawn(process.execPath, [MAIN, ...args], {
      cwd: fs.mkdtempSync(path.join(tmp, "cwd-")),
      env: { PATH: process.env.PATH ?? "", ...defaults, ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

let source: InfluxServer;
let secured: InfluxServer;
/** Resolves once `condition` holds; checked every 50 ms for at most a minute. */
async function waitUntil(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let tmp: string;

beforeAll(async () => {
  expect(fs.existsSync(MAIN)).toBe(true);
  [source, secured] = await Promise.all([startInflux(), startInflux({ INFLUXDB_HTTP_AUTH_ENABLED: "true" })]);
  // With auth on and no users yet, InfluxDB lets the first admin be created.
  await secured.queryText(`CREATE USER admin WITH PASSWORD '${PASSWORD}' WITH ALL PRIVILEGES`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "influxdb-backup-cli-"));
});
afterAll(async () => {
  await Promise.all([source?.stop(), secured?.stop()]);
});

describe("node dist/main.js", () => {
  it.each(["--help", "-h", "help"])(
    "%s exits 0 with the commands, the Docker forms and the docs, without configuration",
    async (arg) => {
      const r = await run({}, [arg]);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe("");
      for (const text of [
        "(no argument)",
        "backup ",
        "verify ",
        "restore ",
        "status [--json]",
        "docker compose --profile production up -d",
        "docker compose run --rm backup-service backup",
        "docker run --rm --network <net> --env-file .env influxdb-backup:latest backup",
        "docs/reference.md",
        "README",
      ])
        expect(r.stdout).toContain(text);
    },
  );

  it.each(["--version", "-v"])("%s prints package.json's version and exits 0", async (arg) => {
    const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../package.json"), "utf8")) as {
      version: string;
    };
    const r = await run({}, [arg]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${pkg.version}\n`);
  });

  it("exits 2 with the usage on an unknown command", async () => {
    const r = await run({}, ["bakup"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /unknown command "bakup"\nusage: node dist\/main\.js \[backup\|verify\|restore\|status \[--json\]\]/,
    );
  });

  it("after kill -9 in the middle of a first backup, the next run ends identical to an uninterrupted one", async () => {
    const db = freshName("kill");
    await source.queryText(`CREATE DATABASE ${db}`);
    const lines: string[] = [];
    for (let i = 0n; i < 60_000n; i++) lines.push(`m,s=s${i % 20n} v=${i}.25,n=${i}i ${START + i * 10_000_000_000n}`);
    for (let i = 0; i < lines.length; i += 10_000) {
      const res = await fetch(`${source.url}/write?db=${db}`, {
        method: "POST",
        body: lines.slice(i, i + 10_000).join("\n"),
      });
      expect(res.status).toBe(204);
    }
    for (const stateDir of [path.join(tmp, "kill-state"), "none"]) {
      const dst = freshName("kill_b");
      // Part-way through, deterministically: the destination's answers stop after the second write.
      const proxy = await new HttpProxy(source.url).start();
      let writes = 0;
      proxy.intercept = (exchange) => exchange.path === "/write" && ++writes > 2;
      const env = {
        SOURCE_URL: source.url,
        SOURCE_DBS: db,
        DEST_URL: proxy.url,
        DEST_DBS: dst,
        SOURCE_GROUP_BY: "raw",
        DAYS_OF_PAGINATION: "0.5",
        WRITE_BATCH_SIZE: "1000",
        LOG_FILE: path.join(tmp, `kill-${dst}.log`),
        STATE_DIR: stateDir,
      };
      const child = spawn(process.execPath, [MAIN], {
        cwd: fs.mkdtempSync(path.join(tmp, "cwd-")),
        env: { PATH: process.env.PATH ?? "", HEALTH_PORT: "0", ...env },
      });
      const exited = new Promise<number | null>((resolve) =>
        child.on("close", (_code, signal) => resolve(signal ? 137 : _code)),
      );
      await waitUntil(() => writes > 2, "a third write request");
      child.kill("SIGKILL");
      expect(await exited).toBe(137);
      const partial = await source.queryText(`SELECT count(v) FROM m`, dst);
      expect(partial).not.toBe(await source.queryText(`SELECT count(v) FROM m`, db));
      await proxy.stop();
      const again = await run({ ...env, DEST_URL: source.url });
      expect(again.code).toBe(0);
      const q = `SELECT * FROM m GROUP BY *`;
      expect(await source.queryText(q, dst)).toBe(await source.queryText(q, db));
    }
  }, 120_000);

  it("exits 2 and names every invalid variable before touching any server", async () => {
    const r = await run({
      SOURCE_URL: "http://127.0.0.1:1",
      SOURCE_DBS: "a,b",
      DEST_DBS: "c",
      SOURCE_GROUP_BY: "often",
      DAYS_OF_PAGINATION: "0",
    });
    expect(r.code).toBe(2);
    for (const name of ["DEST_URL", "SOURCE_DBS has 2", "SOURCE_GROUP_BY", "DAYS_OF_PAGINATION"])
      expect(r.stderr).toContain(name);
    expect(r.stdout).toBe("");
  });

  it("exits 2 on a cron expression out of range, naming the field", async () => {
    const r = await run({
      SOURCE_URL: "http://127.0.0.1:1",
      SOURCE_DBS: "a",
      DEST_URL: "http://127.0.0.1:1",
      DEST_DBS: "b",
      BACKUP_SCHEDULE: "0 25 * * *",
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('BACKUP_SCHEDULE="0 25 * * *": the hour field (25) is out of range 0-23');
    expect(r.stdout).toBe("");
  });

  it("exits 1 with a one-line reason when a server cannot be reached, its hint once whatever the retries", async () => {
    const r = await run({
      SOURCE_URL: "http://127.0.0.1:1",
      SOURCE_DBS: "a",
      DEST_URL: "http://127.0.0.1:1",
      DEST_DBS: "b",
      LOG_FILE: path.join(tmp, "unreachable.log"),
      MAX_RETRIES: "1",
      RETRY_BASE_DELAY: "100ms",
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/ERROR .*cannot reach source InfluxDB at http:\/\/127\.0\.0\.1:1: ECONNREFUSED/);
    expect(r.stdout).toMatch(/WARNING .*retry 1\/1/);
    expect(r.stdout.match(/nothing listens on/g)).toHaveLength(1);
    expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it("names the databases and says the host name is not known when it does not resolve (backup and verify)", async () => {
    const env = {
      SOURCE_URL: "http://no-such-host.invalid:8086",
      SOURCE_DBS: "telegraf,app",
      DEST_URL: source.url,
      DEST_DBS: "telegraf_copy,app_copy",
      LOG_FILE: path.join(tmp, "enotfound.log"),
      MAX_RETRIES: "0",
    };
    const r = await run(env);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /ERROR +backup of telegraf, app failed: cannot reach source InfluxDB at http:\/\/no-such-host\.invalid:8086: ENOTFOUND — the host name "no-such-host\.invalid" is not known on this network: check SOURCE_URL; in Docker, .*INFLUXDB_NETWORK/,
    );
    expect(r.stdout).toMatch(/backup finished with failures: .*2 failures/);
    expect(r.stdout).not.toContain("backup of *");
    const verify = await run(env, ["verify"]);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toMatch(
      /ERROR +verification of telegraf, app failed: cannot reach source .*ENOTFOUND — the host name/,
    );
  });

  it("says nothing listens on a refused port of the destination, and what localhost means in a container", async () => {
    const r = await run({
      SOURCE_URL: source.url,
      SOURCE_DBS: "telegraf",
      DEST_URL: "http://localhost:1",
      DEST_DBS: "telegraf_copy",
      LOG_FILE: path.join(tmp, "refused.log"),
      MAX_RETRIES: "0",
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /ERROR +backup of telegraf failed: cannot reach destination InfluxDB at http:\/\/localhost:1: ECONNREFUSED — nothing listens on localhost:1: check the port in DEST_URL.*localhost is the container itself: use the server's service name, or host\.docker\.internal/,
    );
  });

  it("backs up with credentials in the URL, creates the log file and folder, and never logs the password", async () => {
    const db = freshName("cli");
    await secured.queryText(`CREATE DATABASE ${db}`, undefined, ["admin", PASSWORD]);
    const write = await fetch(`${secured.url}/write?db=${db}&u=admin&p=${encodeURIComponent(PASSWORD)}`, {
      method: "POST",
      body: `m,host=a v=1.5 ${START}`,
    });
    expect(write.status).toBe(204);
    const logFile = path.join(tmp, "nested", "folder", "backup.log");
    const u = new URL(secured.url);
    u.username = "admin";
    u.password = encodeURIComponent(PASSWORD);
    const r = await run({
      SOURCE_URL: u.href,
      SOURCE_DBS: db,
      DEST_URL: source.url,
      DEST_DBS: `${db}_copy`,
      LOG_FILE: logFile,
      LOG_LEVEL: "DEBUG",
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/backup finished/);
    const fileText = fs.readFileSync(logFile, "utf8");
    expect(fileText).toMatch(/copied .*\.autogen\.m/);
    for (const text of [r.stdout, fileText]) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(encodeURIComponent(PASSWORD));
    }
    const copied = await source.query(`SELECT * FROM m`, `${db}_copy`);
    expect(copied.results[0]!.series![0]!.values).toEqual([["2024-01-01T00:00:00Z", "a", 1.5]]);
  });

  it("verify: exits 0 when the copy matches, 1 with a table naming what differs when it does not", async () => {
    const db = freshName("cliver");
    await source.queryText(`CREATE DATABASE ${db}`);
    const lines = Array.from(
      { length: 30 },
      (_, i) => `m,host=h${i % 3} v=${i}.5 ${START + BigInt(i) * 600_000_000_000n}`,
    );
    expect((await fetch(`${source.url}/write?db=${db}`, { method: "POST", body: lines.join("\n") })).status).toBe(204);
    const env = {
      SOURCE_URL: source.url,
      SOURCE_DBS: db,
      DEST_URL: source.url,
      DEST_DBS: `${db}_copy`,
      LOG_FILE: path.join(tmp, "verify.log"),
    };
    expect((await run(env)).code).toBe(0);
    expect((await run(env, ["verify"])).code).toBe(0);
    await source.queryText(`DROP SERIES FROM m WHERE host='h1'`, `${db}_copy`);
    const bad = await run(env, ["verify"]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/measurement\s+series\s+windows\s+missing\s+mismatches/);
    expect(bad.stdout).toMatch(/1 series missing \(host=h1\)/);
    expect(bad.stdout).toMatch(/verification FAILED/);
  });

  it("names the database, server, user and the variables to check when authentication fails, without a stack trace or the password", async () => {
    // Through a proxy that sees every answer, with retries on: a 401 must not be asked again.
    const proxy = await new HttpProxy(secured.url).start();
    const r = await run({
      SOURCE_URL: proxy.url,
      SOURCE_USER: "admin",
      SOURCE_PASSWORD: "wrong-password",
      SOURCE_DBS: "x",
      DEST_URL: source.url,
      DEST_DBS: "y",
      LOG_FILE: path.join(tmp, "auth.log"),
      MAX_RETRIES: "5",
      RETRY_BASE_DELAY: "100ms",
    }).finally(() => proxy.stop());
    expect(proxy.exchanges.filter((e) => e.status === 401)).toHaveLength(1);
    expect(r.stdout).not.toMatch(/retry \d/);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /backup of x failed: source InfluxDB at http:\/\/[^ ]+ answered HTTP 401 .* — check SOURCE_USER "admin" and SOURCE_PASSWORD \(or SOURCE_PASSWORD_FILE\); the user needs READ on the databases it copies/,
    );
    expect(r.stdout).not.toContain("wrong-password");
    expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /);
  });

  it("names the destination user and the grants it lacks when a user without admin rights cannot create the database", async () => {
    const db = freshName("grants");
    await source.queryText(`CREATE DATABASE ${db}`);
    expect((await fetch(`${source.url}/write?db=${db}`, { method: "POST", body: `m v=1 ${START}` })).status).toBe(204);
    const admin: [string, string] = ["admin", PASSWORD];
    await secured.queryText(`CREATE DATABASE ${db}_copy`, undefined, admin);
    await secured.queryText(`CREATE USER writer WITH PASSWORD 'writer-pw'`, undefined, admin);
    await secured.queryText(`GRANT WRITE ON ${db}_copy TO writer`, undefined, admin);
    const r = await run({
      SOURCE_URL: source.url,
      SOURCE_DBS: db,
      DEST_URL: secured.url,
      DEST_USER: "writer",
      DEST_PASSWORD: "writer-pw",
      DEST_DBS: `${db}_copy`,
      LOG_FILE: path.join(tmp, "grants.log"),
      MAX_RETRIES: "0",
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      new RegExp(
        `backup of ${db} failed: destination InfluxDB at http://[^ ]+ answered HTTP 403 .* — DEST_USER "writer" is not allowed to do this; the user needs WRITE on the databases it writes to, and admin \\(ALL PRIVILEGES\\) to create databases and retention policies`,
      ),
    );
    expect(r.stdout).not.toContain("writer-pw");
  });
});
