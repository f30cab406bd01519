import { ExtData, encode } from "@msgpack/msgpack";
import { emptyStats, seriesToLines } from "../../../src/codec/transform";
import { MAX_BATCH_BYTES, spareBufferBytes, writeDigits } from "../../../src/codec/lineBatcher";
import { LineBatcher, transcodeChunk } from "../../../src/codec/transcode";
import { InfluxError } from "../../../src/errors";
import type { FieldType } from "../../../src/codec/lineProtocol";
import { FrameSplitter, valueEnd } from "../../../src/codec/msgpack";
import type { Series } from "../../../src/codec/response";

/** InfluxDB's time extension: int64 seconds, uint32 nanoseconds. */
function time(ns: bigint): ExtData {
  const b = new Uint8Array(12);
  const v = new DataView(b.buffer);
  let s = ns / 1_000_000_000n;
  let n = ns % 1_000_000_000n;
  if (n < 0n) {
    n += 1_000_000_000n;
    s -= 1n;
  }
  v.setBigInt64(0, s);
  v.setUint32(8, Number(n));
  return new ExtData(5, b);
}

function chunk(
  series: { name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }[],
  partial = false,
) {
  const encoded = series.map((s) => ({ ...s, values: s.values.map(([t, ...rest]) => [time(t as bigint), ...rest]) }));
  return encode(
    { results: [{ statement_id: 0, series: encoded, ...(partial ? { partial: true } : {}) }] },
    { useBigInt64: true },
  );
}

function both(
  series: { name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }[],
  types: Map<string, FieldType>,
  batchSize = 1000,
  measurement = "dest m",
) {
  const fast = emptyStats();
  const out = new LineBatcher(batchSize, 64);
  transcodeChunk(chunk(series), { measurement, fieldTypes: types }, out, fast);
  out.closeBatch();
  const text = out
    .take()
    .map((b) => b.body.toString("utf8"))
    .join("");
  const ref = emptyStats();
  const lines = series.flatMap((s) =>
    seriesToLines(
      { ...s, values: s.values.map(([t, ...rest]) => [String(t), ...rest]) } as Series,
      measurement,
      types,
      ref,
    ),
  );
  return { text, expected: lines.map((l) => `${l}\n`).join(""), fast, ref };
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 4294967296;
}

