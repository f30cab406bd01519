/**
 * README "Users and grants": a source user with only READ on the databases is enough to copy
 * the data; without admin rights the run warns that continuous queries and users cannot be
 * listed, records the retention policies, and still succeeds. Against a real InfluxDB with
 * authentication on.
 */
import { DAY, START, cpuLines, writeAll } from "./helpers/dataset";
import { freshName, startInflux, type InfluxServer } from "./helpers/influxServer";
import { backup } from "./helpers/runBackup";

const ADMIN: [string, string] = ["admin", "admin-pw"];
const READER: [string, string] = ["backup_reader", "reader-pw"];

let source: InfluxServer;
let dest: InfluxServer;

/** A statement run as the source's admin; fails the test on any error. */
async function asAdmin(q: string, db?: string): Promise<string> {
  const text = await source.queryText(q, db, ADMIN);
  if (/"error"/.test(text)) throw new Error(`${q}: ${text}`);
  return text;
}

async function writeAsAdmin(db: string, lines: string): Promise<void> {
  const params = new URLSearchParams({ db, u: ADMIN[0], p: ADMIN[1] });
  const res = await fetch(`${source.url}/write?${params}`, { method: "POST", body: lines });
  if (res.status !== 204) throw new Error(`write failed: HTTP ${res.status} ${await res.text()}`);
}

beforeAll(async () => {
  [source, dest] = await Promise.all([startInflux({ INFLUXDB_HTTP_AUTH_ENABLED: "true" }), startInflux()]);
  // With auth on and no users yet, InfluxDB lets the first admin be created.
  await source.queryText(`CREATE USER ${ADMIN[0]} WITH PASSWORD '${ADMIN[1]}' WITH ALL PRIVILEGES`);
  await asAdmin(`CREATE USER ${READER[0]} WITH PASSWORD '${READER[1]}'`);
});
afterAll(async () => {
  await Promise.all([source?.stop(), dest?.stop()]);
});

describe("a source user with only READ on the database", () => {
  it("copies the data exactly, records the retention policies, and warns that continuous queries and users are not recorded", async () => {
    const src = freshName("ro");
    const dst = freshName("ro_b");
    await asAdmin(`CREATE DATABASE ${src}`);
    await writeAll((l) => writeAsAdmin(src, l), cpuLines({ end: START + DAY, seed: 7 }));
    await asAdmin(
      `CREATE CONTINUOUS QUERY cq_hourly ON ${src} BEGIN SELECT mean(usage) INTO cpu_1h FROM cpu GROUP BY time(1h), * END`,
    );
    await asAdmin(`GRANT READ ON ${src} TO ${READER[0]}`);

    const run = await backup({
      SOURCE_URL: source.url,
      SOURCE_DBS: src,
      SOURCE_USER: READER[0],
      SOURCE_PASSWORD: READER[1],
      DEST_URL: dest.url,
      DEST_DBS: dst,
      SOURCE_GROUP_BY: "raw",
    });

    expect(run.summary.ok).toBe(true);
    const q = `SELECT * FROM cpu GROUP BY *`;
    expect(await dest.queryText(q, dst)).toBe(await asAdmin(q, src));
    expect(run.log).toMatch(/warn.*cannot list the source's continuous queries.*source user needs admin rights/i);
    expect(run.log).toMatch(/users and grants are not recorded/);
    const recorded = await dest.query(
      `SELECT retention_policies, continuous_queries, "users" FROM snapshots`,
      "influxdb_backup_meta",
    );
    expect(recorded.results[0]?.series?.[0]?.values?.at(-1)?.slice(1)).toEqual([1, 0, -1]);
  });
});
