/** The servers' own figures, measured before any tool run: the machine, loading, write and read ceilings, aggregate time. */
import os from "node:os";
import { FIELD_TYPES, STEP_S, totalPoints, type Dataset } from "./dataset";
import { machineCpu, waitQuiet } from "./servers";
import { machineReferenceMs } from "./reference";
import { SETTINGS, IMAGE_FLAGS, IMAGE_ENV, progress, int, fix, mib } from "./settings";
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
import { Ctx, environment, datasetOf } from "./toolRuns";

export interface Baseline {
  ds: Dataset;
  N: number;
  env: Record<string, unknown>;
  referenceAtStart: number;
  loaded: LoadResult;
  ceiling: CeilingResult;
  ceiling2: CeilingResult;
  reads: ReadResult[];
  agg: AggregateTimeResult;
}

export async function measureBaseline(ctx: Ctx): Promise<Baseline> {
  const { source, dest } = ctx;
  const ds = datasetOf(SETTINGS.points);
  const N = totalPoints(ds);
  const env = environment(source);
  process.stdout.write(
    `influxdb-backup benchmark\n` +
      `  dataset: ${int(N)} points = ${ds.series} series x ${int(ds.perSeries)} points, ${STEP_S} s apart; ` +
      `fields ${Object.entries(FIELD_TYPES)
        .map(([f, t]) => `${f}:${t}`)
        .join(", ")}; tags host, region\n` +
      `  servers: ${source.kind} InfluxDB ${source.version}, source ${source.url}, destination ${dest.url}\n` +
      `  machine: ${String(env.cpus)}, ${String(env.memory)}, node ${process.version}, load ${String(env.loadAverage)}\n` +
      `  tool: ${Object.entries(IMAGE_ENV)
        .map(([k, v]) => `${k}=${v} `)
        .join(
          "",
        )}node ${[...IMAGE_FLAGS, ...SETTINGS.toolNodeArgs].join(" ")} dist/main.js (the image's ENV and ENTRYPOINT flags` +
      `${SETTINGS.toolNodeArgs.length ? " and BENCH_TOOL_NODE_ARGS" : ""}); every tool run ${SETTINGS.toolRepeats} times\n` +
      `  code: commit ${String(env.commit)}${(env.uncommittedInSrc as string[]).length ? `, uncommitted changes in src: ${(env.uncommittedInSrc as string[]).join(" ")}` : ""}\n\n`,
  );

  const referenceAtStart = machineReferenceMs();
  process.stdout.write(
    `  machine reference: ${fix(referenceAtStart, 0)} ms of CPU for a fixed piece of JavaScript work (bench/reference.ts; measured again at the end: a higher figure is a slower machine, whatever the code)\n\n`,
  );

  const before = machineCpu();
  await new Promise((r) => setTimeout(r, 1000));
  const after = machineCpu();
  const busyCores = before && after ? after.busy - before.busy + after.steal - before.steal : 0;
  if (busyCores > 0.3) {
    process.stdout.write(
      `  NOTE: other work is using ${busyCores.toFixed(1)} of ${os.cpus().length} cores right now: figures may be disturbed (see "other CPU s")\n\n`,
    );
  }
  progress(
    `loading ${int(N)} points into source db "bench" (${int(SETTINGS.batchLines)}-line batches, ${SETTINGS.loadWriters} writers)`,
  );
  const loaded = await load(source, "bench", ds);
  progress(`loaded in ${fix(loaded.seconds)} s (${int(loaded.pointsPerSec)} points/s)`);

  progress("destination write ceiling: one connection, sequential POST /write");
  const ceiling = await writeCeiling(dest, ds, 1);
  progress(`write ceiling ${int(ceiling.pointsPerSec)} points/s (${fix(ceiling.seconds)} s)`);
  progress("destination write with two connections (the tool keeps up to 2 writes in flight)");
  const ceiling2 = await writeCeiling(dest, ds, 2);
  progress(`two connections: ${int(ceiling2.pointsPerSec)} points/s (${fix(ceiling2.seconds)} s)`);

  progress(`waiting for the source to finish compactions (waited ${fix(await waitQuiet(source), 1)} s)`);
  progress("source chunked-read ceiling: SELECT * FROM bench GROUP BY *, chunk_size=10000");
  const reads = await readCeilings(source, "bench", N);
  for (const r of reads) {
    progress(
      `read ${r.format}: ${int(r.pointsPerSec)} points/s (best of ${r.runs.map((x) => fix(x)).join(", ")} s; ${mib(r.bytes)}; source CPU ${fix(r.sourceCpu.median)} s, median)`,
    );
  }

  progress(
    `server-side aggregate queries (GROUP BY time(${SETTINGS.bucket}), *; ${SETTINGS.daysOfPagination}-day windows)`,
  );
  const agg = await aggregateServerTime(source, "bench", ds);
  progress(
    `aggregate queries: ${fix(agg.seconds)} s (median of ${agg.runs.map((x) => fix(x)).join(", ")} s; source CPU ${fix(agg.sourceCpu.median)} s) over ` +
      `${agg.windows} window(s), ${agg.queries} queries`,
  );

  return { ds, N, env, referenceAtStart, loaded, ceiling, ceiling2, reads, agg };
}
