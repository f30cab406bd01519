/**
 * Every setting of the config schema reaches the backup-service container from .env, for the
 * production profile and for one-shot `run`s (the same service definition), as compose renders
 * it. Adding a variable to the schema without passing it through makes this fail.
 */
import fs from "node:fs";
import path from "node:path";
import dotenv from "dotenv";
import { VARIABLES } from "../../src/config";
import { ROOT, run, userFolder } from "./compose";

/** Kept at the image's values, which the compose volumes and port match (README). */
const PINNED = new Set(["LOG_FILE", "STATE_DIR", "HEALTH_PORT"]);

/** The backup-service environment as `compose config` renders it with this .env. */
async function renderedEnvironment(dotenv: string, files: string[] = []): Promise<Map<string, string>> {
  // Only .env configures it: the caller's environment does not reach compose.
  const dir = userFolder(dotenv);
  const options = files.length ? ["-f", "docker-compose.yaml", ...files.flatMap((f) => ["-f", f])] : [];
  const { code, out: stdout } = await run("docker", ["compose", ...options, "--profile", "production", "config"], {
    cwd: dir,
  });
  if (code !== 0) throw new Error(stdout);
  // The service block, then its environment mapping (two more spaces of indentation per level).
  const service = stdout.split(/\n {2}backup-service:\n/)[1]!.split(/\n {2}[a-z]/)[0]!;
  const env = service.split(/\n {4}environment:\n/)[1]!.split(/\n {4}[a-z]/)[0]!;
  const out = new Map<string, string>();
  for (const line of env.split("\n")) {
    const m = /^ {6}([A-Z0-9_]+): (.*)$/.exec(line);
    // `config` prints YAML with $ doubled (what the container gets has it once).
    if (m) out.set(m[1]!, yamlScalar(m[2]!).replace(/\$\$/g, "$"));
  }
  return out;
}

/** A plain, single- or double-quoted YAML scalar as `config` prints it. */
function yamlScalar(text: string): string {
  if (/^'.*'$/.test(text)) return text.slice(1, -1).replace(/''/g, "'");
  if (/^".*"$/.test(text)) return JSON.parse(text) as string;
  return text;
}

describe("settings in .env reach the backup-service container", () => {
  it("passes every variable of the config schema except the pinned ones", async () => {
    const dotenv = VARIABLES.map((v) => `${v}=value-of-${v.toLowerCase()}`).join("\n");
    const env = await renderedEnvironment(`${dotenv}\n`);
    const missing = VARIABLES.filter((v) => !PINNED.has(v) && env.get(v) !== `value-of-${v.toLowerCase()}`);
    expect(missing).toEqual([]);
    for (const v of PINNED) expect(env.has(v)).toBe(false);
  });

  it("keeps values with spaces and shell characters as they are, and empty ones empty", async () => {
    const env = await renderedEnvironment(
      [
        "BACKUP_SCHEDULE=0 */6 * * *",
        "SOURCE_PASSWORD=pa ss w0rd's",
        "DEST_USER=",
        "MEASUREMENTS=/^cpu\\d+$/,mem",
      ].join("\n"),
    );
    expect(env.get("BACKUP_SCHEDULE")).toBe("0 */6 * * *");
    expect(env.get("SOURCE_PASSWORD")).toBe("pa ss w0rd's");
    expect(env.get("MEASUREMENTS")).toBe("/^cpu\\d+$/,mem");
    expect(env.get("DEST_USER") ?? "").toBe("");
  });
});

describe("the Docker secrets overrides", () => {
  it("point the three *_PASSWORD_FILE variables at /run/secrets", async () => {
    const env = await renderedEnvironment("", ["docker-compose.secrets.yaml", "docker-compose.restore-secrets.yaml"]);
    expect([env.get("SOURCE_PASSWORD_FILE"), env.get("DEST_PASSWORD_FILE"), env.get("RESTORE_PASSWORD_FILE")]).toEqual([
      "/run/secrets/source_password",
      "/run/secrets/dest_password",
      "/run/secrets/restore_password",
    ]);
  });
});

describe(".env-example", () => {
  it("is read alike by the program (dotenv), docker run --env-file (literal) and compose", async () => {
    const text = fs.readFileSync(path.join(ROOT, ".env-example"), "utf8");
    const literal = new Map<string, string>();
    for (const line of text.split("\n")) {
      const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
      if (m) literal.set(m[1]!, m[2]!);
    }
    expect(new Map(Object.entries(dotenv.parse(text)))).toEqual(literal);
    const rendered = await renderedEnvironment(text);
    for (const [name, value] of literal) {
      if (PINNED.has(name) || value === "") continue;
      expect([name, rendered.get(name)]).toEqual([name, value]);
    }
  });
});
