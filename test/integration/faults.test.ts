/**
 * Faults against real InfluxDB servers: refused points, bodies too large, a destination that
 * goes away for 30 s, connections cut mid-answer, a proxy's HTML error page, a server that
 * never answers. Each run must end with exactly the data an undisturbed run gives, or with
 * a clear failure that names what to fix.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { CPU_FIELDS, DAY, MINUTE, START, cpuLines, writeAll } from "./helpers/dataset";
import { freshName, startInflux, type InfluxServer } from "./helpers/influxServer";
import { expectSameAggregate, expectSameAnswer } from "./helpers/compare";
import { backup } from "./helpers/runBackup";
import { TcpProxy } from "./helpers/tcpProxy";

const exec = promisify(execFile);

let source: InfluxServer;
let dest: InfluxServer;
let proxy: TcpProxy;

beforeAll(async () => {
  [source, dest] = await Promise.all([startInflux(), startInflux()]);
  const u = new URL(dest.url);
  proxy = await new TcpProxy(u.hostname, Number(u.port)).start();
});
afterAll(async () => {
  await proxy?.stop();
  await Promise.all([source?.stop(), dest?.stop()]);
});
afterEach(() => {
  proxy.mode = "pass";
  proxy.cutAfterBytes = undefined;
});

/** Backup env through the proxy to the destination; fast retries keep the tests short. */
function envFor(src: string, dst: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SOURCE_URL: source.url,
    SOURCE_DBS: src,
    DEST_URL: proxy.url,
    DEST_DBS: dst,
    SOURCE_GROUP_BY: "raw",
    RETRY_BASE_DELAY: "200ms",
    TIMEOUT_CLIENT: "3",
    ...extra,
  };
}

const expectIdentical = (src: string, dst: string, from = "/.*/") =>
  expectSameAnswer(source, src, dest, dst, `SELECT * FROM ${from} GROUP BY *`);

async function seed(points = 3n * DAY, step = 2n * MINUTE): Promise<string> {
  const src = freshName("fault");
  await source.query(`CREATE DATABASE ${src}`);
  await writeAll((l) => source.write(src, l), cpuLines({ end: START + points, stepNs: step, seed: 21 }));
  return src;
}

