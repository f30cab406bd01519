import { countDifferences } from "../../../src/seed/check";
import { whyNotSeed } from "../../../src/seed/eligibility";
import { parseConfig } from "../../../src/config";

const counts = (o: Record<string, number>) => new Map(Object.entries(o).map(([k, v]) => [k, BigInt(v)]));

describe("the seed's check", () => {
  it("finds a field whose count differs, and a measurement the source does not hold", () => {
    expect(
      countDifferences(counts({ "cpu count_v": 2 }), counts({ "cpu count_v": 3, "gone count_x": 1 }), false),
    ).toEqual(["cpu count_v: source 2, destination 3", "gone count_x: source 0, destination 1"]);
  });

  it("lets the source hold more after the resume point, never less", () => {
    expect(countDifferences(counts({ "cpu count_v": 5 }), counts({ "cpu count_v": 3 }), true)).toEqual([]);
    expect(countDifferences(counts({ "cpu count_v": 3 }), counts({ "cpu count_v": 5 }), true)).toHaveLength(1);
  });
});

describe("what the seed cannot do exactly", () => {
  const base = { SOURCE_URL: "http://a:8086", DEST_URL: "http://b:8086", SOURCE_DBS: "x", DEST_DBS: "y" };
  const why = (env: Record<string, string>) =>
    whyNotSeed(parseConfig({ ...base, SOURCE_GROUP_BY: "raw", ...env }), true);

  it("seeds a raw copy of everything", () => expect(why({})).toBeUndefined());
  it.each([
    [{ SOURCE_GROUP_BY: "5m" }, /aggregates/],
    [{ MEASUREMENTS: "cpu" }, /MEASUREMENTS/],
    [{ EXCLUDED_FIELDS: "cpu:a" }, /EXCLUDED_FIELDS/],
    [{ FIELD_RENAMES: "cpu:a:b" }, /RENAMES/],
    [{ BACKUP_START: "-30d" }, /BACKUP_START/],
  ])("leaves %j to the HTTP copy", (env, reason) => expect(why(env)).toMatch(reason));
  it("needs a writable STATE_DIR", () =>
    expect(whyNotSeed(parseConfig({ ...base, SOURCE_GROUP_BY: "raw" }), false)).toMatch(/STATE_DIR/));
});
