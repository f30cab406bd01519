/**
 * Progress of a long copy, reported at a steady pace: windows done of total, points so far,
 * rate and estimated time left. Pure but for the clock, which is passed in.
 */
import { formatCountdown } from "./countdown";

export interface Progress {
  database: string;
  retentionPolicy: string;
  measurement: string;
  windowsDone: number;
  windowsTotal: number;
  points: number;
  elapsedMs: number;
}

export function describeProgress(p: Progress): string {
  const seconds = p.elapsedMs / 1000;
  const rate = seconds > 0 ? Math.round(p.points / seconds) : 0;
  const left = p.windowsTotal - p.windowsDone;
  const eta = p.windowsDone > 0 ? formatCountdown((p.elapsedMs / p.windowsDone) * left) : "unknown";
  return `windows ${p.windowsDone}/${p.windowsTotal}, ${p.points} points, ${rate} points/s, ETA ${eta}`;
}

export class ProgressReporter {
  private lastReport: number;
  private readonly began: number;

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number,
    private readonly report: (p: Progress) => void,
  ) {
    this.began = now();
    this.lastReport = this.began;
  }

  /** Reports when the interval has passed since the last report (always on the last window). */
  update(p: Omit<Progress, "elapsedMs">): void {
    const t = this.now();
    const last = p.windowsDone === p.windowsTotal;
    if (!last && t - this.lastReport < this.intervalMs) return;
    this.lastReport = t;
    this.report({ ...p, elapsedMs: t - this.began });
  }
}
