/**
 * Aggregated mode (SOURCE_GROUP_BY is a duration) against real InfluxDB servers: the
 * destination must equal what the source computes itself in one query over the whole range.
 */
import { actualPoints, diffPoints, expectSameAggregate, expectedAggregate } from "./helpers/compare";
import { CPU_FIELDS, DAY, MINUTE, START, cpuLines, eventLines, writeAll } from "./helpers/dataset";
import { fieldTypes, freshName, type InfluxServer } from "./helpers/influxServer";
import { useServerPair } from "./helpers/serverPair";
import { backup } from "./helpers/runBackup";

const SECOND = 1_000_000_000n;

const EVENT_FIELDS = { message: "string", ok: "boolean" } as const;

const servers = useServerPair("5m");
const envFor = servers.envFor;
let source: InfluxServer;
let dest: InfluxServer;
beforeAll(() => {
  ({ source, dest } = servers);
});

describe("aggregated backup", () => {
  it("writes one point per series and bucket, paged in windows, identical to one query over the whole range", async () => {
    const src = freshName("agg");
    const dst = freshName("agg_b");
    await source.query(`CREATE DATABASE ${src}`);
    await writeAll(
      (l) => source.write(src, l),
      [...cpuLines({ end: START + 2n * DAY }), ...eventLines(START, START + 2n * DAY)],
    );

    const { summary, log } = await backup(envFor(src, dst, { DAYS_OF_PAGINATION: "0.3" }));

    expect(summary.failures).toEqual([]);
    expect(summary.ok).toBe(true);
    // Two days in windows of 0.3 day: pagination really happened.
    // Paged in windows: every window over the shard group the data is in.
    expect(Number(/copied \S+\.autogen\.cpu .*windows=(\d+) /.exec(log)?.[1])).toBeGreaterThanOrEqual(7);
    // At DEBUG, each query with the time the server took to answer it (docs/operating.md, Logging).
    expect(log).toMatch(
      /source answered in \d+ ms: SELECT mean\("count"\) AS "count", .* FROM "\S+"\."autogen"\."cpu" WHERE/,
    );
    expect(log).toMatch(/destination answered in \d+ ms: CREATE DATABASE/);
    await expectSameAggregate(source, src, dest, dst, "cpu", CPU_FIELDS);
    // A measurement with only string and boolean fields is copied too.
    await expectSameAggregate(source, src, dest, dst, "events", EVENT_FIELDS);
    // Types: integers stay integers, strings and booleans keep their type.
    expect(await fieldTypes(dest, dst, "/.*/")).toEqual({
      "cpu.count": "integer",
      "cpu.state": "string",
      "cpu.up": "boolean",
      "cpu.usage": "float",
      "events.message": "string",
      "events.ok": "boolean",
    });
    // Bucket starts on the destination.
    const times = await dest.query(`SELECT * FROM cpu LIMIT 3`, dst);
    for (const row of times.results[0]!.series![0]!.values!) expect((row[0] as string).endsWith(":00Z")).toBe(true);
  });

  it("joins numeric and non-numeric aggregates into one point per bucket", async () => {
    const src = freshName("join");
    const dst = freshName("join_b");
    await source.query(`CREATE DATABASE ${src}`);
    const t = START;
    await source.write(
      src,
      [
        `m,host=a v=1.5 ${t}`,
        `m,host=a s="late" ${t + MINUTE}`, // same bucket, only a string
        `m,host=b s="alone" ${t}`, // a series with only strings in this bucket
        `m,host=b v=4 ${t + 10n * MINUTE}`,
      ].join("\n"),
    );
    const { summary } = await backup(envFor(src, dst));
    expect(summary.ok).toBe(true);
    const rows = await dest.query(`SELECT * FROM m GROUP BY *`, dst);
    const series = rows.results[0]!.series!;
    expect(series.map((s) => [s.tags, s.values])).toEqual([
      [{ host: "a" }, [["2024-01-01T00:00:00Z", "late", 1.5]]],
      [
        { host: "b" },
        [
          ["2024-01-01T00:00:00Z", "alone", null],
          ["2024-01-01T00:10:00Z", null, 4],
        ],
      ],
    ]);
  });

  it("drops and counts values that aggregate to Infinity, which InfluxDB cannot store", async () => {
    const src = freshName("inf");
    const dst = freshName("inf_b");
    await source.query(`CREATE DATABASE ${src}`);
    // Two huge values in one bucket: their mean overflows to +Inf on the server.
    await source.write(
      src,
      [`big v=1.7e308 ${START}`, `big v=1.7e308 ${START + 1n}`, `big v=2 ${START + 10n * MINUTE}`].join("\n"),
    );
    const { summary, log } = await backup(envFor(src, dst));
    expect(summary.ok).toBe(true);
    expect(summary.nonFiniteDropped).toBe(1);
    expect(log).toMatch(/dropped 1 NaN\/Infinity value/);
    const rows = await dest.query(`SELECT * FROM big`, dst);
    expect(rows.results[0]!.series![0]!.values).toEqual([["2024-01-01T00:10:00Z", 2]]);
  });

  it("resumes incrementally: recomputes the bucket that was still filling, and equals a single run", async () => {
    const src = freshName("inc");
    const dstInc = freshName("inc_b");
    const dstOnce = freshName("inc_once");
    await source.query(`CREATE DATABASE ${src}`);
    const clock = (ns: bigint) => ({ now: () => Number(ns / 1_000_000n) });
    const cut = START + DAY + 2n * MINUTE; // inside a 5m bucket
    await writeAll((l) => source.write(src, l), cpuLines({ end: cut, seed: 7 }));
    // The first run's clock is 10 s after the newest point: its bucket is still filling.
    const env = envFor(src, dstInc, { DAYS_OF_PAGINATION: "0.5" });
    expect((await backup(env, clock(cut + 10n * SECOND))).summary.ok).toBe(true);

    // New data lands in the bucket that was still filling, and after it.
    await source.write(
      src,
      [`cpu,host=h1,region=eu usage=99.5,count=5i ${cut + 1n}`, `cpu,host=h9,region=eu usage=1 ${cut + 2n}`].join("\n"),
    );
    await writeAll((l) => source.write(src, l), cpuLines({ start: cut + 3n * MINUTE, end: cut + DAY / 2n, seed: 8 }));
    const later = clock(cut + DAY / 2n + 10n * SECOND);
    expect((await backup(env, later)).summary.ok).toBe(true);
    expect((await backup(envFor(src, dstOnce, { DAYS_OF_PAGINATION: "0.5" }), later)).summary.ok).toBe(true);

    const expected = await expectedAggregate(source, src, "autogen", "cpu", CPU_FIELDS, "5m");
    expect(diffPoints(expected, await actualPoints(dest, dstInc, "autogen", "cpu"))).toEqual([]);
    expect(diffPoints(expected, await actualPoints(dest, dstOnce, "autogen", "cpu"))).toEqual([]);

    // Nothing written, an hour later: nothing is asked or copied (quiet.ts).
    const before = await dest.queryText(`SELECT * FROM cpu GROUP BY *`, dstInc);
    const hourLater = clock(cut + DAY / 2n + 60n * MINUTE);
    const idle = await backup(env, hourLater);
    expect(idle.summary.ok).toBe(true);
    expect(idle.summary.pointsWritten).toBe(0);
    // Something written to the retention policy (another measurement): the bucket of cpu that
    // was still filling at the previous run's clock is recomputed once more (one line per series
    // there, content unchanged); then it is over, and the next run reads and writes nothing.
    await source.write(src, `other x=1 ${START}`);
    const again = await backup(env, hourLater);
    expect(again.summary.ok).toBe(true);
    expect(again.summary.pointsWritten).toBeGreaterThan(1);
    expect(again.summary.pointsWritten).toBeLessThanOrEqual(5);
    expect(await dest.queryText(`SELECT * FROM cpu GROUP BY *`, dstInc)).toBe(before);
    const quiet = await backup(env, hourLater);
    expect(quiet.summary.ok).toBe(true);
    expect(quiet.summary.pointsWritten).toBe(0);
  });

  it("copies every retention policy that holds data, keeping the default and durations", async () => {
    const src = freshName("rp");
    const dst = freshName("rp_b");
    await source.query(`CREATE DATABASE ${src} WITH DURATION 30d SHARD DURATION 1d NAME "month"`);
    await source.query(`CREATE RETENTION POLICY "forever" ON ${src} DURATION INF REPLICATION 1`);
    await source.query(`CREATE RETENTION POLICY "unused" ON ${src} DURATION 2d REPLICATION 1`);
    const now = BigInt(Date.now()) * 1_000_000n;
    await source.write(src, `cpu,host=a usage=1 ${now - DAY}\ncpu,host=a usage=3 ${now - DAY + 1n}`, "month");
    await source.write(src, `cpu,host=old usage=7,count=2i ${START}`, "forever");

    const { summary } = await backup(envFor(src, dst));
    expect(summary.ok).toBe(true);

    const rps = (await dest.query(`SHOW RETENTION POLICIES ON ${dst}`)).results[0]!.series![0]!.values!;
    const byName = Object.fromEntries(rps.map((r) => [r[0], r]));
    expect(byName.month).toEqual(["month", "720h0m0s", "24h0m0s", 1, true]);
    expect(byName.forever?.[1]).toBe("0s");
    expect(byName.forever?.[4]).toBe(false);
    expect(byName.unused).toBeUndefined();
    const month = await dest.query(`SELECT * FROM "month"."cpu"`, dst);
    expect(month.results[0]!.series![0]!.values!.map((r) => r[2])).toEqual([2]);
    const forever = await dest.query(`SELECT * FROM "forever"."cpu" GROUP BY *`, dst);
    expect(forever.results[0]!.series![0]!.values).toEqual([["2024-01-01T00:00:00Z", 2, 7]]);
  });

  it("limits the run to MEASUREMENTS and warns about names that do not exist", async () => {
    const src = freshName("sel");
    const dst = freshName("sel_b");
    await source.query(`CREATE DATABASE ${src}`);
    await source.write(src, [`a v=1 ${START}`, `b v=2 ${START}`, `c v=3 ${START}`].join("\n"));
    const { summary, log } = await backup(envFor(src, dst, { MEASUREMENTS: "a,c,nosuch" }));
    expect(summary.ok).toBe(true);
    const names = (await dest.query(`SHOW MEASUREMENTS`, dst)).results[0]!.series![0]!.values!.flat();
    expect(names).toEqual(["a", "c"]);
    expect(log).toMatch(/WARNING .*"nosuch".*no data/);
  });

  it("backs up every database but _internal when SOURCE_DBS is *", async () => {
    const a = freshName("star");
    await source.query(`CREATE DATABASE ${a}`);
    await source.write(a, `m v=1 ${START}`);
    const { summary } = await backup({
      SOURCE_URL: source.url,
      SOURCE_DBS: "*",
      DEST_URL: dest.url,
      SOURCE_GROUP_BY: "5m",
      MEASUREMENTS: "m",
    });
    expect(summary.ok).toBe(true);
    const dbs = (await dest.query(`SHOW DATABASES`)).results[0]!.series![0]!.values!.flat();
    expect(dbs).toContain(a);
    expect((await dest.query(`SELECT * FROM m`, a)).results[0]!.series![0]!.values).toEqual([
      ["2024-01-01T00:00:00Z", 1],
    ]);
  });

  it("reports a source database that does not exist, and still backs up the others", async () => {
    const good = freshName("good");
    await source.query(`CREATE DATABASE ${good}`);
    await source.write(good, `m v=1 ${START}`);
    const { summary } = await backup(envFor(`nosuchdb,${good}`, `x_b,${good}_b`));
    expect(summary.ok).toBe(false);
    expect(summary.failures).toHaveLength(1);
    expect(summary.failures[0]!.message).toMatch(/database "nosuchdb" does not exist/);
    expect((await dest.query(`SELECT * FROM m`, `${good}_b`)).results[0]!.series).toHaveLength(1);
  });
});
