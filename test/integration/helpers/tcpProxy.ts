/**
 * A small TCP proxy on 127.0.0.1 in front of a real InfluxDB, to inject the faults a network
 * or a reverse proxy causes: refused connections, connections cut mid-answer, a server that
 * accepts and never answers, an HTML error page. The servers behind it stay real.
 */
import net from "node:net";

export type ProxyMode = "pass" | "refuse" | "blackhole" | "html502";

export class TcpProxy {
  mode: ProxyMode = "pass";
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  /** When set, the connection carrying data is destroyed once this many more bytes came from upstream. */
  cutAfterBytes?: number;
  /** When set, what comes from upstream is passed on in slices of `bytes`, one every `ms` (a slow network or server). */
  trickle?: { bytes: number; ms: number };
  /** Slices passed on while trickling. */
  trickled = 0;
  cuts = 0;
  connections = 0;
  /** Bytes sent by clients to the server. */
  bytesUp = 0;
  /** HTTP requests sent to the server, by path ("/query", "/write", …). */
  readonly requests = new Map<string, number>();

  constructor(
    public upstreamHost: string,
    public upstreamPort: number,
  ) {}

  get url(): string {
    const address = this.server?.address() as net.AddressInfo;
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<this> {
    this.server = net.createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return this;
  }

  /** Destroys every open connection (as a restarting server or a broken network would). */
  dropAll(): void {
    for (const s of this.sockets) s.destroy();
  }

  async stop(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private track(s: net.Socket): void {
    this.sockets.add(s);
    s.on("close", () => this.sockets.delete(s));
    s.on("error", () => s.destroy());
  }

  private accept(client: net.Socket): void {
    this.connections++;
    this.track(client);
    switch (this.mode) {
      case "refuse":
        client.destroy();
        return;
      case "blackhole":
        return; // accepted, never answered
      case "html502":
        client.once("data", () => {
          const body = "<html><body><h1>502 Bad Gateway</h1>nginx</body></html>";
          client.end(
            `HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
          );
        });
        return;
      case "pass": {
        const upstream = net.connect(this.upstreamPort, this.upstreamHost);
        this.track(upstream);
        client.on("data", (chunk: Buffer) => {
          this.bytesUp += chunk.length;
          // Request lines ("POST /query?… HTTP/1.1") begin a request; bodies never hold one here.
          for (const m of chunk.toString("latin1").matchAll(/(?:^|\r\n)(?:GET|POST) (\/[a-z]+)[? ]/g)) {
            this.requests.set(m[1]!, (this.requests.get(m[1]!) ?? 0) + 1);
          }
        });
        client.pipe(upstream);
        upstream.on("data", (chunk: Buffer) => {
          if (this.cutAfterBytes !== undefined) {
            this.cutAfterBytes -= chunk.length;
            if (this.cutAfterBytes <= 0) {
              this.cutAfterBytes = undefined;
              this.cuts++;
              client.destroy();
              upstream.destroy();
              return;
            }
          }
          if (this.trickle) this.sendSlowly(upstream, client, chunk, this.trickle);
          else client.write(chunk);
        });
        upstream.on("end", () => this.afterSlices(client, () => client.end()));
        upstream.on("close", () => client.destroy());
        client.on("close", () => upstream.destroy());
      }
    }
  }

  /** Slices waiting to be passed on, per client connection, in order. */
  private readonly slow = new Map<net.Socket, { slices: Buffer[]; then?: () => void }>();

  private sendSlowly(upstream: net.Socket, client: net.Socket, chunk: Buffer, t: { bytes: number; ms: number }): void {
    let queue = this.slow.get(client);
    const idle = !queue;
    if (!queue) this.slow.set(client, (queue = { slices: [] }));
    for (let i = 0; i < chunk.length; i += t.bytes) queue.slices.push(chunk.subarray(i, i + t.bytes));
    upstream.pause(); // what is not passed on yet is not read either
    if (!idle) return;
    const pump = () => {
      const slice = queue.slices.shift();
      if (slice === undefined || client.destroyed) {
        this.slow.delete(client);
        if (!client.destroyed) upstream.resume();
        queue.then?.();
        return;
      }
      this.trickled++;
      client.write(slice);
      setTimeout(pump, t.ms);
    };
    pump();
  }

  /** Runs `then` once the slices still waiting for `client` have been passed on. */
  private afterSlices(client: net.Socket, then: () => void): void {
    const queue = this.slow.get(client);
    if (queue) queue.then = then;
    else then();
  }
}