describe("transcoding MessagePack chunks to line protocol", () => {
  const types = new Map<string, FieldType>([
    ["f", "float"],
    ["i", "integer"],
    ["u", "unsigned"],
    ["s", "string"],
    ["b", "boolean"],
  ]);

  it("writes exactly what the reference transform writes, for random rows of every type", () => {
    for (const [seed, measurement] of [1, 2, 3, 4, 5].flatMap((seed) => [
      [seed, "dest m"] as const,
      [seed, "cpu"] as const,
    ])) {
      const random = rng(seed);
      const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)] as T;
      const series = Array.from({ length: 5 }, (_, k) => ({
        name: "m",
        // Tags arrive sorted by key from InfluxDB; these are sometimes not, and sometimes need escapes.
        tags: pick<Record<string, string>>([
          { host: pick(["a", "b c", "d,e", "é=1", "", 'q"', "x\\"]), n: String(k) },
          { n: String(k), host: "a" },
          { a: "1", b: "", c: "x".repeat(40) },
          { "10": "a", "9": "b" },
        ]),
        columns: ["time", "f", "i", "u", "s", "b", "ignored"],
        values: Array.from({ length: 50 }, () => [
          BigInt(Math.floor(random() * 2 ** 40)) * 1_000_000_000n +
            BigInt(Math.floor(random() * 1e9)) -
            10n ** 18n * BigInt(random() < 0.1 ? 1 : 0),
          pick([null, 1.5, -0, 1e21, 5e-324, 2 ** 53 + 2, Infinity, NaN, 3, "x"]),
          pick([
            null,
            0,
            -1,
            127,
            128,
            -33,
            65536,
            2 ** 31,
            -(2 ** 31) - 1,
            2 ** 53 - 1,
            9007199254740993n,
            -9223372036854775808n,
            2.5,
            -2.5,
            true,
          ]),
          pick([null, 0, 255, 4294967296, 18446744073709551615n, -1]),
          pick([null, "", "plain", 'q"uote', "back\\slash", "new\nline", "ünï€😀", "x".repeat(300), 5]),
          pick([null, true, false, "true"]),
          pick([null, 1, "x"]),
        ]),
      }));
      const { text, expected, fast, ref } = both(series, types, 1000, measurement);
      expect(text).toBe(expected);
      expect(fast).toEqual(ref);
    }
  });

  it("closes batches at the batch size, on whole lines", () => {
    const series = [
      { name: "m", columns: ["time", "f"], values: Array.from({ length: 25 }, (_, i) => [BigInt(i + 1), i + 0.5]) },
    ];
    const out = new LineBatcher(10, 16);
    transcodeChunk(chunk(series), { measurement: "m", fieldTypes: types }, out, emptyStats());
    const batches = out.take();
    expect(batches.map((b) => b.ends.length)).toEqual([10, 10]);
    expect(out.pending).toBe(5);
    const first = batches[0]!;
    expect(first.body.toString().split("\n").length).toBe(11);
    expect(first.ends[first.ends.length - 1]).toBe(first.body.length);
  });

  it("cuts a batch of wide rows before it passes 512 KiB (MAX_BATCH_BYTES), on whole lines", () => {
    const columns = ["time", ...Array.from({ length: 100 }, (_, i) => `f${i}`)];
    const wide = new Map(columns.slice(1).map((c) => [c, "float" as FieldType]));
    const values = Array.from({ length: 1000 }, (_, r) => [
      BigInt(r + 1),
      ...columns.slice(1).map((_, i) => r + i / 7),
    ]);
    const out = new LineBatcher(5000);
    transcodeChunk(chunk([{ name: "m", columns, values }]), { measurement: "m", fieldTypes: wide }, out, emptyStats());
    out.closeBatch();
    const batches = out.take();
    expect(batches.length).toBeGreaterThan(1);
    for (const b of batches) {
      expect(b.body.length).toBeLessThanOrEqual(MAX_BATCH_BYTES);
      expect(b.ends[b.ends.length - 1]).toBe(b.body.length);
    }
    expect(batches.reduce((n, b) => n + b.ends.length, 0)).toBe(1000);
  });

  it("writes new batches into the memory of released ones only, never into one still being written", () => {
    const rows = (from: number) =>
      chunk([
        {
          name: "m",
          columns: ["time", "f"],
          values: Array.from({ length: 4 }, (_, i) => [BigInt(from + i), from + i]),
        },
      ]);
    const out = new LineBatcher(4, 8192); // not from Buffer's shared pool of small buffers
    const target = { measurement: "m", fieldTypes: types };
    transcodeChunk(rows(1), target, out, emptyStats());
    const [held] = out.take();
    const heldText = held!.body.toString();
    transcodeChunk(rows(10), target, out, emptyStats());
    const [released] = out.take();
    expect(released!.body.buffer).not.toBe(held!.body.buffer);
    released!.release?.();
    transcodeChunk(rows(20), target, out, emptyStats());
    transcodeChunk(rows(30), target, out, emptyStats());
    const later = out.take();
    expect(later.map((b) => b.body.buffer)).toContain(released!.body.buffer);
    expect(later.map((b) => b.body.buffer)).not.toContain(held!.body.buffer);
    expect(held!.body.toString()).toBe(heldText);
    expect(later.map((b) => b.body.toString()).join("")).toBe(
      Array.from({ length: 8 }, (_, i) => `m f=${(i < 4 ? 20 : 26) + i} ${(i < 4 ? 20 : 26) + i}\n`).join(""),
    );
  });

  it("writes rows that carry their tags (a raw read without GROUP BY) as the reference writes each point, a tag named like a field included", () => {
    const fields = ["f", "i", "u", "s", "b"];
    for (const seed of [11, 12, 13]) {
      const random = rng(seed);
      const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)] as T;
      // Tag columns come first, sorted by the server; "f" is also a field (its column is then "f_1").
      const tagKeys = ["__proto__", "f", "host", "n"];
      const rows = Array.from({ length: 400 }, (_, k) => {
        const tags = tagKeys.map((key) =>
          pick<string | null>([null, "a", "b c", "d,e", "é=1", 'q"', "x\\", key === "host" ? String(k % 7) : "z"]),
        );
        return [
          BigInt(k) * 1_000_000_000n + BigInt(Math.floor(random() * 1e9)),
          ...tags,
          pick([null, 1.5, -0, 1e21, Infinity, NaN, 3]),
          pick([null, 0, -1, 2 ** 53 - 1, 9007199254740993n, 2.5]),
          pick([null, 0, 18446744073709551615n, -1]),
          pick([null, "", "plain", 'q"uote', "ünï€😀"]),
          pick([null, true, false]),
        ];
      });
      const columns = ["time", ...tagKeys, "f_1", "i", "u", "s", "b"];
      const fast = emptyStats();
      const out = new LineBatcher(1000, 64);
      transcodeChunk(
        chunk([{ name: "m", columns, values: rows }]),
        { measurement: "dest m", fieldTypes: types, rowFields: fields },
        out,
        fast,
      );
      out.closeBatch();
      const text = out
        .take()
        .map((b) => b.body.toString("utf8"))
        .join("");
      const ref = emptyStats();
      const expected = rows.flatMap(([t, ...rest]) => {
        const tags: Record<string, string> = Object.create(null) as Record<string, string>;
        tagKeys.forEach((key, i) => {
          if (rest[i] !== null) tags[key] = rest[i] as string;
        });
        const series = {
          name: "m",
          tags,
          columns: ["time", ...fields],
          values: [[String(t), ...rest.slice(tagKeys.length)]],
        };
        return seriesToLines(series as Series, "dest m", types, ref);
      });
      expect(text).toBe(expected.map((l) => `${l}\n`).join(""));
      expect(fast).toEqual(ref);
    }
  });

  it("counts a row whose tags cannot be written, and writes the rows around it", () => {
    const out = new LineBatcher(10);
    const stats = emptyStats();
    const values = [
      [1n, "a", 1.5],
      [2n, "a\nb", 2.5],
      [3n, null, 3.5],
    ];
    transcodeChunk(
      chunk([{ name: "m", columns: ["time", "t", "f"], values }]),
      { measurement: "m", fieldTypes: types, rowFields: ["f"] },
      out,
      stats,
    );
    out.closeBatch();
    expect(out.take().map((b) => b.body.toString())).toEqual(["m,t=a f=1.5 1\nm f=3.5 3\n"]);
    expect(stats).toMatchObject({ rows: 3, lines: 2, unrepresentable: 1 });
    expect(stats.unrepresentableReason).toMatch(/line break/);
  });

  it("refuses series whose names cannot be written, counting their rows", () => {
    const { text, fast } = both(
      [
        {
          name: "m",
          tags: { t: "a\nb" },
          columns: ["time", "f"],
          values: [
            [1n, 1],
            [2n, 2],
          ],
        },
      ],
      types,
    );
    expect(text).toBe("");
    expect(fast.unrepresentable).toBe(2);
    expect(fast.unrepresentableReason).toMatch(/line break/);
  });

  it("keeps a tag key __proto__ whichever path writes the series key", () => {
    const out = new LineBatcher(10);
    const stats = emptyStats();
    const series = [
      { name: "m", tags: JSON.parse('{"__proto__":"x","host":"a"}') as Record<string, string> },
      { name: "m", tags: JSON.parse('{"__proto__":"x","host":"a b"}') as Record<string, string> },
    ].map((s) => ({ ...s, columns: ["time", "f"], values: [[1n, 1.5]] }));
    transcodeChunk(chunk(series), { measurement: "m", fieldTypes: types }, out, stats);
    out.closeBatch();
    expect(out.take().map((b) => b.body.toString())).toEqual([
      "m,__proto__=x,host=a f=1.5 1\nm,__proto__=x,host=a\\ b f=1.5 1\n",
    ]);
  });

  it("reports the partial flag and errors in a chunk", () => {
    const out = new LineBatcher(10);
    expect(transcodeChunk(chunk([], true), { measurement: "m", fieldTypes: types }, out, emptyStats()).partial).toBe(
      true,
    );
    expect(() =>
      transcodeChunk(
        encode({ results: [{ error: "boom" }] }),
        { measurement: "m", fieldTypes: types },
        out,
        emptyStats(),
      ),
    ).toThrow(InfluxError);
    expect(() =>
      transcodeChunk(encode({ error: "top" }), { measurement: "m", fieldTypes: types }, out, emptyStats()),
    ).toThrow("top");
  });
});

