import {
  alignDown,
  alignUp,
  countWindows,
  cursorAfter,
  planWindows,
  resumeStart,
  windowLength,
} from "../../src/backup/plan";

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
    expect(countWindows(123n, 2n * DAY + 7n, M5, DAY)).toBe(windows.length);
  });

  it("starts the first window at an unaligned first point's bucket", () => {
    const [first] = [...planWindows(DAY + 450n, DAY + 451n, M5, DAY)];
    expect(first).toEqual({ startNs: DAY + 300n, endNs: DAY + 600n });
  });

  it("plans nothing for an empty range", () => {
    expect([...planWindows(10n, 10n, 1n, DAY)]).toEqual([]);
  });

  const at = (p: { destNewestNs?: bigint; cursorNs?: bigint; bucketNs?: bigint; sourceOldestNs?: bigint }) =>
    resumeStart({ sourceOldestNs: 0n, bucketNs: M5, windowNs: DAY, ...p });

  it("starts a first backup at the bucket of the source's oldest point", () => {
    expect(at({ sourceOldestNs: 1234n })).toBe(1200n);
  });

  it("recomputes the bucket that was still filling during the last run", () => {
    // After a complete run the cursor points at the last bucket and the destination holds it.
    expect(at({ destNewestNs: 1200n, cursorNs: 1200n })).toBe(1200n);
    expect(at({ destNewestNs: 1234n, cursorNs: 1234n, bucketNs: 1n })).toBe(1234n);
  });

  it("resumes from the cursor when a run stopped in the middle of a window", () => {
    // The destination got points beyond the cursor, but the window was not finished.
    expect(at({ destNewestNs: DAY + 5000n, cursorNs: DAY })).toBe(DAY);
  });

  it("without a cursor, repeats the whole window that holds the destination's newest point", () => {
    expect(at({ destNewestNs: 2n * DAY + 5000n })).toBe(2n * DAY);
  });

  it("distrusts a cursor the destination has not reached (destination restored from an older copy)", () => {
    expect(at({ destNewestNs: DAY + 10n, cursorNs: 3n * DAY })).toBe(DAY);
  });

  it("never starts before the source's oldest point", () => {
    expect(at({ sourceOldestNs: 2n * DAY + 600n, destNewestNs: 2n * DAY + 900n })).toBe(2n * DAY + 600n);
  });

  it("moves the cursor to a window's end, but never past the bucket still filling", () => {
    expect(cursorAfter({ startNs: 0n, endNs: DAY }, 5n * DAY, M5)).toBe(DAY);
    expect(cursorAfter({ startNs: DAY, endNs: DAY + 600n }, DAY + 301n, M5)).toBe(DAY + 300n);
  });
});
