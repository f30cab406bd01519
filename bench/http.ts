/**
 * A minimal InfluxDB 1.x HTTP helper for the benchmark, independent of the tool's client:
 * JSON queries for checks, line protocol writes, and raw chunked reads that only count bytes
 * (or decode MessagePack, to show what decoding costs on the client side).
 */
import http from "node:http";
import { decodeMultiStream, ExtensionCodec } from "@msgpack/msgpack";

export interface JsonSeries {
  name?: string;
  tags?: Record<string, string>;
  columns: string[];
  values?: unknown[][];
}

interface JsonAnswer {
  results?: { series?: JsonSeries[]; error?: string }[];
  error?: string;
}

export interface DrainResult {
  bytes: number;
  ms: number;
}

export interface DecodeResult extends DrainResult {
  rows: number;
}

/** Same extension InfluxDB uses for times in MessagePack (type 5: int64 seconds, uint32 nanos). */
const extensionCodec = new ExtensionCodec();
extensionCodec.register({
  type: 5,
  encode: () => null,
  decode: (data: Uint8Array) => {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    return `${view.getInt32(0) * 4294967296 + view.getUint32(4)}${String(view.getUint32(8)).padStart(9, "0")}`;
  },
});

const REQUEST_TIMEOUT_MS = 300_000;

export class InfluxHttp {
  private readonly agent: http.Agent;

  constructor(
    readonly url: string,
    maxSockets = 8,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  close(): void {
    this.agent.destroy();
  }

  private send(
    method: string,
    path: string,
    params: Record<string, string>,
    body?: string,
    headers: Record<string, string> = {},
  ): Promise<http.IncomingMessage> {
    const url = new URL(path, this.url);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const all: Record<string, string | number> = { ...headers };
    if (body !== undefined) all["Content-Length"] = Buffer.byteLength(body);
    return new Promise((resolve, reject) => {
      const req = http.request(url, { method, headers: all, agent: this.agent }, resolve);
      req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`${method} ${path}: no answer within 300 s`)));
      req.on("error", reject);
      req.end(body);
    });
  }

  private async sendText(
    method: string,
    path: string,
    params: Record<string, string>,
    body?: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
    const res = await this.send(method, path, params, body, headers);
    res.setEncoding("utf8");
    let text = "";
    for await (const piece of res) text += piece as string;
    return { status: res.statusCode ?? 0, headers: res.headers, text };
  }

  /** The server's version, or throws when it does not answer 204. */
  async ping(): Promise<string> {
    const r = await this.sendText("GET", "/ping", {});
    if (r.status !== 204) throw new Error(`${this.url}/ping answered HTTP ${r.status}`);
    return String(r.headers["x-influxdb-version"] ?? "unknown");
  }

  /** One statement, JSON answer (RFC3339 nanosecond times); throws on any error. */
  async query(q: string, db?: string): Promise<JsonSeries[]> {
    const params: Record<string, string> = {};
    if (db !== undefined) params.db = db;
    const r = await this.sendText("POST", "/query", params, new URLSearchParams({ q }).toString(), {
      "Content-Type": "application/x-www-form-urlencoded",
    });
    let answer: JsonAnswer;
    try {
      answer = JSON.parse(r.text) as JsonAnswer;
    } catch {
      throw new Error(`query ${q}: HTTP ${r.status}, not JSON: ${r.text.slice(0, 200)}`);
    }
    const error = answer.error ?? answer.results?.find((x) => x.error)?.error;
    if (r.status !== 200 || error) throw new Error(`query ${q}: HTTP ${r.status} ${error ?? r.text.slice(0, 200)}`);
    return answer.results?.[0]?.series ?? [];
  }

  async write(db: string, body: string): Promise<void> {
    const r = await this.sendText("POST", "/write", { db, precision: "ns" }, body, {
      "Content-Type": "text/plain; charset=utf-8",
    });
    if (r.status !== 204) throw new Error(`write to ${db}: HTTP ${r.status} ${r.text.slice(0, 300)}`);
  }

  private streamQuery(q: string, db: string, chunkSize: number, accept: string): Promise<http.IncomingMessage> {
    return this.send(
      "POST",
      "/query",
      { db, chunked: "true", chunk_size: String(chunkSize) },
      new URLSearchParams({ q }).toString(),
      { "Content-Type": "application/x-www-form-urlencoded", Accept: accept },
    );
  }

  /** Runs a chunked query and only counts the bytes of the answer. */
  async drain(q: string, db: string, format: "msgpack" | "json", chunkSize = 10000): Promise<DrainResult> {
    const began = performance.now();
    const accept = format === "msgpack" ? "application/x-msgpack" : "application/json";
    const res = await this.streamQuery(q, db, chunkSize, accept);
    let bytes = 0;
    let tail = "";
    for await (const piece of res) {
      const buf = piece as Buffer;
      bytes += buf.length;
      if (format === "json") tail = (tail + buf.toString("latin1")).slice(-4096);
    }
    const ms = performance.now() - began;
    if (res.statusCode !== 200) throw new Error(`query ${q}: HTTP ${res.statusCode}`);
    if (format === "json" && /"error"\s*:/.test(tail))
      throw new Error(`query ${q}: error in answer: ${tail.slice(-300)}`);
    if (format === "msgpack" && !String(res.headers["content-type"]).includes("msgpack")) {
      throw new Error(`query ${q}: answered ${String(res.headers["content-type"])}, not MessagePack`);
    }
    return { bytes, ms };
  }

  /** Runs a chunked MessagePack query and decodes it like the tool does (int64 as BigInt, time extension). */
  async decodeCount(q: string, db: string, chunkSize = 10000): Promise<DecodeResult> {
    const began = performance.now();
    const res = await this.streamQuery(q, db, chunkSize, "application/x-msgpack");
    let bytes = 0;
    res.on("data", (b: Buffer) => (bytes += b.length));
    let rows = 0;
    for await (const chunk of decodeMultiStream(res, { extensionCodec, useBigInt64: true })) {
      const c = chunk as JsonAnswer;
      if (c.error) throw new Error(`query ${q}: ${c.error}`);
      for (const r of c.results ?? []) {
        if (r.error) throw new Error(`query ${q}: ${r.error}`);
        for (const s of r.series ?? []) rows += s.values?.length ?? 0;
      }
    }
    return { bytes, ms: performance.now() - began, rows };
  }
}
