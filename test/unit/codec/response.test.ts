import { decodeMultiStream, encode } from "@msgpack/msgpack";
import { InfluxError } from "../../../src/errors";
import { checkChunk, decodeOptions, decodeTimeExtension, isPartial } from "../../../src/codec/response";

async function* streamOf(...parts: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield p;
}

function timeBytes(seconds: bigint, nanos: number): Uint8Array {
  const b = new Uint8Array(12);
  const v = new DataView(b.buffer);
  v.setBigInt64(0, seconds);
  v.setUint32(8, nanos);
  return b;
}

describe("MessagePack answers", () => {
  it("decodes InfluxDB's time extension to exact nanoseconds", () => {
    expect(decodeTimeExtension(timeBytes(1704164645n, 123456789))).toBe("1704164645123456789");
    expect(decodeTimeExtension(timeBytes(0n, 5))).toBe("5");
    expect(decodeTimeExtension(timeBytes(-1n, 500000000))).toBe("-500000000");
  });

  it("keeps int64 values exact", async () => {
    // d3 = int64 as InfluxDB sends integers beyond 32 bits.
    const bytes = Uint8Array.from([0x91, 0xd3, 0x00, 0x20, 0, 0, 0, 0, 0, 0x01]);
    const out: unknown[] = [];
    for await (const v of decodeMultiStream(streamOf(bytes), decodeOptions)) out.push(v);
    expect(out).toEqual([[9007199254740993n]]);
  });

  it("surfaces errors at the top level and inside results", () => {
    expect(() => checkChunk({ error: "bad" })).toThrow(InfluxError);
    expect(() => checkChunk({ results: [{ statement_id: 0, error: "database not found: x" }] })).toThrow(
      /database not found/,
    );
    expect(() => checkChunk("<html>")).toThrow(/not an InfluxDB result/);
  });

  it("knows when more chunks of a statement follow", () => {
    expect(isPartial(checkChunk({ results: [{ statement_id: 0, partial: true }] }))).toBe(true);
    expect(isPartial(checkChunk({ results: [{ statement_id: 0 }] }))).toBe(false);
  });

  it("decodes a stream of several chunks", async () => {
    const a = encode({
      results: [{ statement_id: 0, series: [{ name: "m", columns: ["time"], values: [] }], partial: true }],
    });
    const b = encode({ results: [{ statement_id: 0 }] });
    const both = new Uint8Array([...a, ...b]);
    const out: unknown[] = [];
    for await (const v of decodeMultiStream(streamOf(both.slice(0, 7), both.slice(7)), decodeOptions)) out.push(v);
    expect(out).toHaveLength(2);
  });
});
