import { PassThrough } from "node:stream";
import type { RunSummary } from "../../../src/observability/runSummary";
import { formatCountdown } from "../../../src/observability/countdown";
import { createLogger } from "../../../src/observability/logger";
import { Scheduler } from "../../../src/commands/scheduler";

function summary(ok = true, aborted = false): RunSummary {
  return {
    ok,
    aborted,
    databases: 1,
    measurements: 1,
    pointsRead: 0,
    pointsWritten: 0,
    nonFiniteDropped: 0,
    failures: [],
    durationMs: 0,
    perDatabase: {},
  };
}

function capture() {
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on("data", (d: Buffer) => lines.push(...d.toString().split("\n").filter(Boolean)));
  return { logger: createLogger({ level: "debug", stream }), lines };
}

async function waitFor(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let scheduler: Scheduler | undefined;
afterEach(async () => {
  await scheduler?.stop();
  scheduler = undefined;
});

describe("Scheduler", () => {
  it("runs once at start, then on every cron tick, and logs the next run with a countdown", async () => {
    const { logger, lines } = capture();
    let runs = 0;
    scheduler = new Scheduler({
      schedule: "* * * * * *",
      timezone: "UTC",
      logger,
      run: async () => (runs++, summary()),
    });
    await scheduler.start();
    expect(runs).toBe(1); // the immediate run
    await waitFor(() => runs >= 3, "two cron runs");
    expect(lines.some((l) => /INFO .*next run \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, in \d+s/.test(l))).toBe(true);
    expect(scheduler.lastRun?.outcome).toBe("success");
  });

  it("logs the countdown at DEBUG every 10 minutes while idle", async () => {
    // Only the interval timers are fake: the idle countdown's clock, not the cron library's.
    jest.useFakeTimers({
      doNotFake: ["Date", "setTimeout", "clearTimeout", "setImmediate", "nextTick", "queueMicrotask"],
    });
    try {
      const { logger, lines } = capture();
      scheduler = new Scheduler({ schedule: "0 0 1 1 *", timezone: "UTC", logger, run: async () => summary() });
      await scheduler.start();
      const idle = () => lines.filter((l) => /DEBUG .*idle: next run \d{4}-01-01T00:00:00Z, in /.test(l)).length;
      jest.advanceTimersByTime(599_999);
      await new Promise((r) => setTimeout(r, 50)); // lets the log stream deliver a line, if one was written
      expect(idle()).toBe(0);
      jest.advanceTimersByTime(1);
      await waitFor(() => idle() === 1, "the first idle line");
      jest.advanceTimersByTime(600_000);
      await waitFor(() => idle() === 2, "the second idle line");
    } finally {
      jest.useRealTimers();
    }
  });

  it("runs only once without a schedule", async () => {
    const { logger } = capture();
    let runs = 0;
    scheduler = new Scheduler({ timezone: "UTC", logger, run: async () => (runs++, summary(false)) });
    await scheduler.start();
    expect(runs).toBe(1);
    expect(scheduler.lastRun?.outcome).toBe("failure");
    expect(scheduler.nextRun()).toBeUndefined();
  });

  it("skips a tick with a warning while a run is still going, never running two at once", async () => {
    const { logger, lines } = capture();
    let active = 0;
    let maxActive = 0;
    let release!: () => void;
    const blocked = new Promise<void>((r) => (release = r));
    let runs = 0;
    scheduler = new Scheduler({
      schedule: "* * * * * *",
      timezone: "UTC",
      logger,
      run: async () => {
        runs++;
        active++;
        maxActive = Math.max(maxActive, active);
        if (runs === 2) await blocked;
        active--;
        return summary();
      },
    });
    await scheduler.start();
    await waitFor(() => runs === 2, "the second (blocking) run");
    await waitFor(
      () => lines.some((l) => /WARNING .*skipping the run scheduled for .* still running/.test(l)),
      "a skip warning",
    );
    release();
    await waitFor(() => runs >= 3, "a run after the blocked one");
    expect(maxActive).toBe(1);
  });

  it("stop() asks the current run to stop and waits for it", async () => {
    const { logger } = capture();
    let sawAbort = false;
    let started = false;
    scheduler = new Scheduler({
      schedule: "0 0 1 1 *",
      timezone: "UTC",
      logger,
      run: (signal) =>
        new Promise<RunSummary>((resolve) => {
          started = true;
          signal.addEventListener("abort", () => {
            sawAbort = true;
            resolve(summary(true, true));
          });
        }),
    });
    const first = scheduler.start();
    await waitFor(() => started, "the run to start");
    await scheduler.stop();
    await first;
    expect(sawAbort).toBe(true);
    expect(scheduler.lastRun?.outcome).toBe("stopped");
    expect(scheduler.alive).toBe(false);
    scheduler = undefined;
  });

  it("reads the schedule in BACKUP_TIMEZONE", async () => {
    const { logger } = capture();
    scheduler = new Scheduler({ schedule: "0 3 * * *", timezone: "Asia/Tokyo", logger, run: async () => summary() });
    await scheduler.start();
    const next = scheduler.nextRun()!;
    expect(next.getUTCHours()).toBe(18); // 03:00 in Tokyo is 18:00 UTC
  });
});

describe("formatCountdown", () => {
  it("reads like a person would say it", () => {
    expect(formatCountdown(42_000)).toBe("42s");
    expect(formatCountdown(312_000)).toBe("5m 12s");
    expect(formatCountdown((5 * 3600 + 12 * 60) * 1000)).toBe("5h 12m");
    expect(formatCountdown((3 * 86400 + 4 * 3600) * 1000)).toBe("3d 4h");
  });
});
