/** Pure: a batch of line protocol, as the batcher hands it to the writer. */

/** Whole lines of line protocol: the bytes, and the offset just past each line's "\n". */
export interface Batch {
  body: Buffer;
  ends: Uint32Array;
  /** Told once the destination has acknowledged every line: the body's memory may be written over. */
  release?: () => void;
}

/** Splits a batch after `count` lines. */
export function splitBatch(batch: Batch, count: number): [Batch, Batch] {
  const cut = batch.ends[count - 1] as number;
  return [
    { body: batch.body.subarray(0, cut), ends: batch.ends.subarray(0, count) },
    { body: batch.body.subarray(cut), ends: batch.ends.slice(count).map((e) => e - cut) },
  ];
}
