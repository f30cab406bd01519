/**
 * The only module that speaks HTTP to InfluxDB 1.x.
 *
 * It uses Node's http/https directly rather than the `influx` package, because that client
 * parses whole JSON answers in memory (no streaming of chunked results), rounds integers above
 * 2^53 and nanosecond timestamps, cannot read MessagePack, and without a schema writes integers
 * as floats. Here reads are streamed and decoded as they arrive, and writes send line protocol
 * that the caller built with explicit types.
 */
import http from "node:http";
import { promisify } from "node:util";
import zlib from "node:zlib";
import https from "node:https";
import { decode } from "@msgpack/msgpack";
import { ConnectionError, InfluxError, TruncatedResultError, errorMessage, isRetriable } from "../errors";
import { withRetry, type RetryPolicy } from "./retry";
import { hintFor } from "./hints";
import { identityFromDebugVars, identityFromDiagnostics, type IdentityAnswer, type ServerIdentity } from "./identity";
import { shardWritesFromDebugVars, type ShardWrites } from "./shardWrites";
import { FrameSplitter } from "../codec/msgpack";
import { checkChunk, decodeOptions, isPartial, type Series, type StatementResult } from "../codec/response";

const gzip = promisify(zlib.gzip);

/**
 * A trickling answer: at high cardinality InfluxDB computes an aggregate series after series
 * and sends each as a small chunk as soon as it has it, a fraction of a millisecond apart. Read
 * as it comes, every chunk costs a wake-up of the process (epoll, read, the HTTP parser, a
 * stream step): at 100,000 series that was about half of the tool's CPU. Once an answer has
 * come in TRICKLE_PIECES pieces smaller than TRICKLE_BYTES, each further small piece pauses the
 * socket for TRICKLE_MS, so that the chunks gather in the kernel's socket buffer and are read in
 * one go. An answer that comes in big pieces is not paused, nor one that ends within
 * TRICKLE_PIECES small pieces. Only the copy's window reads come here; query() never pauses.
 */
const TRICKLE_BYTES = 16 * 1024;
const TRICKLE_PIECES = 4;
const TRICKLE_MS = 20;

/** Waits TRICKLE_MS with the answer's socket paused, unless it is paused already (backpressure) or the answer is complete. */
async function gather(res: http.IncomingMessage): Promise<void> {
  const socket = res.socket;
  if (!socket || res.complete || socket.isPaused()) return;
  socket.pause();
  try {
    await new Promise((resolve) => setTimeout(resolve, TRICKLE_MS));
  } finally {
    socket.resume();
  }
}

export interface ServerOptions {
  /** "source" or "destination": named in every error so the user knows which server failed. */
  role: string;
  /** Prefix of the variables that configure this server (SOURCE, DEST, ...), named in hints. */
  envPrefix?: string;
  /** What the tool does on this server, for the hint about grants (default read). */
  access?: "read" | "write";
  /** Base URL without credentials. */
  url: URL;
  username?: string;
  password?: string;
  /** Idle time after which a request is abandoned. */
  timeoutMs: number;
  /** Extra trusted CA certificates (PEM) for https. */
  ca?: string;
  /** Verify the server's certificate (default true). */
  tlsVerify?: boolean;
  /** Retries of ping, whole small queries and writes; streamed reads are retried by the caller. */
  retry?: RetryPolicy;
  /** Told about each retry (to log it). */
  onRetry?: (message: string) => void;
  /** Send write bodies gzip-compressed. */
  gzipWrites?: boolean;
  /** Told how long each query took, from sending it to the end of its answer (DEBUG logs). */
  onQueryDone?: (statement: string, ms: number) => void;
}

export interface QueryOptions {
  db?: string;
  /** Rows per chunk of a streamed answer. */
  chunkSize?: number;
  signal?: AbortSignal;
}

export class InfluxClient {
  private readonly agent: http.Agent;
  private readonly auth: string | undefined;

