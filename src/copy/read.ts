/**
 * Reading: a window's answer is streamed from the source, transcoded from MessagePack straight
 * into line protocol bytes and handed to the writer batch by batch, before the next chunk is
 * read (backpressure). A read that breaks is marked as such for the retry layer (retry.ts); a
 * failure of the writes is not (the client already retried it).
 */
import { LineBatcher, transcodeChunk, type ChunkInfo } from "../codec/transcode";
import { emptyStats, seriesToLines, type TransformStats } from "../codec/transform";
import type { MeasurementTarget } from "../inventory/targets";
import type { CopyContext } from "./context";
import type { EdgeBucket } from "./edgeBuckets";
import type { Window } from "./plan";
import { BrokenRead } from "./retry";
import type { Batch } from "../codec/batch";
import type { BatchWriter } from "./writer";

/** Reads a window with one query and writes what it answers. */
export async function readWindow(
  ctx: CopyContext,
  target: MeasurementTarget,
  window: Window,
  writer: BatchWriter,
  stats: TransformStats,
): Promise<void> {
  await readAnswer(
    ctx,
    target,
    ctx.mode.windowQuery(target, window),
    writer,
    () => stats,
    ({ partial }) => partial,
  );
}

/**
 * Small windows read with one request of several statements, one window after the other;
 * each window's writes are flushed before the next window's are sent, so windows still reach
 * the destination in order (resuming from the destination's newest point relies on it).
 */
export async function readWindowsInOneRequest(
  ctx: CopyContext,
  target: MeasurementTarget,
  windows: Window[],
  writer: BatchWriter,
  onWindow: (window: Window, stats: TransformStats) => void,
): Promise<void> {
  const statements = windows.map((w) => ctx.mode.windowQuery(target, w));
  let stats = emptyStats();
  let statementsDone = 0;
  let windowsDone = 0;
  await readAnswer(
    ctx,
    target,
    statements.join("; "),
    writer,
    () => stats,
    async ({ completed }) => {
      statementsDone += completed;
      // One statement a window: each completed statement is a window done.
      while (windowsDone < statementsDone) {
        await writer.flush();
        onWindow(windows[windowsDone] as Window, stats);
        stats = emptyStats();
        windowsDone++;
      }
      return statementsDone < statements.length;
    },
  );
}

/** Reads and writes one edge bucket (a handful of rows per series, decoded the plain way). */
export async function readEdgeBucket(
  ctx: CopyContext,
  target: MeasurementTarget,
  edge: EdgeBucket,
  writer: BatchWriter,
  stats: TransformStats,
): Promise<void> {
  const lines: string[] = [];
  const query = ctx.mode.windowQuery(target, edge.range, false);
  for (const series of await ctx.source.query(query, { db: target.sourceDb, signal: ctx.signal })) {
    const values = (series.values ?? []).map((row) => [edge.labelNs.toString(), ...row.slice(1)]);
    const { destMeasurement, schema, fieldRenames } = target;
    lines.push(...seriesToLines({ ...series, values }, destMeasurement, schema.fields, stats, fieldRenames));
  }
  if (lines.length > 0) await writer.add(toBatch(lines));
}

function toBatch(lines: string[]): Batch {
  const ends: number[] = [];
  let at = 0;
  for (const line of lines) {
    at += Buffer.byteLength(line) + 1;
    ends.push(at);
  }
  return { body: Buffer.from(`${lines.join("\n")}\n`), ends: Uint32Array.from(ends) };
}

/**
 * Reads one request's answer: each chunk is transcoded from MessagePack straight into line
 * protocol bytes (counted into `stats()`), and full batches go to the writer before the next
 * chunk is read and before `afterChunk` is told about it; it says whether more chunks follow.
 */
async function readAnswer(
  ctx: CopyContext,
  target: MeasurementTarget,
  query: string,
  writer: BatchWriter,
  stats: () => TransformStats,
  afterChunk: (chunk: ChunkInfo) => Promise<boolean> | boolean,
): Promise<void> {
  const lines = new LineBatcher(writer.batchSize);
  const out = {
    measurement: target.destMeasurement,
    fieldTypes: target.schema.fields,
    fieldRenames: target.fieldRenames,
    rowFields: ctx.mode.rowFields(target),
    clockNs: target.watchClockNs,
  };
  // A failure of the writes is not one of the read: the client already retried it (retry.ts).
  let writeFailed = false;
  const writing = async <T>(write: () => Promise<T>): Promise<T> => {
    try {
      return await write();
    } catch (err) {
      writeFailed = true;
      throw err;
    }
  };
  try {
    await ctx.source.readChunks(query, { db: target.sourceDb, signal: ctx.signal }, (chunk) => {
      const info = transcodeChunk(chunk, out, lines, stats());
      if (!info.partial) lines.closeBatch();
      // Most chunks of a high-cardinality answer fill no batch: nothing to wait for then.
      if (lines.done === 0) {
        const next = afterChunk(info);
        return typeof next === "boolean" ? next : writing(() => next);
      }
      return writing(async () => {
        for (const batch of lines.take()) await writer.add(batch);
        return afterChunk(info);
      });
    });
  } catch (err) {
    throw writeFailed ? err : new BrokenRead(err);
  } finally {
    lines.dispose();
  }
}
