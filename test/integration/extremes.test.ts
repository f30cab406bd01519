/**
 * Points at InfluxDB's earliest and latest representable times (both legal), copied in raw
 * and aggregated mode, compared with the source's own answers.
 */
import { MAX_TIME, MIN_TIME } from "../../src/influx/influxql";
import { nsToRfc3339 } from "../../src/influx/time";
import { alignDown } from "../../src/copy/plan";
import { START } from "./helpers/dataset";
import { freshName, seriesOf, type InfluxServer } from "./helpers/influxServer";
import { useServerPair } from "./helpers/serverPair";
import { actualPoints, diffPoints, expectSameAnswer, pointsOf, type PointMap } from "./helpers/compare";
import { backup } from "./helpers/runBackup";

const servers = useServerPair("raw");
let source: InfluxServer;
let dest: InfluxServer;
beforeAll(() => {
  ({ source, dest } = servers);
});

const FIVE_MINUTES = 300_000_000_000n;

async function seed(): Promise<string> {
  const src = freshName("edge");
  await source.query(`CREATE DATABASE ${src}`);
  await source.write(
    src,
    [
      `m,h=a v=1.5,i=5i,s="lo" ${MIN_TIME}`,
      `m,h=a v=2.5,i=8i,s="lo2" ${MIN_TIME + 1000n}`,
      `m,h=b v=-1,i=-1i,s="b" ${MIN_TIME + 7n}`,
      `m,h=a v=3.5,i=9i,s="mid" ${START}`,
      `m,h=a v=4.5,i=11i,s="hi" ${MAX_TIME - 1000n}`,
      `m,h=a v=5.5,i=14i,s="hi2" ${MAX_TIME}`,
    ].join("\n"),
  );
  return src;
}

/** The source's own aggregate over [start, end), per series, as written at `label`. */
async function sourceAggregate(src: string, start: bigint, end: bigint, label: bigint): Promise<PointMap> {
  const range = `time >= ${start} AND time < ${end}`;
  const means = await source.query(`SELECT mean(v) AS v, mean(i) AS i FROM m WHERE ${range} GROUP BY *`, src);
  const lasts = await source.query(`SELECT last(s) AS s FROM m WHERE ${range} GROUP BY *`, src);
  const out: PointMap = new Map();
  for (const answer of [means, lasts]) {
    for (const s of seriesOf(answer)) {
      const relabelled = { ...s, values: (s.values ?? []).map((row) => [nsToRfc3339(label), ...row.slice(1)]) };
      for (const [k, v] of pointsOf({ results: [{ series: [relabelled] }] }, new Set(["i"]))) {
        out.set(k, { ...out.get(k), ...v });
      }
    }
  }
  return out;
}

describe("points at the edges of InfluxDB's time range", () => {
  it("copies them exactly in raw mode", async () => {
    const src = await seed();
    const dst = freshName("edge_raw");
    const run = await backup(servers.envFor(src, dst));
    expect(run.summary.ok).toBe(true);
    await expectSameAnswer(source, src, dest, dst, `SELECT * FROM m GROUP BY *`);
    expect((await dest.queryText(`SELECT count(*) FROM m`, dst)).includes(",6,")).toBe(true);
  });

  it("copies their buckets in aggregated mode, the first at the earliest representable time", async () => {
    const src = await seed();
    const dst = freshName("edge_5m");
    const run = await backup(servers.envFor(src, dst, { SOURCE_GROUP_BY: "5m" }));
    expect(run.summary.ok).toBe(true);
    const firstEnd = alignDown(MIN_TIME, FIVE_MINUTES) + FIVE_MINUTES;
    const lastStart = alignDown(MAX_TIME, FIVE_MINUTES);
    const middleStart = alignDown(START, FIVE_MINUTES);
    const expected: PointMap = new Map([
      ...(await sourceAggregate(src, MIN_TIME, firstEnd, MIN_TIME)),
      ...(await sourceAggregate(src, middleStart, middleStart + FIVE_MINUTES, middleStart)),
      ...(await sourceAggregate(src, lastStart, MAX_TIME + 1n, lastStart)),
    ]);
    expect(expected.size).toBe(4);
    expect(diffPoints(expected, await actualPoints(dest, dst, "autogen", "m"))).toEqual([]);
  });
});
