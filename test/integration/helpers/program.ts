/**
 * The built program (`node dist/main.js`) as users run it: each start in an empty temporary
 * folder with only the variables a test gives plus PATH, so no stray .env or variable of the
 * test process configures it. Needs `npm run build` first (npm test does it).
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const MAIN = path.resolve(__dirname, "../../../dist/main.js");

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

export interface RunningProgram {
  child: ChildProcess;
  /** The folder it runs in (empty at start). */
  cwd: string;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output; rejects if the program exits first. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<Exit>;
}

/** A folder no other test uses, removed with the OS's temporary files. */
export function tempDir(prefix = "influxdb-backup-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** `files`: written into the working folder before the start (a `.env`, say). */
export function startProgram(
  env: Record<string, string>,
  args: string[] = [],
  files: Record<string, string> = {},
): RunningProgram {
  const cwd = tempDir("influxdb-backup-cwd-");
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(cwd, name), text);
  const child = spawn(process.execPath, [MAIN, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "", ...env },
  });
  let output = "";
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    output += d.toString();
    for (const l of listeners) l();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  let done = false;
  const exited = new Promise<Exit>((resolve) =>
    child.on("close", (code, signal) => {
      done = true;
      for (const l of listeners) l();
      resolve({ code, signal, output });
    }),
  );
  const waitForOutput = (pattern: RegExp, timeoutMs = 60_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`no ${pattern} within ${timeoutMs} ms:\n${output}`)), timeoutMs);
      const check = () => {
        const m = output.match(pattern);
        if (m) finish(undefined, m);
        else if (done) finish(new Error(`exited before ${pattern}:\n${output}`));
      };
      const finish = (err?: Error, m?: RegExpMatchArray) => {
        clearTimeout(timer);
        listeners.delete(check);
        if (err) reject(err);
        else resolve(m!);
      };
      listeners.add(check);
      check();
    });
  return { child, cwd, output: () => output, waitForOutput, exited };
}

/** Runs the program to its end. */
export function runProgram(
  env: Record<string, string>,
  args: string[] = [],
  files: Record<string, string> = {},
): Promise<Exit> {
  return startProgram(env, args, files).exited;
}

export { freePort, waitFor } from "../../helpers/wait";
