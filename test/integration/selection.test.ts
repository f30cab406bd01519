/**
 * Choosing what to copy, end to end against real servers: include/exclude lists with
 * regexes, excluded fields, measurement and field renames (also through incremental resume
 * and verify), bounded backfills, dry runs and progress lines.
 */
import { MINUTE, START } from "./helpers/dataset";
import { fieldTypes, freshName, seriesOf, type JsonAnswer } from "./helpers/influxServer";
import { backup, verify } from "./helpers/runBackup";
import { useServerPair } from "./helpers/serverPair";

const servers = useServerPair("raw");

async function seed(): Promise<string> {
  const src = freshName("sel");
  await servers.source.query(`CREATE DATABASE ${src}`);
  const lines: string[] = [];
  for (let i = 0n; i < 48n; i++) {
    const t = START + i * 60n * MINUTE;
    lines.push(`cpu,host=a usage=${i}.5,secret="s${i}",n=${i}i ${t}`);
    lines.push(`cpu_debug,host=a v=${i} ${t}`);
    lines.push(`cpu\\,total,host=a v=${i} ${t}`);
    lines.push(`mem,host=a used=${i}.25,n=${i}i ${t}`);
    lines.push(`disk,host=a free=${i} ${t}`);
  }
  await servers.source.write(src, lines.join("\n"));
  return src;
}

async function measurements(db: string): Promise<string[]> {
  const a = await servers.dest.query(`SHOW MEASUREMENTS`, db);
  return (a.results[0]!.series?.[0]!.values ?? []).flat() as string[];
}

/**
 * The destination answers `destQuery` with the source's answer to `sourceQuery` (which renames
 * the fields with AS), measurements renamed by `names`: same series, tags, RFC3339 nanosecond
 * times and values, compared as the servers' JSON text.
 */
async function expectRenamed(
  src: string,
  sourceQuery: string,
  dst: string,
  destQuery: string,
  names: Record<string, string> = {},
): Promise<void> {
  const expected = JSON.parse(await servers.source.queryText(sourceQuery, src)) as JsonAnswer;
  for (const s of seriesOf(expected)) s.name = names[s.name!] ?? s.name;
  expect(seriesOf(expected).length).toBeGreaterThan(0);
  expect((await servers.dest.queryText(destQuery, dst)).trimEnd()).toBe(JSON.stringify(expected));
}

describe("choosing what to copy", () => {
  it("includes by name and regex, excludes by regex, and reads escaped commas", async () => {
    const src = await seed();
    const dst = freshName("sel_b");
    const { summary } = await backup(
      servers.envFor(src, dst, { MEASUREMENTS: "/^cpu/,mem", MEASUREMENTS_EXCLUDE: "/_debug$/" }),
    );
    expect(summary.ok).toBe(true);
    expect(await measurements(dst)).toEqual(["cpu", "cpu,total", "mem"]);
    const only = freshName("sel_c");
    expect((await backup(servers.envFor(src, only, { MEASUREMENTS: "cpu\\,total" }))).summary.ok).toBe(true);
    expect(await measurements(only)).toEqual(["cpu,total"]);
  });

  it("leaves out excluded fields and renames measurements and fields, also when resuming and verifying", async () => {
    const src = await seed();
    const dst = freshName("ren_b");
    const env = servers.envFor(src, dst, {
      MEASUREMENTS: "cpu,mem",
      EXCLUDED_FIELDS: "cpu:secret,*:n",
      MEASUREMENT_RENAMES: "cpu:processor",
      FIELD_RENAMES: "*:used:used_percent,processor:x:y,cpu:usage:busy",
    });
    expect((await backup(env)).summary.ok).toBe(true);
    expect(await measurements(dst)).toEqual(["mem", "processor"]);
    expect(await fieldTypes(servers.dest, dst, "/.*/")).toEqual({
      "mem.used_percent": "float",
      "processor.busy": "float",
    });
    // Every value under its new name: the same tags, nanosecond times and values as the source's, nothing else.
    await expectRenamed(
      src,
      `SELECT "used" AS "used_percent" FROM mem GROUP BY *`,
      dst,
      `SELECT * FROM mem GROUP BY *`,
    );
    // Resume reads the cursor and the newest point under the new names: new data only.
    await servers.source.write(src, `cpu,host=a usage=99.5 ${START + 48n * 60n * MINUTE}`);
    const again = await backup(env);
    expect(again.summary.ok).toBe(true);
    expect(again.summary.pointsWritten).toBe(1); // the new cpu point (the newest points copied before are long past the clock)
    await expectRenamed(
      src,
      `SELECT "usage" AS "busy" FROM cpu GROUP BY *`,
      dst,
      `SELECT * FROM processor GROUP BY *`,
      {
        cpu: "processor",
      },
    );
    const rows = await servers.dest.query(`SELECT count(busy) FROM processor`, dst);
    expect(rows.results[0]!.series![0]!.values![0]![1]).toBe(49);
    const checked = await verify(env);
    expect(checked.result.ok).toBe(true);
    expect(checked.result.measurements.map((m) => m.measurement)).toEqual(["cpu", "mem"]);
  });

  it("copies only BACKUP_START..BACKUP_END in a backfill, and treats BACKUP_START alone as a floor", async () => {
    const src = await seed();
    const dst = freshName("range_b");
    const from = START + 10n * 60n * MINUTE;
    const to = START + 20n * 60n * MINUTE;
    const iso = (ns: bigint) => new Date(Number(ns / 1_000_000n)).toISOString();
    const env = servers.envFor(src, dst, { MEASUREMENTS: "disk", BACKUP_START: iso(from), BACKUP_END: iso(to) });
    expect((await backup(env)).summary.ok).toBe(true);
    const rows = await servers.dest.query(`SELECT free FROM disk`, dst);
    expect(rows.results[0]!.series![0]!.values!.map((r) => r[1])).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    const floor = freshName("floor_b");
    expect(
      (
        await backup(
          servers.envFor(src, floor, { MEASUREMENTS: "disk", BACKUP_START: iso(START + 45n * 60n * MINUTE) }),
        )
      ).summary.ok,
    ).toBe(true);
    const f = await servers.dest.query(`SELECT free FROM disk`, floor);
    expect(f.results[0]!.series![0]!.values!.map((r) => r[1])).toEqual([45, 46, 47]);
  });

  it("plans a dry run with windows and estimated points, and writes nothing", async () => {
    const src = await seed();
    const dst = freshName("dry_b");
    const { summary, log } = await backup(servers.envFor(src, dst, { DRY_RUN: "true", DAYS_OF_PAGINATION: "1" }));
    expect(summary.ok).toBe(true);
    expect(log).toMatch(/dry run: would copy \S+\.autogen\.cpu -> \S+\.autogen\.cpu .*windows=2 estimatedPoints=48/);
    expect(log).toMatch(/dry run: would copy \S+\.autogen\.disk .*estimatedPoints=48/);
    const dbs = (await servers.dest.query(`SHOW DATABASES`)).results[0]!.series![0]!.values!.flat();
    expect(dbs).not.toContain(dst);
  });

  it("logs progress per measurement at PROGRESS_INTERVAL", async () => {
    const src = await seed();
    const { log } = await backup(
      servers.envFor(src, freshName("prog_b"), {
        MEASUREMENTS: "cpu",
        DAYS_OF_PAGINATION: "0.1",
        PROGRESS_INTERVAL: "1ns",
      }),
    );
    expect(log).toMatch(/INFO .*progress \S+\.autogen\.cpu: windows 1\/\d+, \d+ points, \d+ points\/s, ETA \S+/);
  });
});
