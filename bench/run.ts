/**
 * Benchmark of influxdb-backup against real InfluxDB 1.x servers started here (see
 * bench/README.md), in four parts like the product: the servers' own figures (baseline.ts:
 * destination write, source chunked read, server-side aggregate time), the tool's runs measured
 * from the outside with a correctness check after each (runs.ts), the targets they are judged by
 * (targets.ts), and the report (report.ts). Datasets: dataset.ts and telegraf.ts.
 *
 * Usage: npm run bench   (environment: BENCH_POINTS, BENCH_SERIES, BENCH_SCALE_POINTS,
 * BENCH_SKIP_SCALE, BENCH_CPU_PROF, ... see bench/README.md)
 */
import fs from "node:fs";
import path from "node:path";
import { measureBaseline } from "./baseline";
import { report } from "./report";
import { runTools } from "./runs";
import { killAllChildrenSync, startServers, type Server } from "./servers";
import { ROOT, SERVERS, SETTINGS, loud, progress } from "./settings";
import { judgeTargets } from "./targets";
import type { Ctx } from "./toolRuns";

async function bench(source: Server, dest: Server, root: string): Promise<number> {
  const ctx: Ctx = { source, dest, root };
  const baseline = await measureBaseline(ctx);
  const runs = await runTools(ctx, baseline);
  return report(baseline, runs, judgeTargets(baseline, runs));
}

async function main(): Promise<number> {
  if (!fs.existsSync(path.join(ROOT, "dist", "main.js"))) {
    throw new Error(`${path.join(ROOT, "dist", "main.js")} is missing: run npm run build first`);
  }
  const watchdog = setTimeout(() => {
    loud([`benchmark took longer than BENCH_TIMEOUT_S=${SETTINGS.timeoutS} s: stopping everything`]);
    killAllChildrenSync();
    process.exit(3);
  }, SETTINGS.timeoutS * 1000);
  watchdog.unref();
  progress("starting source and destination InfluxDB");
  const { servers, root } = await startServers(["source", "destination"]);
  const [source, dest] = servers as [Server, Server];
  SERVERS.source = source;
  SERVERS.dest = dest;
  try {
    return await bench(source, dest, root);
  } finally {
    progress("stopping the servers");
    await Promise.allSettled(servers.map((s) => s.stop()));
    if (!SETTINGS.keep) fs.rmSync(root, { recursive: true, force: true });
    else progress(`kept ${root}`);
  }
}

process.on("exit", killAllChildrenSync);
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    killAllChildrenSync();
    process.exit(130);
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    loud([`benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`]);
    killAllChildrenSync();
    process.exit(1);
  },
);
