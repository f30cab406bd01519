import fs from "node:fs";
import path from "node:path";
import { DEFAULTS, VARIABLES } from "../../src/config";

const root = path.resolve(__dirname, "../..");

function envExample(): Map<string, string> {
  const text = fs.readFileSync(path.join(root, ".env-example"), "utf8");
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

describe(".env-example and README agree with the config schema", () => {
  it("lists exactly the variables the program reads", () => {
    expect([...envExample().keys()].sort()).toEqual([...VARIABLES].sort());
  });

  it("shows each default as its value", () => {
    const example = envExample();
    for (const [name, value] of Object.entries(DEFAULTS)) expect([name, example.get(name)]).toEqual([name, value]);
  });

  it("documents every variable with its default in the README", () => {
    const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
    for (const name of VARIABLES) expect(readme).toMatch(new RegExp(`\\| \`${name}\` \\|`));
    for (const [name, value] of Object.entries(DEFAULTS)) {
      expect(readme).toMatch(
        new RegExp(`\\| \`${name}\` \\|[^\\n]*\`${value.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}\``),
      );
    }
  });
});
