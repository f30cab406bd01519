import {
  alignDown,
  alignUp,
  cursorAfter,
  cursorCeiling,
  planWindows,
  resumePoint,
  groupWindows,
  windowsWithData,
  withWindowOf,
  digestInterval,
  windowLength,
} from "../../../src/copy/plan";

const M5 = 300n;
const DAY = 86_400n;

describe("planning", () => {
  it("aligns to buckets, also before 1970", () => {
    expect(alignDown(301n, M5)).toBe(300n);
    expect(alignDown(-1n, M5)).toBe(-300n);
    expect(alignDown(-300n, M5)).toBe(-300n);
    expect(alignUp(301n, M5)).toBe(600n);
    expect(alignUp(600n, M5)).toBe(600n);
  });

  it("rounds the pagination period down to whole buckets, at least one", () => {
    expect(windowLength(7n * DAY, M5)).toBe(7n * DAY);
    expect(windowLength(1000n, M5)).toBe(900n);
    expect(windowLength(100n, M5)).toBe(M5);
  });

  it("covers the range without gaps or overlaps, edges on bucket boundaries", () => {
    const windows = [...planWindows(123n, 2n * DAY + 7n, M5, DAY)];
    expect(windows[0]).toEqual({ startNs: 0n, endNs: DAY });
    expect(windows[windows.length - 1]).toEqual({ startNs: 2n * DAY, endNs: 2n * DAY + M5 });
    for (let i = 1; i < windows.length; i++) expect(windows[i]!.startNs).toBe(windows[i - 1]!.endNs);
    for (const w of windows) {
      expect(w.startNs % M5).toBe(0n);
      expect(w.endNs % M5).toBe(0n);
    }
  });

  it("starts the first window at an unaligned first point's bucket", () => {
    const [first] = [...planWindows(DAY + 450n, DAY + 451n, M5, DAY)];
    expect(first).toEqual({ startNs: DAY + 300n, endNs: DAY + 600n });
  });

  it("plans nothing for an empty range", () => {
    expect([...planWindows(10n, 10n, 1n, DAY)]).toEqual([]);
  });

  const at = (p: {
    destNewestNs?: bigint;
    cursorNs?: bigint;
    bucketNs?: bigint;
    sourceOldestNs?: bigint;
    lookbackNs?: bigint;
    floorNs?: bigint;
  }) => resumePoint({ bucketNs: M5, windowNs: DAY, lookbackNs: 0n, ...p });

  it("starts a first backup at the bucket of the source's oldest point", () => {
    expect(at({ sourceOldestNs: 1234n })).toBe(1200n);
  });

  it("recomputes the bucket that was still filling during the last run", () => {
    expect(at({ cursorNs: 1200n })).toBe(1200n);
    expect(at({ cursorNs: 1234n, bucketNs: 1n })).toBe(1234n);
  });

  it("without a trusted cursor, repeats the whole window that holds the destination's newest point, and the one before (a first copy's windows start at its shard groups)", () => {
    expect(at({ destNewestNs: 2n * DAY + 5000n })).toBe(DAY);
  });

  it("moves a resumed start back by LOOKBACK, but not a first backup", () => {
    expect(at({ cursorNs: DAY, lookbackNs: 3600n })).toBe(DAY - 3600n);
    expect(at({ sourceOldestNs: DAY, lookbackNs: 3600n })).toBe(DAY);
  });

  it("never starts before BACKUP_START", () => {
    expect(at({ destNewestNs: 2n * DAY + 900n, floorNs: 2n * DAY + 601n })).toBe(2n * DAY + 600n);
  });

  it("moves the cursor to a window's end, but never past the run's clock", () => {
    expect(cursorAfter({ startNs: 0n, endNs: DAY }, 5n * DAY)).toBe(DAY);
    expect(cursorAfter({ startNs: DAY, endNs: 2n * DAY }, DAY + 300n)).toBe(DAY + 300n);
  });

  it("lets the cursor pass a bucket that is over, and stop at the bucket still filling", () => {
    // Newest point at 2 DAY + 10 in bucket [2 DAY, 2 DAY + 300); the run's clock (less the margin) long after.
    expect(cursorCeiling(2n * DAY + 10n, 3n * DAY, M5)).toBe(2n * DAY + M5);
    // The clock inside the newest point's bucket: that bucket is still filling and is read again.
    expect(cursorCeiling(2n * DAY + 10n, 2n * DAY + 200n, M5)).toBe(2n * DAY);
    // A point later than the settled clock (within the margin): the bucket of the clock.
    expect(cursorCeiling(2n * DAY + 700n, 2n * DAY + 400n, M5)).toBe(2n * DAY + M5);
    // The bucket just over at the clock: passed.
    expect(cursorCeiling(2n * DAY + 10n, 2n * DAY + M5, M5)).toBe(2n * DAY + M5);
    // Raw mode (1 ns buckets): just after the newest point, never past the clock.
    expect(cursorCeiling(DAY + 5n, 2n * DAY, 1n)).toBe(DAY + 6n);
    expect(cursorCeiling(3n * DAY, 2n * DAY, 1n)).toBe(2n * DAY);
    // Before 1970.
    expect(cursorCeiling(-10n, DAY, M5)).toBe(0n);
  });

  it("finds the windows that hold data from a count per window, whatever the first label", () => {
    // InfluxDB labels the first interval with the query's start (here DAY + 5) or the interval's.
    const rows = [
      [String(DAY + 5n), 3, null],
      [String(3n * DAY), 0n, 7n],
      [String(5n * DAY), 0, 0],
    ];
    expect(windowsWithData(rows, DAY + 5n, 4n * DAY, DAY)).toEqual([
      { window: { startNs: DAY + 5n, endNs: 2n * DAY }, points: 3, values: 3 },
      { window: { startNs: 3n * DAY, endNs: 4n * DAY }, points: 7, values: 7 },
    ]);
  });

  it("adds the window of a point the count cannot see, once", () => {
    const list = windowsWithData([[String(DAY), 1]], 0n, 9n * DAY, DAY);
    expect(withWindowOf(list, DAY + 9n, 0n, 9n * DAY, DAY)).toBe(list);
    expect(withWindowOf(list, 8n * DAY + 1n, 0n, 9n * DAY, DAY).map((w) => w.window.startNs)).toEqual([DAY, 8n * DAY]);
  });

  it("groups sparse windows into few requests and keeps dense windows alone", () => {
    const w = (i: number, values: number) => ({
      window: { startNs: BigInt(i) * DAY, endNs: BigInt(i + 1) * DAY },
      points: values,
      values,
    });
    const sparse = Array.from({ length: 1043 }, (_, i) => w(i, 7));
    const groups = groupWindows(sparse, 100_000, 100);
    expect(groups).toHaveLength(11);
    expect(groups.flat()).toEqual(sparse);
    expect(groupWindows([w(0, 10), w(1, 500), w(2, 10), w(3, 10)], 100, 100).map((g) => g.length)).toEqual([1, 1, 2]);
  });

  it("digests late data per hour, in whole buckets", () => {
    expect(digestInterval(1n)).toBe(3_600_000_000_000n);
    expect(digestInterval(7n * 60_000_000_000n)).toBe(63n * 60_000_000_000n);
    expect(digestInterval(86_400_000_000_000n)).toBe(86_400_000_000_000n);
  });
});
