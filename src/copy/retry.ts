/**
 * The copy's one retry layer. Each request is retried in exactly one place, so a failure is
 * attempted at most MAX_RETRIES + 1 times in all:
 * - a request the client can repeat alone (ping, a whole small query, the write of one batch)
 *   is retried by the client (influx/client.ts), and the copy never repeats it again: a batch
 *   the destination refuses is sent again by itself, the source window is not read again;
 * - a streamed read that breaks (the connection cut, a 503 before the answer, an answer cut
 *   short) cannot be resumed half-way: the copy repeats its whole window, which is safe because
 *   re-writing a window is idempotent. That is the only failure repeated here.
 */
import { briefMessage, isRetriable } from "../errors";
import { withRetry, type RetryPolicy } from "../influx/retry";

/** A streamed read that broke, carrying the failure itself (never seen outside this layer). */
export class BrokenRead extends Error {
  override readonly name = "BrokenRead";
  constructor(readonly failure: unknown) {
    super(briefMessage(failure));
  }
  /** A Retry-After the server gave with the failure. */
  get retryAfterMs(): number | undefined {
    return (this.failure as { retryAfterMs?: number } | undefined)?.retryAfterMs;
  }
}

export interface RepeatOptions {
  policy: RetryPolicy;
  signal?: AbortSignal;
  /** Told before each repeat (a WARN line). */
  onRetry: (info: { attempt: number; delayMs: number; error: string }) => void;
}

/**
 * Runs `copy` again while it fails with a retriable BrokenRead, up to the policy's retries; any
 * other failure (a write the client already retried, a refused query) is passed on at once.
 * Callers see the read's own failure, never the BrokenRead around it.
 */
export async function repeatBrokenReads<T>(copy: () => Promise<T>, options: RepeatOptions): Promise<T> {
  try {
    return await withRetry(copy, {
      ...options,
      retriable: (err) => err instanceof BrokenRead && isRetriable(err.failure),
    });
  } catch (err) {
    throw err instanceof BrokenRead ? err.failure : err;
  }
}
