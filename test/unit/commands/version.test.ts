import fs from "node:fs";
import path from "node:path";
import { VERSION } from "../../../src/commands/version";

describe("VERSION", () => {
  it("is package.json's version when the program runs unbundled", () => {
    const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../../package.json"), "utf8")) as {
      version: string;
    };
    expect(VERSION).toBe(pkg.version);
  });
});
