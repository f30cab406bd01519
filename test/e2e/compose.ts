/**
 * Docker and Docker Compose v2 as a user runs them, for the end-to-end tests: commands run in a
 * folder of their own (a temporary copy of the compose files, never the checkout) with only the
 * environment the test gives, so neither a .env in the checkout nor the caller's variables can
 * configure them.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { waitFor as sharedWaitFor } from "../helpers/wait";

const exec = promisify(execFile);
export const ROOT = path.resolve(__dirname, "../..");
export const NODE_IMAGE = process.env.NODE_IMAGE ?? "node:20-bookworm-slim";
export const INFLUXDB_IMAGE = process.env.INFLUXDB_IMAGE ?? "influxdb:1.8";
/** The tag the compose file gives the project image. */
export const APP_IMAGE = "influxdb-backup:latest";

/** What a command needs to find docker and its plugins; nothing that configures the product. */
function baseEnv(): Record<string, string> {
  const keep = ["PATH", "HOME", "DOCKER_HOST", "DOCKER_CONFIG", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY"];
  return Object.fromEntries(keep.flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : [])));
}

export interface Result {
  code: number;
  out: string;
}

/** Runs a command; one that hangs is killed after `timeoutMs` (a failed result, not a stuck test). */
export async function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Result> {
  try {
    const { stdout, stderr } = await exec(cmd, args, {
      // Never the checkout or a shared folder: a .env or compose file there would configure the command.
      cwd: opts.cwd ?? fs.mkdtempSync(path.join(os.tmpdir(), "ib-cwd-")),
      env: { ...baseEnv(), ...opts.env },
      maxBuffer: 64 * 1024 * 1024,
      timeout: opts.timeoutMs ?? 180_000,
    });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, out: (e.stdout ?? "") + (e.stderr ?? "") };
  }
}

export const docker = (...args: string[]): Promise<Result> => run("docker", args);

/** Builds the project image once per test file, under the tag the compose file uses. */
export async function buildAppImage(): Promise<void> {
  const build = await run("docker", ["build", "--build-arg", `NODE_IMAGE=${NODE_IMAGE}`, "-t", APP_IMAGE, ROOT], {
    env: { DOCKER_BUILDKIT: "0" },
    timeoutMs: 540_000,
  });
  if (build.code !== 0) throw new Error(`docker build failed:\n${build.out.slice(-3000)}`);
}

/** A folder as a user has it after `git clone`: the compose files and `.env`, nothing else. */
export function userFolder(dotenv: string, extraFiles: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ib-user-"));
  for (const f of [
    "docker-compose.yaml",
    "docker-compose.secrets.yaml",
    "docker-compose.restore-secrets.yaml",
    ".env-example",
  ])
    fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
  fs.writeFileSync(path.join(dir, ".env"), dotenv);
  for (const [name, text] of Object.entries(extraFiles)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text, { mode: 0o644 });
  }
  return dir;
}

/**
 * `.env-example` with some of its values changed, as a user edits it after
 * `cp .env-example .env`; a name it does not hold is added at the end.
 */
export function editedEnvExample(values: Record<string, string>): string {
  const rest = new Map(Object.entries(values));
  const lines = fs
    .readFileSync(path.join(ROOT, ".env-example"), "utf8")
    .split("\n")
    .map((line) => {
      const name = /^([A-Z][A-Z0-9_]*)=/.exec(line)?.[1];
      if (name === undefined || !rest.has(name)) return line;
      const value = rest.get(name)!;
      rest.delete(name);
      return `${name}=${value}`;
    });
  return [...lines, ...[...rest].map(([k, v]) => `${k}=${v}`), ""].join("\n");
}

/** `docker compose` in `dir` under a project name, with only `env` besides docker's own variables. */
export function composeIn(dir: string, project: string, env: Record<string, string> = {}) {
  return (...args: string[]): Promise<Result> =>
    run("docker", ["compose", "-p", project, ...args], { cwd: dir, env, timeoutMs: 300_000 });
}

/** The shared waitFor, with the patience of Docker: containers take a while to start. */
export function waitFor<T>(probe: () => Promise<T | undefined>, what: string, ms = 90_000): Promise<T> {
  return sharedWaitFor(probe, what, ms, 500);
}

/** The ids of a compose project's containers that are running. */
export async function runningContainers(project: string): Promise<string[]> {
  const r = await docker("ps", "-q", "--filter", `label=com.docker.compose.project=${project}`);
  return r.out.split("\n").filter(Boolean);
}

/**
 * Removes what a compose project left behind: a project used only with `run --rm` keeps its
 * network, and `down -v` under one profile keeps the volumes of the others. Left there, each
 * test run adds a network, until Docker has no address pool left for a new one.
 * Never throws: it runs in `finally` blocks, where an error would hide the test's own failure.
 */
export async function removeComposeProject(project: string): Promise<void> {
  const label = `label=com.docker.compose.project=${project}`;
  for (const kind of ["container", "network", "volume"] as const) {
    const list = kind === "container" ? ["ps", "-aq"] : [kind, "ls", "-q"];
    const found = (await docker(...list, "--filter", label)).out.split("\n").filter((s) => /^[0-9a-z_.-]+$/.test(s));
    if (found.length === 0) continue;
    const removed = await docker(...(kind === "container" ? ["rm", "-f"] : [kind, "rm"]), ...found);
    if (removed.code !== 0) console.warn(`cleanup of ${project}: ${removed.out}`);
  }
}
