import fs from "node:fs";
import path from "node:path";
import { DEFAULTS, VARIABLES, parseConfig } from "../../../src/config";

const root = path.resolve(__dirname, "../../..");

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

  // The one exception to "the example shows the default": BACKUP_SCHEDULE's default is empty
  // (run once and exit), but the production profile has `restart: unless-stopped`, so a service
  // without a schedule would be restarted into a one-shot run over and over. The example ships
  // a daily schedule instead.
  it("ships a valid daily BACKUP_SCHEDULE while the default stays one-shot", () => {
    const example = envExample();
    expect(example.get("BACKUP_SCHEDULE")).toBe("0 3 * * *");
    expect(Object.keys(DEFAULTS)).not.toContain("BACKUP_SCHEDULE");
    const required = { SOURCE_URL: "http://a:8086", DEST_URL: "http://b:8086", SOURCE_DBS: "a", DEST_DBS: "b" };
    expect(parseConfig(required).schedule).toBeUndefined();
    expect(parseConfig({ ...required, BACKUP_SCHEDULE: example.get("BACKUP_SCHEDULE") }).schedule).toBe("0 3 * * *");
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

  it("names every variable the program reads, for docs/reference.md to explain", () => {
    const unnamed = VARIABLES.filter((name) => !readme.includes(`\`${name}\``));
    expect(unnamed).toEqual([]);
  });

  it("links to docs/reference.md", () => {
    expect(readme).toMatch(/\]\(docs\/reference\.md(#[^)]*)?\)/);
  });
});
