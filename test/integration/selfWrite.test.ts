/**
 * A backup, a repairing verification or a restore never writes into what it reads: one real
 * InfluxDB reached by two addresses (localhost and 127.0.0.1, or through a TCP proxy) is known
 * as one server, and a run whose destination database is one it reads is refused with exit 2
 * before anything is written. An archive into another database of the same server still works.
 * Runs `node dist/main.js` (npm run build first) in an empty folder with only the test's variables.
 */
import fs from "node:fs";
import path from "node:path";
import { DAY, MINUTE, START, cpuLines, writeAll } from "./helpers/dataset";
import { expectSameAnswer } from "./helpers/compare";
import { freshName, startInflux, type InfluxServer } from "./helpers/influxServer";
import { MAIN, runProgram, tempDir, type Exit } from "./helpers/program";
import { TcpProxy } from "./helpers/tcpProxy";

let server: InfluxServer;
let proxy: TcpProxy;
let byName: string;
let byIp: string;

/** The built program with no health port and a state folder of its own. */
function run(env: Record<string, string>, args: string[] = []): Promise<Exit> {
  return runProgram({ HEALTH_PORT: "0", STATE_DIR: path.join(tempDir(), "state"), ...env }, args);
}

beforeAll(async () => {
  expect(fs.existsSync(MAIN)).toBe(true);
  server = await startInflux();
  const port = new URL(server.url).port;
  byName = `http://localhost:${port}`;
  byIp = `http://127.0.0.1:${port}`;
  proxy = await new TcpProxy("127.0.0.1", Number(port)).start();
});
afterAll(async () => {
  await proxy?.stop();
  await server?.stop();
});

/** A primary database with two retention policies and two measurements. */
async function seedPrimary(): Promise<string> {
  const db = freshName("primary");
  await server.query(`CREATE DATABASE ${db}`);
  await server.query(`CREATE RETENTION POLICY "forever" ON "${db}" DURATION INF REPLICATION 1`);
  await writeAll((l) => server.write(db, l), cpuLines({ start: START, end: START + DAY / 4n, stepNs: 10n * MINUTE }));
  await server.write(
    db,
    `hourly,host=h1 usage=1.5,n=7i ${START}\nhourly,host=h2 usage=2.25,n=-3i ${START + 1n}`,
    "forever",
  );
  return db;
}

/** Everything a run could change on the server: its databases, and the primary's policies and points. */
async function everything(db: string): Promise<string[]> {
  return [
    await server.queryText("SHOW DATABASES"),
    await server.queryText(`SHOW RETENTION POLICIES ON "${db}"`),
    await server.queryText("SHOW MEASUREMENTS", db),
    await server.queryText(`SELECT * FROM "autogen"."cpu" GROUP BY *`, db),
    await server.queryText(`SELECT * FROM "forever"."hourly" GROUP BY *`, db),
  ];
}

/** Runs `env`, expects a refusal with exit 2 naming `message`, and the server exactly as before. */
async function expectRefused(db: string, env: Record<string, string>, message: RegExp, args: string[] = []) {
  const before = await everything(db);
  expect(before[3]).toContain('"values"');
  const exit = await run(env, args);
  expect(exit.output).toMatch(message);
  expect(exit.code).toBe(2);
  expect(await everything(db)).toEqual(before);
  expect(before[0]).not.toContain("influxdb_backup_meta");
}

describe("a run that would write into what it reads", () => {
  it.each([
    ["raw", "localhost vs 127.0.0.1", () => [byIp, byName]],
    ["5m", "127.0.0.1 vs a TCP proxy", () => [byIp, proxy.url]],
  ])("is refused in %s mode (%s) with exit 2, the source unchanged", async (groupBy, _how, urls) => {
    const db = await seedPrimary();
    const [sourceUrl, destUrl] = urls();
    await expectRefused(
      db,
      { SOURCE_URL: sourceUrl!, DEST_URL: destUrl!, SOURCE_DBS: db, DEST_DBS: db, SOURCE_GROUP_BY: groupBy },
      new RegExp(
        `SOURCE_URL=${sourceUrl} and DEST_URL=${destUrl} are the same InfluxDB server \\(both report the InfluxDB process started at \\S+, in /debug/vars\\); ` +
          `DEST_DBS=${db} would write into the database ${db} it reads: set DEST_DBS to other names or DEST_URL to another server`,
      ),
    );
  });

  it("is refused for SOURCE_DBS=* onto the same server, a scheduled daemon included", async () => {
    const db = await seedPrimary();
    const env = { SOURCE_URL: byName, DEST_URL: proxy.url, SOURCE_DBS: "*", SOURCE_GROUP_BY: "raw" };
    const message = new RegExp(
      `SOURCE_DBS=\\* \\(every database keeps its name\\) would write into the databases .*\\b${db}\\b.* it reads: list the databases in SOURCE_DBS`,
    );
    await expectRefused(db, env, message);
    await expectRefused(db, { ...env, BACKUP_SCHEDULE: "0 3 * * *" }, message);
  });

  it("is refused for verify with VERIFY_REPAIR; without repair it only reads", async () => {
    const db = await seedPrimary();
    const env = { SOURCE_URL: byIp, DEST_URL: byName, SOURCE_DBS: db, DEST_DBS: db, SOURCE_GROUP_BY: "raw" };
    await expectRefused(
      db,
      { ...env, VERIFY_REPAIR: "true" },
      /verification refused: SOURCE_URL=\S+ and DEST_URL=\S+ are the same InfluxDB server .* would write into the database \S+ it reads/,
      ["verify"],
    );
    const readOnly = await run(env, ["verify"]);
    expect(readOnly.code).toBe(0);
  });

  it("is refused for a restore onto the backup database itself", async () => {
    const db = await seedPrimary();
    await expectRefused(
      db,
      { SOURCE_URL: byName, DEST_URL: byIp, RESTORE_URL: proxy.url, SOURCE_DBS: db, DEST_DBS: db },
      new RegExp(
        `restore refused: DEST_URL=${byIp} and RESTORE_URL=${proxy.url} are the same InfluxDB server .*; ` +
          `restoring ${db} \\(DEST_DBS\\) as ${db} \\(SOURCE_DBS\\) would write into the database ${db} it reads: set RESTORE_URL`,
      ),
      ["restore"],
    );
  });
});

describe("an archive beside the primary on the same server", () => {
  it("is backed up exactly into another database, and restores into a third one", async () => {
    const db = await seedPrimary();
    const archive = freshName("archive");
    const env = { SOURCE_URL: byIp, DEST_URL: byName, SOURCE_DBS: db, DEST_DBS: archive, SOURCE_GROUP_BY: "raw" };
    const exit = await run(env);
    expect(exit.output).toMatch(/are the same InfluxDB server .*; every database written is one it does not read/);
    expect(exit.code).toBe(0);
    for (const rp of ["autogen", "forever"]) {
      await expectSameAnswer(server, db, server, archive, `SELECT * FROM "${rp}"./.*/ GROUP BY *`);
    }
    expect(await server.queryText("SHOW DATABASES")).toContain("influxdb_backup_meta");

    const restored = freshName("restored");
    const back = await run({ ...env, SOURCE_DBS: restored, RESTORE_URL: proxy.url }, ["restore"]);
    expect(back.code).toBe(0);
    for (const rp of ["autogen", "forever"]) {
      await expectSameAnswer(server, db, server, restored, `SELECT * FROM "${rp}"./.*/ GROUP BY *`);
    }
  });
});
