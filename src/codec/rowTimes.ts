/**
 * Pure: the latest row time at or before a clock, and the rows later than it, watched as rows
 * are transcoded without making a BigInt per row (times are compared as seconds and
 * nanoseconds). A first copy planned from shard groups learns the source's newest point this
 * way, from the rows it copies, instead of asking the server (see copy/planCopy.ts).
 */
import { TWO_32 } from "./msgpack";
import { later, type TransformStats } from "./transform";

export class RowTimes {
  on = false;
  private clockS = 0;
  private clockN = 0;
  private newestS = -Infinity;
  private newestN = 0;
  private future = 0;
  private futureS = -Infinity;
  private futureN = 0;

  /** Starts watching a chunk's rows against `clockNs` (undefined: not watched). */
  watch(clockNs: bigint | undefined): void {
    this.on = clockNs !== undefined;
    if (clockNs === undefined) return;
    const s = clockNs / 1_000_000_000n;
    const n = clockNs - s * 1_000_000_000n;
    // Floor division, so that nanoseconds stay in [0, 1e9) before 1970 too.
    this.clockS = Number(n < 0n ? s - 1n : s);
    this.clockN = Number(n < 0n ? n + 1_000_000_000n : n);
    this.newestS = -Infinity;
    this.future = 0;
    this.futureS = -Infinity;
  }

  /** A row's time: InfluxDB's time extension at `p` (int64 seconds, uint32 nanoseconds). */
  see(view: DataView, p: number): void {
    const s = view.getInt32(p + 3) * TWO_32 + view.getUint32(p + 7);
    const n = view.getUint32(p + 11);
    if (s < this.clockS || (s === this.clockS && n <= this.clockN)) {
      if (s > this.newestS || (s === this.newestS && n > this.newestN)) {
        this.newestS = s;
        this.newestN = n;
      }
    } else {
      this.future++;
      if (s > this.futureS || (s === this.futureS && n > this.futureN)) {
        this.futureS = s;
        this.futureN = n;
      }
    }
  }

  /** Adds what the chunk's rows showed to `stats`. */
  report(stats: TransformStats): void {
    if (!this.on) return;
    this.on = false;
    if (this.newestS !== -Infinity) stats.newestNs = later(stats.newestNs, ns(this.newestS, this.newestN));
    if (this.future > 0) {
      stats.futureRows = (stats.futureRows ?? 0) + this.future;
      stats.futureLatestNs = later(stats.futureLatestNs, ns(this.futureS, this.futureN));
    }
  }
}

const ns = (s: number, n: number): bigint => BigInt(s) * 1_000_000_000n + BigInt(n);
