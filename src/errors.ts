/**
 * Error classes that cross module boundaries. Each carries a message a user can act on
 * and, where there is one, the underlying cause.
 */

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

/**
 * A run would write into what it reads (the server written is the server read, and a database
 * written is one read). Refused before anything is written; an invalid configuration (exit 2).
 */
export class SelfWriteError extends Error {
  override readonly name = "SelfWriteError";
}

/** The server answered, but with an error (HTTP status or an error object in the body). */
export class InfluxError extends Error {
  override readonly name = "InfluxError";
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown; retryAfterMs?: number; hint?: string },
  ) {
    super(message, options);
    this.retryAfterMs = options?.retryAfterMs;
    this.hint = options?.hint;
  }
  /** From a Retry-After header (429, 503). */
  readonly retryAfterMs?: number;
  /** What the user can do about it; see errorMessage. */
  readonly hint?: string;
}

/** The server could not be reached or the connection broke. */
export class ConnectionError extends Error {
  override readonly name = "ConnectionError";
  constructor(
    message: string,
    readonly code?: string,
    options?: { cause?: unknown; hint?: string },
  ) {
    super(message, options);
    this.hint = options?.hint;
  }
  /** What the user can do about it; see errorMessage. */
  readonly hint?: string;
}

/** An answer that cannot be trusted to be complete: a stream cut short, a partial result. */
export class TruncatedResultError extends Error {
  override readonly name = "TruncatedResultError";
}

/** The message and, when the error has one, the hint: "cannot reach ... — the host name ... is not known". */
export function errorMessage(err: unknown): string {
  const hint = (err as { hint?: unknown } | undefined)?.hint;
  const brief = briefMessage(err);
  return typeof hint === "string" && hint ? `${brief} — ${hint}` : brief;
}

/** The message without its hint: for lines that repeat (each retry), where the hint would be noise. */
export function briefMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

const RETRIABLE_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  // A container being restarted drops out of Docker's DNS for a moment.
  "ENOTFOUND",
]);

/**
 * Whether trying again may succeed: connection failures, timeouts, answers cut short,
 * HTTP 408, 429 and 5xx. Client errors (400, 401, 403, 404, errors inside a 200 answer)
 * are not: they need the user to change something.
 */
export function isRetriable(err: unknown): boolean {
  if (err instanceof TruncatedResultError) return true;
  if (err instanceof ConnectionError) return true;
  if (err instanceof InfluxError) {
    const s = err.status ?? 0;
    return s === 408 || s === 429 || s >= 500;
  }
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" && RETRIABLE_CODES.has(code);
}
