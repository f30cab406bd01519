import { emptyStats, seriesToLines } from "../../../src/codec/transform";
import type { FieldType } from "../../../src/codec/lineProtocol";

const types = new Map<string, FieldType>([
  ["v", "float"],
  ["n", "integer"],
  ["s", "string"],
  ["b", "boolean"],
]);

describe("seriesToLines", () => {
  it("keeps tags, types and nanosecond timestamps", () => {
    const stats = emptyStats();
    const lines = seriesToLines(
      {
        name: "m",
        tags: { host: "a b", dc: "" },
        columns: ["time", "v", "n", "s", "b"],
        values: [["1704164645123456789", 5, 9007199254740993n, 'q"', true]],
      },
      "m",
      types,
      stats,
    );
    expect(lines).toEqual(['m,host=a\\ b v=5,n=9007199254740993i,s="q\\"",b=true 1704164645123456789']);
    expect(stats).toMatchObject({ rows: 1, lines: 1, nonFinite: 0 });
  });

  it("leaves out nulls and writes a row that has only non-numeric fields", () => {
    const stats = emptyStats();
    const lines = seriesToLines(
      { name: "m", columns: ["time", "v", "s"], values: [["1", null, "x"]] },
      "m",
      types,
      stats,
    );
    expect(lines).toEqual(['m s="x" 1']);
  });

  it("drops NaN and Infinity, counts them, and skips rows left empty", () => {
    const stats = emptyStats();
    const lines = seriesToLines(
      {
        name: "m",
        columns: ["time", "v", "n"],
        values: [
          ["1", NaN, 2],
          ["2", Infinity, null],
        ],
      },
      "m",
      types,
      stats,
    );
    expect(lines).toEqual(["m n=2i 1"]);
    expect(stats).toMatchObject({ rows: 2, lines: 1, nonFinite: 2 });
  });

  it("rounds integer-typed means", () => {
    const lines = seriesToLines({ name: "m", columns: ["time", "n"], values: [["0", 2.5]] }, "m", types, emptyStats());
    expect(lines).toEqual(["m n=3i 0"]);
  });

  it("writes under the destination's measurement name", () => {
    const lines = seriesToLines(
      { name: "old", columns: ["time", "v"], values: [["0", 1.5]] },
      "new name",
      types,
      emptyStats(),
    );
    expect(lines).toEqual(["new\\ name v=1.5 0"]);
  });

  it("counts rows of series whose names cannot be written", () => {
    const stats = emptyStats();
    const lines = seriesToLines(
      { name: "m", tags: { t: "a\nb" }, columns: ["time", "v"], values: [["0", 1]] },
      "m",
      types,
      stats,
    );
    expect(lines).toEqual([]);
    expect(stats.unrepresentable).toBe(1);
  });
});
