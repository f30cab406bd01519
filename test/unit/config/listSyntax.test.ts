import { parseItems, parseList } from "../../../src/config/listSyntax";

describe("list syntax", () => {
  it("splits items on commas and trims them", () => {
    expect(parseList("a, b ,c").items).toEqual(["a", "b", "c"]);
    expect(parseList(",a,,").items).toEqual(["a"]);
  });

  it("makes an escaped comma, colon or backslash literal", () => {
    expect(parseList("cpu\\,total,x").items).toEqual(["cpu,total", "x"]);
    expect(parseItems("a\\:b:c").items).toEqual([["a:b", "c"]]);
    expect(parseItems("e\\\\,f").items).toEqual([["e\\"], ["f"]]);
  });

  it("keeps other backslashes, so regular expressions need no doubling", () => {
    expect(parseItems("/^cpu\\d+$/").items).toEqual([["/^cpu\\d+$/"]]);
  });

  it("splits parts on colons only when asked", () => {
    expect(parseItems("cpu:usage:used, *:f:g").items).toEqual([
      ["cpu", "usage", "used"],
      ["*", "f", "g"],
    ]);
    expect(parseList("db:with:colons").items).toEqual(["db:with:colons"]);
  });

  it("reports a trailing lone backslash", () => {
    expect(parseList("a\\").error).toMatch(/backslash/);
  });
});
