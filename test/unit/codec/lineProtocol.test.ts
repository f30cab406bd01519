import {
  UnrepresentableError,
  encodeField,
  escapeKey,
  escapeMeasurement,
  formatInteger,
  quoteFieldString,
  seriesKey,
} from "../../../src/codec/lineProtocol";

describe("line protocol", () => {
  it("escapes measurements, keys and tag values", () => {
    expect(escapeMeasurement("my cpu,x=1")).toBe("my\\ cpu\\,x=1");
    expect(escapeKey("a b,c=d")).toBe("a\\ b\\,c\\=d");
    expect(escapeKey("ünïcode")).toBe("ünïcode");
  });

  it("refuses names with line breaks instead of changing them", () => {
    expect(() => escapeKey("a\nb")).toThrow(UnrepresentableError);
  });

  it("quotes string field values", () => {
    expect(quoteFieldString('say "hi" \\ bye\nnext')).toBe('"say \\"hi\\" \\\\ bye\nnext"');
  });

  it("sorts tags and leaves out empty tag values", () => {
    expect(seriesKey("cpu", { z: "1", a: "x y", empty: "" })).toBe("cpu,a=x\\ y,z=1");
    expect(seriesKey("cpu", undefined)).toBe("cpu");
  });

  it("encodes each type explicitly", () => {
    expect(encodeField("f", "float", 5)).toBe("f=5");
    expect(encodeField("f", "float", 1e21)).toBe("f=1e+21");
    expect(encodeField("i", "integer", 5)).toBe("i=5i");
    expect(encodeField("i", "integer", 9007199254740993n)).toBe("i=9007199254740993i");
    expect(encodeField("u", "unsigned", 7)).toBe("u=7u");
    expect(encodeField("s", "string", "x")).toBe('s="x"');
    expect(encodeField("b", "boolean", false)).toBe("b=false");
  });

  it("drops NaN and infinities", () => {
    expect(encodeField("f", "float", NaN)).toBeUndefined();
    expect(encodeField("f", "float", Infinity)).toBeUndefined();
    expect(encodeField("i", "integer", -Infinity)).toBeUndefined();
  });

  it("rejects values whose type does not match the field", () => {
    expect(encodeField("s", "string", 1)).toBeUndefined();
    expect(encodeField("b", "boolean", "true")).toBeUndefined();
    expect(encodeField("i", "integer", "1")).toBeUndefined();
  });

  it("rounds integer means half away from zero and keeps them inside int64", () => {
    expect(formatInteger(2.5)).toBe("3");
    expect(formatInteger(-2.5)).toBe("-3");
    expect(formatInteger(-2.4)).toBe("-2");
    expect(formatInteger(9.3e18)).toBe("9223372036854775807");
    expect(formatInteger(-9.3e18)).toBe("-9223372036854775808");
  });
});
