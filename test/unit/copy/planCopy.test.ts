import { parseConfig } from "../../../src/config";
import { copyContext, type CopyContext } from "../../../src/copy/context";
import { CursorStore } from "../../../src/copy/cursors";
import { planCopy } from "../../../src/copy/planCopy";
import type { InfluxClient, Series } from "../../../src/influx/client";
import type { MeasurementTarget } from "../../../src/inventory/targets";
import { createLogger } from "../../../src/observability/logger";
import { PassThrough } from "node:stream";

const NS = 1_000_000_000n;
const HOUR = 3600n * NS;
const DAY = 24n * HOUR;
/** 2024-03-01T00:00:00Z, the run's clock. */
const NOW_MS = 1709251200000;
const NOW = BigInt(NOW_MS) * 1_000_000n;

/**
 * A fake of the client's query(): it answers the LIMIT 1 edge queries from the point times it
 * is given, records every statement, and answers anything else (counts, digests) with no rows.
 * SHOW SHARDS is refused (a user who is not an admin) unless shard groups are given.
 */
class FakeQueries {
  readonly statements: string[] = [];
  constructor(
    readonly url: string,
    private readonly times: bigint[],
    private readonly groups?: [bigint, bigint][],
  ) {}

  get options() {
    return { url: new URL(this.url) };
  }

  async query(statement: string): Promise<Series[]> {
    this.statements.push(statement);
    if (statement === "SHOW SHARDS") {
      if (!this.groups) throw new Error("error authorizing query: requires admin privilege");
      const columns = ["id", "database", "retention_policy", "shard_group", "start_time", "end_time"];
      return [
        {
          name: "src",
          columns,
          values: this.groups.map(([a, b], i) => [i, "src", "autogen", i, String(a), String(b)]),
        },
      ];
    }
    const edge = /^SELECT \* FROM .*?(?: WHERE (.*?))?( ORDER BY time DESC)? LIMIT 1$/.exec(statement);
    if (!edge) return [];
    const from = /time >= (-?\d+)/.exec(edge[1] ?? "")?.[1];
    const until = /time <= (-?\d+)/.exec(edge[1] ?? "")?.[1];
    const inRange = this.times.filter(
      (t) => (from === undefined || t >= BigInt(from)) && (until === undefined || t <= BigInt(until)),
    );
    if (inRange.length === 0) return [];
    const t = edge[2] ? inRange.reduce((a, b) => (b > a ? b : a)) : inRange.reduce((a, b) => (b < a ? b : a));
    return [{ name: "m", columns: ["time", "v"], values: [[t.toString(), 1]] }];
  }
}

const target: MeasurementTarget = {
  sourceDb: "src",
  destDb: "dst",
  rp: "autogen",
  shardGroupNs: 7n * DAY,
  schema: { name: "m", fields: new Map([["v", "float"]]), conflicts: [], mixedNumeric: [] },
  destMeasurement: "m",
  fieldRenames: new Map(),
};

function contextFor(
  env: Record<string, string>,
  sourceTimes: bigint[],
  destTimes: bigint[] = [],
  groups?: [bigint, bigint][],
) {
  const source = new FakeQueries("http://src:8086", sourceTimes, groups);
  const destination = new FakeQueries("http://dst:8086", destTimes);
  const config = parseConfig({
    SOURCE_URL: "http://src:8086",
    DEST_URL: "http://dst:8086",
    SOURCE_DBS: "src",
    DEST_DBS: "dst",
    ...env,
  });
  const ctx: CopyContext = copyContext({
    config,
    source: source as unknown as InfluxClient,
    destination: destination as unknown as InfluxClient,
    logger: createLogger({ level: "error", stream: new PassThrough() }),
    cursors: new CursorStore(),
    now: () => NOW_MS,
  });
  return { ctx, source, destination };
}

const windowsOf = (plan: Awaited<ReturnType<typeof planCopy>>) =>
  plan?.requests.flat().map(({ window }) => [window.startNs, window.endNs]);

