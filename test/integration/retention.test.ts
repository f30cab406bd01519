/**
 * Long-term archives: retention policies created on the destination with DEST_RETENTION's
 * durations, and a warning when an existing destination policy forgets sooner than the source.
 */
import { DAY, MINUTE } from "./helpers/dataset";
import { freshName, seriesOf, type InfluxServer } from "./helpers/influxServer";
import { useServerPair } from "./helpers/serverPair";
import { actualPoints, diffPoints, expectedAggregate } from "./helpers/compare";
import { backup } from "./helpers/runBackup";

const servers = useServerPair("5m");
let source: InfluxServer;
let dest: InfluxServer;
beforeAll(() => {
  ({ source, dest } = servers);
});

const NOW = ((BigInt(Date.now()) * 1_000_000n) / MINUTE) * MINUTE;

async function primaryKeeping30Days(): Promise<string> {
  const src = freshName("primary");
  await source.query(`CREATE DATABASE ${src}`);
  await source.query(
    `CREATE RETENTION POLICY "rp_30d" ON "${src}" DURATION 30d REPLICATION 1 SHARD DURATION 1d DEFAULT`,
  );
  const lines = Array.from(
    { length: 300 },
    (_, i) => `cpu,host=h${i % 3} usage=${i}.25 ${NOW - 3n * DAY + BigInt(i) * 7n * MINUTE}`,
  );
  await source.write(src, lines.join("\n"), "rp_30d");
  return src;
}

async function policies(db: string): Promise<unknown[][]> {
  return seriesOf(await dest.query(`SHOW RETENTION POLICIES ON "${db}"`))[0]!.values!;
}

describe("DEST_RETENTION", () => {
  it("keeps 5-minute means of a 30-day primary forever", async () => {
    const src = await primaryKeeping30Days();
    const dst = freshName("archive");
    const run = await backup(servers.envFor(src, dst, { DEST_RETENTION: "INF" }));
    expect(run.summary.ok).toBe(true);
    expect(run.log).toMatch(/created retention policy rp_30d on \S+, keeping data forever/);
    const rp = (await policies(dst)).find((row) => row[0] === "rp_30d")!;
    expect(rp[1]).toBe("0s"); // infinite
    expect(rp[4]).toBe(true); // still the default policy
    const expected = await expectedAggregate(source, src, "rp_30d", "cpu", { usage: "float" }, "5m");
    expect(expected.size).toBeGreaterThan(0);
    expect(diffPoints(expected, await actualPoints(dest, dst, "rp_30d", "cpu"))).toEqual([]);
  });

  it("warns when an existing destination policy forgets sooner than the source, and leaves it alone", async () => {
    const src = await primaryKeeping30Days();
    const dst = freshName("short");
    await dest.query(`CREATE DATABASE ${dst}`);
    await dest.query(`CREATE RETENTION POLICY "rp_30d" ON "${dst}" DURATION 7d REPLICATION 1`);
    const run = await backup(servers.envFor(src, dst, { DEST_RETENTION: "INF" }));
    expect(run.summary.ok).toBe(true);
    expect(run.log).toMatch(
      /WARN.*retention policy rp_30d on \S+ already exists and keeps data 7d, the source 30d: backed-up data will expire earlier than on the source/,
    );
    expect((await policies(dst)).find((row) => row[0] === "rp_30d")![1]).toBe("168h0m0s");
  });
});
