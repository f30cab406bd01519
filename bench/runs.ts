/** The tool's runs: raw, aggregated and restore on the main dataset, then the optional memory-scaling, Telegraf-shaped, high-cardinality and profiled runs. */
import fs from "node:fs";
import path from "node:path";
import { seriesOf, telegrafDataset, totalSeries, totalTelegrafPoints, type TelegrafDataset } from "./telegraf";
import { totalPoints, type Dataset } from "./dataset";
import { summariseProfile } from "./profile";
import { waitQuiet } from "./servers";
import { SETTINGS, progress, int, fix } from "./settings";
import {
  LoadResult,
  load,
  CeilingResult,
  writeCeiling,
  ReadResult,
  readCeilings,
  AggregateTimeResult,
  aggregateServerTime,
} from "./ceilings";
import {
  ToolResult,
  ToolSpec,
  Ctx,
  ToolSeries,
  repeatTool,
  benchChecks,
  telegrafChecks,
  loadTelegraf,
  datasetOf,
} from "./toolRuns";
import type { Baseline } from "./baseline";
import { seedRows, type SeedRows } from "./seed";

export interface HighCardinality {
  ds: Dataset;
  ceiling: CeilingResult;
  read: ReadResult;
  agg: AggregateTimeResult;
  raw: ToolSeries;
  /** A raw run right after a complete one, nothing new on the source. */
  rawIncremental: ToolSeries;
  aggregated: ToolSeries;
  incremental: ToolSeries;
}

export interface Runs {
  raw: ToolSeries;
  aggregated: ToolSeries;
  restored: ToolSeries;
  /** Every series run, in order. */
  series: ToolSeries[];
  loads: { label: string; load: LoadResult }[];
  scale?: ToolSeries;
  telegraf?: ToolSeries;
  telegrafOne?: ToolSeries;
  td?: TelegrafDataset;
  hc?: HighCardinality;
  /** Issue 23: seed, seeded restore and influxd backup + restore on the scale dataset. */
  seed?: SeedRows;
  profiled?: ToolResult;
}

