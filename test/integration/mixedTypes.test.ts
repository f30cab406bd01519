/**
 * A field that is integer in one shard group and float in another (InfluxDB allows it: types
 * are checked per shard). Each shard group's range is copied with the type it has there, so
 * integers above 2^53 stay exact.
 */
import { freshName, type InfluxServer } from "./helpers/influxServer";
import { useServerPair } from "./helpers/serverPair";
import { diffPoints, expectSameAnswer, expectedAggregate, pointsOf } from "./helpers/compare";
import { backup } from "./helpers/runBackup";

const servers = useServerPair("raw");
let source: InfluxServer;
let dest: InfluxServer;
beforeAll(() => {
  ({ source, dest } = servers);
});

const S = 1_000_000_000n;
/** 2024-01-01: one 7-day shard group (they start on Thursdays, as the epoch did). */
const INT_WEEK = 1704067200n * S;
/** 2024-02-03: another shard group. */
const FLOAT_WEEK = 1706918400n * S;
const BETWEEN = `time >= ${INT_WEEK - 86_400n * S} AND time < ${INT_WEEK + 86_400n * S}`;
const AFTER = `time >= ${FLOAT_WEEK - 86_400n * S} AND time < ${FLOAT_WEEK + 86_400n * S}`;

async function seed(): Promise<string> {
  const src = freshName("mixed");
  await source.query(`CREATE DATABASE ${src}`);
  await source.write(
    src,
    [
      `m,h=a n=9007199254740993i,s="x" ${INT_WEEK}`,
      `m,h=a n=-9223372036854775808i ${INT_WEEK + 60n * S}`,
      `m,h=b n=2i ${INT_WEEK + 120n * S}`,
    ].join("\n"),
  );
  await source.write(src, [`m,h=a n=1.5,s="y" ${FLOAT_WEEK}`, `m,h=b n=2.25 ${FLOAT_WEEK + 60n * S}`].join("\n"));
  const keys = await source.queryText(`SHOW FIELD KEYS FROM m`, src);
  expect(keys).toContain('["n","float"]');
  expect(keys).toContain('["n","integer"]');
  return src;
}

describe("a field that is integer in one shard group and float in another", () => {
  it("keeps integers exact in raw mode", async () => {
    const src = await seed();
    const dst = freshName("mixed_raw");
    const run = await backup(servers.envFor(src, dst));
    expect(run.summary.ok).toBe(true);
    expect(run.log).toMatch(/each shard group is copied with the type it has there/);
    for (const range of [BETWEEN, AFTER, "time > 0"]) {
      await expectSameAnswer(source, src, dest, dst, `SELECT * FROM m WHERE ${range} GROUP BY *`);
    }
    expect(await dest.queryText(`SELECT n FROM m WHERE ${BETWEEN} AND h = 'a'`, dst)).toContain("9007199254740993");
  });

  it("writes integer means where the field is integer in aggregated mode", async () => {
    const src = await seed();
    const dst = freshName("mixed_5m");
    const run = await backup(servers.envFor(src, dst, { SOURCE_GROUP_BY: "5m" }));
    expect(run.summary.ok).toBe(true);
    const read = async (range: string) => pointsOf(await dest.query(`SELECT * FROM m WHERE ${range} GROUP BY *`, dst));
    const ints = await expectedAggregate(source, src, "autogen", "m", { n: "integer", s: "string" }, "5m");
    const intWeek = new Map([...ints].filter(([k]) => k.includes("2024-01-01")));
    const floats = await expectedAggregate(source, src, "autogen", "m", { n: "float", s: "string" }, "5m");
    const floatWeek = new Map([...floats].filter(([k]) => k.includes("2024-02-03")));
    expect(intWeek.size).toBe(2);
    expect(floatWeek.size).toBe(2);
    // The source's own mean over the integer week alone, rounded as integer fields are.
    const ownMean = pointsOf(
      await source.query(
        `SELECT mean(n) AS n, last(s) AS s FROM m WHERE ${BETWEEN} GROUP BY time(5m), * fill(none)`,
        src,
      ),
      new Set(["n"]),
    );
    expect(diffPoints(ownMean, await read(BETWEEN))).toEqual([]);
    expect(diffPoints(floatWeek, await read(AFTER))).toEqual([]);
    // The destination holds integers in the integer week and floats in the other, like the source.
    const keys = await dest.queryText(`SHOW FIELD KEYS FROM m`, dst);
    expect(keys).toContain('["n","float"]');
    expect(keys).toContain('["n","integer"]');
  });
});
