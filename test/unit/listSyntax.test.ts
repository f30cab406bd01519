import { parseList } from "../../src/listSyntax";

describe("parseList", () => {
  it("splits on commas, trims, and keeps escaped characters", () => {
    expect(parseList("a, b ,c\\,d,e\\\\").items).toEqual(["a", "b", "c,d", "e\\"]);
  });
  it("ignores empty items", () => {
    expect(parseList(",a,,").items).toEqual(["a"]);
  });
  it("reports a trailing lone backslash", () => {
    expect(parseList("a\\").error).toMatch(/backslash/);
  });
});
