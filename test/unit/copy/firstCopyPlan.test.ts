import { windowsInGroups } from "../../../src/copy/plan";
import { shardGroupsFromShards } from "../../../src/inventory/shardGroups";
import { RowTimes } from "../../../src/codec/rowTimes";
import { emptyStats } from "../../../src/codec/transform";

const H = 3_600_000_000_000n;
const D = 24n * H;

describe("planning a first copy from shard groups", () => {
  it("reads SHOW SHARDS into each retention policy's groups, in time order, one entry a group", () => {
    const columns = [
      "id",
      "database",
      "retention_policy",
      "shard_group",
      "start_time",
      "end_time",
      "expiry_time",
      "owners",
    ];
    const groups = shardGroupsFromShards([
      {
        name: "db",
        columns,
        values: [
          [3, "db", "autogen", 2, "2024-01-08T00:00:00Z", "2024-01-15T00:00:00Z", "2024-01-15T00:00:00Z", ""],
          // The last group InfluxDB can hold ends at 23:47:16.854775807, printed in whole seconds.
          [4, "db", "autogen", 9, "2262-04-07T00:00:00Z", "2262-04-11T23:47:16Z", "2262-04-11T23:47:16Z", ""],
          [1, "db", "autogen", 1, "2024-01-01T00:00:00Z", "2024-01-08T00:00:00Z", "2024-01-08T00:00:00Z", ""],
          [2, "db", "week", 5, "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "2024-01-09T00:00:00Z", ""],
        ],
      },
      { name: "other", columns, values: [] },
    ]);
    const jan1 = 1704067200_000_000_000n;
    // Ends printed in whole seconds are taken as up to a second later.
    expect(groups.get("db\u0000autogen")).toEqual([
      { startNs: jan1, endNs: jan1 + 7n * D + 1_000_000_000n },
      { startNs: jan1 + 7n * D, endNs: jan1 + 14n * D + 1_000_000_000n },
      { startNs: 9222940800000000000n, endNs: 9223372037000000000n },
    ]);
    expect(groups.get("db\u0000week")).toEqual([{ startNs: jan1, endNs: jan1 + D + 1_000_000_000n }]);
    expect(groups.get("other\u0000autogen")).toBeUndefined();
  });

  it("plans the windows over the groups only, none twice, in whole buckets", () => {
    // Windows of a day; groups of a week with a gap of two weeks between them.
    const groups = [
      { startNs: 0n, endNs: 7n * D },
      { startNs: 21n * D, endNs: 28n * D },
    ];
    const windows = windowsInGroups(groups, 0n, 28n * D, H, D);
    expect(windows.length).toBe(14);
    expect(windows[6]).toEqual({ startNs: 6n * D, endNs: 7n * D });
    expect(windows[7]).toEqual({ startNs: 21n * D, endNs: 22n * D });
    // Buckets longer than the groups (1 h groups, 1 d buckets): each bucket read once, whole.
    const hourly = [
      { startNs: 2n * H, endNs: 3n * H },
      { startNs: 5n * H, endNs: 6n * H },
      { startNs: 30n * H, endNs: 31n * H },
    ];
    expect(windowsInGroups(hourly, 0n, 2n * D, D, D)).toEqual([
      { startNs: 0n, endNs: D },
      { startNs: D, endNs: 2n * D },
    ]);
    // Groups of 7 days start on Mondays (InfluxDB counts from year 1), windows of 7 days from the
    // epoch on Thursdays: laid from the groups' start, each window is one group, never two halves.
    const monday = 1704067200_000_000_000n; // 2024-01-01
    const weeks = [
      { startNs: monday, endNs: monday + 7n * D },
      { startNs: monday + 7n * D, endNs: monday + 14n * D },
    ];
    expect(windowsInGroups(weeks, 0n, monday + 14n * D, 300_000_000_000n, 7n * D)).toEqual(weeks);
    // A floor in the middle of a group.
    expect(windowsInGroups(groups, 3n * D + 5n, 28n * D, 1n, 7n * D)[0]).toEqual({
      startNs: 3n * D + 5n,
      endNs: 7n * D,
    });
  });

  it("learns the newest row at or before the clock, and the rows after it, from the rows' times", () => {
    const times = new RowTimes();
    const row = (ns: bigint) => {
      const b = new DataView(new ArrayBuffer(15));
      let s = ns / 1_000_000_000n;
      let n = ns % 1_000_000_000n;
      if (n < 0n) {
        n += 1_000_000_000n;
        s -= 1n;
      }
      b.setUint8(0, 0xc7);
      b.setBigInt64(3, s);
      b.setUint32(11, Number(n));
      return b;
    };
    const stats = emptyStats();
    const clock = 1_800_000_000_123_456_789n;
    times.watch(clock);
    for (const t of [5n, clock - 1n, -3n, clock, clock + 1n, clock + 7_000_000_000n, 17n]) times.see(row(t), 0);
    times.report(stats);
    expect(stats).toMatchObject({ newestNs: clock, futureRows: 2, futureLatestNs: clock + 7_000_000_000n });
    times.watch(clock);
    times.see(row(-1_500_000_000n), 0);
    times.report(stats);
    expect(stats.newestNs).toBe(clock);
    const early = emptyStats();
    times.watch(0n);
    times.see(row(-1_500_000_001n), 0);
    times.report(early);
    expect(early.newestNs).toBe(-1_500_000_001n);
  });
});
