import { seriesPerShard, shardWritesFromDebugVars, writesMark } from "../../../src/influx/shardWrites";

const vars = (started: string, shards: [string, string, number, number][]) =>
  JSON.stringify({
    system: { currentTime: "2026-12-06T05:00:00Z", started, uptime: 10 },
    cmdline: ["influxd"],
    memstats: { Alloc: 1 },
    "database:db": { name: "database", tags: { database: "db" }, values: { numSeries: 3, numMeasurements: 1 } },
    ...Object.fromEntries(
      shards.map(([db, rp, id, points]) => [
        `shard:/var/lib/influxdb/data/${db}/${rp}/${id}:${id}`,
        {
          name: "shard",
          tags: { database: db, retentionPolicy: rp, id: String(id), engine: "tsm1", path: "x" },
          values: { writePointsOk: points, writeReq: 1, diskBytes: 99, seriesCreate: points * 2 },
        },
      ]),
    ),
  });

describe("shard write counters from /debug/vars", () => {
  it("reads each shard's points written under its database and retention policy", () => {
    const w = shardWritesFromDebugVars(
      vars("2026-12-06T04:00:00.123456789Z", [
        ["db", "autogen", 3, 10],
        ["db", "week", 4, 0],
        ["other", "autogen", 5, 7],
      ]),
    );
    expect(w.startedNs).toBe(1796529600123456789n);
    expect(w.shards).toEqual([
      { database: "db", retentionPolicy: "autogen", id: "3", pointsWritten: 10, series: 20 },
      { database: "db", retentionPolicy: "week", id: "4", pointsWritten: 0, series: 0 },
      { database: "other", retentionPolicy: "autogen", id: "5", pointsWritten: 7, series: 14 },
    ]);
    expect(seriesPerShard(w, "db", "autogen")).toBe(20);
    expect(seriesPerShard(w, "db", "none")).toBe(0);
  });

  it("marks a retention policy the same only while nothing was written to it, no shard came or went and the process is the same", () => {
    const mark = (started: string, shards: [string, string, number, number][]) =>
      writesMark(shardWritesFromDebugVars(vars(started, shards)), "db", "autogen");
    const t = "2026-12-06T04:00:00Z";
    const base = mark(t, [
      ["db", "autogen", 3, 10],
      ["db", "autogen", 4, 2],
      ["db", "week", 5, 1],
    ]);
    // The order of the answer and other retention policies or databases do not matter.
    expect(
      mark(t, [
        ["db", "week", 5, 9],
        ["db", "autogen", 4, 2],
        ["other", "autogen", 6, 1],
        ["db", "autogen", 3, 10],
      ]),
    ).toBe(base);
    expect(
      mark(t, [
        ["db", "autogen", 3, 11],
        ["db", "autogen", 4, 2],
      ]),
    ).not.toBe(base); // a point written
    expect(
      mark(t, [
        ["db", "autogen", 3, 10],
        ["db", "autogen", 4, 2],
        ["db", "autogen", 7, 0],
      ]),
    ).not.toBe(base); // a shard created
    expect(mark(t, [["db", "autogen", 4, 2]])).not.toBe(base); // a shard dropped
    expect(
      mark("2026-12-06T04:00:01Z", [
        ["db", "autogen", 3, 10],
        ["db", "autogen", 4, 2],
      ]),
    ).not.toBe(base); // a restart
    // Series dropped (DROP MEASUREMENT writes no point): the database's series count changes.
    const dropped = JSON.parse(
      vars(t, [
        ["db", "autogen", 3, 10],
        ["db", "autogen", 4, 2],
      ]),
    ) as Record<string, { values: Record<string, number> }>;
    dropped["database:db"]!.values.numSeries = 2;
    expect(writesMark(shardWritesFromDebugVars(JSON.stringify(dropped)), "db", "autogen")).not.toBe(base);
    // Counters that name no shard of the retention policy cannot tell.
    expect(mark(t, [["db", "week", 5, 1]])).toBeUndefined();
  });

  it("refuses an answer without the process's start", () => {
    expect(() => shardWritesFromDebugVars(JSON.stringify({ memstats: {} }))).toThrow(/system/);
  });
});
