/**
 * Keeps a bounded number of line protocol batches in flight. `add` waits while all slots are
 * busy, so a fast reader is paused by a slow destination (backpressure) and memory stays
 * bounded by batchSize × (concurrency + 1) lines. Writes are never aborted half-way: a stop
 * request lets the batches in flight finish (see abandon).
 *
 * Points the destination refuses are never dropped silently. InfluxDB answers a batch with
 * some bad points with HTTP 400 "partial write" and keeps the good ones; the batch is then
 * split until each refused point is isolated, and every refusal is recorded with its reason.
 * A 413 (body too large) shrinks the batch instead of failing.
 */
import { InfluxError } from "../errors";
import type { InfluxClient } from "../influx/client";
import { splitBatch, type Batch } from "../codec/batch";

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

/** What the writer asks of the destination's client: one write request (which the client retries itself). */
export type WriteClient = Pick<InfluxClient, "write">;

export class BatchWriter {
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown;
  private rejections = new Map<string, Rejection>();
  written = 0;
  /** Points the destination dropped because they are older than its retention policy. */
  beyondRetention = 0;

  constructor(
    private readonly client: WriteClient,
    private readonly db: string,
    private readonly rp: string,
    /** Lines per request; shrinks when the destination answers 413. */
    public batchSize: number,
    private readonly concurrency: number,
  ) {}

  /** Sends a batch once a slot is free (waiting is the backpressure); throws an earlier failure. */
  async add(batch: Batch): Promise<void> {
    const parts: Batch[] = [];
    let rest: Batch = { body: batch.body, ends: batch.ends };
    while (rest.ends.length > this.batchSize) {
      const [head, tail] = splitBatch(rest, this.batchSize);
      parts.push(head);
      rest = tail;
    }
    if (rest.ends.length > 0) parts.push(rest);
    // The body is handed back only when every part of it was written (never after a failure).
    let waiting = parts.length;
    const written = () => {
      if (--waiting === 0) batch.release?.();
    };
    for (const part of parts) await this.dispatch(part, written);
  }

  /** Waits for every write; throws the first failure. */
  async flush(): Promise<void> {
    await Promise.all(this.inFlight);
    this.throwIfFailed();
  }

  /**
   * Waits for the writes already sent and forgets their failure: on a stop request or before a
   * retry no batch is cut in half, and the window's cursor is not moved, so it is repeated.
   */
  async abandon(): Promise<void> {
    await Promise.allSettled(this.inFlight);
    this.failure = undefined;
  }

  /** The refusals recorded since the last call. */
  takeRejections(): Rejection[] {
    const list = [...this.rejections.values()];
    this.rejections = new Map();
    return list;
  }

  private async dispatch(batch: Batch, written: () => void): Promise<void> {
    this.throwIfFailed();
    while (this.inFlight.size >= this.concurrency) {
      await Promise.race(this.inFlight);
      this.throwIfFailed();
    }
    const task = this.send(batch)
      .then(written)
      .catch((err: unknown) => {
        this.failure ??= err;
      })
      .finally(() => {
        this.inFlight.delete(task);
      });
    this.inFlight.add(task);
  }

  private async send(batch: Batch): Promise<void> {
    const lines = batch.ends.length;
    try {
      await this.client.write(this.db, this.rp, batch.body);
      this.written += lines;
    } catch (err) {
      if (!(err instanceof InfluxError)) throw err;
      if (err.status === 413 && lines > 1) {
        this.batchSize = Math.min(this.batchSize, Math.max(1, Math.floor(lines / 2)));
        return this.sendInPieces(batch);
      }
      if (err.status !== 400 || !refusesPoints(err.message)) throw err;
      const beyond = BEYOND_RETENTION.exec(err.message);
      if (beyond) {
        // Only this reason was given, so every other point of the batch was written.
        const dropped = Number(beyond[1]);
        this.beyondRetention += dropped;
        this.written += lines - dropped;
        return;
      }
      if (lines === 1) return this.reject(err.message, batch.body.toString("utf8"));
      return this.sendHalves(batch);
    }
  }

  /**
   * Sends a batch in pieces of the batch size, read again before each piece: once a body was too
   * large, no piece of that size or larger is sent again (halving would send the second half of
   * every refused body, each of them refused once more).
   */
  private async sendInPieces(batch: Batch): Promise<void> {
    let rest = batch;
    while (rest.ends.length > this.batchSize) {
      const [head, tail] = splitBatch(rest, this.batchSize);
      await this.send(head);
      rest = tail;
    }
    await this.send(rest);
  }

  private async sendHalves(batch: Batch): Promise<void> {
    const [a, b] = splitBatch(batch, Math.ceil(batch.ends.length / 2));
    await this.send(a);
    await this.send(b);
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