describe("batch buffers", () => {
  it("go back to the pool when an answer is read, pending lines dropped, so a window leaves no buffer behind", () => {
    const lines = new LineBatcher(10);
    const buf = lines.reserve(5);
    buf.write("x=1\n", 0);
    lines.endLine(4);
    const before = spareBufferBytes();
    lines.dispose();
    expect(spareBufferBytes()).toBeGreaterThan(before);
    expect(lines.pending).toBe(0);
    // The next reader starts in a buffer from the pool.
    const pooled = spareBufferBytes();
    new LineBatcher(10);
    expect(spareBufferBytes()).toBeLessThan(pooled);
    lines.dispose(); // twice is harmless
  });
});

describe("writing digits without making strings", () => {
  it("writes every integer below 2^53 as String does, zero-padded to a width when asked", () => {
    const random = rng(7);
    const values = [0, 1, 9, 10, 99, 100, 101, 999_999_999, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 5, 2 ** 53 - 1, 1e15];
    for (let i = 0; i < 2000; i++) values.push(Math.floor(random() * 10 ** Math.floor(random() * 16)));
    const buf = Buffer.alloc(40);
    for (const n of values) {
      for (const width of [1, 9, 12]) {
        const end = writeDigits(buf, 3, n, width);
        expect(buf.toString("latin1", 3, end)).toBe(String(n).padStart(width, "0"));
      }
    }
  });
});

