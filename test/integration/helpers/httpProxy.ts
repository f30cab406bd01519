/**
 * An HTTP proxy on 127.0.0.1 in front of a real InfluxDB that sees each request: it records
 * what was asked and answered (path, database, lines of a write body, status, times), counts
 * requests in flight, and can answer a request itself (a 429 with Retry-After) or pause in the
 * middle of an answer. The server behind it stays real; answers are passed on as they stream.
 */
import http from "node:http";

export interface Exchange {
  method: string;
  path: string;
  /** The `db` parameter of the query string. */
  db?: string;
  /** The statement of a /query request (`q`, from the query string or the form body). */
  query?: string;
  /** Lines of the request body (a write's points). */
  lines: number;
  bytes: number;
  status?: number;
  sentAt: number;
  answeredAt?: number;
}

/** Answers `exchange` instead of the server when it returns true. */
export type Interceptor = (exchange: Exchange, res: http.ServerResponse) => boolean;

export class HttpProxy {
  private server?: http.Server;
  private readonly agent = new http.Agent({ keepAlive: true });
  readonly exchanges: Exchange[] = [];
  intercept?: Interceptor;
  /** When set, an answer to a request that `matches` stops for `ms` once `afterBytes` of it were passed on. */
  pause?: { matches: (e: Exchange) => boolean; afterBytes: number; ms: number };
  pauses = 0;
  /** How long the proxy holds each answer to a write before passing it on (a slow destination). */
  holdWritesMs = 0;

  constructor(private readonly upstream: string) {}

  get url(): string {
    const address = this.server?.address() as { port: number };
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.forward(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    this.agent.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** The exchanges with `path` (and database `db`, when given). */
  to(path: string, db?: string): Exchange[] {
    return this.exchanges.filter((e) => e.path === path && (db === undefined || e.db === db));
  }

  private async forward(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? "/", "http://proxy");
    const text = body.toString("latin1");
    const exchange: Exchange = {
      method: req.method ?? "GET",
      path: url.pathname,
      db: url.searchParams.get("db") ?? undefined,
      query:
        url.pathname === "/query"
          ? (url.searchParams.get("q") ?? new URLSearchParams(body.toString("utf8")).get("q") ?? undefined)
          : undefined,
      lines: text.length === 0 ? 0 : text.split("\n").filter((l) => l !== "").length,
      bytes: body.length,
      sentAt: Date.now(),
    };
    this.exchanges.push(exchange);
    // Over before its answer is ended, so a request sent once the answer arrived is never counted with it.
    const over = () => {
      if (exchange.answeredAt !== undefined) return;
      exchange.answeredAt = Date.now();
    };
    res.on("close", over);
    if (this.intercept?.(exchange, res)) {
      exchange.status = res.statusCode;
      return;
    }
    const headers = { ...req.headers };
    delete headers.host;
    const upstream = http.request(
      new URL(req.url ?? "/", this.upstream),
      { method: req.method, headers, agent: this.agent },
      (answer) => {
        const pass = () => {
          exchange.status = answer.statusCode;
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          let passed = 0;
          const pause = this.pause?.matches(exchange) ? this.pause : undefined;
          answer.on("data", (chunk: Buffer) => {
            res.write(chunk);
            passed += chunk.length;
            if (pause && passed >= pause.afterBytes && passed - chunk.length < pause.afterBytes) {
              this.pauses++;
              answer.pause();
              setTimeout(() => answer.resume(), pause.ms);
            }
          });
          answer.on("end", () => {
            over();
            res.end();
          });
          answer.on("error", () => res.destroy());
        };
        if (exchange.path === "/write" && this.holdWritesMs > 0) setTimeout(pass, this.holdWritesMs);
        else pass();
      },
    );
    res.on("close", () => upstream.destroy());
    upstream.on("error", () => res.destroy());
    upstream.end(body);
  }
}
