/**
 * A real InfluxDB 1.x in a container per test file (image from INFLUXDB_IMAGE, default
 * influxdb:1.8), and an independent little HTTP helper to load data and read it back as
 * JSON text. The helper deliberately does not use the product's client, so tests compare
 * the destination with what the server itself says.
 */
import { GenericContainer, Wait, type StartedNetwork, type StartedTestContainer } from "testcontainers";

export const INFLUXDB_IMAGE = process.env.INFLUXDB_IMAGE ?? "influxdb:1.8";

export interface InfluxServer {
  url: string;
  /** host:port of the RPC (snapshot) service, when started with `rpc`. */
  rpcAddress?: string;
  container: StartedTestContainer;
  /** Runs a statement, returns the JSON answer as text (RFC3339 nanosecond times). */
  queryText(q: string, db?: string, auth?: [string, string]): Promise<string>;
  /** Runs a statement and returns the parsed JSON answer. */
  query(q: string, db?: string): Promise<JsonAnswer>;
  write(db: string, lines: string, rp?: string): Promise<void>;
  stop(): Promise<void>;
}

export interface JsonSeries {
  name?: string;
  tags?: Record<string, string>;
  columns: string[];
  values?: unknown[][];
}

export interface JsonAnswer {
  results: { series?: JsonSeries[]; error?: string }[];
  error?: string;
}

export async function startInflux(
  env: Record<string, string> = {},
  options: { network?: StartedNetwork; alias?: string; tls?: { cert: string; key: string }; rpc?: boolean } = {},
): Promise<InfluxServer> {
  let image = new GenericContainer(INFLUXDB_IMAGE);
  if (options.network) image = image.withNetwork(options.network).withNetworkAliases(options.alias ?? "influxdb");
  let wait = Wait.forHttp("/ping", 8086).forStatusCode(204);
  if (options.tls) {
    image = image
      .withCopyFilesToContainer([
        { source: options.tls.cert, target: "/etc/ssl/influxdb-test/cert.pem" },
        { source: options.tls.key, target: "/etc/ssl/influxdb-test/key.pem" },
      ])
      .withEnvironment({
        INFLUXDB_HTTP_HTTPS_ENABLED: "true",
        INFLUXDB_HTTP_HTTPS_CERTIFICATE: "/etc/ssl/influxdb-test/cert.pem",
        INFLUXDB_HTTP_HTTPS_PRIVATE_KEY: "/etc/ssl/influxdb-test/key.pem",
      });
    wait = Wait.forHttp("/ping", 8086).usingTls().allowInsecure().forStatusCode(204);
  }
  const container = await image
    .withEnvironment({
      INFLUXDB_REPORTING_DISABLED: "true",
      INFLUXDB_HTTP_LOG_ENABLED: "false",
      INFLUXDB_DATA_QUERY_LOG_ENABLED: "false",
      ...(options.rpc ? { INFLUXDB_BIND_ADDRESS: ":8088" } : {}),
      ...env,
    })
    .withExposedPorts(...(options.rpc ? [8086, 8088] : [8086]))
    .withWaitStrategy(wait)
    .withStartupTimeout(60_000)
    .start();
  const url = `${options.tls ? "https" : "http"}://${container.getHost()}:${container.getMappedPort(8086)}`;
  const headers = (auth?: [string, string]): Record<string, string> =>
    auth ? { Authorization: `Basic ${Buffer.from(`${auth[0]}:${auth[1]}`).toString("base64")}` } : {};
  const queryText = async (q: string, db?: string, auth?: [string, string]): Promise<string> => {
    const params = new URLSearchParams({ q });
    if (db) params.set("db", db);
    const res = await fetch(`${url}/query`, {
      method: "POST",
      body: params,
      headers: { ...headers(auth), "Content-Type": "application/x-www-form-urlencoded" },
    });
    return res.text();
  };
  return {
    url,
    ...(options.rpc ? { rpcAddress: `${container.getHost()}:${container.getMappedPort(8088)}` } : {}),
    container,
    queryText,
    async query(q, db) {
      const text = await queryText(q, db);
      const answer = JSON.parse(text) as JsonAnswer;
      const err = answer.error ?? answer.results?.find((r) => r.error)?.error;
      if (err) throw new Error(`${q}: ${err}`);
      return answer;
    },
    async write(db, lines, rp) {
      const params = new URLSearchParams({ db });
      if (rp) params.set("rp", rp);
      const res = await fetch(`${url}/write?${params}`, { method: "POST", body: lines });
      if (res.status !== 204) throw new Error(`write failed: HTTP ${res.status} ${await res.text()}`);
    },
    async stop() {
      await container.stop();
    },
  };
}

let counter = 0;
/** A database name no other test uses. */
export function freshName(prefix = "db"): string {
  counter++;
  return `${prefix}_${process.pid}_${counter}`;
}

/** Series of an answer, keyed by measurement and tags, for comparisons. */
export function seriesOf(answer: JsonAnswer): JsonSeries[] {
  return answer.results.flatMap((r) => r.series ?? []);
}

/** Field types of a measurement as the server reports them. */
export async function fieldTypes(server: InfluxServer, db: string, from: string): Promise<Record<string, string>> {
  const answer = await server.query(`SHOW FIELD KEYS FROM ${from}`, db);
  const out: Record<string, string> = {};
  for (const s of seriesOf(answer)) for (const [k, t] of s.values as [string, string][]) out[`${s.name}.${k}`] = t;
  return out;
}