  constructor(readonly options: ServerOptions) {
    this.agent =
      options.url.protocol === "https:"
        ? new https.Agent({
            keepAlive: true,
            maxSockets: 16,
            ca: options.ca,
            rejectUnauthorized: options.tlsVerify !== false,
          })
        : new http.Agent({ keepAlive: true, maxSockets: 16 });
    this.auth =
      options.username !== undefined
        ? `Basic ${Buffer.from(`${options.username}:${options.password ?? ""}`).toString("base64")}`
        : undefined;
  }

  /** "source InfluxDB at http://host:8086" — never with credentials. */
  get label(): string {
    return `${this.options.role} InfluxDB at ${this.options.url.origin}${this.basePath()}`;
  }

  close(): void {
    this.agent.destroy();
  }

  /** Runs fn with this server's retry policy, telling onRetry about each retry. */
  retrying<T>(what: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const policy = this.options.retry;
    if (!policy || policy.maxRetries === 0) return fn();
    return withRetry(fn, {
      policy,
      signal,
      onRetry: ({ attempt, delayMs, error }) =>
        this.options.onRetry?.(
          `${what} failed (${error}); retry ${attempt}/${policy.maxRetries} in ${(delayMs / 1000).toFixed(1)}s`,
        ),
    });
  }

  /** Checks the server answers; returns its version. */
  ping(signal?: AbortSignal): Promise<string> {
    return this.retrying(`ping ${this.label}`, () => this.pingOnce(signal), signal);
  }

  private async pingOnce(signal?: AbortSignal): Promise<string> {
    const res = await this.request("GET", "/ping", {}, undefined, signal);
    if (res.statusCode !== 204 && res.statusCode !== 200) {
      const text = await readText(res);
      const type = String(res.headers["content-type"] ?? "");
      throw this.httpError(res.statusCode ?? 0, type, text, "/ping", res.headers["retry-after"]);
    }
    res.resume();
    const version = res.headers["x-influxdb-version"];
    return typeof version === "string" ? version : "unknown";
  }

  /**
   * Which InfluxDB process answers here (see identity.ts): the opening of GET /debug/vars, or
   * SHOW DIAGNOSTICS when that is refused or missing (a proxy may not pass /debug/vars on).
   * Reads only. An answer that names no identity says why; a server that cannot be reached throws.
   */
  async identify(signal?: AbortSignal): Promise<IdentityAnswer> {
    let debugVars: unknown;
    try {
      return {
        identity: await this.retrying(`GET /debug/vars of ${this.label}`, () => this.debugVars(signal), signal),
      };
    } catch (err) {
      if (err instanceof ConnectionError || err instanceof TruncatedResultError || signal?.aborted) throw err;
      debugVars = err;
    }
    try {
      return { identity: identityFromDiagnostics(await this.query("SHOW DIAGNOSTICS", { signal })) };
    } catch (err) {
      if (err instanceof ConnectionError || err instanceof TruncatedResultError || signal?.aborted) throw err;
      // A server that is only unwell now (5xx, 429 after the retries) fails this run like any
      // other request; "unknown" is for a server that will not say (401, 403, 404, no JSON).
      if (isRetriable(err)) throw err;
      if (isRetriable(debugVars)) throw debugVars;
      return { unknown: `GET /debug/vars: ${errorMessage(debugVars)}; SHOW DIAGNOSTICS: ${errorMessage(err)}` };
    }
  }

  /** Reads /debug/vars only as far as its opening "system" section, then hangs up (the rest can be large). */
  private async debugVars(signal?: AbortSignal): Promise<ServerIdentity> {
    const res = await this.request("GET", "/debug/vars", {}, undefined, signal);
    const type = String(res.headers["content-type"] ?? "");
    if (res.statusCode !== 200 || !type.includes("json")) {
      throw this.httpError(
        res.statusCode ?? 0,
        type,
        await readText(res),
        "GET /debug/vars",
        res.headers["retry-after"],
      );
    }
    let opening = "";
    try {
      res.setEncoding("utf8");
      for await (const piece of res) {
        opening += piece as string;
        const identity = identityFromDebugVars(opening);
        if (identity) return identity;
        if (opening.length > 65536) break;
      }
    } finally {
      res.destroy();
    }
    throw new InfluxError('the answer does not open with a "system" section');
  }

