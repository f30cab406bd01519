/** The targets each benchmark run is judged by (issue 12), each PASS, FAIL or SKIP, marked when other work disturbed its inputs. */
import { spreadText } from "./stats";
import { totalSeries, totalTelegrafPoints } from "./telegraf";
import { totalPoints } from "./dataset";
import { SETTINGS, TARGETS, int, fix, disturbed } from "./settings";
import { ToolSeries } from "./toolRuns";
import type { Baseline } from "./baseline";
import type { Runs } from "./runs";

export interface Target {
  name: string;
  value: string;
  pass: boolean | undefined;
  result: string;
}

export function judgeTargets(baseline: Baseline, runs: Runs): Target[] {
  const { N, ceiling, agg } = baseline;
  const { raw, aggregated, scale, telegraf, telegrafOne, td, hc } = runs;
  const reps = SETTINGS.toolRepeats;
  const rawRatio = raw.pointsPerSec.median / ceiling.pointsPerSec;
  const aggRatio = aggregated.wall.median / agg.seconds;
  const scaleRatio = scale ? scale.rss.median / raw.rss.median : undefined;
  const anyBusy = (t: ToolSeries) => t.busyRuns > 0;

  const result = (pass: boolean | undefined, inputsDisturbed: boolean) =>
    (pass === undefined ? "SKIP" : pass ? "PASS" : "FAIL") + (pass !== undefined && inputsDisturbed ? " (BUSY)" : "");
  const target = (name: string, value: string, pass: boolean | undefined, disturbedBy = false) => ({
    name,
    value,
    pass,
    result: result(pass, disturbedBy),
  });
  const hcWritten = hc ? Number(hc.aggregated.runs[hc.aggregated.runs.length - 1]!.run.summary.written ?? NaN) : NaN;
  const hcBuckets = hc ? totalPoints(hc.ds) : NaN; // one point per series and bucket
  const targets = [
    target(
      `raw >= ${TARGETS.rawVsWriteCeiling} x single-connection write ceiling (${int(N)} points, median of ${reps})`,
      `${fix(rawRatio)} x (${int(raw.pointsPerSec.median)} vs ${int(ceiling.pointsPerSec)} points/s)`,
      rawRatio >= TARGETS.rawVsWriteCeiling,
      disturbed(ceiling.cpu, ceiling.seconds) || anyBusy(raw),
    ),
    target(
      `aggregated wall time <= ${TARGETS.aggVsServerTime} x server-side aggregate time (median of ${reps})`,
      `${fix(aggRatio)} x (${fix(aggregated.wall.median)} s vs ${fix(agg.seconds)} s)`,
      aggRatio <= TARGETS.aggVsServerTime,
      disturbed(agg.cpu, agg.seconds) || anyBusy(aggregated),
    ),
    target(
      `tool CPU <= ${TARGETS.rawCpuPerMillion} s per 1M raw points (median of ${reps})`,
      `${spreadText(raw.cpuPerMillion)} s`,
      raw.cpuPerMillion.median <= TARGETS.rawCpuPerMillion,
      anyBusy(raw),
    ),
    target(
      `tool CPU <= ${TARGETS.aggCpuPerMillion} s per 1M source points aggregated (median of ${reps})`,
      `${spreadText(aggregated.cpuPerMillion)} s`,
      aggregated.cpuPerMillion.median <= TARGETS.aggCpuPerMillion,
      anyBusy(aggregated),
    ),
    target(
      `peak RSS <= ${TARGETS.rssMiB} MiB at ${int(SETTINGS.scalePoints)} points raw (median of ${reps})`,
      scale ? `${spreadText(scale.rss, 1)} MiB` : "skipped",
      scale ? scale.rss.median <= TARGETS.rssMiB : undefined,
    ),
    target(
      `peak RSS at ${int(SETTINGS.scalePoints)} <= ${TARGETS.scaleRssRatio} x the ${int(N)} figure`,
      scale && scaleRatio !== undefined
        ? `${fix(scaleRatio)} x (${fix(scale.rss.median, 1)} vs ${fix(raw.rss.median, 1)} MiB)`
        : "skipped",
      scaleRatio === undefined ? undefined : scaleRatio <= TARGETS.scaleRssRatio,
    ),
    target(
      `peak RSS <= ${TARGETS.rssMiB} MiB, Telegraf-shaped raw copy, CONCURRENCY=2 (median of ${reps})`,
      telegraf && td
        ? `${spreadText(telegraf.rss, 1)} MiB (${td.measurements.length} measurements, ${totalSeries(td)} series, ${int(totalTelegrafPoints(td))} points)`
        : "skipped",
      telegraf ? telegraf.rss.median <= TARGETS.rssMiB : undefined,
    ),
    target(
      `high cardinality raw >= ${TARGETS.rawVsWriteCeiling} x its write ceiling (${hc ? int(hc.ds.series) : "-"} series)`,
      hc
        ? `${fix(hc.raw.pointsPerSec.median / hc.ceiling.pointsPerSec)} x (${int(hc.raw.pointsPerSec.median)} vs ${int(hc.ceiling.pointsPerSec)} points/s; the source's own chunked read: ${int(hc.read.pointsPerSec)} points/s)`
        : "skipped",
      hc ? hc.raw.pointsPerSec.median / hc.ceiling.pointsPerSec >= TARGETS.rawVsWriteCeiling : undefined,
      hc ? disturbed(hc.ceiling.cpu, hc.ceiling.seconds) || anyBusy(hc.raw) : false,
    ),
    target(
      `high cardinality aggregated wall <= ${TARGETS.aggVsServerTime} x server-side aggregate time`,
      hc
        ? `${fix(hc.aggregated.wall.median / hc.agg.seconds)} x (${fix(hc.aggregated.wall.median)} s vs ${fix(hc.agg.seconds)} s)`
        : "skipped",
      hc ? hc.aggregated.wall.median / hc.agg.seconds <= TARGETS.aggVsServerTime : undefined,
      hc ? disturbed(hc.agg.cpu, hc.agg.seconds) || anyBusy(hc.aggregated) : false,
    ),
    target(
      `high cardinality aggregated: one line written per series and bucket`,
      hc
        ? `${fix(hcWritten / hcBuckets)} lines per bucket (${int(hcWritten)} lines, ${int(hcBuckets)} buckets)`
        : "skipped",
      hc ? hcWritten === hcBuckets : undefined,
    ),
  ];

  const hcIncrWritten = hc ? Math.max(...hc.incremental.runs.map((r) => Number(r.run.summary.written ?? NaN))) : NaN;
  const hcIncrRatio = hc ? hc.incremental.wall.median / hc.aggregated.wall.median : NaN;
  const hcIncrQueries = hc ? hc.incremental.runs[hc.incremental.runs.length - 1]!.queries : undefined;
  targets.push(
    target(
      `high cardinality, a run right after a complete one: rewrites only buckets still filling (none here), in <= ${TARGETS.incrementalVsFirst} x a first run's time`,
      hc && hcIncrQueries
        ? `${int(hcIncrWritten)} lines written; ${fix(hc.incremental.wall.median)} s = ${fix(hcIncrRatio)} x the first run (${fix(hc.aggregated.wall.median)} s); ${hcIncrQueries.source} source and ${hcIncrQueries.destination} destination queries`
        : "skipped",
      hc ? hcIncrWritten === 0 && hcIncrRatio <= TARGETS.incrementalVsFirst : undefined,
      hc ? anyBusy(hc.incremental) : false,
    ),
  );

  targets.push(
    target(
      `CONCURRENCY=2 is not slower than CONCURRENCY=1, within 5 % (Telegraf-shaped raw copy, medians of ${reps})`,
      telegraf && telegrafOne
        ? `${fix(telegraf.wall.median)} s vs ${fix(telegrafOne.wall.median)} s (${fix(telegrafOne.wall.median / telegraf.wall.median)} x as fast); tool CPU ${fix(telegraf.cpuPerMillion.median)} vs ${fix(telegrafOne.cpuPerMillion.median)} s per 1M`
        : "skipped",
      telegraf && telegrafOne ? telegraf.wall.median <= telegrafOne.wall.median * 1.05 : undefined,
      telegraf && telegrafOne ? anyBusy(telegraf) || anyBusy(telegrafOne) : false,
    ),
  );

  return targets;
}
