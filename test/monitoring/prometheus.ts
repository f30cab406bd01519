/**
 * A real Prometheus for tests (Debian's `prometheus` package, scripts/ensure-prometheus.sh): started
 * on a free loopback port with a temporary TSDB, given rule files and scrape targets, and queried
 * over its HTTP API. Also `promtool` and a tiny /metrics server. Reusable by an end-to-end test
 * that points it at the real service.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { freePort, waitFor } from "../helpers/wait";

export { freePort };

export const ROOT = path.resolve(__dirname, "../..");
export const MONITORING_DIR = path.join(ROOT, "monitoring");
export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? "prometheus";
export const PROMTOOL_BIN = process.env.PROMTOOL_BIN ?? "promtool";

export interface ToolResult {
  code: number;
  out: string;
}

/** Runs promtool; its exit code and its output (stdout and stderr) are the result, never a throw. */
export function promtool(args: string[], cwd = ROOT): Promise<ToolResult> {
  return new Promise((resolve) => {
    execFile(PROMTOOL_BIN, args, { cwd, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

/** A /metrics endpoint on loopback serving a text exposition the test can change. */
export interface MetricsServer {
  /** host:port, as a scrape target. */
  target: string;
  setText(text: string): void;
  close(): Promise<void>;
}

export async function serveMetrics(initial: string): Promise<MetricsServer> {
  let text = initial;
  const server = http.createServer((req, res) => {
    if (req.url !== "/metrics") return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }).end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    target: `127.0.0.1:${port}`,
    setText: (t) => void (text = t),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface QueryAnswer {
  status: "success" | "error";
  errorType?: string;
  error?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; value?: [number, string] }[] | unknown };
}

export interface ActiveAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: "pending" | "firing";
  value: string;
}

export interface LoadedRule {
  name: string;
  query: string;
  type: "alerting" | "recording";
  health: string;
  lastError?: string;
  lastEvaluation: string;
}

export interface PrometheusOptions {
  /** host:port of each target scraped by the job (default job name `influxdb-backup`, as in monitoring/prometheus.yml). */
  targets: string[];
  job?: string;
  /** Absolute paths of rule files to load. */
  ruleFiles?: string[];
  scrapeInterval?: string;
  evaluationInterval?: string;
}

export class RunningPrometheus {
  constructor(
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly dir: string,
    private readonly log: () => string,
  ) {}

  private async get<T>(pathAndQuery: string): Promise<T> {
    const res = await fetch(`${this.url}${pathAndQuery}`);
    return (await res.json()) as T;
  }

  /** An instant query now; Prometheus' answer as it is (status "error" for invalid PromQL). */
  query(expr: string): Promise<QueryAnswer> {
    return this.get(`/api/v1/query?query=${encodeURIComponent(expr)}`);
  }

  async alerts(): Promise<ActiveAlert[]> {
    const answer = await this.get<{ data: { alerts: ActiveAlert[] } }>("/api/v1/alerts");
    return answer.data.alerts;
  }

  async rules(): Promise<LoadedRule[]> {
    const answer = await this.get<{ data: { groups: { rules: LoadedRule[] }[] } }>("/api/v1/rules");
    return answer.data.groups.flatMap((g) => g.rules);
  }

  /** Waits until every target of the job has been scraped successfully. */
  async waitForTargetsUp(job = "influxdb-backup", timeoutMs = 30_000): Promise<void> {
    await waitFor(
      async () => {
        const answer = await this.query(`up{job="${job}"}`);
        const result = (answer.data?.result ?? []) as { value: [number, string] }[];
        return result.length > 0 && result.every((r) => r.value[1] === "1") ? true : undefined;
      },
      `every target of job ${job} up`,
      timeoutMs,
      100,
    );
  }

  /** Waits until alert `name` is active in `state` (with `labels` among its labels, if given); returns it. */
  waitForAlert(
    name: string,
    state: "pending" | "firing",
    labels: Record<string, string> = {},
    timeoutMs = 60_000,
  ): Promise<ActiveAlert> {
    return waitFor(
      async () =>
        (await this.alerts()).find(
          (a) =>
            a.labels.alertname === name &&
            a.state === state &&
            Object.entries(labels).every(([k, v]) => a.labels[k] === v),
        ),
      `alert ${name} ${state} ${JSON.stringify(labels)}`,
      timeoutMs,
      100,
    );
  }

  /** Waits until every loaded rule has been evaluated at least once; returns the rules. */
  waitForRulesEvaluated(timeoutMs = 30_000): Promise<LoadedRule[]> {
    return waitFor(
      async () => {
        const rules = await this.rules();
        return rules.length > 0 && rules.every((r) => !r.lastEvaluation.startsWith("0001-")) ? rules : undefined;
      },
      "every rule evaluated",
      timeoutMs,
      100,
    );
  }

  /** Retries `expr` until it returns data (a rate needs two scrapes); the last answer either way. */
  async queryWithData(expr: string, timeoutMs = 20_000): Promise<QueryAnswer> {
    let last: QueryAnswer | undefined;
    try {
      return await waitFor(
        async () => {
          last = await this.query(expr);
          if (last.status !== "success") return last; // invalid PromQL: no use waiting
          return Array.isArray(last.data?.result) && last.data.result.length > 0 ? last : undefined;
        },
        `data for ${expr}`,
        timeoutMs,
        100,
      );
    } catch {
      return last!;
    }
  }

  /** The process' output so far, for failure messages. */
  output(): string {
    return this.log();
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once("exit", resolve));
      this.child.kill("SIGTERM");
      const force = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(force);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Starts Prometheus on a free 127.0.0.1 port with a temporary configuration and TSDB and waits
 * until it is ready. A port taken between choosing and binding it is retried with another.
 */
export async function startPrometheus(opts: PrometheusOptions): Promise<RunningPrometheus> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts, await freePort());
    } catch (err) {
      if (attempt >= 3 || !/address already in use/.test(String(err))) throw err;
    }
  }
}

async function startOnce(opts: PrometheusOptions, port: number): Promise<RunningPrometheus> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ib-prometheus-"));
  const config = {
    global: { scrape_interval: opts.scrapeInterval ?? "1s", evaluation_interval: opts.evaluationInterval ?? "1s" },
    rule_files: opts.ruleFiles ?? [],
    scrape_configs: [{ job_name: opts.job ?? "influxdb-backup", static_configs: [{ targets: opts.targets }] }],
  };
  // JSON is YAML.
  fs.writeFileSync(path.join(dir, "prometheus.yml"), JSON.stringify(config, null, 2));
  const child = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${path.join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${path.join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let log = "";
  const append = (chunk: Buffer): void => void (log = (log + chunk.toString()).slice(-20_000));
  child.stdout!.on("data", append);
  child.stderr!.on("data", append);
  const exited = new Promise<never>((_, reject) => {
    child.once("error", reject);
    child.once("exit", (code, signal) => reject(new Error(`prometheus exited (${code ?? signal}):\n${log}`)));
  });
  exited.catch(() => undefined); // observed below, or after a successful start by nobody
  const prometheus = new RunningPrometheus(`http://127.0.0.1:${port}`, child, dir, () => log);
  try {
    await Promise.race([
      exited,
      waitFor(
        async () => ((await fetch(`${prometheus.url}/-/ready`)).status === 200 ? true : undefined),
        `prometheus ready on 127.0.0.1:${port}`,
        30_000,
        100,
      ),
    ]);
  } catch (err) {
    await prometheus.stop();
    throw err;
  }
  return prometheus;
}
