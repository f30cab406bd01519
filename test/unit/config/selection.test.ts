import type { FieldType } from "../../../src/codec/lineProtocol";
import { destinationMeasurement, isSelected, parseSelection, planFields } from "../../../src/config/selection";

function parse(env: Record<string, string>) {
  const problems: string[] = [];
  const sel = parseSelection((n) => env[n], problems);
  return { sel, problems };
}

const fields = new Map<string, FieldType>([
  ["usage", "float"],
  ["secret", "string"],
  ["n", "integer"],
]);

describe("selection", () => {
  it("includes names and regexes that match anywhere, then applies exclusions", () => {
    const { sel, problems } = parse({ MEASUREMENTS: "mem,/^cpu/", MEASUREMENTS_EXCLUDE: "/_debug$/,cpu_total" });
    expect(problems).toEqual([]);
    expect(["mem", "cpu", "cpu0", "cpu_debug", "cpu_total", "disk", "xmem"].filter((m) => isSelected(sel, m))).toEqual([
      "mem",
      "cpu",
      "cpu0",
    ]);
    expect(isSelected(parse({ MEASUREMENTS: "/em/" }).sel, "xmemx")).toBe(true);
  });

  it("excludes fields per measurement or everywhere, and renames with the specific rule winning", () => {
    const { sel } = parse({
      EXCLUDED_FIELDS: "cpu:secret,*:n",
      FIELD_RENAMES: "*:usage:used,cpu:usage:cpu_used",
      MEASUREMENT_RENAMES: "cpu:processor",
    });
    const cpu = planFields(sel, "cpu", fields);
    expect([...cpu.fields.keys()]).toEqual(["usage"]);
    expect(cpu.renames.get("usage")).toBe("cpu_used");
    const mem = planFields(sel, "mem", fields);
    expect([...mem.fields.keys()]).toEqual(["usage", "secret"]);
    expect(mem.renames.get("usage")).toBe("used");
    expect(destinationMeasurement(sel, "cpu")).toBe("processor");
    expect(destinationMeasurement(sel, "mem")).toBe("mem");
  });

  it("names the variable of every malformed value", () => {
    const { problems } = parse({
      MEASUREMENTS: "/[unclosed/,a:b",
      EXCLUDED_FIELDS: "justone",
      MEASUREMENT_RENAMES: "a:b,c:b",
      FIELD_RENAMES: "m:only",
    });
    const text = problems.join("\n");
    expect(text).toMatch(/MEASUREMENTS: \/\[unclosed\/ is not a valid regular expression/);
    expect(text).toMatch(/MEASUREMENTS: "a:b" has a ":"/);
    expect(text).toMatch(/EXCLUDED_FIELDS: "justone" is not measurement:field/);
    expect(text).toMatch(/MEASUREMENT_RENAMES: "a" and "c" would both become "b"/);
    expect(text).toMatch(/FIELD_RENAMES: "m:only" is not measurement:old:new/);
  });
});
