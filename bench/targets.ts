/** The targets each benchmark run is judged by (issues 22 and 23), each PASS, FAIL or SKIP, marked when other work disturbed its inputs. */
import { spreadText } from "./stats";
import { totalSeries, totalTelegrafPoints } from "./telegraf";
import { SETTINGS, TARGETS, int, fix, disturbed } from "./settings";
import type { ToolSeries } from "./toolRuns";
import type { Baseline } from "./baseline";
import type { Runs } from "./runs";
import { seedTargets } from "./seed";

export interface Target {
  name: string;
  value: string;
  pass: boolean | undefined;
  result: string;
}

export function judgeTargets(baseline: Baseline, runs: Runs): Target[] {
  const { N, agg, reads } = baseline;
  const { raw, aggregated, scale, telegraf, td, hc } = runs;
  const reps = SETTINGS.toolRepeats;
  const bare = reads.find((r) => r.format === "msgpack");
  const anyBusy = (t: ToolSeries) => t.busyRuns > 0;
  const result = (pass: boolean | undefined, inputsDisturbed: boolean) =>
    (pass === undefined ? "SKIP" : pass ? "PASS" : "FAIL") + (pass !== undefined && inputsDisturbed ? " (BUSY)" : "");
  const target = (name: string, value: string, pass: boolean | undefined, disturbedBy = false): Target => ({
    name,
    value,
    pass,
    result: result(pass, disturbedBy),
  });
  /** The source's CPU for a first copy against a bare read's (or the tool's own aggregate statement's). */
  const sourceTarget = (what: string, tool: ToolSeries | undefined, baseSeconds: number | undefined, base: string) =>
    target(
      `${what}: source CPU <= ${TARGETS.sourceVsBareRead} x ${base} (medians of ${reps})`,
      tool && baseSeconds
        ? `${fix(tool.srcCpu.median / baseSeconds)} x (${spreadText(tool.srcCpu, 1)} s vs ${fix(baseSeconds, 1)} s)`
        : "skipped",
      tool && baseSeconds ? tool.srcCpu.median <= TARGETS.sourceVsBareRead * baseSeconds : undefined,
      tool ? anyBusy(tool) : false,
    );
  const noChange = (what: string, tool: ToolSeries | undefined) =>
    target(
      `${what}, a run with nothing new: <= ${TARGETS.noChangeServerCpu} s CPU on each server, nothing written (medians of ${reps})`,
      tool
        ? `source ${spreadText(tool.srcCpu, 2)} s, destination ${spreadText(tool.dstCpu, 2)} s; ` +
            `${int(Math.max(...tool.runs.map((r) => Number(r.run.summary.written ?? NaN))))} lines written; ` +
            `${tool.runs[tool.runs.length - 1]!.queries.source} source and ${tool.runs[tool.runs.length - 1]!.queries.destination} destination queries`
        : "skipped",
      tool
        ? Math.max(tool.srcCpu.median, tool.dstCpu.median) <= TARGETS.noChangeServerCpu &&
            tool.runs.every((r) => Number(r.run.summary.written) === 0)
        : undefined,
      tool ? anyBusy(tool) : false,
    );
  const hcSeries = hc ? `${int(hc.ds.series)} series` : "high cardinality";
  const aggRatio = aggregated.wall.median / agg.seconds;
  const scaleRatio = scale ? scale.rss.median / raw.rss.median : undefined;
  const seeded = [runs.seed?.seed, runs.seed?.seededRestore].filter((t) => t !== undefined);
  const allRuns = [...runs.series, ...seeded].flatMap((t) => t.runs);
  const seedTargetList = runs.seed
    ? seedTargets(
        runs.seed,
        baseline.ceiling.pointsPerSec,
        disturbed(baseline.ceiling.cpu, baseline.ceiling.seconds),
      ).map((t) => target(t.name, t.value, t.pass, t.busy))
    : [target(`seed rows (issue 23), ${int(SETTINGS.scalePoints)} points`, "skipped", undefined)];

  return [
    sourceTarget(
      `raw first copy, ${int(N)} points, ${baseline.ds.series} series`,
      raw,
      bare?.sourceCpu.median,
      "one bare read (SELECT * GROUP BY *)",
    ),
    sourceTarget(
      `raw first copy, ${hcSeries}`,
      hc?.raw,
      hc?.read.sourceCpu.median,
      "one bare read (SELECT * GROUP BY *)",
    ),
    sourceTarget(
      `aggregated first copy, ${baseline.ds.series} series`,
      aggregated,
      agg.sourceCpu.median,
      "its aggregate statement alone",
    ),
    sourceTarget(
      `aggregated first copy, ${hcSeries}`,
      hc?.aggregated,
      hc?.agg.sourceCpu.median,
      "its aggregate statement alone",
    ),
    noChange(`raw, ${hcSeries}`, hc?.rawIncremental),
    noChange(`aggregated, ${hcSeries}`, hc?.incremental),
    target(
      `aggregated wall time <= ${TARGETS.aggVsServerTime} x the server's own statement, ${baseline.ds.series} series (medians of ${reps})`,
      `${fix(aggRatio)} x (${spreadText(aggregated.wall)} s vs ${fix(agg.seconds)} s)`,
      aggRatio <= TARGETS.aggVsServerTime,
      disturbed(agg.cpu, agg.seconds) || anyBusy(aggregated),
    ),
    target(
      `tool CPU <= ${TARGETS.rawCpuPerMillion} s per 1M raw points, ${baseline.ds.series} series (median of ${reps})`,
      `${spreadText(raw.cpuPerMillion)} s`,
      raw.cpuPerMillion.median <= TARGETS.rawCpuPerMillion,
      anyBusy(raw),
    ),
    target(
      `peak RSS <= ${TARGETS.rssMiB} MiB, raw ${int(N)} points (median of ${reps})`,
      `${spreadText(raw.rss, 1)} MiB`,
      raw.rss.median <= TARGETS.rssMiB,
    ),
    target(
      `peak RSS <= ${TARGETS.rssMiB} MiB at ${int(SETTINGS.scalePoints)} points raw, and <= ${TARGETS.scaleRssRatio} x the ${int(N)} figure`,
      scale && scaleRatio !== undefined
        ? `${spreadText(scale.rss, 1)} MiB = ${fix(scaleRatio)} x ${fix(raw.rss.median, 1)} MiB`
        : "skipped",
      scale && scaleRatio !== undefined
        ? scale.rss.median <= TARGETS.rssMiB && scaleRatio <= TARGETS.scaleRssRatio
        : undefined,
    ),
    target(
      `peak RSS <= ${TARGETS.rssMiB} MiB, Telegraf-shaped raw copy, CONCURRENCY=2 (median of ${reps})`,
      telegraf && td
        ? `${spreadText(telegraf.rss, 1)} MiB (${td.measurements.length} measurements, ${totalSeries(td)} series, ${int(totalTelegrafPoints(td))} points)`
        : "skipped",
      telegraf ? telegraf.rss.median <= TARGETS.rssMiB : undefined,
    ),
    target(
      `peak RSS <= ${TARGETS.rssMiB} MiB, ${hcSeries} (every run)`,
      hc ? [hc.raw, hc.aggregated].map((t) => `${t.spec.label} ${spreadText(t.rss, 1)} MiB`).join(", ") : "skipped",
      hc ? Math.max(hc.raw.rss.max, hc.aggregated.rss.max) <= TARGETS.rssMiB : undefined,
    ),
    ...seedTargetList,
    target(
      `every copy exact (CORRECTNESS below${runs.seed?.influxd ? "; influxd backup + restore too" : ""})`,
      `${allRuns.filter((r) => r.check.ok).length} of ${allRuns.length} runs`,
      allRuns.every((r) => r.check.ok) && (runs.seed?.influxd?.ok ?? true),
    ),
  ];
}