  /** Every shard's write counter (GET /debug/vars, whole; see shardWrites.ts). */
  async shardWrites(signal?: AbortSignal): Promise<ShardWrites> {
    return this.retrying(
      `GET /debug/vars of ${this.label}`,
      async () => {
        const res = await this.request("GET", "/debug/vars", {}, undefined, signal);
        const type = String(res.headers["content-type"] ?? "");
        res.setEncoding("utf8");
        let text = "";
        for await (const piece of res) text += piece as string;
        if (res.statusCode !== 200 || !type.includes("json"))
          throw this.httpError(
            res.statusCode ?? 0,
            type,
            text.slice(0, 65536),
            "GET /debug/vars",
            res.headers["retry-after"],
          );
        try {
          return shardWritesFromDebugVars(text);
        } catch (err) {
          throw new InfluxError(`GET /debug/vars of ${this.label}: ${errorMessage(err)}`);
        }
      },
      signal,
    );
  }

  /** Runs one statement and collects its whole (small) answer: for SHOW and CREATE statements. */
  query(statement: string, options: QueryOptions = {}): Promise<Series[]> {
    return this.retrying(
      `query ${statement.slice(0, 80)} on ${this.label}`,
      async () => {
        const series: Series[] = [];
        for await (const s of this.stream(statement, options)) series.push(s);
        return series;
      },
      options.signal,
    );
  }

  /**
   * Runs one statement with a chunked answer and yields its series as they are decoded.
   * Throws if the server reports an error in any chunk, or if the answer ends before its
   * last chunk: nothing truncated is ever passed on as complete.
   */
  async *stream(statement: string, options: QueryOptions = {}): AsyncGenerator<Series> {
    const started = performance.now();
    const res = await this.openQuery(statement, options);
    let partial = true;
    let chunks = 0;
    try {
      for await (const frame of this.frames(res, statement)) {
        chunks++;
        const chunk = checkChunk(decode(frame, decodeOptions));
        partial = isPartial(chunk);
        for (const result of chunk.results ?? []) {
          for (const s of result.series ?? []) yield s;
        }
      }
    } catch (err) {
      throw this.readError(err, res, statement);
    } finally {
      res.destroy();
    }
    this.checkComplete(res, statement, chunks, partial);
    this.options.onQueryDone?.(statement, performance.now() - started);
  }

  /**
   * Runs one statement with a chunked answer and hands each chunk's bytes, whole, to
   * `onChunk`, which reads it and says whether more chunks follow. Waits for `onChunk`
   * before reading on (backpressure). The chunk's bytes are only valid until `onChunk`
   * returns (the buffer is reused for the next one). Errors as for stream(); errors of `onChunk` itself
   * other than an error reported in a chunk are passed on unchanged.
   */
  async readChunks(
    statement: string,
    options: QueryOptions,
    onChunk: (frame: Buffer) => Promise<boolean> | boolean,
  ): Promise<void> {
    const started = performance.now();
    const res = await this.openQuery(statement, options);
    let partial = true;
    let chunks = 0;
    let handlerError: { error: unknown } | undefined;
    const splitter = new FrameSplitter(true);
    try {
      // A high-cardinality answer holds a chunk per series: the chunks of a piece are handed
      // over in a plain loop, and only a handler that has to wait (a write) is awaited.
      let small = 0;
      for await (const piece of res as AsyncIterable<Buffer>) {
        if (piece.length < TRICKLE_BYTES && ++small > TRICKLE_PIECES) await gather(res);
        for (const frame of splitter.push(piece)) {
          chunks++;
          try {
            const next = onChunk(frame);
            partial = typeof next === "boolean" ? next : await next;
          } catch (err) {
            handlerError = { error: err };
            throw err;
          }
        }
      }
      if (splitter.end().leftover > 0) {
        throw this.cutShort(statement);
      }
    } catch (err) {
      const fromHandler = handlerError?.error;
      if (fromHandler !== undefined && !(fromHandler instanceof InfluxError && fromHandler.status === undefined)) {
        throw fromHandler;
      }
      throw this.readError(err, res, statement);
    } finally {
      res.destroy();
    }
    this.checkComplete(res, statement, chunks, partial);
    this.options.onQueryDone?.(statement, performance.now() - started);
  }

