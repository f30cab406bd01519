/**
 * Resume that no point escapes, against real servers: a device whose clock is a year ahead,
 * a series that uploads two days of backlog older than everything else, and 20 years of
 * sparse history planned from where the data is.
 */
import { DAY, MINUTE, writeAll } from "./helpers/dataset";
import { freshName, type InfluxServer } from "./helpers/influxServer";
import { useServerPair } from "./helpers/serverPair";
import { expectSameAggregate, expectSameAnswer } from "./helpers/compare";
import { backup } from "./helpers/runBackup";
import { TcpProxy } from "./helpers/tcpProxy";

const servers = useServerPair("raw");
let source: InfluxServer;
let dest: InfluxServer;
beforeAll(() => {
  ({ source, dest } = servers);
});

const MS = 1_000_000n;
/** Now, on a whole minute (test data is laid out around it). */
const NOW = ((BigInt(Date.now()) * MS) / MINUTE) * MINUTE;
const at = (ns: bigint) => () => Number(ns / MS);

type Mode = "raw" | "5m";

async function expectCopied(mode: Mode, src: string, dst: string, measurement = "m"): Promise<void> {
  if (mode === "raw") {
    await expectSameAnswer(source, src, dest, dst, `SELECT * FROM "${measurement}" GROUP BY *`);
    return;
  }
  const fields: Record<string, "float" | "string"> = measurement === "m" ? { v: "float" } : { v: "float", s: "string" };
  await expectSameAggregate(source, src, dest, dst, measurement, fields);
}

const points = (device: string, from: bigint, count: number, step: bigint) =>
  Array.from({ length: count }, (_, i) => `m,dev=${device} v=${i + 0.5} ${from + BigInt(i) * step}`);

