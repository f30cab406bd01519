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

const read = (file: string) => fs.readFileSync(path.join(root, file), "utf8");
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

describe(".env-example and docs/reference.md agree with the config schema", () => {
  it("lists exactly the variables the program reads", () => {
    expect([...envExample().keys()].sort()).toEqual([...VARIABLES].sort());
  });

  it("shows each default as its value", () => {
    const example = envExample();
    for (const [name, value] of Object.entries(DEFAULTS)) expect([name, example.get(name)]).toEqual([name, value]);
  });

  it("documents every variable with its default in docs/reference.md", () => {
    const reference = read("docs/reference.md");
    for (const name of VARIABLES) expect(reference).toMatch(new RegExp(`\\| \`${name}\` \\|`));
    for (const [name, value] of Object.entries(DEFAULTS)) {
      expect(reference).toMatch(new RegExp(`\\| \`${name}\` \\|[^\\n]*\`${escape(value)}\``));
    }
  });
});

describe("README.md is the front door", () => {
  const readme = read("README.md");

  it("stays at most 3,000 words (as wc -w counts them)", () => {
    const words = readme.split(/\s+/).filter((word) => word.length > 0).length;
    expect(words).toBeLessThanOrEqual(3000);
  });

  it("links to docs/reference.md", () => {
    expect(readme).toMatch(/\]\(docs\/reference\.md(#[^)]*)?\)/);
  });
});
