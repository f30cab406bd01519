/**
 * Batches line protocol and keeps a bounded number of writes in flight. `add` waits when
 * all slots are busy, so a fast reader is paused by a slow destination (backpressure) and
 * memory stays bounded by batchSize × (concurrency + 1) lines. Writes are never aborted
 * half-way: a stop request lets the batches in flight finish (see abandon).
 *
 * Points the destination refuses are never dropped silently. InfluxDB answers a batch with
 * some bad points with HTTP 400 "partial write" and keeps the good ones; the batch is then
 * split until each refused point is isolated, and every refusal is recorded with its reason.
 * A 413 (body too large) shrinks the batch instead of failing.
 */
import { InfluxError } from "../errors";
import type { InfluxClient } from "../influx/client";

export interface Rejection {
  /** Measurement and field named by the server's message, when it names them. */
  measurement?: string;
  field?: string;
  reason: string;
  count: number;
}

const TYPE_CONFLICT = /field type conflict: input field "((?:[^"\\]|\\.)*)" on measurement "((?:[^"\\]|\\.)*)"/;
const BEYOND_RETENTION = /points beyond retention policy dropped=(\d+)/;

/** Whether a 400 answer refused some points of a batch (as opposed to the whole request being wrong). */
function refusesPoints(message: string): boolean {
  return /partial write|unable to parse|field type conflict/.test(message);
}

export class BatchWriter {
  private buffer: string[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown;
  private rejections = new Map<string, Rejection>();
  written = 0;
  /** Points the destination dropped because they are older than its retention policy. */
  beyondRetention = 0;

  constructor(
    private readonly client: InfluxClient,
    private readonly db: string,
    private readonly rp: string,
    private batchSize: number,
    private readonly concurrency: number,
  ) {}

  async add(lines: string[]): Promise<void> {
    for (const line of lines) {
      this.buffer.push(line);
      if (this.buffer.length >= this.batchSize) await this.dispatch();
    }
  }

  /** Sends what is buffered and waits for every write; throws the first failure. */
  async flush(): Promise<void> {
    if (this.buffer.length > 0) await this.dispatch();
    await Promise.all(this.inFlight);
    this.throwIfFailed();
  }

  /**
   * Waits for the writes already sent and drops what was not sent yet: on a stop request no
   * batch is cut in half, and the window's cursor is not moved, so the next run repeats it.
   */
  async abandon(): Promise<void> {
    this.buffer = [];
    await Promise.allSettled(this.inFlight);
    this.failure = undefined;
  }

  /** The refusals recorded since the last call. */
  takeRejections(): Rejection[] {
    const list = [...this.rejections.values()];
    this.rejections = new Map();
    return list;
  }

  private async dispatch(): Promise<void> {
    this.throwIfFailed();
    while (this.inFlight.size >= this.concurrency) {
      await Promise.race(this.inFlight);
      this.throwIfFailed();
    }
    const batch = this.buffer;
    this.buffer = [];
    const task = this.send(batch)
      .catch((err: unknown) => {
        this.failure ??= err;
      })
      .finally(() => {
        this.inFlight.delete(task);
      });
    this.inFlight.add(task);
  }

  private async send(lines: string[]): Promise<void> {
    try {
      await this.client.write(this.db, this.rp, lines.join("\n"));
      this.written += lines.length;
    } catch (err) {
      if (!(err instanceof InfluxError)) throw err;
      if (err.status === 413 && lines.length > 1) {
        this.batchSize = Math.max(1, Math.floor(lines.length / 2));
        return this.sendHalves(lines);
      }
      if (err.status !== 400 || !refusesPoints(err.message)) throw err;
      const beyond = BEYOND_RETENTION.exec(err.message);
      if (beyond) {
        // Only this reason was given, so every other point of the batch was written.
        const dropped = Number(beyond[1]);
        this.beyondRetention += dropped;
        this.written += lines.length - dropped;
        return;
      }
      if (lines.length === 1) return this.reject(err.message, lines[0] as string);
      return this.sendHalves(lines);
    }
  }

  private async sendHalves(lines: string[]): Promise<void> {
    const mid = Math.ceil(lines.length / 2);
    await this.send(lines.slice(0, mid));
    await this.send(lines.slice(mid));
  }

  private reject(message: string, line: string): void {
    const conflict = TYPE_CONFLICT.exec(message);
    const reason = message.replace(/^.*?answered HTTP 400 to [^:]+: /, "").replace(/ dropped=\d+$/, "");
    const rejection: Rejection = conflict
      ? { field: conflict[1], measurement: conflict[2], reason, count: 0 }
      : { measurement: line.split(/(?<!\\)[, ]/)[0], reason, count: 0 };
    const key = `${rejection.measurement}\u0000${rejection.field}\u0000${conflict ? "conflict" : reason}`;
    const existing = this.rejections.get(key) ?? rejection;
    existing.count++;
    this.rejections.set(key, existing);
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}
