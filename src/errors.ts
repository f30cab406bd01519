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

/** The server answered, but with an error (HTTP status or an error object in the body). */
export class InfluxError extends Error {
  override readonly name = "InfluxError";
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The server could not be reached or the connection broke. */
export class ConnectionError extends Error {
  override readonly name = "ConnectionError";
  constructor(
    message: string,
    readonly code?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An answer that cannot be trusted to be complete: a stream cut short, a partial result. */
export class TruncatedResultError extends Error {
  override readonly name = "TruncatedResultError";
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
