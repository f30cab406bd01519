/**
 * One layer retries: a failing request is attempted at most MAX_RETRIES + 1 times in all, and
 * a write that fails is retried by itself, without reading the source window again.
 */
import { freshName, startInflux, type InfluxServer } from "./helpers/influxServer";
import { expectSameAnswer } from "./helpers/compare";
import { HttpProxy, type Exchange } from "./helpers/httpProxy";
import { MINUTE, START } from "./helpers/dataset";
import { backup } from "./helpers/runBackup";

let source: InfluxServer;
let dest: InfluxServer;
let sourceProxy: HttpProxy;
let destProxy: HttpProxy;

beforeAll(async () => {
  [source, dest] = await Promise.all([startInflux(), startInflux()]);
  [sourceProxy, destProxy] = await Promise.all([new HttpProxy(source.url).start(), new HttpProxy(dest.url).start()]);
});
afterAll(async () => {
  await Promise.all([sourceProxy?.stop(), destProxy?.stop()]);
  await Promise.all([source?.stop(), dest?.stop()]);
});
afterEach(() => {
  sourceProxy.intercept = undefined;
  destProxy.intercept = undefined;
});

/** A database of 30 points, one window and one write batch. */
async function seed(): Promise<string> {
  const src = freshName("retry");
  await source.query(`CREATE DATABASE ${src}`);
  const lines = Array.from({ length: 30 }, (_, i) => `m,s=a v=${i}.25,n=${i}i ${START + BigInt(i) * MINUTE}`);
  await source.write(src, lines.join("\n"));
  return src;
}

function envFor(src: string, dst: string): Record<string, string> {
  return {
    SOURCE_URL: sourceProxy.url,
    SOURCE_DBS: src,
    DEST_URL: destProxy.url,
    DEST_DBS: dst,
    SOURCE_GROUP_BY: "raw",
    MAX_RETRIES: "2",
    RETRY_BASE_DELAY: "50ms",
    WRITE_BATCH_SIZE: "1000",
  };
}

/** Answers every write to `db` with 503 while `failing()` says so. */
function failWrites(db: string, failing: () => boolean) {
  return (e: Exchange, res: import("node:http").ServerResponse): boolean => {
    if (e.path !== "/write" || e.db !== db || !failing()) return false;
    res.writeHead(503, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ error: "service unavailable" }));
    return true;
  };
}

/** The reads of the measurement's windows (raw mode: `"v"::field` columns). */
const windowReads = (db: string) => sourceProxy.to("/query", db).filter((e) => e.query?.includes("::field"));

describe("retries", () => {
  it("attempts a write the destination always refuses with 503 exactly MAX_RETRIES + 1 times, reading the source window once", async () => {
    const src = await seed();
    const dst = freshName("retry_b");
    const writesBefore = destProxy.to("/write", dst).length;
    destProxy.intercept = failWrites(dst, () => true);

    const { summary } = await backup(envFor(src, dst));

    expect(summary.ok).toBe(false);
    expect(destProxy.to("/write", dst).length - writesBefore).toBe(3);
    expect(windowReads(src)).toHaveLength(1);
  });

  it("copies exactly when the destination answers 503 twice and then recovers", async () => {
    const src = await seed();
    const dst = freshName("retry_c");
    let refused = 0;
    destProxy.intercept = failWrites(dst, () => refused++ < 2);

    const { summary } = await backup(envFor(src, dst));

    expect(summary.ok).toBe(true);
    expect(refused).toBeGreaterThanOrEqual(3);
    expect(destProxy.to("/write", dst)).toHaveLength(3);
    expect(windowReads(src)).toHaveLength(1);
    await expectSameAnswer(source, src, dest, dst, "SELECT * FROM /.*/ GROUP BY *");
  });
});