  private async openQuery(statement: string, options: QueryOptions): Promise<http.IncomingMessage> {
    const params: Record<string, string> = { chunked: "true", chunk_size: String(options.chunkSize ?? 10000) };
    if (options.db !== undefined) params.db = options.db;
    const body = new URLSearchParams({ q: statement }).toString();
    const res = await this.request("POST", "/query", params, body, options.signal, {
      "Content-Type": "application/x-www-form-urlencoded",
      Accept: "application/x-msgpack",
    });
    const type = String(res.headers["content-type"] ?? "");
    if (!type.includes("msgpack")) {
      const text = await readText(res);
      throw this.httpError(res.statusCode ?? 0, type, text, `query: ${statement}`, res.headers["retry-after"]);
    }
    return res;
  }

  /**
   * The answer's chunks, each a whole MessagePack value; an answer cut inside a chunk is
   * truncated.
   */
  private async *frames(res: http.IncomingMessage, statement: string): AsyncGenerator<Buffer> {
    const splitter = new FrameSplitter();
    for await (const piece of res as AsyncIterable<Buffer>) {
      yield* splitter.push(piece);
    }
    const end = splitter.end();
    yield* end.frames;
    if (end.leftover > 0) {
      throw this.cutShort(statement);
    }
  }

  /** An answer that ended in the middle of a chunk. */
  private cutShort(statement: string): TruncatedResultError {
    return new TruncatedResultError(`${this.label} ended its answer in the middle of a chunk; query: ${statement}`);
  }

  /** What a failure while reading an answer means for the caller. */
  private readError(err: unknown, res: http.IncomingMessage, statement: string): Error {
    if (err instanceof TruncatedResultError) return err;
    if (err instanceof InfluxError) {
      const status = res.statusCode ?? 0;
      if (status >= 300) return this.failure(status, err.message, `query: ${statement}`);
      return new InfluxError(`${this.label} rejected a query: ${err.message} (query: ${statement})`, status);
    }
    return new TruncatedResultError(`${this.label} broke off its answer (${errorMessage(err)}); query: ${statement}`, {
      cause: err,
    });
  }

  private checkComplete(res: http.IncomingMessage, statement: string, chunks: number, partial: boolean): void {
    if ((res.statusCode ?? 0) >= 300) {
      throw new InfluxError(`${this.label} answered HTTP ${res.statusCode} to query: ${statement}`, res.statusCode);
    }
    if (chunks === 0 || partial) {
      throw new TruncatedResultError(`${this.label} ended its answer before the last chunk; query: ${statement}`);
    }
  }

  /** Writes line protocol into db/rp, retrying transient failures (a write is idempotent). */
  write(db: string, rp: string, lines: string | Buffer, signal?: AbortSignal): Promise<void> {
    return this.retrying(`write to ${db}.${rp} on ${this.label}`, () => this.writeOnce(db, rp, lines, signal), signal);
  }

  /** One write; resolves only when the server acknowledged every point. */
  async writeOnce(db: string, rp: string, lines: string | Buffer, signal?: AbortSignal): Promise<void> {
    const headers: Record<string, string> = { "Content-Type": "text/plain; charset=utf-8" };
    let body = lines;
    if (this.options.gzipWrites) {
      body = await gzip(lines, { level: 1 });
      headers["Content-Encoding"] = "gzip";
    }
    const res = await this.request("POST", "/write", { db, rp, precision: "ns" }, body, signal, headers);
    const text = await readText(res);
    if (res.statusCode !== 204) {
      throw this.httpError(
        res.statusCode ?? 0,
        String(res.headers["content-type"] ?? ""),
        text,
        `write to ${db}.${rp}`,
        res.headers["retry-after"],
      );
    }
  }

