/**
 * Batches line protocol and keeps a bounded number of writes in flight. `add` waits when
 * all slots are busy, so a fast reader is paused by a slow destination (backpressure) and
 * memory stays bounded by batchSize × (concurrency + 1) lines. Writes are never aborted
 * half-way: a stop request lets the batches in flight finish (see abandon).
 */
import type { InfluxClient } from "../influx/client";

export class BatchWriter {
  private buffer: string[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown;
  written = 0;

  constructor(
    private readonly client: InfluxClient,
    private readonly db: string,
    private readonly rp: string,
    private readonly batchSize: number,
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
  }

  private async dispatch(): Promise<void> {
    this.throwIfFailed();
    while (this.inFlight.size >= this.concurrency) {
      await Promise.race(this.inFlight);
      this.throwIfFailed();
    }
    const batch = this.buffer;
    this.buffer = [];
    const body = batch.join("\n");
    const task = this.client
      .write(this.db, this.rp, body)
      .then(() => {
        this.written += batch.length;
      })
      .catch((err: unknown) => {
        this.failure ??= err;
      })
      .finally(() => {
        this.inFlight.delete(task);
      });
    this.inFlight.add(task);
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}