describe("planCopy", () => {
  it("plans nothing for a measurement the source holds no point of", async () => {
    const { ctx } = contextFor({ SOURCE_GROUP_BY: "raw" }, []);
    expect(await planCopy(ctx, target, undefined)).toBeUndefined();
  });

  it("starts a first backup at the source's oldest point and reads up to its newest, window by window", async () => {
    const oldest = NOW - 2n * DAY + 17n;
    const newest = NOW - HOUR;
    const { ctx } = contextFor({ SOURCE_GROUP_BY: "raw", DAYS_OF_PAGINATION: "1" }, [oldest, newest]);
    const plan = await planCopy(ctx, target, undefined);
    expect(plan).toMatchObject({ moveCursor: true, fromNs: oldest, toNs: newest + 1n, repairs: [] });
    expect(windowsOf(plan)).toEqual([
      [oldest, NOW - DAY],
      [NOW - DAY, newest + 1n],
    ]);
    // Raw mode: the cursor may pass the newest point, which is over.
    expect(plan?.cursorCeilingNs).toBe(newest + 1n);
  });

  it("plans a first backup from the shard groups when the source lists them, asking nothing of the data", async () => {
    const groups: [bigint, bigint][] = [
      [NOW - 14n * DAY, NOW - 7n * DAY],
      [NOW - 7n * DAY, NOW + DAY],
    ];
    const { ctx, source } = contextFor({ SOURCE_GROUP_BY: "raw", DAYS_OF_PAGINATION: "7" }, [NOW - DAY], [], groups);
    const plan = await planCopy(ctx, target, undefined);
    expect(plan).toMatchObject({ moveCursor: true, fromNs: NOW - 14n * DAY, toNs: NOW + DAY, repairs: [] });
    expect(plan?.fromRows).toEqual({ clockNs: NOW + 60n * NS, settledNs: NOW - 60n * NS });
    expect(plan?.sourceNewestNs).toBeUndefined();
    // Every window over the groups, up to the newest group's end (points later than the clock included).
    const windows = windowsOf(plan) ?? [];
    expect(windows[0]?.[0]).toBe(NOW - 14n * DAY);
    expect(windows[windows.length - 1]?.[1]).toBe(NOW + DAY);
    expect(source.statements.filter((q) => q.startsWith("SELECT"))).toEqual([]);
    // After the window that holds the clock, one window to the newest group's end.
    const daily = contextFor(
      { SOURCE_GROUP_BY: "raw", DAYS_OF_PAGINATION: "1" },
      [],
      [],
      [[NOW - 2n * DAY, NOW + 5n * DAY]],
    );
    const ahead = windowsOf(await planCopy(daily.ctx, target, undefined)) ?? [];
    expect(ahead.slice(-2)).toEqual([
      [NOW, NOW + DAY],
      [NOW + DAY, NOW + 5n * DAY],
    ]);
    // No group: nothing to copy.
    const empty = contextFor({ SOURCE_GROUP_BY: "raw" }, [], [], []);
    expect(await planCopy(empty.ctx, target, undefined)).toBeUndefined();
  });

  it("aligns an aggregated copy to whole buckets and keeps the cursor at the bucket still filling", async () => {
    const newest = NOW - 10n * 60n * NS + 5n; // in the bucket still filling (the run's clock less a minute)
    const { ctx } = contextFor({ SOURCE_GROUP_BY: "1h", DAYS_OF_PAGINATION: "1" }, [NOW - DAY - 5n, newest]);
    const plan = await planCopy(ctx, target, undefined);
    expect(plan?.fromNs).toBe(NOW - 2n * DAY + 23n * HOUR);
    expect(plan?.cursorCeilingNs).toBe(NOW - HOUR);
    for (const [start, end] of windowsOf(plan) ?? []) {
      expect((start as bigint) % HOUR).toBe(0n);
      expect((end as bigint) % HOUR).toBe(0n);
    }
  });

  it("copies an explicit BACKUP_START..BACKUP_END range whole, whatever the destination holds, and leaves the cursors alone", async () => {
    const { ctx, destination } = contextFor(
      {
        SOURCE_GROUP_BY: "raw",
        DAYS_OF_PAGINATION: "1",
        BACKUP_START: "2024-02-27T00:00:00Z",
        BACKUP_END: "2024-02-28T00:00:00Z",
      },
      [NOW - 3n * DAY, NOW - HOUR],
      [NOW - HOUR],
    );
    const plan = await planCopy(ctx, target, { resumeNs: NOW - HOUR });
    expect(plan).toMatchObject({ moveCursor: false, fromNs: NOW - 3n * DAY, toNs: NOW - 2n * DAY });
    expect(windowsOf(plan)).toEqual([[NOW - 3n * DAY, NOW - 2n * DAY]]);
    expect(destination.statements).toEqual([]);
  });

  it("resumes from a cursor the destination still agrees with, and looks for late data behind it", async () => {
    const resume = NOW - 6n * HOUR;
    const { ctx, source } = contextFor(
      { SOURCE_GROUP_BY: "raw", DAYS_OF_PAGINATION: "1" },
      [NOW - 10n * DAY, NOW - HOUR],
      [resume - 1n],
    );
    const plan = await planCopy(ctx, target, { resumeNs: resume, checkNs: resume - HOUR });
    expect(plan).toMatchObject({ moveCursor: true, fromNs: resume, toNs: NOW - HOUR + 1n, repairs: [] });
    // LATE_DATA_HORIZON (7d by default): the source is asked for its digests behind the resume point.
    expect(source.statements.some((s) => s.includes("count(") && s.includes("GROUP BY time(1h)"))).toBe(true);
  });

  it("resumes at the window of the destination's newest point when the destination no longer holds what the cursor recorded", async () => {
    const destNewest = NOW - 30n * HOUR;
    const { ctx } = contextFor(
      { SOURCE_GROUP_BY: "raw", DAYS_OF_PAGINATION: "1", LATE_DATA_HORIZON: "0" },
      [NOW - 10n * DAY, NOW - HOUR],
      [destNewest],
    );
    const plan = await planCopy(ctx, target, { resumeNs: NOW - 2n * HOUR });
    // The window of the destination's newest point, and the one before.
    expect(plan?.fromNs).toBe(NOW - 3n * DAY);
  });
});
