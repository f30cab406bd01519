/**
 * Pure decoding of InfluxDB 1.x /query answers in MessagePack (Accept: application/x-msgpack).
 *
 * Why MessagePack and not JSON: InfluxDB's JSON encoder fails the whole answer when a value
 * is ±Inf or NaN (a mean() that overflows is enough), JSON numbers lose int64 values above
 * 2^53 in JavaScript, and nanosecond epochs do not fit in a double. MessagePack carries
 * int64 exactly, floats as float64 (so NaN/Inf arrive and can be dropped and counted) and
 * times as an extension with seconds and nanoseconds.
 */
import { ExtensionCodec } from "@msgpack/msgpack";
import { InfluxError } from "../errors";

export interface Series {
  name?: string;
  tags?: Record<string, string>;
  columns: string[];
  /** Rows; the first column is the time as nanoseconds since the epoch in decimal text. */
  values?: unknown[][];
  partial?: boolean;
}

export interface StatementResult {
  statement_id?: number;
  series?: Series[];
  error?: string;
  partial?: boolean;
  messages?: { level: string; text: string }[];
}

export interface ResponseChunk {
  results?: StatementResult[];
  error?: string;
}

/** Extension type 5 is how InfluxDB (tinylib/msgp) encodes a time: int64 seconds, uint32 nanoseconds. */
const TIME_EXTENSION = 5;

/** Decodes a time extension into nanoseconds since the epoch, as decimal text. */
export function decodeTimeExtension(data: Uint8Array): string {
  if (data.length !== 12) throw new InfluxError(`unexpected time encoding of ${data.length} bytes`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const hi = view.getInt32(0);
  const lo = view.getUint32(4);
  const nanos = view.getUint32(8);
  const seconds = hi * 4294967296 + lo;
  if (seconds > 0) return `${seconds}${String(nanos).padStart(9, "0")}`;
  return (BigInt(seconds) * 1_000_000_000n + BigInt(nanos)).toString();
}

export const extensionCodec = new ExtensionCodec();
extensionCodec.register({
  type: TIME_EXTENSION,
  encode: () => null,
  decode: (data: Uint8Array) => decodeTimeExtension(data),
});

export const decodeOptions = { extensionCodec, useBigInt64: true } as const;

/** Throws InfluxError if a decoded answer carries an error anywhere; returns it typed otherwise. */
export function checkChunk(decoded: unknown): ResponseChunk {
  if (decoded === null || typeof decoded !== "object" || Array.isArray(decoded)) {
    throw new InfluxError(`the server sent an answer that is not an InfluxDB result: ${preview(decoded)}`);
  }
  const chunk = decoded as ResponseChunk;
  if (typeof chunk.error === "string") throw new InfluxError(chunk.error);
  if (chunk.results !== undefined && !Array.isArray(chunk.results)) {
    throw new InfluxError(`the server sent an answer that is not an InfluxDB result: ${preview(decoded)}`);
  }
  for (const result of chunk.results ?? []) {
    if (typeof result.error === "string") throw new InfluxError(result.error);
  }
  return chunk;
}

function preview(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)).slice(0, 200);
  } catch {
    return String(value).slice(0, 200);
  }
}

/** True when this chunk says more of the same statement follows. */
export function isPartial(chunk: ResponseChunk): boolean {
  const results = chunk.results ?? [];
  const last = results[results.length - 1];
  return last?.partial === true;
}
