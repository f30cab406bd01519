/**
 * A run with nothing new asks neither server about the data (quiet.ts), against real servers:
 * the second run sends no SELECT; a late point, a write to the destination, a new mode, each
 * bring the full planning back, and every copy stays exact.
 */
import { MINUTE } from "./helpers/dataset";
import { freshName, type InfluxServer } from "./helpers/influxServer";
import { useServerPair } from "./helpers/serverPair";
import { expectSameAnswer } from "./helpers/compare";
import { backup } from "./helpers/runBackup";

const servers = useServerPair("raw");
let source: InfluxServer;
let dest: InfluxServer;
beforeAll(() => {
  ({ source, dest } = servers);
});

const MS = 1_000_000n;
const NOW = ((BigInt(Date.now()) * MS) / MINUTE) * MINUTE;

/** The statements a run sent to one server, from its DEBUG log. */
const sent = (log: string, role: "source" | "destination") =>
  [...log.matchAll(new RegExp(`${role} answered in \\d+ ms: (.*)`, "g"))].map((m) => m[1] as string);
const selects = (log: string, role: "source" | "destination") => sent(log, role).filter((q) => /^SELECT/i.test(q));

describe("a run with nothing new", () => {
  it("asks neither server about the data, until something is written to either", async () => {
    const src = freshName("quiet");
    const dst = freshName("quiet_b");
    await source.query(`CREATE DATABASE ${src}`);
    await source.query(`CREATE DATABASE ${src}_other`);
    const lines = Array.from(
      { length: 120 },
      (_, i) => `m,dev=d${i % 3} v=${i},n=${i}i ${NOW - 3n * 60n * MINUTE + BigInt(i) * MINUTE}`,
    );
    await source.write(src, lines.join("\n"));
    await source.write(src, `other x=1 ${NOW - 100n * MINUTE}`);
    const env = servers.envFor(src, dst);
    const same = () => expectSameAnswer(source, src, dest, dst, `SELECT * FROM /.*/ GROUP BY *`);

    const first = await backup(env);
    expect(first.summary.ok).toBe(true);
    expect(first.summary.pointsWritten).toBe(121);
    await same();

    // Nothing written since: no SELECT to either server, nothing copied, and the status still has the reach.
    const quiet = await backup(env);
    expect(quiet.summary.ok).toBe(true);
    expect(quiet.summary.pointsRead).toBe(0);
    expect(selects(quiet.log, "source")).toEqual([]);
    expect(selects(quiet.log, "destination")).toEqual([]);
    expect(quiet.summary.reached?.map((r) => r.measurement).sort()).toEqual(["autogen.m", "autogen.other"]);

    // Writes to another database of the source change nothing here.
    await source.write(`${src}_other`, `m v=1 ${NOW}`);
    expect(selects((await backup(env)).log, "source")).toEqual([]);

    // A late point, two hours old, to the source: planned and copied again (the digest finds it).
    await source.write(src, `m,dev=late v=7 ${NOW - 2n * 60n * MINUTE + 17n}`);
    const late = await backup(env);
    expect(late.summary.ok).toBe(true);
    expect(selects(late.log, "source").length).toBeGreaterThan(0);
    await same();
    expect(selects((await backup(env)).log, "source")).toEqual([]);

    // Someone writes to the backup: the destination is asked again (does it still hold what was copied?).
    await dest.write(dst, `m,dev=intruder v=1 ${NOW - 5n * MINUTE}`);
    const touched = await backup(env);
    expect(selects(touched.log, "destination").length).toBeGreaterThan(0);

    expect(selects((await backup(env)).log, "destination")).toEqual([]);
    // A measurement dropped on the backup writes no point, but its series are gone: planned, copied again.
    await dest.query(`DROP MEASUREMENT "other"`, dst);
    const dropped = await backup(env);
    expect(selects(dropped.log, "source").length).toBeGreaterThan(0);
    await dest.query(`DELETE FROM "m" WHERE "dev" = 'intruder'`, dst);
    await same();

    // A day later, however quiet: planned in full once, then quiet again.
    const day = Date.now() + 25 * 3600 * 1000;
    expect(selects((await backup(env, { now: () => day })).log, "source").length).toBeGreaterThan(0);
    expect(selects((await backup(env, { now: () => day })).log, "source")).toEqual([]);

    // Another mode is another plan: planned in full.
    const other = await backup({ ...env, DEST_DBS: `${dst}_agg`, SOURCE_GROUP_BY: "5m" });
    expect(selects(other.log, "source").length).toBeGreaterThan(0);
  });
});
