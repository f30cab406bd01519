/**
 * Retries with exponential backoff and jitter. The delay before retry n (0-based) is
 * base × 2^n, stretched by a random 0–50 %, so clients that failed together do not come back
 * together, and the total wait is never shorter than the plain exponential series
 * (5 retries from 1 s wait at least 31 s). A Retry-After from the server wins when longer.
 */
import { briefMessage, isRetriable } from "../errors";

export interface RetryPolicy {
  maxRetries: number;
  baseDelayMs: number;
}

const MAX_DELAY_MS = 5 * 60_000;

export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number,
  retryAfterMs?: number,
): number {
  const exponential = policy.baseDelayMs * 2 ** attempt;
  const jittered = exponential * (1 + 0.5 * random());
  const delay = retryAfterMs !== undefined && retryAfterMs > jittered ? retryAfterMs : jittered;
  return Math.min(Math.round(delay), MAX_DELAY_MS);
}

export interface RetryOptions {
  policy: RetryPolicy;
  signal?: AbortSignal;
  /** Called before each wait; the place to log a WARN line. */
  onRetry?: (info: { attempt: number; delayMs: number; error: string }) => void;
  retriable?: (err: unknown) => boolean;
  random?: () => number;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const retriable = options.retriable ?? isRetriable;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (options.signal?.aborted || attempt >= options.policy.maxRetries || !retriable(err)) throw err;
      const retryAfter = (err as { retryAfterMs?: number }).retryAfterMs;
      const delayMs = backoffDelay(attempt, options.policy, options.random ?? Math.random, retryAfter);
      // The hint comes once, with the failure, not with every retry.
      options.onRetry?.({ attempt: attempt + 1, delayMs, error: briefMessage(err) });
      await sleep(delayMs, options.signal);
    }
  }
}
