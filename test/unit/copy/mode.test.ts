import { parseConfig } from "../../../src/config";
import { MIN_TIME } from "../../../src/influx/influxql";
import { compileMode } from "../../../src/copy/mode";

const HOUR = 3_600_000_000_000n;
const base = { SOURCE_URL: "http://src:8086", DEST_URL: "http://dst:8086", SOURCE_DBS: "a", DEST_DBS: "b" };
const modeOf = (env: Record<string, string>) => compileMode(parseConfig({ ...base, ...env }));

describe("the copy mode", () => {
  it("copies raw in 1 ns buckets, with windows of DAYS_OF_PAGINATION and no edge buckets to cut", () => {
    const mode = modeOf({ SOURCE_GROUP_BY: "raw", DAYS_OF_PAGINATION: "0.5" });
    expect(mode.name).toBe("raw");
    expect(mode.bucketNs).toBe(1n);
    expect(mode.windowNs).toBe(12n * HOUR);
    expect(mode.digestIntervalNs).toBe(HOUR);
    const window = { startNs: MIN_TIME, endNs: MIN_TIME + HOUR };
    expect(mode.splitWindow(window)).toEqual({ inner: window, edges: [] });
  });

  it("aggregates in whole buckets: windows, digests and the floor of BACKUP_START are bucket-aligned", () => {
    const mode = modeOf({ SOURCE_GROUP_BY: "90m", DAYS_OF_PAGINATION: "0.1", BACKUP_START: "2024-01-01T00:20:00Z" });
    expect(mode.bucketNs).toBe((3n * HOUR) / 2n);
    // 0.1 day is 2.4 h: one whole bucket.
    expect(mode.windowNs).toBe(mode.bucketNs);
    expect(mode.digestIntervalNs).toBe(mode.bucketNs);
    const floor = mode.bounds(0n).floorNs!;
    expect(floor % mode.bucketNs).toBe(0n);
    expect(mode.bounds(0n).ceilingNs).toBeUndefined();
    for (const w of mode.windows(floor + 1n, floor + 5n * HOUR)) {
      expect(w.startNs % mode.bucketNs).toBe(0n);
      expect(w.endNs % mode.bucketNs).toBe(0n);
    }
    expect(mode.splitWindow({ startNs: MIN_TIME, endNs: MIN_TIME + 4n * HOUR }).edges).toHaveLength(1);
  });

  it("resolves relative bounds against the run's clock", () => {
    const mode = modeOf({ SOURCE_GROUP_BY: "raw", BACKUP_START: "-2h", BACKUP_END: "-1h" });
    expect(mode.bounds(10n * HOUR)).toEqual({ floorNs: 8n * HOUR, ceilingNs: 9n * HOUR });
  });

  it("reads a raw window as stored and an aggregated one per bucket", () => {
    const target = {
      sourceDb: "a",
      destDb: "b",
      rp: "autogen",
      shardGroupNs: 0n,
      schema: { name: "m", fields: new Map([["v", "float" as const]]), conflicts: [], mixedNumeric: [] },
      destMeasurement: "m",
      fieldRenames: new Map(),
    };
    const window = { startNs: 0n, endNs: HOUR };
    const raw = modeOf({ SOURCE_GROUP_BY: "raw" });
    expect(raw.windowQuery(target, window)).toMatch(/^SELECT "v"::field FROM [^]*time < 3600000000000 GROUP BY \*$/);
    expect(raw.rowFields(target)).toBeUndefined();
    // At high cardinality: one row a point, the tags as columns, then the fields in the order rowFields gives.
    const rows = { ...target, readsRows: true };
    expect(raw.windowQuery(rows, window)).toMatch(/^SELECT \*::tag, "v"::field FROM [^]*time < 3600000000000$/);
    expect(raw.rowFields(rows)).toEqual(["v"]);
    expect(modeOf({ SOURCE_GROUP_BY: "5m" }).rowFields(rows)).toBeUndefined();
    expect(modeOf({ SOURCE_GROUP_BY: "5m" }).windowQuery(target, window)).toMatch(/mean\("v"\).*GROUP BY time\(5m\)/);
  });
});