describe.each<[Mode, string]>([
  ["raw", "/tmp is used (STATE_DIR kept)"],
  ["raw", "none"],
  ["5m", "/tmp is used (STATE_DIR kept)"],
  ["5m", "none"],
])("a device whose clock is a year ahead (%s, state %s)", (mode, state) => {
  it("does not stop the backup of the other devices", async () => {
    const src = freshName("skew");
    const dst = freshName("skew_b");
    await source.query(`CREATE DATABASE ${src}`);
    const first = NOW - 4n * 60n * MINUTE;
    await source.write(src, points("good", first, 180, MINUTE).join("\n"));
    await source.write(src, `m,dev=bad v=99 ${NOW + 365n * DAY}`);
    const env = servers.envFor(src, dst, {
      SOURCE_GROUP_BY: mode,
      // The late-data digests would also find the new points: this checks the resume point alone.
      LATE_DATA_HORIZON: "0",
      ...(state === "none" ? { STATE_DIR: "none" } : {}),
    });
    const run1 = await backup(env, { now: at(first + 180n * MINUTE) });
    expect(run1.summary.ok).toBe(true);
    await expectCopied(mode, src, dst);

    // The healthy device goes on writing after the first run.
    await source.write(src, points("good", first + 181n * MINUTE, 40, MINUTE).join("\n"));
    const run2 = await backup(env, { now: at(first + 230n * MINUTE) });
    expect(run2.summary.ok).toBe(true);
    expect(run2.summary.pointsRead).toBeGreaterThan(0);
    await expectCopied(mode, src, dst);
    expect(run1.log).toMatch(/WARN.*1 point\(s\) are later than this run's clock, the latest at/);
  });
});

describe.each<Mode>(["raw", "5m"])("late data with default settings (%s)", (mode) => {
  it("copies a two-day backlog older than the measurement's newest point", async () => {
    const src = freshName("late");
    const dst = freshName("late_b");
    await source.query(`CREATE DATABASE ${src}`);
    const from = NOW - 4n * DAY;
    const step = 10n * MINUTE;
    const count = Number((4n * DAY - 60n * MINUTE) / step);
    const meterB = points("b", from, count, step);
    const offline = (line: string) => {
      const t = BigInt(line.split(" ")[2]!);
      return t >= NOW - 3n * DAY && t < NOW - DAY;
    };
    await writeAll(
      (l) => source.write(src, l),
      [...points("a", from, count, step), ...meterB.filter((l) => !offline(l))],
    );
    const env = servers.envFor(src, dst, { SOURCE_GROUP_BY: mode });
    expect((await backup(env, { now: at(NOW) })).summary.ok).toBe(true);
    await expectCopied(mode, src, dst);

    // Meter b comes back and uploads what it recorded while offline.
    await writeAll((l) => source.write(src, l), meterB.filter(offline));
    const run = await backup(env, { now: at(NOW + 5n * MINUTE) });
    expect(run.summary.ok).toBe(true);
    await expectCopied(mode, src, dst);
    expect(run.log).toMatch(/late data in \d+ range\(s\) behind the resume point/);

    // A run with nothing new finds no late data and rewrites nothing: the newest bucket (raw:
    // the newest point) is over, more than an hour before the clock.
    const quiet = await backup(env, { now: at(NOW + 10n * MINUTE) });
    expect(quiet.summary.ok).toBe(true);
    expect(quiet.log).not.toMatch(/late data in/);
    expect(quiet.summary.pointsWritten).toBe(0);

    // A point in the bucket that is still filling at the run's clock (less the one-minute
    // margin) is copied, and read and written again by the next run, where more may land.
    await source.write(src, `m,dev=a v=1 ${NOW + 12n * MINUTE}`);
    const filling = await backup(env, { now: at(NOW + 13n * MINUTE) });
    expect(filling.summary.pointsWritten).toBe(1);
    await source.write(src, `m,dev=b v=2 ${NOW + 12n * MINUTE}`);
    const again = await backup(env, { now: at(NOW + 13n * MINUTE) });
    expect(again.summary.ok).toBe(true);
    expect(again.summary.pointsWritten).toBe(2);
    await expectCopied(mode, src, dst);
  });
});

describe.each<[Mode, string]>([
  ["raw", "kept"],
  ["raw", "none"],
  ["5m", "kept"],
  ["5m", "none"],
])("late data behind a resume point older than the horizon (%s, STATE_DIR %s)", (mode, state) => {
  it("copies points uploaded behind a newest point two weeks old", async () => {
    const src = freshName("stale");
    const dst = freshName("stale_b");
    await source.query(`CREATE DATABASE ${src}`);
    // Every device went offline two weeks ago (or this is imported history).
    const newest = NOW - 14n * DAY;
    await source.write(src, points("a", newest - 6n * 60n * MINUTE, 37, 10n * MINUTE).join("\n"));
    const env = servers.envFor(src, dst, { SOURCE_GROUP_BY: mode, ...(state === "none" ? { STATE_DIR: "none" } : {}) });
    expect((await backup(env, { now: at(NOW) })).summary.ok).toBe(true);
    await expectCopied(mode, src, dst);

    // A device uploads two points an hour behind where the next run resumes: the cursor (newest
    // point), or without STATE_DIR the window before the destination's newest window.
    const window = 7n * DAY;
    const late = (newest / window) * window - (state === "none" ? window : 0n) - 60n * MINUTE;
    await source.write(src, [`m,dev=b v=7.25 ${late}`, `m,dev=b v=8.5 ${late + 5n * MINUTE}`].join("\n"));
    const run = await backup(env, { now: at(NOW + 5n * MINUTE) });
    expect(run.summary.ok).toBe(true);
    expect(run.log).toMatch(/late data in \d+ range\(s\) behind the resume point/);
    await expectCopied(mode, src, dst);
    const copied = await dest.query(`SELECT count(v) FROM m WHERE dev='b'`, dst);
    expect(copied.results[0]!.series?.[0]?.values?.[0]?.[1]).toBe(2); // two points, or two 5-minute buckets
  });
});

describe.each<Mode>(["raw", "5m"])("sparse history (%s)", (mode) => {
  it("plans 20 years of daily points and one dense day from where the data is", async () => {
    const src = freshName("sparse");
    const dst = freshName("sparse_b");
    await source.query(`CREATE DATABASE ${src}`);
    const days = 20 * 365;
    const firstDay = NOW - BigInt(days) * DAY;
    const lines = [
      ...points("daily", firstDay, days, DAY),
      ...points("dense", NOW - 10n * DAY, 1440, MINUTE),
      // A stray point from a device whose clock was reset (outside the aggregate comparison's range).
      ...(mode === "raw" ? ["m,dev=stray v=1 1000000000"] : []),
    ];
    await writeAll((l) => source.write(src, l), lines);
    const u = new URL(source.url);
    const proxy = await new TcpProxy(u.hostname, Number(u.port)).start();
    try {
      const run = await backup(
        { ...servers.envFor(src, dst, { SOURCE_GROUP_BY: mode }), SOURCE_URL: proxy.url },
        { now: at(NOW) },
      );
      expect(run.summary.ok).toBe(true);
      expect(run.summary.pointsRead).toBeGreaterThan(0);
      // About 1,050 windows of 7 days: a few dozen requests, not one or two per window.
      const queries = proxy.requests.get("/query") ?? 0;
      expect(queries).toBeGreaterThan(0);
      expect(queries).toBeLessThanOrEqual(40);
    } finally {
      await proxy.stop();
    }
    await expectCopied(mode, src, dst);
  });
});

describe("a run with nothing new", () => {
  it("costs a small constant number of requests per measurement", async () => {
    const src = freshName("many");
    const dst = freshName("many_b");
    await source.query(`CREATE DATABASE ${src}`);
    const measurements = 150;
    const lines: string[] = [];
    for (let i = 0; i < measurements; i++) {
      for (let j = 0n; j < 6n; j++) lines.push(`m${i},host=a v=${i}.5,s="x" ${NOW - 60n * MINUTE + j * 10n * MINUTE}`);
    }
    await writeAll((l) => source.write(src, l), lines);
    const s = new URL(source.url);
    const d = new URL(dest.url);
    const sourceProxy = await new TcpProxy(s.hostname, Number(s.port)).start();
    const destProxy = await new TcpProxy(d.hostname, Number(d.port)).start();
    // Both runs through the proxies: cursors are kept per source and destination URL.
    const env = {
      ...servers.envFor(src, dst, { SOURCE_GROUP_BY: "5m" }),
      SOURCE_URL: sourceProxy.url,
      DEST_URL: destProxy.url,
    };
    try {
      expect((await backup(env, { now: at(NOW) })).summary.ok).toBe(true);
      sourceProxy.requests.clear();
      destProxy.requests.clear();
      const run = await backup(env, { now: at(NOW + 5n * MINUTE) });
      expect(run.summary.ok).toBe(true);
      expect(run.summary.measurements).toBe(measurements);
      const perMeasurement = (p: TcpProxy) => [...p.requests.values()].reduce((a, b) => a + b, 0) / measurements;
      // The newest bucket is over at the clock, so nothing is read or written again. Source:
      // future check, newest point and the digest: 3 a measurement (4 when the newest bucket was
      // read again, 5 before the late-data digests). Destination: cursor check and digest (3).
      expect(perMeasurement(sourceProxy)).toBeLessThanOrEqual(3.1);
      expect(perMeasurement(destProxy)).toBeLessThanOrEqual(2.1);
      expect(run.summary.pointsWritten).toBe(0);
    } finally {
      await Promise.all([sourceProxy.stop(), destProxy.stop()]);
    }
    await expectCopied("5m", src, dst, "m7");
  });
});
