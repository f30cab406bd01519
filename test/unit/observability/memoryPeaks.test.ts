import { describeMemoryPeaks, sampleMemoryPeaks } from "../../../src/observability/memoryPeaks";

describe("memory peaks", () => {
  it("keeps the highest figure of each kind seen while sampling", () => {
    const sampler = sampleMemoryPeaks(1000);
    const before = process.memoryUsage();
    let big: Buffer | undefined = Buffer.alloc(32 << 20, 1);
    const peaks = sampler.stop();
    expect(big.length).toBe(32 << 20);
    big = undefined;
    expect(peaks.arrayBuffers).toBeGreaterThanOrEqual(before.arrayBuffers + (32 << 20));
    expect(peaks.rss).toBeGreaterThan(0);
    expect(describeMemoryPeaks({ ...peaks, rss: 3 * 1048576 }).rssMiB).toBe("3.0");
  });
});
