import { count, describeMeasurementCopy, describeRun } from "../../../src/observability/runSummary";

const fiveMinutes = { mode: "aggregate" as const, bucket: "5m", bucketNs: 300_000_000_000n };

describe("log lines", () => {
  it("say what each number of a measurement's copy counts", () => {
    expect(describeMeasurementCopy({ rows: 33_400, lines: 33_400, windows: 2, nonFinite: 0 }, fiveMinutes, 2_140)).toBe(
      "read 33,400 buckets, wrote 33,400 points in 2 windows (5m means and last values), 0 NaN/Inf dropped, 2.1 s",
    );
    expect(describeMeasurementCopy({ rows: 1, lines: 1, windows: 1, nonFinite: 3 }, { mode: "raw" }, 50)).toBe(
      "read 1 point, wrote 1 point in 1 window (exact copy), 3 NaN/Inf dropped, 0.1 s",
    );
  });

  it("say what a run's totals count", () => {
    const run = {
      databases: 2,
      measurements: 40,
      pointsRead: 12_345,
      pointsWritten: 12_345,
      nonFiniteDropped: 0,
      failures: [],
      durationMs: 12_300,
    };
    expect(describeRun(run)).toBe(
      "2 databases, 40 measurements: read 12,345 points, wrote 12,345 points, 0 NaN/Inf dropped, 0 failures, 12.3 s",
    );
  });

  it('group thousands as toLocaleString("en-US") does', () => {
    for (const n of [0, 7, 999, 1000, 12_345, 999_999, 1_000_000, 33_400, -1234, -999, 2 ** 53 - 1, 1.5, -0.25, 1e21]) {
      expect(count(n)).toBe(n.toLocaleString("en-US"));
    }
  });
});