describe("faults", () => {
  it("isolates points the destination refuses, keeps the others, and reports them by measurement and field", async () => {
    const src = freshName("conflict");
    const dst = freshName("conflict_b");
    await source.query(`CREATE DATABASE ${src}`);
    const lines: string[] = [];
    for (let i = 0n; i < 40n; i++) {
      lines.push(`m,s=a v=${i}.5 ${START + i * MINUTE}`); // float on the source
      lines.push(`m,s=b w=${i}i ${START + i * MINUTE}`);
    }
    await source.write(src, lines.join("\n"));
    // The destination already holds v as an integer in the same shard: a type conflict.
    await dest.query(`CREATE DATABASE ${dst}`);
    await dest.write(dst, `m,s=z v=1i ${START - MINUTE}`);

    const { summary } = await backup(envFor(src, dst, { WRITE_BATCH_SIZE: "16" }));

    expect(summary.ok).toBe(false);
    expect(summary.failures).toHaveLength(1);
    expect(summary.failures[0]!.message).toMatch(
      /refused 40 point\(s\) \(field "v" of measurement "m"\).*field type conflict/,
    );
    expect(summary.failures[0]!.measurement).toBe("m");
    // Every accepted point is there; nothing else is missing.
    const w = await dest.query(`SELECT count(w) FROM m`, dst);
    expect(w.results[0]!.series![0]!.values![0]![1]).toBe(40);
  });

  it("shrinks batches that are too large for the destination (HTTP 413) instead of failing", async () => {
    const small = await startInflux({ INFLUXDB_HTTP_MAX_BODY_SIZE: "6000" });
    try {
      const src = await seed(DAY / 4n);
      const dst = freshName("small_b");
      const { summary } = await backup({ ...envFor(src, dst), DEST_URL: small.url, WRITE_BATCH_SIZE: "5000" });
      expect(summary.failures).toEqual([]);
      const q = `SELECT * FROM cpu GROUP BY *`;
      expect(await small.queryText(q, dst)).toBe(await source.queryText(q, src));
    } finally {
      await small.stop();
    }
  });

  it("survives a destination that is unreachable for 30 s in the middle of a backup", async () => {
    const src = await seed(4n * DAY, MINUTE);
    const dst = freshName("outage_b");
    let outage: Promise<void> | undefined;
    const { summary, log } = await backup(envFor(src, dst, { DAYS_OF_PAGINATION: "0.5", RETRY_BASE_DELAY: "1s" }), {
      onLog: (text) => {
        if (!outage && text.includes("window ")) {
          proxy.mode = "refuse";
          proxy.dropAll();
          outage = new Promise((resolve) =>
            setTimeout(() => {
              proxy.mode = "pass";
              resolve();
            }, 30_000),
          );
        }
      },
    });
    await outage;
    expect(summary.failures).toEqual([]);
    expect(log).toMatch(/WARNING .*retry 1\/5/);
    await expectIdentical(src, dst, "cpu");
  }, 180_000);

  it("survives a destination restart in the middle of a backup", async () => {
    // A destination of its own: a restarted container may come back on another host port.
    const own = await startInflux();
    const u = new URL(own.url);
    const ownProxy = await new TcpProxy(u.hostname, Number(u.port)).start();
    try {
      const src = await seed(3n * DAY, MINUTE);
      const dst = freshName("restart_b");
      let restarted: Promise<unknown> | undefined;
      const { summary } = await backup(
        { ...envFor(src, dst, { DAYS_OF_PAGINATION: "0.5" }), DEST_URL: ownProxy.url },
        {
          onLog: (text) => {
            if (!restarted && text.includes("window ")) {
              restarted = (async () => {
                ownProxy.mode = "refuse";
                ownProxy.dropAll();
                await exec("docker", ["restart", "-t", "2", own.container.getId()]);
                const { stdout } = await exec("docker", ["port", own.container.getId(), "8086/tcp"]);
                ownProxy.upstreamPort = Number(stdout.trim().split("\n")[0]!.split(":").pop());
                ownProxy.mode = "pass";
              })();
            }
          },
        },
      );
      await restarted;
      expect(summary.failures).toEqual([]);
      const q = `SELECT * FROM cpu GROUP BY *`;
      const res = await fetch(`${ownProxy.url}/query?db=${dst}`, { method: "POST", body: new URLSearchParams({ q }) });
      expect(await res.text()).toBe(await source.queryText(q, src));
    } finally {
      await ownProxy.stop();
      await own.stop();
    }
  }, 180_000);

  it("survives connections cut in the middle of answers", async () => {
    const src = await seed(2n * DAY, MINUTE);
    const dst = freshName("cut_b");
    // Cut the source side too: put a proxy in front of it and cut its streamed answers.
    const s = new URL(source.url);
    const sourceProxy = await new TcpProxy(s.hostname, Number(s.port)).start();
    try {
      let cuts = 0;
      const { summary, log } = await backup(
        { ...envFor(src, dst, { DAYS_OF_PAGINATION: "0.5" }), SOURCE_URL: sourceProxy.url },
        {
          onLog: (text) => {
            // Once planned (the first copy asks for the shard groups last), and again after each
            // retry: the window answers that follow are cut, three times in all.
            if ((text.includes("SHOW SHARDS") || text.includes(" retry ")) && cuts < 3) {
              cuts++;
              sourceProxy.cutAfterBytes = 20_000;
              proxy.dropAll();
            }
          },
        },
      );
      expect(sourceProxy.cuts).toBeGreaterThan(1);
      expect(summary.failures).toEqual([]);
      expect(log).toMatch(/WARNING .*(broke off|retry)/);
      await expectIdentical(src, dst, "cpu");
    } finally {
      await sourceProxy.stop();
    }
  }, 120_000);

  it("copies answers that trickle in (a slow network or server), raw and aggregated, exactly", async () => {
    // The reader pauses the socket between small pieces (client.ts, TRICKLE_*): nothing may be lost or repeated.
    const src = await seed(DAY, MINUTE);
    const s = new URL(source.url);
    const sourceProxy = await new TcpProxy(s.hostname, Number(s.port)).start();
    sourceProxy.trickle = { bytes: 1400, ms: 1 };
    try {
      const raw = freshName("trickle_raw");
      const { summary } = await backup({ ...envFor(src, raw), SOURCE_URL: sourceProxy.url });
      expect(summary.failures).toEqual([]);
      await expectIdentical(src, raw, "cpu");
      const sliced = sourceProxy.trickled;
      expect(sliced).toBeGreaterThan(50);

      const agg = freshName("trickle_5m");
      const run = await backup({ ...envFor(src, agg, { SOURCE_GROUP_BY: "5m" }), SOURCE_URL: sourceProxy.url });
      expect(run.summary.failures).toEqual([]);
      expect(sourceProxy.trickled - sliced).toBeGreaterThan(10);
      await expectSameAggregate(source, src, dest, agg, "cpu", CPU_FIELDS);
    } finally {
      await sourceProxy.stop();
    }
  }, 120_000);

  it("retries an HTML error page from a reverse proxy and reports it clearly when it persists", async () => {
    const src = await seed(DAY / 8n);
    const dst = freshName("html_b");
    proxy.mode = "html502";
    const { summary } = await backup(envFor(src, dst, { MAX_RETRIES: "1" }));
    expect(summary.ok).toBe(false);
    expect(summary.failures[0]!.message).toMatch(/HTTP 502 .*an HTML page \(text\/html\), probably from a proxy/);
    proxy.mode = "pass";
    expect((await backup(envFor(src, dst))).summary.ok).toBe(true);
    await expectIdentical(src, dst, "cpu");
  }, 60_000);

  it("gives up on a server that accepts connections and never answers, naming the timeout", async () => {
    const src = await seed(DAY / 8n);
    proxy.mode = "blackhole";
    const began = Date.now();
    const { summary } = await backup(envFor(src, freshName("hang_b"), { MAX_RETRIES: "1", TIMEOUT_CLIENT: "1" }));
    expect(summary.ok).toBe(false);
    expect(summary.failures[0]!.message).toMatch(
      /destination InfluxDB at http:\/\/127\.0\.0\.1:\d+ did not answer within 1s/,
    );
    expect(Date.now() - began).toBeLessThan(20_000);
  }, 60_000);
});
