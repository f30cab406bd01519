/**
 * Progress of a whole run, for the line logged every PROGRESS_INTERVAL and the run gauges:
 * measurements done of total, points read, rate and an estimate of the time left. Pure: the
 * engine tells it what happens and passes the elapsed time.
 *
 * The estimate: the share of the run done is (measurements finished + for each measurement being
 * copied, its windows done / its windows planned) / measurements in the run; the time left is
 * the time so far scaled by the share left. Databases not yet planned count as many
 * measurements as the average database planned so far. No estimate before any share is done.
 */
import { count } from "./runSummary";
import { formatCountdown } from "./countdown";

export interface RunProgressSnapshot {
  measurementsDone: number;
  /** Measurements planned so far plus the estimate for databases not yet planned. */
  measurementsTotal: number;
  points: number;
  elapsedMs: number;
  /** Undefined until some of the run is done. */
  etaMs?: number;
}

export class RunProgress {
  private databasesPlanned = 0;
  private measurementsPlanned = 0;
  private measurementsDone = 0;
  private pointsDone = 0;
  private readonly copying = new Map<string, { done: number; total: number; points: number }>();

  constructor(private readonly databases: number) {}

  /** A database's plan is known: it has `measurements` to copy. */
  databasePlanned(measurements: number): void {
    this.databasesPlanned++;
    this.measurementsPlanned += measurements;
  }

  /** A measurement being copied: windows done of total. */
  windows(key: string, done: number, total: number): void {
    const m = this.copying.get(key) ?? { done: 0, total: 0, points: 0 };
    this.copying.set(key, { ...m, done, total });
  }

  /** Points read so far by a measurement being copied. */
  points(key: string, points: number): void {
    const m = this.copying.get(key) ?? { done: 0, total: 0, points: 0 };
    this.copying.set(key, { ...m, points });
  }

  /** A measurement is finished (copied or failed); `points` it read in all. */
  measurementDone(key: string, points: number): void {
    this.copying.delete(key);
    this.measurementsDone++;
    this.pointsDone += points;
  }

  snapshot(elapsedMs: number): RunProgressSnapshot {
    const unplanned = Math.max(0, this.databases - this.databasesPlanned);
    const perDatabase = this.databasesPlanned > 0 ? this.measurementsPlanned / this.databasesPlanned : 0;
    const measurementsTotal = Math.max(
      this.measurementsDone,
      Math.round(this.measurementsPlanned + unplanned * perDatabase),
    );
    let partial = 0;
    let points = this.pointsDone;
    for (const m of this.copying.values()) {
      partial += m.total > 0 ? m.done / m.total : 0;
      points += m.points;
    }
    const share = measurementsTotal > 0 ? (this.measurementsDone + partial) / measurementsTotal : 0;
    const etaMs = share > 0 ? Math.round((elapsedMs * (1 - share)) / share) : undefined;
    return { measurementsDone: this.measurementsDone, measurementsTotal, points, elapsedMs, etaMs };
  }
}

/** "run: measurements 3/10, 12,345 points, 400 points/s, ETA 2m 5s" */
export function describeRunProgress(p: RunProgressSnapshot): string {
  const seconds = p.elapsedMs / 1000;
  const rate = seconds > 0 ? Math.round(p.points / seconds) : 0;
  const eta = p.etaMs === undefined ? "unknown" : formatCountdown(p.etaMs);
  return `measurements ${p.measurementsDone}/${p.measurementsTotal}, ${count(p.points)} points, ${count(rate)} points/s, ETA ${eta}`;
}
