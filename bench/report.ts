/** The report: the RESULTS, TARGETS and CORRECTNESS tables on stdout, and the results as JSON in BENCH_RESULTS_DIR. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spread, spreadText } from "./stats";
import { FIELD_TYPES, MEASUREMENT, STEP_S } from "./dataset";
import { machineReferenceMs } from "./reference";
import { SETTINGS, IMAGE_FLAGS, T0, int, fix, mib, table, loud, CpuUse, disturbed, cpuText } from "./settings";
import { ToolResult } from "./toolRuns";
import type { Baseline } from "./baseline";
import type { Runs } from "./runs";
import type { Target } from "./targets";
import { seedResultRows } from "./seed";

/** Prints the report and writes the results; 1 when a correctness check failed. */
export function report(baseline: Baseline, runs: Runs, targets: Target[]): number {
  const { ds, N, env, referenceAtStart, ceiling, ceiling2, reads, agg } = baseline;
  const { series, loads, td, hc, profiled } = runs;
  const reps = SETTINGS.toolRepeats;
  /** "other+steal" CPU seconds of a measurement, marked when it disturbed the figure. */
  const busy = (cpu: CpuUse, seconds: number) =>
    `${cpuText((cpu.other ?? 0) + (cpu.steal ?? 0))}${disturbed(cpu, seconds) ? " BUSY" : ""}`;

  const rows: string[][] = [
    ...loads.map(({ label, load: l }) => [
      `load ${label} (time-major, ${SETTINGS.loadWriters} writers)`,
      int(l.pointsPerSec),
      fix(l.seconds),
      "",
      "",
      "",
      "",
      "",
      "",
      `${int(l.points)} points`,
    ]),
    ...[ceiling, ceiling2, ...(hc ? [hc.ceiling] : [])].map((c, i) => [
      i === 2
        ? "dest write ceiling, high cardinality (1 conn)"
        : c.connections === 1
          ? "dest write ceiling (1 conn, sequential)"
          : `dest write, ${c.connections} connections (info)`,
      int(c.pointsPerSec),
      fix(c.seconds),
      "",
      "",
      "",
      cpuText(c.cpu.dest),
      busy(c.cpu, c.seconds),
      "",
      `${c.batches} x ${SETTINGS.batchLines} lines, ${mib(c.bytes)}, series-major`,
    ]),
    ...[...reads, ...(hc ? [{ ...hc.read, format: `${hc.read.format}, high cardinality` }] : [])].map((r) => [
      `source ${r.format === "msgpack" ? "bare read" : "chunked read"}, ${r.format}`,
      int(r.pointsPerSec),
      fix(r.seconds),
      "",
      "",
      spreadText(r.sourceCpu, 1, r.runs.length),
      "",
      busy(r.cpu, r.seconds),
      "",
      `SELECT * GROUP BY *, chunk_size=10000; best of ${r.runs.map((x) => fix(x)).join("/")} s; ${mib(r.bytes)}${r.format.includes("decode") ? "; decoded in this process" : ""}`,
    ]),
    ...[["", agg] as const, ...(hc ? ([["high cardinality ", hc.agg]] as const) : [])].map(([what, a]) => [
      `server-side aggregates, ${what}(${SETTINGS.bucket}, mean+last)`,
      "",
      spreadText(spread(a.runs), 2, a.runs.length),
      "",
      "",
      spreadText(a.sourceCpu, 1, a.runs.length),
      "",
      busy(a.cpu, a.seconds),
      "",
      `${a.windows} window(s), ${a.queries} queries (mean and last in one statement)`,
    ]),
    ...series.map((t) => {
      const last = t.runs[t.runs.length - 1]!;
      const n = t.runs.length;
      return [
        `tool ${t.spec.title}, ${int(t.spec.points)} points`,
        int(t.pointsPerSec.median),
        spreadText(t.wall, 2, n),
        spreadText(t.rss, 1, n),
        spreadText(t.cpuPerMillion, 2, n),
        spreadText(t.srcCpu, 1, n),
        spreadText(t.dstCpu, 1, n),
        `${t.busyRuns}/${n} BUSY`.replace(/^0\/\d+ BUSY$/, "-"),
        t.ok ? "OK" : "MISMATCH",
        `tool says ${last.run.summary.seconds ?? "?"} s, read ${last.run.summary.read ?? "?"} written ${last.run.summary.written ?? "?"}; ` +
          `peaks: JS heap ${fix(last.memory.heapTotal ?? NaN, 1)}, buffers ${fix(last.memory.arrayBuffers ?? NaN, 1)} MiB; ` +
          `queries ${last.queries.source} src, ${last.queries.destination} dst (last run)`,
      ];
    }),
  ];

  if (runs.seed) rows.push(...seedResultRows(runs.seed));
  const seeded = [runs.seed?.seed, runs.seed?.seededRestore].filter((t) => t !== undefined);
  const checkedRuns = [...series, ...seeded].flatMap((t) => t.runs);
  const failedRuns = checkedRuns.filter((r) => !r.check.ok);
  const out: string[] = [];
  out.push("", "RESULTS", "");
  out.push(
    table(rows, [
      "measurement",
      "points/s",
      "seconds",
      "peak RSS MiB",
      "tool CPU s/1M",
      "src CPU s",
      "dst CPU s",
      "other CPU s",
      "check",
      "detail",
    ]),
  );
  out.push(
    "",
    `tool rows: median (min-max) of ${reps} runs for seconds, peak RSS (VmHWM), tool CPU (user+sys of the tool's process, per million source points) and the CPU seconds the source and the destination InfluxDB spent during the run; points/s from the median wall time.`,
    `other CPU s: CPU used during the measurement by processes outside the benchmark, plus hypervisor steal;` +
      ` BUSY = more than 0.2 core on average (and 0.5 s), the figure is disturbed (tool rows: how many runs were).`,
  );
  out.push("", "TARGETS (issues 22 and 23)", "");
  out.push(
    table(
      targets.map((t) => [t.name, t.value, t.result]),
      ["target", "measured", "result"],
    ),
  );
  out.push("", "CORRECTNESS", "");
  for (const r of checkedRuns) {
    out.push(
      `  ${r.check.ok ? "OK      " : "MISMATCH"} ${r.label}: ${r.check.ok ? r.check.checked.join("; ") : r.check.problems.join(" | ")}`,
    );
  }
  if (profiled?.profile) {
    const p = profiled.profile;
    out.push("", `CPU PROFILE of the raw run (${p.file}, ${fix(p.totalMs / 1000)} s sampled)`, "");
    out.push(
      table(
        p.areas.slice(0, 12).map((a) => [a.area, fix(a.ms / 1000), fix(a.pct, 1)]),
        ["self time by area", "seconds", "%"],
      ),
    );
    out.push("");
    out.push(
      table(
        p.functions.map((f) => [f.name, fix(f.ms / 1000), fix(f.pct, 1), f.where]),
        ["top self-time functions", "seconds", "%", "where"],
      ),
    );
  }
  process.stdout.write(`${out.join("\n")}\n`);

  const runJson = (r: ToolResult) => ({
    label: r.label,
    mode: r.mode,
    sourceDb: r.sourceDb,
    destDb: r.destDb,
    points: r.points,
    pointsPerSec: r.pointsPerSec,
    wallSeconds: r.run.wallSeconds,
    peakRssMiB: r.run.peakRssMiB,
    maxSampledRssMiB: r.run.maxSampledRssMiB,
    toolCpuSeconds: r.run.cpuSeconds,
    toolCpuPerMillion: r.cpuPerMillion,
    cpu: r.cpu,
    disturbed: r.busy,
    exitCode: r.run.exitCode,
    toolSummary: r.run.summary,
    check: r.check,
    profile: r.profile,
  });
  const results = {
    when: new Date().toISOString(),
    settings: { ...SETTINGS, bucketNs: SETTINGS.bucketNs.toString(), imageNodeFlags: IMAGE_FLAGS },
    environment: env,
    dataset: { ...ds, points: N, measurement: MEASUREMENT, fields: FIELD_TYPES, stepSeconds: STEP_S },
    telegrafDataset: td,
    loads,
    writeCeiling: ceiling,
    writeTwoConnections: ceiling2,
    readCeilings: reads,
    aggregateServerTime: agg,
    highCardinality: hc && {
      dataset: hc.ds,
      writeCeiling: hc.ceiling,
      aggregateServerTime: hc.agg,
    },
    tools: series.map((t) => ({
      label: t.spec.label,
      mode: t.spec.mode,
      points: t.spec.points,
      wallSeconds: t.wall,
      pointsPerSec: t.pointsPerSec,
      toolCpuPerMillion: t.cpuPerMillion,
      peakRssMiB: t.rss,
      busyRuns: t.busyRuns,
      ok: t.ok,
      runs: t.runs.map(runJson),
    })),
    seed: runs.seed && {
      points: runs.seed.points,
      skipped: runs.seed.skipped,
      influxd: runs.seed.influxd,
      seed: runs.seed.seed && {
        wallSeconds: runs.seed.seed.wall,
        logs: runs.seed.seed.logs,
        runs: runs.seed.seed.runs.map(runJson),
      },
      seededRestore: runs.seed.seededRestore && {
        wallSeconds: runs.seed.seededRestore.wall,
        logs: runs.seed.seededRestore.logs,
        runs: runs.seed.seededRestore.runs.map(runJson),
      },
    },
    targets,
    ok: failedRuns.length === 0 && (runs.seed?.influxd?.ok ?? true),
    totalSeconds: (performance.now() - T0) / 1000,
    machineReferenceMs: { start: referenceAtStart, end: machineReferenceMs() },
  };
  fs.mkdirSync(SETTINGS.resultsDir, { recursive: true });
  const latest = path.join(SETTINGS.resultsDir, "latest.json");
  const json = `${JSON.stringify(results, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`;
  fs.writeFileSync(latest, json);
  fs.writeFileSync(path.join(SETTINGS.resultsDir, `bench-${results.when.replace(/[:.]/g, "-")}.json`), json);
  const loadAtEnd = os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");
  const reference = results.machineReferenceMs;
  process.stdout.write(
    `\nresults: ${latest}\ntotal time: ${fix(results.totalSeconds, 1)} s; load average at start ${String(env.loadAverage)}, ` +
      `at end ${loadAtEnd} (${os.cpus().length} cores); ` +
      `machine reference ${fix(reference.start, 0)} ms at start, ${fix(reference.end, 0)} ms at end\n`,
  );

  if (failedRuns.length) {
    loud([
      `CORRECTNESS CHECK FAILED for ${failedRuns.map((r) => r.label).join(", ")}: the destination does not match the source.`,
      "See the CORRECTNESS section above and the tool logs.",
    ]);
    return 1;
  }
  return 0;
}
