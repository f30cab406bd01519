import { splitAtShardGroups } from "../../../src/copy/mixedTypes";
import { schemaFromFieldKeys } from "../../../src/inventory/schema";

const DAY = 86_400_000_000_000n;
const WEEK = 7n * DAY;
const M5 = 300_000_000_000n;

describe("fields of mixed numeric types", () => {
  it("are recognised from SHOW FIELD KEYS, and a numeric/string mix is not one of them", () => {
    const schema = schemaFromFieldKeys([
      {
        name: "m",
        columns: ["fieldKey", "fieldType"],
        values: [
          ["n", "integer"],
          ["n", "float"],
          ["s", "string"],
          ["s", "float"],
          ["ok", "float"],
        ],
      },
    ]).get("m")!;
    expect(schema.mixedNumeric).toEqual(["n"]);
    expect(schema.fields.get("n")).toBe("float");
    expect(schema.conflicts).toHaveLength(2);
  });

  it("are copied shard group by shard group", () => {
    expect(splitAtShardGroups({ startNs: 5n * DAY, endNs: 16n * DAY }, WEEK, M5)).toEqual([
      { startNs: 5n * DAY, endNs: WEEK },
      { startNs: WEEK, endNs: 14n * DAY },
      { startNs: 14n * DAY, endNs: 16n * DAY },
    ]);
  });

  it("are left whole when buckets do not divide the shard groups", () => {
    const window = { startNs: 0n, endNs: 3n * WEEK };
    expect(splitAtShardGroups(window, WEEK, 7n * 60_000_000_000n * 11n)).toEqual([window]);
    expect(splitAtShardGroups(window, 0n, M5)).toEqual([window]);
  });
});
