/**
 * InfluxDB servers for the benchmark: local `influxd` processes on loopback with random free
 * ports and temporary data folders, or containers (testcontainers, INFLUXDB_IMAGE) when
 * `influxd` is not on PATH (or BENCH_USE_CONTAINERS=1). Everything started here is stopped
 * by stop(), bounded in time, and killed on an unexpected exit of the benchmark.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { InfluxHttp } from "./http";

export interface Server {
  name: string;
  url: string;
  kind: "influxd" | "container";
  http: InfluxHttp;
  version: string;
  /** Process id of influxd, for CPU accounting (undefined for containers). */
  pid?: number;
  /** host:port of the RPC (snapshot) service, for `influxd backup` and the seed (undefined for containers). */
  rpcAddress?: string;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();

/** Last resort: a benchmark that dies must not leave influxd processes behind. */
export function killAllChildrenSync(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
  }
}

export function trackChild(child: ChildProcess): void {
  children.add(child);
  child.once("exit", () => children.delete(child));
}

export function influxdOnPath(): boolean {
  return spawnSync("influxd", ["version"], { stdio: "ignore" }).status === 0;
}

/** Reserves `n` distinct free loopback ports (all held open together, then released). */
async function freePorts(n: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const srv = net.createServer();
      await new Promise<void>((resolve, reject) => {
        srv.once("error", reject);
        srv.listen(0, "127.0.0.1", resolve);
      });
      servers.push(srv);
    }
    return servers.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone (or after 5 s more). */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  if (await waitExit(child, graceMs)) return;
  child.kill("SIGKILL");
  await waitExit(child, 5000);
}

async function waitForPing(http: InfluxHttp, child: ChildProcess | undefined, logFile: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`influxd exited at start: ${fs.readFileSync(logFile, "utf8").slice(-1500)}`);
    }
    try {
      return await http.ping();
    } catch {
      if (Date.now() > deadline) throw new Error(`influxd at ${http.url} did not answer /ping within 30 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

function influxdConfig(dir: string, httpPort: number, rpcPort: number): string {
  return `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"

[meta]
  dir = "${dir}/meta"
  logging-enabled = false

[data]
  dir = "${dir}/data"
  wal-dir = "${dir}/wal"
  query-log-enabled = false

[monitor]
  store-enabled = false

[http]
  bind-address = "127.0.0.1:${httpPort}"
  log-enabled = false

[subscriber]
  enabled = false

[continuous_queries]
  enabled = false

[logging]
  level = "warn"
  suppress-logo = true
`;
}

async function startInfluxd(name: string, root: string, httpPort: number, rpcPort: number): Promise<Server> {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  const configFile = path.join(dir, "influxdb.conf");
  fs.writeFileSync(configFile, influxdConfig(dir, httpPort, rpcPort));
  const logFile = path.join(dir, "influxd.log");
  const log = fs.openSync(logFile, "a");
  const child = spawn("influxd", ["run", "-config", configFile], { stdio: ["ignore", log, log] });
  fs.closeSync(log);
  trackChild(child);
  const url = `http://127.0.0.1:${httpPort}`;
  const http = new InfluxHttp(url);
  try {
    const version = await waitForPing(http, child, logFile);
    return {
      name,
      url,
      kind: "influxd",
      http,
      version,
      pid: child.pid,
      rpcAddress: `127.0.0.1:${rpcPort}`,
      stop: async () => {
        http.close();
        await stopChild(child);
      },
    };
  } catch (err) {
    http.close();
    await stopChild(child);
    throw err;
  }
}

async function startContainer(name: string): Promise<Server> {
  const image = process.env.INFLUXDB_IMAGE ?? "influxdb:1.8";
  const { GenericContainer, Wait } = await import("testcontainers");
  const container = await new GenericContainer(image)
    .withEnvironment({
      INFLUXDB_REPORTING_DISABLED: "true",
      INFLUXDB_HTTP_LOG_ENABLED: "false",
      INFLUXDB_DATA_QUERY_LOG_ENABLED: "false",
      INFLUXDB_MONITOR_STORE_ENABLED: "false",
    })
    .withExposedPorts(8086)
    .withWaitStrategy(Wait.forHttp("/ping", 8086).forStatusCode(204))
    .withStartupTimeout(60_000)
    .start();
  const host = container.getHost() === "localhost" ? "127.0.0.1" : container.getHost();
  const url = `http://${host}:${container.getMappedPort(8086)}`;
  const http = new InfluxHttp(url);
  const version = await http.ping();
  return {
    name,
    url,
    kind: "container",
    http,
    version,
    stop: async () => {
      http.close();
      await container.stop({ timeout: 10_000 });
    },
  };
}

/** Starts one server per name, in parallel. Returns them and the temporary root folder. */
export async function startServers(names: string[]): Promise<{ servers: Server[]; root: string }> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "influxdb-backup-bench-"));
  const useContainers = process.env.BENCH_USE_CONTAINERS === "1" || !influxdOnPath();
  const started = await Promise.allSettled(
    useContainers
      ? names.map((n) => startContainer(n))
      : await freePorts(names.length * 2).then((ports) =>
          names.map((n, i) => startInfluxd(n, root, ports[2 * i]!, ports[2 * i + 1]!)),
        ),
  );
  const servers = started.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) {
    await Promise.all(servers.map((s) => s.stop()));
    throw failed.reason;
  }
  return { servers, root };
}

/** CPU seconds (user + system) a process has used so far, from /proc; undefined if unknown. */
export function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

const CLOCK_TICKS = (() => {
  const r = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
  const n = Number(r.stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
})();

/**
 * Waits until no TSM compaction or cache snapshot is running on the server (three quiet
 * polls in a row), at most `maxMs`. Returns the seconds waited.
 */
export async function waitQuiet(server: Server, maxMs = 60_000): Promise<number> {
  const began = Date.now();
  let quiet = 0;
  while (Date.now() - began < maxMs) {
    const stats = await server.http.query("SHOW STATS");
    let active = 0;
    for (const s of stats) {
      if (s.name !== "tsm1_engine") continue;
      s.columns.forEach((c, i) => {
        if (c.endsWith("CompactionsActive")) active += Number(s.values?.[0]?.[i] ?? 0);
      });
    }
    quiet = active === 0 ? quiet + 1 : 0;
    if (quiet >= 3) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  return (Date.now() - began) / 1000;
}

/**
 * CPU seconds all processes of the machine have used since boot (user + nice + system + irq +
 * softirq) and the time the hypervisor ran something else while this machine wanted the CPU
 * (steal), from /proc/stat.
 */
export function machineCpu(): { busy: number; steal: number } | undefined {
  try {
    const first = fs.readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
    const [user, nice, system, , , irq, softirq, steal] = first.trim().split(/\s+/).slice(1).map(Number);
    return {
      busy: ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0)) / CLOCK_TICKS,
      steal: (steal ?? 0) / CLOCK_TICKS,
    };
  } catch {
    return undefined;
  }
}
