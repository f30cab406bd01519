/**
 * Verification against real servers: it finds every gap planted on the destination (a deleted
 * bucket, a deleted series, a changed value, a missing measurement), reports none on a
 * correct backup, and repair fixes exactly the windows it found.
 */
import { DAY, MINUTE, START, cpuLines, eventLines, writeAll } from "./helpers/dataset";
import { freshName } from "./helpers/influxServer";
import { backup, verify } from "./helpers/runBackup";
import { useServerPair } from "./helpers/serverPair";

const servers = useServerPair("5m");

async function seeded(): Promise<string> {
  const src = freshName("ver");
  await servers.source.query(`CREATE DATABASE ${src}`);
  await writeAll(
    (l) => servers.source.write(src, l),
    [...cpuLines({ end: START + 2n * DAY, seed: 4 }), ...eventLines(START, START + 2n * DAY)],
  );
  return src;
}

describe("verify (aggregated)", () => {
  it("reports a correct backup as matching", async () => {
    const src = await seeded();
    const dst = freshName("ver_ok");
    const env = servers.envFor(src, dst, { DAYS_OF_PAGINATION: "0.5" });
    expect((await backup(env)).summary.ok).toBe(true);
    const { result, log } = await verify(env);
    expect(result.errors).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.measurements.map((m) => [m.measurement, m.badWindows.length])).toEqual([
      ["cpu", 0],
      ["events", 0],
    ]);
    expect(result.measurements[0]!.series).toBe(3);
    expect(result.measurements[0]!.windowsChecked).toBeGreaterThanOrEqual(4);
    expect(log).toMatch(/verification passed/);
  });

  it("finds a deleted bucket, a deleted series, a changed value and a missing measurement, and repair fixes exactly those windows", async () => {
    const src = await seeded();
    const dst = freshName("ver_bad");
    const env = servers.envFor(src, dst, { DAYS_OF_PAGINATION: "0.5" });
    expect((await backup(env)).summary.ok).toBe(true);
    const d = servers.dest;
    const firstWindow = (START / (DAY / 2n)) * (DAY / 2n);
    const t1 = firstWindow + DAY / 2n + 60n * MINUTE; // in the second window
    const t2 = firstWindow + DAY + 30n * MINUTE; // in the third window
    await d.query(`DELETE FROM cpu WHERE host='h1' AND time >= ${t1} AND time < ${t1 + 5n * MINUTE}`, dst);
    await d.query(`DROP SERIES FROM cpu WHERE host='h2'`, dst);
    const rows = await d.query(`SELECT usage FROM cpu WHERE host='h3' AND time >= ${t2} LIMIT 1`, dst);
    const changedAt = rows.results[0]!.series![0]!.values![0]![0] as string;
    await d.write(dst, `cpu,host=h3,region=eu usage=-12345.5 ${BigInt(Date.parse(changedAt)) * 1_000_000n}`);
    await d.query(`DROP MEASUREMENT events`, dst);

    const found = await verify(env);
    expect(found.result.ok).toBe(false);
    const cpu = found.result.measurements.find((m) => m.measurement === "cpu")!;
    const events = found.result.measurements.find((m) => m.measurement === "events")!;
    // h2 is gone from every window; h1 lacks one bucket; h3 has one changed value.
    expect(cpu.badWindows.length).toBe(cpu.windowsChecked);
    expect(cpu.mismatched).toBe(1);
    expect(cpu.missing).toBeGreaterThan(1);
    expect(events.badWindows.length).toBe(events.windowsChecked);
    expect(found.log).toMatch(/verify \S+\.autogen\.cpu: window \S+ \.\. \S+: 1 series missing \(host=h2,region=us\)/);
    expect(found.log).toMatch(/1 different/);
    expect(found.log).toMatch(/verification FAILED/);

    const repaired = await verify({ ...env, VERIFY_REPAIR: "true" });
    expect(repaired.result.ok).toBe(true);
    expect(repaired.result.measurements.find((m) => m.measurement === "cpu")!.repaired).toBe(cpu.badWindows.length);
    expect((await verify(env)).result.ok).toBe(true);
  });
});

describe("verify and points that exist only on the destination", () => {
  it("reports them as extra, and repair cannot remove them", async () => {
    const src = await seeded();
    const dst = freshName("ver_extra");
    const env = servers.envFor(src, dst, { DAYS_OF_PAGINATION: "1" });
    expect((await backup(env)).summary.ok).toBe(true);
    // A series the source never had, at a bucket start inside the copied range.
    await servers.dest.write(dst, `cpu,host=ghost,region=eu usage=1.5 ${(START / (5n * MINUTE) + 12n) * 5n * MINUTE}`);

    const found = await verify(env);
    const cpu = found.result.measurements.find((m) => m.measurement === "cpu")!;
    expect(found.result.ok).toBe(false);
    expect([cpu.extra, cpu.missing, cpu.mismatched, cpu.badWindows.length]).toEqual([1, 0, 0, 1]);
    expect(found.log).toMatch(/verify \S+\.autogen\.cpu: window \S+ \.\. \S+: 1 not in the source/);

    const repaired = await verify({ ...env, VERIFY_REPAIR: "true" });
    expect(repaired.result.ok).toBe(false);
    expect(repaired.result.measurements.find((m) => m.measurement === "cpu")!.extra).toBe(1);
    expect(await servers.dest.queryText(`SELECT count(usage) FROM cpu WHERE host='ghost'`, dst)).toMatch(/,1\]\]/);
  });
});

describe("verify (raw)", () => {
  it("compares counts and first/last timestamps per series, and repair restores deleted points", async () => {
    const src = await seeded();
    const dst = freshName("ver_raw");
    const env = servers.envFor(src, dst, { DAYS_OF_PAGINATION: "1", SOURCE_GROUP_BY: "raw" });
    expect((await backup(env)).summary.ok).toBe(true);
    expect((await verify(env)).result.ok).toBe(true);
    const window2 = (START / DAY + 1n) * DAY;
    await servers.dest.query(
      `DELETE FROM cpu WHERE host='h1' AND time >= ${window2 + DAY / 2n} AND time < ${window2 + DAY / 2n + 30n * MINUTE}`,
      dst,
    );
    const found = await verify(env);
    expect(found.result.ok).toBe(false);
    const cpu = found.result.measurements.find((m) => m.measurement === "cpu")!;
    expect(cpu.badWindows).toHaveLength(1);
    expect(cpu.badWindows[0]).toMatch(/^2024-01-02T00:00:00Z \.\. /);
    const repaired = await verify({ ...env, VERIFY_REPAIR: "true" });
    expect(repaired.result.ok).toBe(true);
    const q = `SELECT * FROM cpu GROUP BY *`;
    expect(await servers.dest.queryText(q, dst)).toBe(await servers.source.queryText(q, src));
  });
});
