/**
 * Runs a backup immediately, then on the cron schedule; never two at once. stop() stops
 * scheduling, asks the current run to stop after the writes in flight, and waits for it.
 */
import { DateTime } from "luxon";
import cron, { type ScheduledTask } from "node-cron";
import type { RunRecord, RunSummary } from "../observability/runSummary";

export type { RunRecord } from "../observability/runSummary";
import { formatCountdown } from "../observability/countdown";
import { errorMessage } from "../errors";
import type { Logger } from "../observability/logger";

export interface SchedulerOptions {
  /** Cron expression; undefined: one run only. */
  schedule?: string;
  timezone: string;
  run: (signal: AbortSignal) => Promise<RunSummary>;
  logger: Logger;
  onRunStarted?: (record: RunRecord) => void;
  onRunFinished?: (record: RunRecord) => void;
  /** The last run of an earlier process (from the status file), until this one runs. */
  lastRun?: RunRecord;
  /** How often the idle countdown is logged at DEBUG. */
  idleLogMs?: number;
  now?: () => Date;
}

export class Scheduler {
  private task?: ScheduledTask;
  private current?: { promise: Promise<void>; controller: AbortController };
  private idleTimer?: NodeJS.Timeout;
  private stopping = false;
  lastRun?: RunRecord;
  /** The last run that ended (of an earlier process, until one of this process ends). */
  lastFinished?: RunRecord;

  constructor(private readonly options: SchedulerOptions) {
    this.lastRun = options.lastRun;
    this.lastFinished = options.lastRun;
  }

  get running(): boolean {
    return this.current !== undefined;
  }

  get alive(): boolean {
    return !this.stopping;
  }

  /** Starts the schedule (if any) and runs once now; resolves when that first run has finished. */
  async start(): Promise<void> {
    const { schedule, timezone } = this.options;
    if (schedule) {
      this.task = cron.schedule(schedule, (ctx) => this.onTick(ctx.date), { timezone, name: "backup" });
      this.idleTimer = setInterval(() => this.logIdle(), this.options.idleLogMs ?? 600_000);
      this.idleTimer.unref();
    }
    await this.runNow();
  }

  nextRun(): Date | undefined {
    return this.task?.getNextRun() ?? undefined;
  }

  /** Seconds between the next two scheduled runs; undefined without a schedule. */
  intervalSeconds(): number | undefined {
    const [a, b] = this.task?.getNextRuns(2) ?? [];
    return a && b ? (b.getTime() - a.getTime()) / 1000 : undefined;
  }

  /** Stops scheduling and waits for the current run, which stops after its writes in flight. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.idleTimer) clearInterval(this.idleTimer);
    await this.task?.destroy();
    this.current?.controller.abort();
    await this.current?.promise;
  }

  private onTick(date: Date): void {
    if (this.stopping) return;
    if (this.current) {
      this.options.logger.warning(
        `skipping the run scheduled for ${date.toISOString()}: the previous backup (started ${this.current ? this.lastRun?.startedAt.toISOString() : "?"}) is still running`,
      );
      return;
    }
    void this.runNow();
  }

  private runNow(): Promise<void> {
    const controller = new AbortController();
    const record: RunRecord = { startedAt: this.now(), outcome: "running" };
    this.lastRun = record;
    this.options.onRunStarted?.(record);
    const promise = (async () => {
      try {
        const summary = await this.options.run(controller.signal);
        record.summary = summary;
        record.outcome = summary.aborted ? "stopped" : summary.ok ? "success" : "failure";
      } catch (err) {
        record.outcome = controller.signal.aborted ? "stopped" : "failure";
        record.error = errorMessage(err);
        this.options.logger.error(`backup failed: ${record.error}`);
      } finally {
        record.finishedAt = this.now();
        this.lastFinished = record;
        this.current = undefined;
        this.options.onRunFinished?.(record);
        this.logNext();
      }
    })();
    this.current = { promise, controller };
    return promise;
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private describeNext(): string | undefined {
    const next = this.nextRun();
    if (!next) return undefined;
    const at = DateTime.fromJSDate(next).setZone(this.options.timezone);
    const iso =
      this.options.timezone === "UTC"
        ? at.toUTC().toISO({ suppressMilliseconds: true })
        : at.toISO({ suppressMilliseconds: true });
    return `next run ${iso}, in ${formatCountdown(next.getTime() - this.now().getTime())}`;
  }

  private logNext(): void {
    if (this.stopping) return;
    const next = this.describeNext();
    if (next) this.options.logger.info(next);
  }

  private logIdle(): void {
    if (this.current || this.stopping) return;
    const next = this.describeNext();
    if (next) this.options.logger.debug(`idle: ${next}`);
  }
}
