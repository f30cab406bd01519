import { InfluxError } from "../../../src/errors";
import type { Batch } from "../../../src/codec/batch";
import { BatchWriter, type WriteClient } from "../../../src/copy/writer";

/** A fake destination client: records each write's lines, and answers with `answer` (nothing: accepted). */
class FakeClient implements WriteClient {
  readonly writes: string[][] = [];
  /** Writes started and not yet answered. */
  inFlight = 0;
  maxInFlight = 0;
  private readonly waiting: (() => void)[] = [];
  held = false;

  constructor(private readonly answer: (lines: string[]) => Error | undefined = () => undefined) {}

  async write(_db: string, _rp: string, body: string | Buffer): Promise<void> {
    const lines = body
      .toString()
      .split("\n")
      .filter((l) => l !== "");
    this.writes.push(lines);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    if (this.held) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inFlight--;
    const error = this.answer(lines);
    if (error) throw error;
  }

  /** Answers the writes held so far. */
  release(): void {
    this.held = false;
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}

function batchOf(lines: string[]): Batch {
  const ends: number[] = [];
  let at = 0;
  for (const line of lines) ends.push((at += Buffer.byteLength(line) + 1));
  return { body: Buffer.from(lines.map((l) => `${l}\n`).join("")), ends: Uint32Array.from(ends) };
}

const lines = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `m v=${from + i} ${from + i}`);
const refusal = (status: number, message: string) =>
  new InfluxError(`destination InfluxDB at http://dst:8086 answered HTTP ${status} to write: ${message}`, status);

describe("BatchWriter", () => {
  it("cuts a batch larger than the batch size into requests of the batch size, in order", async () => {
    const client = new FakeClient();
    const writer = new BatchWriter(client, "db", "rp", 4, 1);
    await writer.add(batchOf(lines(10)));
    await writer.flush();
    expect(client.writes.map((w) => w.length)).toEqual([4, 4, 2]);
    expect(client.writes.flat()).toEqual(lines(10));
    expect(writer.written).toBe(10);
  });

  it("hands a batch's memory back only once every part of it was written", async () => {
    const client = new FakeClient();
    const writer = new BatchWriter(client, "db", "rp", 3, 2);
    let released = 0;
    await writer.add({ ...batchOf(lines(7)), release: () => released++ });
    await writer.flush();
    expect(released).toBe(1);
  });

  it("shrinks batches the destination finds too large (413) and sends nothing that large again", async () => {
    const client = new FakeClient((l) => (l.length > 2 ? refusal(413, "Request Entity Too Large") : undefined));
    const writer = new BatchWriter(client, "db", "rp", 8, 1);
    await writer.add(batchOf(lines(8)));
    await writer.add(batchOf(lines(8, 100)));
    await writer.flush();
    expect(writer.batchSize).toBe(2);
    expect(writer.written).toBe(16);
    // Once refused at 8 lines, halved to 4 (refused), then 2; the second batch goes out in 2s at once.
    expect(client.writes.slice(-4).map((w) => w.length)).toEqual([2, 2, 2, 2]);
    expect(client.writes.filter((w) => w.length > 4)).toHaveLength(1);
  });

  it("isolates the points a partial write (400) refuses, keeps the others, and records each refusal by field", async () => {
    const bad = new Set(["m v=3 3", "m v=6 6"]);
    const client = new FakeClient((l) =>
      l.some((x) => bad.has(x))
        ? refusal(
            400,
            `partial write: field type conflict: input field "v" on measurement "m" is type float, already exists as type integer dropped=${l.filter((x) => bad.has(x)).length}`,
          )
        : undefined,
    );
    const writer = new BatchWriter(client, "db", "rp", 8, 1);
    await writer.add(batchOf(lines(8)));
    await writer.flush();
    expect(writer.written).toBe(6);
    expect(writer.takeRejections()).toEqual([expect.objectContaining({ measurement: "m", field: "v", count: 2 })]);
    expect(writer.takeRejections()).toEqual([]);
  });

  it("counts points the destination drops as beyond its retention policy, and the rest as written", async () => {
    const client = new FakeClient(() => refusal(400, "partial write: points beyond retention policy dropped=3"));
    const writer = new BatchWriter(client, "db", "rp", 10, 1);
    await writer.add(batchOf(lines(10)));
    await writer.flush();
    expect(writer.beyondRetention).toBe(3);
    expect(writer.written).toBe(7);
    expect(client.writes).toHaveLength(1);
  });

  it("fails on a 400 that refuses the whole request, without splitting it", async () => {
    const client = new FakeClient(() => refusal(400, "database not found"));
    const writer = new BatchWriter(client, "db", "rp", 10, 1);
    await writer.add(batchOf(lines(10)));
    await expect(writer.flush()).rejects.toThrow(/database not found/);
    expect(client.writes).toHaveLength(1);
  });

  it("keeps at most `concurrency` writes in flight: a further batch waits for a free slot (backpressure)", async () => {
    const client = new FakeClient();
    client.held = true;
    const writer = new BatchWriter(client, "db", "rp", 2, 2);
    await writer.add(batchOf(lines(2)));
    await writer.add(batchOf(lines(2, 10)));
    let third = false;
    const adding = writer.add(batchOf(lines(2, 20))).then(() => (third = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(client.inFlight).toBe(2);
    expect(third).toBe(false);
    client.release();
    await adding;
    await writer.flush();
    expect(client.maxInFlight).toBe(2);
    expect(writer.written).toBe(6);
  });

  it("passes on the first failure at the next add or flush, and forgets it once abandoned", async () => {
    let fail = true;
    const client = new FakeClient(() => (fail ? refusal(503, "unavailable") : undefined));
    const writer = new BatchWriter(client, "db", "rp", 2, 1);
    await writer.add(batchOf(lines(2)));
    await expect(writer.flush()).rejects.toThrow(/HTTP 503/);
    await writer.abandon();
    fail = false;
    await writer.add(batchOf(lines(2)));
    await writer.flush();
    expect(writer.written).toBe(2);
  });
});