describe("framing a MessagePack stream", () => {
  it("finds where each top-level value ends, and says when it is incomplete", () => {
    const a = encode({ results: [{ series: [{ name: "m", values: [[1, "x".repeat(70000)]] }] }] });
    expect(valueEnd(a, 0)).toBe(a.length);
    for (const cut of [1, 5, 100, a.length - 1]) expect(valueEnd(a.subarray(0, cut), 0)).toBe(-1);
  });

  it("hands out whole values from pieces of any size, with headers cut anywhere, reusing its buffer or not", () => {
    const random = rng(11);
    const scalar = (): unknown =>
      [
        null,
        true,
        1.5,
        Math.fround(2.5),
        -3,
        200,
        -200,
        70000,
        -70000,
        2 ** 40,
        -(2 ** 40),
        2n ** 63n - 1n,
        "y".repeat(Math.floor(random() * 300)),
        new ExtData(5, new Uint8Array(12)),
        new ExtData(1, new Uint8Array(Math.floor(random() * 20))),
      ][Math.floor(random() * 15)];
    const values = Array.from({ length: 40 }, (_, i) =>
      encode(
        {
          n: i,
          pad: "z".repeat(i * 700),
          rows: Array.from({ length: Math.floor(random() * 40) }, () => Array.from({ length: 20 }, scalar)),
          big: i % 10 === 0 ? "w".repeat(70000) : "",
        },
        { useBigInt64: true },
      ),
    );
    const all = Buffer.concat(values.map((v) => Buffer.from(v)));
    for (const reuse of [false, true]) {
      for (const size of [1, 2, 3, 5, 7, 1000, 65536, all.length]) {
        const splitter = new FrameSplitter(reuse);
        const frames: string[] = [];
        for (let p = 0; p < all.length; p += size) {
          // With reuse, a value is only valid until the next push: keep a copy.
          for (const f of splitter.push(all.subarray(p, p + size))) frames.push(f.toString("hex"));
        }
        const end = splitter.end();
        expect(end.leftover).toBe(0);
        expect(frames).toEqual(values.map((v) => Buffer.from(v).toString("hex")));
      }
    }
    const cut = new FrameSplitter();
    cut.push(all.subarray(0, all.length - 3));
    expect(cut.end().leftover).toBeGreaterThan(0);
  });
});
