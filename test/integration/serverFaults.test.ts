/**
 * What servers say or do that the docs promise to handle ("What happens when…" in
 * docs/how-it-works.md), against real InfluxDB servers behind an HTTP proxy that injects the
 * fault: a 429 with Retry-After, bodies too large (413), a pause in the middle of a streamed
 * answer, points older than the destination's retention policy.
 */
import { DAY, MINUTE, NS, START, cpuLines, writeAll } from "./helpers/dataset";
import { freshName, startInflux, type InfluxServer } from "./helpers/influxServer";
import { expectSameAnswer } from "./helpers/compare";
import { backup } from "./helpers/runBackup";
import { HttpProxy } from "./helpers/httpProxy";

let source: InfluxServer;
let dest: InfluxServer;
let sourceProxy: HttpProxy;
let destProxy: HttpProxy;

beforeAll(async () => {
  [source, dest] = await Promise.all([startInflux(), startInflux()]);
  sourceProxy = await new HttpProxy(source.url).start();
  destProxy = await new HttpProxy(dest.url).start();
});
afterAll(async () => {
  await Promise.all([sourceProxy?.stop(), destProxy?.stop()]);
  await Promise.all([source?.stop(), dest?.stop()]);
});
afterEach(() => {
  for (const p of [sourceProxy, destProxy]) {
    p.intercept = undefined;
    p.pause = undefined;
  }
});

/** Both servers through their proxies, raw, fast retries. */
function envFor(src: string, dst: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SOURCE_URL: sourceProxy.url,
    SOURCE_DBS: src,
    DEST_URL: destProxy.url,
    DEST_DBS: dst,
    SOURCE_GROUP_BY: "raw",
    RETRY_BASE_DELAY: "100ms",
    ...extra,
  };
}

const everything = `SELECT * FROM /.*/ GROUP BY *`;

async function seed(points = DAY, step = MINUTE): Promise<string> {
  const src = freshName("srvfault");
  await source.query(`CREATE DATABASE ${src}`);
  await writeAll((l) => source.write(src, l), cpuLines({ end: START + points, stepNs: step, seed: 9 }));
  return src;
}

