/**
 * What a run reads: a BACKUP_START relative to the run, a backfill that leaves the resume
 * cursors alone, and SOURCE_DBS=* against a source whose `_internal` database really holds
 * data (the monitor store on, which the other test servers leave to chance).
 */
import fs from "node:fs";
import path from "node:path";
import { DAY, MINUTE, NS, START } from "./helpers/dataset";
import { freshName, startInflux, type InfluxServer } from "./helpers/influxServer";
import { tempDir, waitFor } from "./helpers/program";
import { backup } from "./helpers/runBackup";

let source: InfluxServer;
let dest: InfluxServer;

beforeAll(async () => {
  [source, dest] = await Promise.all([
    startInflux({ INFLUXDB_MONITOR_STORE_ENABLED: "true", INFLUXDB_MONITOR_STORE_INTERVAL: "1s" }),
    startInflux({ INFLUXDB_MONITOR_STORE_ENABLED: "false" }),
  ]);
});
afterAll(async () => {
  await Promise.all([source?.stop(), dest?.stop()]);
});

/** The run's clock: 2024-03-01T00:00:00Z, so that "-30d" falls on a bucket boundary. */
const NOW_MS = Date.UTC(2024, 2, 1);
const NOW_NS = BigInt(NOW_MS) * 1_000_000n;
/** RFC3339 as InfluxDB writes it in answers (no zero milliseconds). */
const iso = (ns: bigint) => new Date(Number(ns / 1_000_000n)).toISOString().replace(".000Z", "Z");

/** Two series, a point every 12 h over the 40 days before the clock, and one on each side of now - 30d. */
async function seedMonth(db: string): Promise<void> {
  await source.query(`CREATE DATABASE ${db}`);
  const floor = NOW_NS - 30n * DAY;
  const times: bigint[] = [floor - 1n, floor];
  for (let t = NOW_NS - 40n * DAY + 12n * MINUTE; t < NOW_NS; t += DAY / 2n) times.push(t);
  const lines = times.flatMap((t, i) => ["a", "b"].map((host) => `m,host=${host} v=${i}.5 ${t}`));
  await source.write(db, lines.join("\n"));
}

async function databases(server: InfluxServer): Promise<string[]> {
  return ((await server.query(`SHOW DATABASES`)).results[0]!.series![0]!.values ?? []).flat() as string[];
}

describe("BACKUP_START relative to the run", () => {
  it("raw: copies exactly the points from now - 30d on", async () => {
    const src = freshName("rel_raw");
    const dst = freshName("rel_raw_b");
    await seedMonth(src);
    const env = { SOURCE_URL: source.url, SOURCE_DBS: src, DEST_URL: dest.url, DEST_DBS: dst };
    const run = await backup({ ...env, SOURCE_GROUP_BY: "raw", BACKUP_START: "-30d" }, { now: () => NOW_MS });
    expect(run.summary.ok).toBe(true);
    const floor = iso(NOW_NS - 30n * DAY);
    const expected = await source.queryText(`SELECT * FROM m WHERE time >= '${floor}' GROUP BY *`, src);
    expect(expected).toContain(`"${floor}"`); // the point on the floor is in, the one 1 ns before is not
    expect(await dest.queryText(`SELECT * FROM m GROUP BY *`, dst)).toBe(expected);
  });

  it("5m: copies exactly the buckets from now - 30d on", async () => {
    const src = freshName("rel_5m");
    const dst = freshName("rel_5m_b");
    await seedMonth(src);
    const env = { SOURCE_URL: source.url, SOURCE_DBS: src, DEST_URL: dest.url, DEST_DBS: dst };
    const run = await backup({ ...env, SOURCE_GROUP_BY: "5m", BACKUP_START: "-30d" }, { now: () => NOW_MS });
    expect(run.summary.ok).toBe(true);
    const floor = iso(NOW_NS - 30n * DAY);
    const expected = await source.queryText(
      `SELECT mean(v) AS v FROM m WHERE time >= '${floor}' AND time < '${iso(NOW_NS)}' GROUP BY time(5m), * fill(none)`,
      src,
    );
    expect(expected).toContain(`"${floor}"`);
    expect(await dest.queryText(`SELECT v FROM m GROUP BY *`, dst)).toBe(expected);
  });
});

describe("a backfill (BACKUP_START and BACKUP_END)", () => {
  it("copies its range again whatever the destination holds, and leaves the resume cursors alone", async () => {
    const src = freshName("backfill");
    const dst = freshName("backfill_b");
    await seedMonth(src);
    const stateDir = tempDir("influxdb-backup-backfill-");
    const env = {
      SOURCE_URL: source.url,
      SOURCE_DBS: src,
      DEST_URL: dest.url,
      DEST_DBS: dst,
      SOURCE_GROUP_BY: "raw",
      STATE_DIR: stateDir,
    };
    expect((await backup(env, { now: () => NOW_MS })).summary.ok).toBe(true);
    const cursors = fs.readFileSync(path.join(stateDir, "cursors.json"), "utf8");
    expect(cursors).toContain(src);
    const [from, to] = [iso(NOW_NS - 35n * DAY), iso(NOW_NS - 33n * DAY)];
    await dest.query(`DELETE FROM m WHERE time >= '${from}' AND time < '${to}'`, dst);
    const q = `SELECT * FROM m GROUP BY *`;
    expect(await dest.queryText(q, dst)).not.toBe(await source.queryText(q, src));
    const backfill = await backup({ ...env, BACKUP_START: from, BACKUP_END: to }, { now: () => NOW_MS });
    expect(backfill.summary.ok).toBe(true);
    expect(backfill.summary.pointsWritten).toBe(2 * 4); // 2 days of a point every 12 h, 2 series
    expect(await dest.queryText(q, dst)).toBe(await source.queryText(q, src));
    expect(fs.readFileSync(path.join(stateDir, "cursors.json"), "utf8")).toBe(cursors);
  });
});

describe("SOURCE_DBS=*", () => {
  it("leaves out _internal and influxdb_backup_meta of a source that holds both", async () => {
    await waitFor(async () => {
      if (!(await databases(source)).includes("_internal")) return undefined;
      const answer = await source.query(`SELECT count(*) FROM "_internal"."monitor"."runtime"`);
      return answer.results[0]?.series ? true : undefined;
    }, "the source's monitor to record into _internal");
    expect(await databases(dest)).not.toContain("_internal");
    // The source is itself the destination of another backup: its metadata database must not come along.
    await source.query(`CREATE DATABASE influxdb_backup_meta`);
    await source.write("influxdb_backup_meta", `planted_by_the_test v=1 ${START}`);
    const db = freshName("star");
    await source.query(`CREATE DATABASE ${db}`);
    await source.write(db, `m,host=a v=1.5 ${START + 10n * NS}`);

    const run = await backup({ SOURCE_URL: source.url, SOURCE_DBS: "*", DEST_URL: dest.url, SOURCE_GROUP_BY: "raw" });
    expect(run.summary.ok).toBe(true);
    const copied = await databases(dest);
    expect(copied).toContain(db);
    expect(copied).not.toContain("_internal");
    expect(await dest.queryText(`SELECT * FROM m`, db)).toBe(await source.queryText(`SELECT * FROM m`, db));
    const meta = await dest.query(`SHOW MEASUREMENTS`, "influxdb_backup_meta");
    const names = (meta.results[0]?.series?.[0]?.values ?? []).flat();
    expect(names.length).toBeGreaterThan(0); // the destination's own record of this run
    expect(names).not.toContain("planted_by_the_test");
    expect(run.log).not.toMatch(/copying database (_internal|influxdb_backup_meta)/);
  });
});
