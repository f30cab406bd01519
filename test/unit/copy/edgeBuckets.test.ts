import { splitEdgeBuckets } from "../../../src/copy/edgeBuckets";
import { alignDown } from "../../../src/copy/plan";
import { MAX_TIME, MIN_TIME } from "../../../src/influx/influxql";

const M5 = 300_000_000_000n;
const DAY = 86_400_000_000_000n;

describe("edge buckets", () => {
  it("leaves ordinary windows whole", () => {
    expect(splitEdgeBuckets({ startNs: 0n, endNs: DAY }, M5)).toEqual({
      inner: { startNs: 0n, endNs: DAY },
      edges: [],
    });
  });

  it("splits off the bucket that starts before the earliest representable time, labelled at it", () => {
    const start = alignDown(MIN_TIME, DAY);
    const firstEnd = alignDown(MIN_TIME, M5) + M5;
    expect(splitEdgeBuckets({ startNs: start, endNs: start + DAY }, M5)).toEqual({
      inner: { startNs: firstEnd, endNs: start + DAY },
      edges: [{ range: { startNs: MIN_TIME, endNs: firstEnd }, labelNs: MIN_TIME }],
    });
  });

  it("splits off the bucket that ends after the latest representable time, labelled at its start", () => {
    const lastStart = alignDown(MAX_TIME, M5);
    expect(splitEdgeBuckets({ startNs: lastStart - M5, endNs: lastStart + M5 }, M5)).toEqual({
      inner: { startNs: lastStart - M5, endNs: lastStart },
      edges: [{ range: { startNs: lastStart, endNs: MAX_TIME + 1n }, labelNs: lastStart }],
    });
  });

  it("needs no split when the last bucket ends exactly at the end of time", () => {
    expect(splitEdgeBuckets({ startNs: MAX_TIME - 9n, endNs: MAX_TIME + 1n }, 1n).edges).toEqual([]);
  });
});
