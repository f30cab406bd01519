import { alignDown, alignUp, countWindows, planWindows, resumeStart, windowLength } from "../../src/backup/plan";

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

  it("resumes at the bucket of the destination's newest point, inclusively", () => {
    expect(resumeStart(0n, undefined, M5)).toBe(0n);
    expect(resumeStart(0n, 1234n, M5)).toBe(1200n);
    expect(resumeStart(0n, 1234n, 1n)).toBe(1234n);
    expect(resumeStart(5000n, 1234n, M5)).toBe(4800n);
  });
});