  /** What the user can do about a failure with this error code or HTTP status, if anything. */
  private hint(problem: { code?: string; status?: number }): string | undefined {
    const { envPrefix, url, username, access = "read" } = this.options;
    return hintFor(problem, { envPrefix, url, username, access });
  }

  /** An error naming the server, the HTTP status, the reason and, for 401/403, what to check. */
  private failure(status: number, reason: string, what: string, retryAfterMs?: number): InfluxError {
    return new InfluxError(`${this.label} answered HTTP ${status} to ${what}: ${reason}`, status, {
      retryAfterMs,
      hint: this.hint({ status }),
    });
  }

  private httpError(
    status: number,
    contentType: string,
    text: string,
    what: string,
    retryAfter?: string | string[],
  ): InfluxError {
    let reason = text.trim().slice(0, 300);
    if (contentType.includes("json")) {
      try {
        const parsed = JSON.parse(text) as { error?: string };
        if (parsed.error) reason = parsed.error;
      } catch {
        // keep the raw text
      }
    } else if (/<html/i.test(text)) {
      reason = `an HTML page (${contentType}), probably from a proxy in front of InfluxDB`;
    }
    return this.failure(status, reason, what, parseRetryAfter(retryAfter));
  }

  private basePath(): string {
    return this.options.url.pathname.replace(/\/+$/, "");
  }

  private request(
    method: string,
    path: string,
    params: Record<string, string>,
    body: string | Buffer | undefined,
    signal: AbortSignal | undefined,
    headers: Record<string, string> = {},
  ): Promise<http.IncomingMessage> {
    const url = new URL(this.options.url.href);
    url.pathname = this.basePath() + path;
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const allHeaders: Record<string, string | number> = { ...headers };
    if (this.auth) allHeaders.Authorization = this.auth;
    if (body !== undefined) allHeaders["Content-Length"] = Buffer.byteLength(body);
    const transport = url.protocol === "https:" ? https : http;
    return new Promise((resolve, reject) => {
      const req = transport.request(url, { method, headers: allHeaders, agent: this.agent, signal }, (res) => {
        res.setTimeout(this.options.timeoutMs, () =>
          res.destroy(
            new ConnectionError(`${this.label} stopped sending for ${this.options.timeoutMs / 1000}s`, "ETIMEDOUT"),
          ),
        );
        resolve(res);
      });
      req.setTimeout(this.options.timeoutMs, () =>
        req.destroy(
          new ConnectionError(`${this.label} did not answer within ${this.options.timeoutMs / 1000}s`, "ETIMEDOUT"),
        ),
      );
      req.on("error", (err: NodeJS.ErrnoException) => {
        if (err instanceof ConnectionError) return reject(err);
        if (err.name === "AbortError") return reject(err);
        const code = err.code ?? err.message;
        if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) {
          return reject(
            new InfluxError(`cannot verify the TLS certificate of ${this.label}: ${code}`, undefined, {
              cause: err,
              hint: this.hint({ code }),
            }),
          );
        }
        reject(
          new ConnectionError(`cannot reach ${this.label}: ${code}`, err.code, {
            cause: err,
            hint: this.hint({ code: err.code }),
          }),
        );
      });
      req.end(body);
    });
  }
}

/** Retry-After in seconds or as an HTTP date, in milliseconds from now. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

async function readText(res: http.IncomingMessage): Promise<string> {
  res.setEncoding("utf8");
  let text = "";
  for await (const piece of res) {
    if (text.length < 65536) text += piece as string;
  }
  return text;
}

export type { Series, StatementResult };
