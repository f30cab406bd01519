/**
 * `restore` against real servers: a source with several retention policies, a continuous
 * query, tags, every field type and renames is backed up, then restored into an empty server:
 * the data comes back exactly, with its retention policies and continuous query, verification
 * against the backup passes, and a partial restore brings back exactly one deleted day.
 */
import { DAY, MINUTE, cpuLines, writeAll } from "./helpers/dataset";
import { freshName, seriesOf, startInflux, type InfluxServer } from "./helpers/influxServer";
import { useServerPair } from "./helpers/serverPair";
import { expectSameAnswer } from "./helpers/compare";
import { backup, restore, verify } from "./helpers/runBackup";
import { nsToRfc3339 } from "../../src/influx/time";

const servers = useServerPair("raw");
let source: InfluxServer;
let dest: InfluxServer;
let target: InfluxServer;
beforeAll(async () => {
  ({ source, dest } = servers);
  target = await startInflux();
});
afterAll(async () => {
  await target?.stop();
});

/** Four days ago, off any bucket boundary (the one-year policy keeps it). */
const START = ((BigInt(Date.now()) * 1_000_000n) / DAY - 4n) * DAY + 137_123_456_789n;

async function seedPrimary(db: string): Promise<void> {
  await source.query(`CREATE DATABASE ${db}`);
  await source.query(
    `CREATE RETENTION POLICY "one_year" ON "${db}" DURATION 52w REPLICATION 1 SHARD DURATION 1d DEFAULT`,
  );
  await source.query(`CREATE RETENTION POLICY "forever" ON "${db}" DURATION INF REPLICATION 1`);
  await writeAll(
    (l) => source.write(db, l, "one_year"),
    cpuLines({ start: START, end: START + 3n * DAY, stepNs: 10n * MINUTE }),
  );
  await source.write(db, `hourly,host=h1 usage=1.5 ${START}`, "forever");
  await source.write(
    db,
    `odd\\ name,tag\\,x=a\\=b f=-0.5,i=9223372036854775807i,s="q\\"uote",b=true ${START}`,
    "one_year",
  );
  await source.query(
    `CREATE CONTINUOUS QUERY "cq_hourly" ON "${db}" BEGIN SELECT mean("usage") AS "usage" INTO "${db}"."forever"."hourly" FROM "${db}"."one_year"."cpu" GROUP BY time(1h), * END`,
  );
}

const everything = `SELECT * FROM /.*/ GROUP BY *`;

describe("restore", () => {
  it("brings an empty server back: data exactly, retention policies, continuous queries; verify passes", async () => {
    const db = freshName("prod");
    const backupDb = freshName("prod_b");
    await seedPrimary(db);
    const env = servers.envFor(db, backupDb, {
      MEASUREMENT_RENAMES: "cpu:processor",
      FIELD_RENAMES: "processor:usage:busy",
    });
    expect((await backup(env)).summary.ok).toBe(true);

    // The primary is lost; a new, empty server takes its place.
    const restoreEnv = { ...env, RESTORE_URL: target.url };
    const run = await restore(restoreEnv);
    expect(run.summary.ok).toBe(true);
    expect(run.log).toMatch(/restore plan: \S+ on the backup -> \S+ on restore target .* already holds 0 point\(s\)/);
    expect(run.log).toMatch(/recreated continuous query cq_hourly/);

    for (const rp of ["one_year", "forever"]) {
      await expectSameAnswer(source, db, target, db, `SELECT * FROM "${rp}"./.*/ GROUP BY *`);
    }
    const policies = (server: InfluxServer) =>
      server
        .query(`SHOW RETENTION POLICIES ON "${db}"`)
        .then((a) => [...seriesOf(a)[0]!.values!].sort((x, y) => String(x[0]).localeCompare(String(y[0]))));
    expect(await policies(target)).toEqual(await policies(source));
    const cqs = (server: InfluxServer) =>
      server.query("SHOW CONTINUOUS QUERIES").then((a) => seriesOf(a).find((s) => s.name === db)?.values);
    expect(await cqs(target)).toEqual(await cqs(source));

    // Verification of the restored server against the backup.
    const checked = await verify({ ...env, SOURCE_URL: target.url });
    expect(checked.result.ok).toBe(true);
  });

  it("restores exactly one deleted day into a live server", async () => {
    const db = freshName("live");
    const backupDb = freshName("live_b");
    await seedPrimary(db);
    const env = servers.envFor(db, backupDb);
    expect((await backup(env)).summary.ok).toBe(true);
    const dayStart = START + DAY;
    const dayEnd = dayStart + DAY;
    const before = await source.queryText(everything, db);
    // By mistake, a day is deleted on the primary, which goes on running.
    await source.query(`DELETE FROM /.*/ WHERE time >= ${dayStart} AND time < ${dayEnd}`, db);
    expect(await source.queryText(everything, db)).not.toBe(before);

    const run = await restore({ ...env, BACKUP_START: nsToRfc3339(dayStart), BACKUP_END: nsToRfc3339(dayEnd) });
    expect(run.summary.ok).toBe(true);
    expect(run.summary.pointsWritten).toBeGreaterThan(0);
    expect(run.log).toMatch(/the target already holds 0 point\(s\) in /);
    expect(await source.queryText(everything, db)).toBe(before);
  });

  it("refuses to restore a backup database onto itself, naming what to set", async () => {
    await expect(restore({ ...servers.envFor("a", "a"), RESTORE_URL: `${dest.url}/` })).rejects.toThrow(
      /DEST_URL=\S+ and RESTORE_URL=\S+ are the same InfluxDB server .* would write into the database a it reads: set RESTORE_URL/,
    );
  });
});
