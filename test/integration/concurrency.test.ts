/**
 * Non-default CONCURRENCY and WRITE_CONCURRENCY against real servers: the copy stays exact, and
 * WRITE_CONCURRENCY bounds the write requests in flight per measurement, counted at an HTTP
 * proxy in front of the destination that holds each write's answer a little (a slow destination),
 * so that writes pile up to the bound.
 */
import { DAY, MINUTE, cpuLines, writeAll } from "./helpers/dataset";
import { freshName, startInflux, type InfluxServer } from "./helpers/influxServer";
import { expectSameAnswer } from "./helpers/compare";
import { backup } from "./helpers/runBackup";
import { HttpProxy } from "./helpers/httpProxy";
import { START } from "./helpers/dataset";

let source: InfluxServer;
let dest: InfluxServer;
let proxy: HttpProxy;
let src: string;
const MEASUREMENTS = ["cpu", "m1", "m2", "m3"];

beforeAll(async () => {
  [source, dest] = await Promise.all([startInflux(), startInflux()]);
  proxy = await new HttpProxy(dest.url).start();
  proxy.holdWritesMs = 40;
  src = freshName("conc");
  await source.query(`CREATE DATABASE ${src}`);
  const lines = cpuLines({ end: START + DAY / 2n, stepNs: 2n * MINUTE, seed: 4 });
  for (const m of MEASUREMENTS)
    await writeAll(
      (l) => source.write(src, l),
      lines.map((l) => m + l.slice(3)),
    );
});
afterAll(async () => {
  await proxy?.stop();
  await Promise.all([source?.stop(), dest?.stop()]);
});

/** The most writes into `dst` that were in flight at once, from the proxy's record of each. */
function mostInFlight(dst: string): number {
  const events = proxy
    .to("/write", dst)
    .flatMap((w) => [
      { at: w.sentAt, d: 1 },
      { at: w.answeredAt!, d: -1 },
    ])
    .sort((a, b) => a.at - b.at || a.d - b.d);
  let now = 0;
  let most = 0;
  for (const e of events) most = Math.max(most, (now += e.d));
  return most;
}

describe.each([
  { concurrency: 4, writeConcurrency: 1 },
  { concurrency: 4, writeConcurrency: 8 },
  { concurrency: 1, writeConcurrency: 8 },
])("CONCURRENCY=$concurrency, WRITE_CONCURRENCY=$writeConcurrency", ({ concurrency, writeConcurrency }) => {
  it("copies exactly, with at most WRITE_CONCURRENCY writes in flight per measurement", async () => {
    const dst = freshName("conc_b");
    const { summary } = await backup({
      SOURCE_URL: source.url,
      SOURCE_DBS: src,
      DEST_URL: proxy.url,
      DEST_DBS: dst,
      SOURCE_GROUP_BY: "raw",
      CONCURRENCY: String(concurrency),
      WRITE_CONCURRENCY: String(writeConcurrency),
      WRITE_BATCH_SIZE: "50",
    });
    expect(summary.failures).toEqual([]);
    for (const m of MEASUREMENTS) await expectSameAnswer(source, src, dest, dst, `SELECT * FROM ${m} GROUP BY *`);
    const most = mostInFlight(dst);
    expect(most).toBeLessThanOrEqual(concurrency * writeConcurrency);
    // The bound is reached: writes of one measurement overlap, and measurements are copied side by side.
    if (concurrency === 1) expect(most).toBe(writeConcurrency);
    else expect(most).toBeGreaterThan(writeConcurrency);
  });
});