describe("server faults", () => {
  it("waits as long as a 429's Retry-After says before writing again, and the copy is exact", async () => {
    const src = await seed(DAY / 4n);
    const dst = freshName("srv429_b");
    let refused: (typeof destProxy.exchanges)[number] | undefined;
    destProxy.intercept = (e, res) => {
      if (refused || e.path !== "/write" || e.db !== dst) return false;
      refused = e;
      res.writeHead(429, { "Content-Type": "application/json", "Retry-After": "2" });
      res.end(JSON.stringify({ error: "too many requests" }));
      return true;
    };
    const { summary, log } = await backup(envFor(src, dst));
    expect(summary.failures).toEqual([]);
    expect(log).toMatch(/WARNING .*HTTP 429.*retry 1\/5 in 2\.0s/);
    // The same body again, no sooner than 2 s after the 429 (RETRY_BASE_DELAY alone would wait 0.1-0.15 s).
    const again = destProxy.exchanges.find((e) => e !== refused && e.db === dst && e.bytes === refused!.bytes);
    expect(again).toBeDefined();
    expect(again!.sentAt - refused!.answeredAt!).toBeGreaterThanOrEqual(1_900);
    await expectSameAnswer(source, src, dest, dst, everything);
  });

  it("halves a batch the destination finds too large (413) until it fits, and sends nothing that large again", async () => {
    const small = await startInflux({ INFLUXDB_HTTP_MAX_BODY_SIZE: "6000" });
    const smallProxy = await new HttpProxy(small.url).start();
    try {
      const src = await seed(DAY / 2n);
      const dst = freshName("srv413_b");
      const { summary } = await backup({
        ...envFor(src, dst, { DAYS_OF_PAGINATION: "0.125", WRITE_BATCH_SIZE: "5000", WRITE_CONCURRENCY: "1" }),
        DEST_URL: smallProxy.url,
      });
      expect(summary.failures).toEqual([]);
      const writes = smallProxy.to("/write", dst);
      expect(writes.filter((w) => w.status === 413).length).toBeGreaterThan(0);
      // One write at a time: each request was sent after the answers to all before it.
      let refusedAt = Infinity;
      const tooLarge: string[] = [];
      writes.forEach((w, i) => {
        if (w.lines >= refusedAt) tooLarge.push(`write ${i}: ${w.lines} lines after ${refusedAt} were refused`);
        if (w.status === 413) refusedAt = Math.min(refusedAt, w.lines);
      });
      expect(tooLarge).toEqual([]);
      // Later windows were written in batches that fit, at the first try.
      expect(writes.at(-1)!.status).toBe(204);
      expect(await small.queryText(everything, dst)).toBe(await source.queryText(everything, src));
    } finally {
      await smallProxy.stop();
      await small.stop();
    }
  });

  it("abandons an answer that pauses longer than TIMEOUT_CLIENT, reads the window again, and copies exactly", async () => {
    const src = await seed();
    const dst = freshName("srvpause_b");
    sourceProxy.pause = { matches: () => sourceProxy.pauses === 0, afterBytes: 20_000, ms: 5_000 };
    const pausesBefore = sourceProxy.pauses;
    const { summary, log } = await backup(envFor(src, dst, { TIMEOUT_CLIENT: "2" }));
    expect(sourceProxy.pauses).toBe(pausesBefore + 1);
    expect(summary.failures).toEqual([]);
    expect(log).toMatch(/WARNING .*source InfluxDB at \S+ stopped sending for 2s.*retry 1\/5/);
    await expectSameAnswer(source, src, dest, dst, everything);
  });

  it("fails clearly, naming the silence, when every answer pauses longer than TIMEOUT_CLIENT", async () => {
    const src = await seed(DAY / 4n);
    sourceProxy.pauses = 0;
    sourceProxy.pause = { matches: () => true, afterBytes: 20_000, ms: 5_000 };
    const { summary } = await backup(envFor(src, freshName("srvpause2_b"), { TIMEOUT_CLIENT: "2", MAX_RETRIES: "1" }));
    expect(summary.ok).toBe(false);
    expect(sourceProxy.pauses).toBe(2);
    expect(summary.failures.map((f) => f.message)).toEqual([
      expect.stringMatching(/source InfluxDB at http:\/\/127\.0\.0\.1:\d+ stopped sending for 2s/),
    ]);
  });

  it("counts and warns about points the destination drops as older than its retention policy, and keeps the others", async () => {
    const src = freshName("srvrp");
    const dst = freshName("srvrp_b");
    await source.query(`CREATE DATABASE ${src}`);
    // A policy the destination does not have yet, so it is created with DEST_RETENTION's duration.
    await source.query(`CREATE RETENTION POLICY "keep" ON "${src}" DURATION INF REPLICATION 1 DEFAULT`);
    const now = BigInt(Date.now()) * 1_000_000n;
    const old = Array.from({ length: 30 }, (_, i) => `m,host=a v=${i}.5 ${START + BigInt(i) * MINUTE}`);
    const recent = Array.from({ length: 20 }, (_, i) => `m,host=a v=${i}.25 ${now - 30n * MINUTE + BigInt(i) * NS}`);
    await source.write(src, [...old, ...recent].join("\n"));
    const { summary, log } = await backup(envFor(src, dst, { DEST_RETENTION: "1h" }));
    expect(summary.failures).toEqual([]);
    expect(summary.ok).toBe(true);
    expect(summary.pointsWritten).toBe(20);
    expect(log).toMatch(
      new RegExp(
        `INFO .*wrote 20 points[^]*WARNING .*${src}\\.keep\\.m: the destination dropped 30 point\\(s\\) older than its retention policy keep`,
      ),
    );
    const q = `SELECT * FROM m WHERE time > now() - 1h GROUP BY *`;
    await expectSameAnswer(source, src, dest, dst, q);
    expect(await dest.queryText(`SELECT count(v) FROM m`, dst)).toMatch(/"values":\[\["[^"]+",20\]\]/);
  });
});