export async function runTools(ctx: Ctx, baseline: Baseline): Promise<Runs> {
  const { source, dest } = ctx;
  const { ds, loaded } = baseline;
  const benchSpec = (
    label: string,
    title: string,
    db: string,
    d: Dataset,
    mode: "raw" | "aggregated" | "restore",
  ): ToolSpec => ({
    label,
    title,
    mode,
    sourceDb: db,
    points: totalPoints(d),
    check: benchChecks(ctx, db, d, mode),
  });
  const raw = await repeatTool(ctx, benchSpec("raw_1m", "raw", "bench", ds, "raw"));
  const aggregated = await repeatTool(ctx, benchSpec("agg_1m", "aggregated", "bench", ds, "aggregated"));
  const restored = await repeatTool(ctx, benchSpec("restore_1m", "restore", "bench", ds, "restore"));
  const series: ToolSeries[] = [raw, aggregated, restored];
  const loads: { label: string; load: LoadResult }[] = [{ label: "bench", load: loaded }];

  let scale: ToolSeries | undefined;
  let seed: SeedRows | undefined;
  if (!SETTINGS.skipScale) {
    const sds = datasetOf(SETTINGS.scalePoints);
    progress(`scale: loading ${int(totalPoints(sds))} points into source db "bench_scale"`);
    const sload = await load(source, "bench_scale", sds);
    loads.push({ label: "bench_scale", load: sload });
    progress(`loaded in ${fix(sload.seconds)} s (${int(sload.pointsPerSec)} points/s)`);
    scale = await repeatTool(ctx, benchSpec("raw_scale", "raw (memory scaling)", "bench_scale", sds, "raw"));
    series.push(scale);
    if (!SETTINGS.skipSeed) seed = await seedRows(ctx, "bench_scale", sds);
  }

  let telegraf: ToolSeries | undefined;
  let telegrafOne: ToolSeries | undefined;
  let td: TelegrafDataset | undefined;
  if (!SETTINGS.skipTelegraf) {
    const perHost = telegrafDataset(1, 1);
    const perSeries = Math.max(
      1,
      Math.floor(SETTINGS.telegrafPoints / (totalSeries(perHost) * SETTINGS.telegrafHosts)),
    );
    td = telegrafDataset(SETTINGS.telegrafHosts, perSeries);
    const fieldsPerRow = td.measurements.reduce((n, m) => n + seriesOf(td!, m) * m.fields.length, 0) / totalSeries(td);
    progress(
      `Telegraf-shaped: loading ${int(totalTelegrafPoints(td))} points into source db "telegraf" ` +
        `(${td.measurements.length} measurements, ${totalSeries(td)} series, ${fix(fieldsPerRow, 1)} fields per row on average)`,
    );
    const tload = await loadTelegraf(source, "telegraf", td);
    loads.push({ label: "telegraf", load: tload });
    progress(`loaded in ${fix(tload.seconds)} s (${int(tload.pointsPerSec)} points/s)`);
    telegraf = await repeatTool(ctx, {
      label: "telegraf_raw",
      title: "raw, Telegraf-shaped, CONCURRENCY=2",
      mode: "raw",
      sourceDb: "telegraf",
      points: totalTelegrafPoints(td),
      env: { CONCURRENCY: "2" },
      check: telegrafChecks(ctx, "telegraf", td),
    });
    // The same copy one measurement at a time: what CONCURRENCY=2 gains (or costs) on this machine.
    telegrafOne = await repeatTool(ctx, {
      label: "telegraf_raw_c1",
      title: "raw, Telegraf-shaped, CONCURRENCY=1",
      mode: "raw",
      sourceDb: "telegraf",
      points: totalTelegrafPoints(td),
      env: { CONCURRENCY: "1" },
      check: telegrafChecks(ctx, "telegraf", td),
    });
    series.push(telegraf, telegrafOne);
  }

  let hc: HighCardinality | undefined;
  if (!SETTINGS.skipHc) {
    // One point per series and bucket: the most buckets (and lines written) for the points.
    const hds = datasetOf(SETTINGS.hcPoints, SETTINGS.hcSeries, Number(SETTINGS.bucketNs / 1_000_000_000n));
    progress(
      `high cardinality: loading ${int(totalPoints(hds))} points over ${int(hds.series)} series into "bench_hc"`,
    );
    const hload = await load(source, "bench_hc", hds);
    loads.push({ label: "bench_hc", load: hload });
    progress(`loaded in ${fix(hload.seconds)} s (${int(hload.pointsPerSec)} points/s)`);
    progress("high cardinality: destination write ceiling, one connection");
    const hceiling = await writeCeiling(dest, hds, 1);
    progress(`write ceiling ${int(hceiling.pointsPerSec)} points/s (${fix(hceiling.seconds)} s)`);
    await waitQuiet(source);
    // The source's own chunked read of every series: the most a raw copy can read per second here.
    const [hread] = await readCeilings(source, "bench_hc", totalPoints(hds), true);
    progress(`high cardinality: source chunked read ${int(hread!.pointsPerSec)} points/s (${fix(hread!.seconds)} s)`);
    const hagg = await aggregateServerTime(source, "bench_hc", hds);
    progress(
      `high cardinality: aggregate queries ${fix(hagg.seconds)} s (median of ${hagg.runs.map((x) => fix(x)).join(", ")} s; source CPU ${fix(hagg.sourceCpu.median)} s)`,
    );
    const hraw = await repeatTool(ctx, {
      ...benchSpec("hc_raw", "raw, high cardinality", "bench_hc", hds, "raw"),
      keepCopy: true,
    });
    // Runs right after a complete one, nothing new on the source: what a run with nothing new costs.
    const hrawIncremental = await repeatTool(ctx, {
      ...benchSpec("hc_raw_incr", "raw, high cardinality, no new data", "bench_hc", hds, "raw"),
      resumes: hraw.runs[hraw.runs.length - 1]!.label,
    });
    const haggregated = await repeatTool(ctx, {
      ...benchSpec("hc_agg", "aggregated, high cardinality", "bench_hc", hds, "aggregated"),
      keepCopy: true,
    });
    // Runs right after a complete one, nothing new on the source: what an incremental run costs.
    const hincremental = await repeatTool(ctx, {
      ...benchSpec("hc_incr", "aggregated, high cardinality, no new data", "bench_hc", hds, "aggregated"),
      resumes: haggregated.runs[haggregated.runs.length - 1]!.label,
    });
    series.push(hraw, hrawIncremental, haggregated, hincremental);
    hc = {
      ds: hds,
      ceiling: hceiling,
      read: hread!,
      agg: hagg,
      raw: hraw,
      rawIncremental: hrawIncremental,
      aggregated: haggregated,
      incremental: hincremental,
    };
  }

  let profiled: ToolResult | undefined;
  if (SETTINGS.cpuProfile) {
    const dir = path.join(SETTINGS.resultsDir, `cpuprof-${new Date().toISOString().replace(/[:.]/g, "-")}`);
    fs.mkdirSync(dir, { recursive: true });
    const prof = await repeatTool(
      ctx,
      {
        ...benchSpec("raw_prof", "raw under --cpu-prof", "bench", ds, "raw"),
        nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${dir}`],
      },
      1,
    );
    profiled = prof.runs[0];
    series.push(prof);
    const file = fs.readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
    if (file && profiled) profiled.profile = summariseProfile(path.join(dir, file));
  }

  return { raw, aggregated, restored, series, loads, scale, telegraf, telegrafOne, td, hc, seed, profiled };
}
