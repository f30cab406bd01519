import { encode } from "@msgpack/msgpack";
import { isPlainMeasurement, plainSeriesPrefix } from "../../../src/codec/seriesPrefix";
import { escapeMeasurement, seriesKey } from "../../../src/codec/lineProtocol";
import { rng } from "../../integration/helpers/dataset";

/** plainSeriesPrefix on a tags map as MessagePack: the prefix, or undefined when declined. */
function prefix(measurement: string, tags: Record<string, unknown>): string | undefined {
  const bytes = encode(tags); // keys in the object's order
  const m = Buffer.from(escapeMeasurement(measurement), "latin1");
  const out = Buffer.alloc(m.length + bytes.length + 1);
  const n = plainSeriesPrefix(bytes, 0, bytes.length, m, out);
  return n < 0 ? undefined : out.toString("latin1", 0, n);
}

describe("a series prefix from the bytes of its tags", () => {
  it("is written for the tags InfluxDB usually sends, with empty values left out", () => {
    expect(prefix("cpu", { cpu: "cpu-total", host: "server01", region: "" })).toBe("cpu,cpu=cpu-total,host=server01 ");
    expect(prefix("cpu", {})).toBe("cpu ");
  });

  it("is declined for what needs escaping, non-ASCII, unsorted keys or values that are not strings", () => {
    for (const tags of [
      { host: "a b" },
      { host: "a,b" },
      { host: "a=b" },
      { host: "a\\" },
      { host: 'a"' },
      { host: "é" },
      { host: "a\nb" },
      { host: "a\0" },
      { b: "1", a: "2" },
      { "": "1" },
    ]) {
      expect(prefix("cpu", tags)).toBeUndefined();
    }
    expect(prefix("cpu", { host: 1 })).toBeUndefined();
    expect(prefix("cpu", { host: null })).toBeUndefined();
  });

  it("is exactly what seriesKey writes whenever it is not declined, for random tags", () => {
    const random = rng(20261129);
    const alphabet = ["a", "b", "Z", "0", "-", "_", ".", " ", ",", "=", "\\", '"', "é", "\n"];
    const word = (max: number) =>
      Array.from({ length: Math.floor(random() * max) }, () => alphabet[Math.floor(random() * alphabet.length)]).join(
        "",
      );
    let written = 0;
    for (let i = 0; i < 5000; i++) {
      const entries = Array.from({ length: Math.floor(random() * 4) }, () => [word(4), word(5)] as [string, string]);
      if (random() < 0.7) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const tags = Object.fromEntries(entries);
      if (Object.keys(tags).length !== entries.length) continue; // a key twice: a map InfluxDB never sends
      const got = prefix("m_1", tags);
      if (got === undefined) continue;
      written++;
      expect(got).toBe(`${seriesKey("m_1", tags)} `);
    }
    expect(written).toBeGreaterThan(500);
  });

  it("is only tried for measurements whose escaped name has no space or backslash", () => {
    expect(isPlainMeasurement(escapeMeasurement("cpu"))).toBe(true);
    expect(isPlainMeasurement(escapeMeasurement("disk io"))).toBe(false);
    expect(isPlainMeasurement(escapeMeasurement("a,b"))).toBe(false);
    expect(isPlainMeasurement(escapeMeasurement("mesure_é"))).toBe(false);
  });
});
