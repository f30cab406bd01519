import { ConnectionError, InfluxError, TruncatedResultError, isRetriable } from "../../../src/errors";
import { parseRetryAfter } from "../../../src/influx/client";
import { backoffDelay, withRetry } from "../../../src/influx/retry";

const policy = { maxRetries: 3, baseDelayMs: 10 };

describe("retries", () => {
  it("retries transient failures and not client errors", () => {
    expect(isRetriable(new ConnectionError("refused", "ECONNREFUSED"))).toBe(true);
    expect(isRetriable(new TruncatedResultError("cut"))).toBe(true);
    expect(isRetriable(new InfluxError("busy", 503))).toBe(true);
    expect(isRetriable(new InfluxError("slow down", 429))).toBe(true);
    expect(isRetriable(new InfluxError("timeout", 408))).toBe(true);
    expect(isRetriable(Object.assign(new Error("reset"), { code: "ECONNRESET" }))).toBe(true);
    for (const status of [400, 401, 403, 404, 200]) expect(isRetriable(new InfluxError("no", status))).toBe(false);
    expect(isRetriable(new Error("bug"))).toBe(false);
  });

  it("doubles the delay with up to 50% jitter, never below the plain series, and honours Retry-After", () => {
    const p = { maxRetries: 5, baseDelayMs: 1000 };
    expect([0, 1, 2, 3, 4].map((n) => backoffDelay(n, p, () => 0))).toEqual([1000, 2000, 4000, 8000, 16000]);
    expect(backoffDelay(2, p, () => 0.999)).toBe(5998);
    expect(backoffDelay(0, p, () => 0, 30_000)).toBe(30_000);
    expect(backoffDelay(0, p, () => 0, 10)).toBe(1000);
  });

  it("reads Retry-After in seconds or as a date", () => {
    expect(parseRetryAfter("7")).toBe(7000);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:10 GMT", Date.parse("2026-01-01T00:00:00Z"))).toBe(10_000);
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });

  it("gives up after maxRetries and reports each retry", async () => {
    const seen: number[] = [];
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new InfluxError("down", 502);
        },
        { policy, onRetry: (i) => seen.push(i.attempt) },
      ),
    ).rejects.toThrow("down");
    expect(calls).toBe(4);
    expect(seen).toEqual([1, 2, 3]);
  });

  it("succeeds once the failure passes, and does not retry what cannot succeed", async () => {
    let calls = 0;
    expect(
      await withRetry(
        async () => {
          if (++calls < 3) throw new ConnectionError("refused", "ECONNREFUSED");
          return "ok";
        },
        { policy },
      ),
    ).toBe("ok");
    let bad = 0;
    await expect(
      withRetry(
        async () => {
          bad++;
          throw new InfluxError("authorization failed", 401);
        },
        { policy },
      ),
    ).rejects.toThrow();
    expect(bad).toBe(1);
  });

  it("stops waiting when the run is stopped: the wait is cut short, not sat out", async () => {
    jest.useFakeTimers();
    try {
      const controller = new AbortController();
      const stopped = new Error("stopped");
      let calls = 0;
      let waiting: (() => void) | undefined;
      const retrying = new Promise<void>((resolve) => (waiting = resolve));
      let settled: { rejected: unknown } | undefined;
      void withRetry(
        async () => {
          calls++;
          throw new ConnectionError("refused", "ECONNREFUSED");
        },
        { policy: { maxRetries: 5, baseDelayMs: 60 * 60_000 }, signal: controller.signal, onRetry: () => waiting!() },
      ).catch((rejected: unknown) => (settled = { rejected }));
      await retrying;
      await Promise.resolve();
      expect(jest.getTimerCount()).toBe(1); // the hour's wait has begun
      controller.abort(stopped);
      // No timer is advanced: only the stop can settle the promise.
      for (let i = 0; i < 5 && !settled; i++) await Promise.resolve();
      expect(settled).toEqual({ rejected: stopped });
      expect(jest.getTimerCount()).toBe(0);
      expect(calls).toBe(1);
    } finally {
      jest.useRealTimers();
    }
  });

  it("does not start a wait when the run was stopped before it", async () => {
    const controller = new AbortController();
    let calls = 0;
    const p = withRetry(
      async () => {
        calls++;
        throw new ConnectionError("refused", "ECONNREFUSED");
      },
      {
        policy: { maxRetries: 5, baseDelayMs: 60 * 60_000 },
        signal: controller.signal,
        onRetry: () => controller.abort(),
      },
    );
    await expect(p).rejects.toThrow(/This operation was aborted/);
    expect(calls).toBe(1);
  });
});
