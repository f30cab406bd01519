import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const root = path.resolve(__dirname, "../../..");

/** The Markdown files whose relative links must resolve: README.md and docs/*.md. */
function documents(base: string): string[] {
  const docs = path.join(base, "docs");
  const inDocs = fs.existsSync(docs)
    ? fs
        .readdirSync(docs)
        .filter((name) => name.endsWith(".md"))
        .map((name) => path.join(docs, name))
    : [];
  return [path.join(base, "README.md"), ...inDocs];
}

/** The text outside fenced code blocks, line by line (links and headings in code do not count). */
function proseLines(text: string): string[] {
  const lines: string[] = [];
  let fence: string | undefined;
  for (const line of text.split("\n")) {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker && (fence === undefined || marker.startsWith(fence))) {
      fence = fence === undefined ? marker : undefined;
      continue;
    }
    if (fence === undefined) lines.push(line);
  }
  return lines;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, each space a hyphen. */
export function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1") // a link in a heading counts by its text
    .replace(/<[^>]+>/g, "")
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M} _-]/gu, "")
    .replace(/ /g, "-");
}

/** Every anchor a Markdown file offers: its headings' slugs (duplicates get -1, -2, ...) and explicit ids. */
function anchors(text: string): Set<string> {
  const out = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseLines(text)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading !== undefined) {
      const base = slug(heading);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      out.add(n === 0 ? base : `${base}-${n}`);
    }
    for (const m of line.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) out.add(m[1]!);
  }
  return out;
}

/** The targets of the inline links and images of a Markdown text, outside code. */
function linkTargets(text: string): string[] {
  const targets: string[] = [];
  for (const line of proseLines(text)) {
    const prose = line.replace(/(`+)[^`]*?\1/g, ""); // inline code spans
    for (const m of prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) targets.push(m[1]!);
  }
  return targets;
}

/** The broken relative links of one file: a missing file, or a missing #anchor in the Markdown file it names. */
export function brokenLinks(file: string): string[] {
  const text = fs.readFileSync(file, "utf8");
  const problems: string[] = [];
  for (const target of linkTargets(text)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//")) continue; // http:, mailto:, ...
    const hash = target.indexOf("#");
    const filePart = decodeURIComponent(hash < 0 ? target : target.slice(0, hash));
    const anchor = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
    const linked = filePart === "" ? file : path.resolve(path.dirname(file), filePart);
    if (!fs.existsSync(linked)) {
      problems.push(`${target}: no file ${path.relative(path.dirname(file), linked)}`);
      continue;
    }
    if (anchor === undefined || anchor === "") continue;
    if (!linked.endsWith(".md") || fs.statSync(linked).isDirectory()) continue;
    if (!anchors(fs.readFileSync(linked, "utf8")).has(anchor)) problems.push(`${target}: no heading #${anchor}`);
  }
  return problems;
}

describe("relative links in README.md and docs/", () => {
  it.each(documents(root).map((file) => [path.relative(root, file)]))("%s: every link resolves", (file) => {
    expect(brokenLinks(path.join(root, file))).toEqual([]);
  });

  it("finds broken links: a missing file, a missing anchor here and in another file", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "docs-links-"));
    try {
      fs.mkdirSync(path.join(dir, "docs"));
      fs.writeFileSync(
        path.join(dir, "docs", "a.md"),
        "# A\n\n## What happens when…\n\n## The `.env` file\n\n## Twice\n\n## Twice\n",
      );
      fs.writeFileSync(
        path.join(dir, "README.md"),
        [
          "# Readme",
          "## 2. Users and grants",
          "[ok](docs/a.md) [ok](docs/a.md#what-happens-when) [ok](docs/a.md#the-env-file)",
          "[ok](docs/a.md#twice-1) [ok](#2-users-and-grants) [ok](https://example.com/x.md) [ok](docs/)",
          "`[not a link](nowhere.md)`",
          "```",
          "[not a link](nowhere.md)",
          "```",
          "[bad](docs/missing.md) [bad](docs/a.md#nothing) [bad](#users-and-grants) [bad](docs/a.md#twice-2)",
        ].join("\n"),
      );
      expect(brokenLinks(path.join(dir, "README.md"))).toEqual([
        "docs/missing.md: no file docs/missing.md",
        "docs/a.md#nothing: no heading #nothing",
        "#users-and-grants: no heading #users-and-grants",
        "docs/a.md#twice-2: no heading #twice-2",
      ]);
      expect(brokenLinks(path.join(dir, "docs", "a.md"))).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("makes GitHub's anchors", () => {
    expect(slug("What happens when…")).toBe("what-happens-when");
    expect(slug("2. Users and grants")).toBe("2-users-and-grants");
    expect(slug("(a) Servers in another compose project")).toBe("a-servers-in-another-compose-project");
    expect(slug("Reaching /healthz and /metrics in production")).toBe("reaching-healthz-and-metrics-in-production");
    expect(slug("The `.env` file")).toBe("the-env-file");
  });
});
