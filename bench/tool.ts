/**
 * Runs the tool (`node dist/main.js`) as a child process, one-shot, and measures it from the
 * outside: wall time, peak RSS (VmHWM, polled every 100 ms) and CPU time from /proc.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { cpuSeconds, stopChild, trackChild } from "./servers";

export interface ToolOptions {
  root: string;
  /** Working folder of the child (no .env there). */
  cwd: string;
  env: Record<string, string>;
  nodeArgs?: string[];
  /** Arguments of the program: a command such as "restore". */
  args?: string[];
  timeoutMs: number;
}

export interface ToolRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  wallSeconds: number;
  /** Peak resident set (VmHWM) in MiB, as last read before the process ended. */
  peakRssMiB: number;
  /** Largest VmRSS seen by the 100 ms poll, in MiB. */
  maxSampledRssMiB: number;
  cpuSeconds: number;
  /** key=value pairs of the tool's final "backup finished" (or "restore finished") log line. */
  summary: Record<string, string>;
  outputTail: string;
}

function readStatusKb(pid: number): { hwm: number; rss: number } | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
    const rss = /VmRSS:\s+(\d+) kB/.exec(status);
    if (!hwm || !rss) return undefined;
    return { hwm: Number(hwm[1]), rss: Number(rss[1]) };
  } catch {
    return undefined;
  }
}

function parseSummary(output: string): Record<string, string> {
  const lines = output.split("\n").filter((l) => /(backup|restore) (finished|stopped)/.test(l));
  const last = lines[lines.length - 1];
  if (!last) return {};
  const out: Record<string, string> = { line: last.replace(/^\S+\s+\S+\s+/, "") };
  for (const m of last.matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|\S+)/g)) out[m[1]!] = m[2]!;
  return out;
}

export async function runTool(o: ToolOptions): Promise<ToolRun> {
  const main = path.join(o.root, "dist", "main.js");
  const began = performance.now();
  const child = spawn(process.execPath, [...(o.nodeArgs ?? []), main, ...(o.args ?? [])], {
    cwd: o.cwd,
    env: o.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  trackChild(child);
  const pid = child.pid!;
  let output = "";
  const collect = (b: Buffer) => {
    output += b.toString("utf8");
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);

  let peakKb = 0;
  let maxRssKb = 0;
  let cpu = 0;
  const sample = () => {
    const s = readStatusKb(pid);
    if (s) {
      peakKb = Math.max(peakKb, s.hwm);
      maxRssKb = Math.max(maxRssKb, s.rss);
    }
    cpu = cpuSeconds(pid) ?? cpu;
  };
  sample();
  const poll = setInterval(sample, 100);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void stopChild(child, 5000);
  }, o.timeoutMs);

  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once("exit", (code, sig) => resolve([code, sig])),
  );
  const wallSeconds = (performance.now() - began) / 1000;
  clearInterval(poll);
  clearTimeout(timer);
  // Let the pipes drain so the final log line is in `output`.
  await new Promise<void>((resolve) => {
    if (child.stdout!.readableEnded && child.stderr!.readableEnded) return resolve();
    const t = setTimeout(resolve, 2000);
    child.once("close", () => {
      clearTimeout(t);
      resolve();
    });
  });
  return {
    exitCode,
    signal,
    timedOut,
    wallSeconds,
    peakRssMiB: peakKb / 1024,
    maxSampledRssMiB: maxRssKb / 1024,
    cpuSeconds: cpu,
    summary: parseSummary(output),
    outputTail: output.split("\n").slice(-15).join("\n"),
  };
}
