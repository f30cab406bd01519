/**
 * Where a run's memory goes: the highest resident set size, JavaScript heap and buffer memory
 * (Buffers live outside the heap, in `external` and `arrayBuffers`) sampled while it runs.
 * Logged at DEBUG after each run; the benchmark reads it to report peak memory by kind.
 */
export interface MemoryPeaks {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

const KINDS = ["rss", "heapTotal", "heapUsed", "external", "arrayBuffers"] as const;

/** Samples the process's memory every `intervalMs` until stopped; returns the peak of each kind. */
export function sampleMemoryPeaks(intervalMs = 200): { stop: () => MemoryPeaks } {
  const peaks: MemoryPeaks = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
  const sample = () => {
    const now = process.memoryUsage();
    for (const k of KINDS) if (now[k] > peaks[k]) peaks[k] = now[k];
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return peaks;
    },
  };
}

/** The peaks in MiB, one decimal, for a log line's details. */
export function describeMemoryPeaks(p: MemoryPeaks): Record<string, string> {
  return Object.fromEntries(KINDS.map((k) => [`${k}MiB`, (p[k] / 1048576).toFixed(1)]));
}
