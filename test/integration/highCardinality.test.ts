/**
 * Raw copies at high cardinality read one row a point, tags as columns (rawWindowRows), against
 * a real server: exact for names that need escapes, series without some tags, a tag named like a
 * field, points of many series at one instant, integers beyond 2^53 and a measurement without tags.
 */
import { MINUTE } from "./helpers/dataset";
import { freshName } from "./helpers/influxServer";
import { useServerPair } from "./helpers/serverPair";
import { expectSameAnswer } from "./helpers/compare";
import { backup } from "./helpers/runBackup";

const servers = useServerPair("raw");
const NOW = ((BigInt(Date.now()) * 1_000_000n) / MINUTE) * MINUTE;

it("copies 10,000 series read one row a point exactly", async () => {
  const { source, dest } = servers;
  const src = freshName("rows");
  const dst = freshName("rows_b");
  await source.query(`CREATE DATABASE ${src}`);
  const t0 = NOW - 60n * MINUTE;
  const plain = Array.from(
    { length: 10_000 },
    (_, i) => `m,host=h${i},rack=r${i % 7} v=${i}.5,n=${i}i ${t0 + BigInt(i % 3) * MINUTE}`,
  );
  const odd = [
    `m,host=a\\ b,rack=c\\,d v=1,s="q\\"uote" ${t0}`,
    `m,host=é\\=1 v=2 ${t0}`,
    `m,rack=only v=3 ${t0}`,
    `m v=4,n=9007199254740993i ${t0 + 1n}`,
    `m,host=tagged,v=tag v=5 ${t0 + 2n}`,
    `m,host=x\\\\y v=6 ${t0 + 3n}`,
    `plain x=1,s="a b" ${t0}`,
    `plain x=2 ${t0 + 7n}`,
  ];
  for (let i = 0; i < plain.length; i += 5000) await source.write(src, plain.slice(i, i + 5000).join("\n"));
  await source.write(src, odd.join("\n"));
  const run = await backup(servers.envFor(src, dst, { LATE_DATA_HORIZON: "0" }));
  expect(run.summary.ok).toBe(true);
  expect(run.summary.pointsWritten).toBe(plain.length + odd.length);
  // Read one row a point, not one answer per series.
  expect(run.log).toMatch(/source answered in \d+ ms: SELECT \*::tag, /);
  for (const m of ["m", "plain"]) await expectSameAnswer(source, src, dest, dst, `SELECT * FROM "${m}" GROUP BY *`);
});
