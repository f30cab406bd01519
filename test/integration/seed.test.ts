/**
 * Seeding through InfluxDB's RPC snapshot protocol, against real servers with the RPC bind
 * address set: a first raw backup streamed shard by shard, checked, then incremental over
 * HTTP; a run killed during the seed completed by the next; every fallback to HTTP said in
 * one line; a seeded restore.
 */
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { DAY, MINUTE, NS, cpuLines, eventLines, writeAll } from "./helpers/dataset";
import { freshName, startInflux, type InfluxServer } from "./helpers/influxServer";
import { expectSameAnswer } from "./helpers/compare";
import { backup, restore } from "./helpers/runBackup";
import { startProgram, runProgram, tempDir, waitFor } from "./helpers/program";

let source: InfluxServer;
let dest: InfluxServer;
beforeAll(async () => {
  // The source writes its cache to TSM files after a second without writes, so that a delete leaves a tombstone.
  [source, dest] = await Promise.all([
    startInflux({ INFLUXDB_DATA_CACHE_SNAPSHOT_WRITE_COLD_DURATION: "1s" }, { rpc: true }),
    startInflux({}, { rpc: true }),
  ]);
});
afterAll(async () => {
  await Promise.all([source?.stop(), dest?.stop()]);
});

const nowNs = () => BigInt(Date.now()) * 1_000_000n;
/** Three weeks ago, off any boundary: several 7-day shard groups. */
const BEGIN = (nowNs() / DAY - 21n) * DAY + 123_456_789n;

/** Two retention policies (one with 1-hour shards), int64 beyond 2^53, every type, a delete before the seed, points of the last minute. */
async function primary(db: string): Promise<void> {
  await source.query(`CREATE DATABASE ${db}`);
  await source.query(`CREATE RETENTION POLICY "hourly" ON "${db}" DURATION 52w REPLICATION 1 SHARD DURATION 1h`);
  await writeAll(
    (l) => source.write(db, l),
    cpuLines({ start: BEGIN, end: nowNs() - 10n * MINUTE, stepNs: 97n * MINUTE }),
  );
  await writeAll(
    (l) => source.write(db, l, "hourly"),
    eventLines(nowNs() - DAY, nowNs() - 6n * 60n * MINUTE, 13n * MINUTE),
  );
  await source.write(db, `big,k=v i=9223372036854775807i,j=-9007199254740993i ${BEGIN + 1n}`);
  await source.write(db, `big,k=v i=9007199254740993i ${nowNs() - 30n * NS}`);
  await flushed(db);
  await source.query(`DELETE FROM "cpu" WHERE "host" = 'h2' AND time < ${BEGIN + 8n * DAY}`, db);
}

/** Every shard of the database has written its cache to a TSM file. */
async function flushed(db: string): Promise<void> {
  const script = `cd /var/lib/influxdb/data/${db} && for d in autogen/*/ hourly/*/; do ls $d | grep -q tsm || exit 1; done`;
  await waitFor(
    async () => ((await source.container.exec(["sh", "-c", script])).exitCode === 0 ? true : undefined),
    "the source's cache written to TSM files",
  );
}

const rpcEnv = (src: string, dst: string, extra: Record<string, string> = {}) => ({
  SOURCE_URL: source.url,
  SOURCE_DBS: src,
  DEST_URL: dest.url,
  DEST_DBS: dst,
  SOURCE_GROUP_BY: "raw",
  SOURCE_RPC_ADDRESS: source.rpcAddress!,
  DEST_RPC_ADDRESS: dest.rpcAddress!,
  ...extra,
});

async function expectSameData(src: string, dst: string, target = dest, from = source): Promise<void> {
  for (const rp of ["autogen", "hourly"])
    await expectSameAnswer(from, src, target, dst, `SELECT * FROM "${rp}"./.*/ GROUP BY *`);
}

describe("seeding through the RPC port", () => {
  const db = freshName("seed");
  const copy = freshName("seed_copy");

  it("seeds a first raw backup exactly (renamed, DEST_RETENTION), then copies only what is new over HTTP", async () => {
    await primary(db);
    const first = await backup(rpcEnv(db, copy, { DEST_RETENTION: "hourly:INF" }));
    expect(first.summary.ok).toBe(true);
    expect(first.log).toMatch(/seeding .* through InfluxDB's RPC snapshot protocol .* no authentication/);
    expect(first.log).toMatch(/differs from the source \(cpu count_/); // the delete's tombstone was not applied
    expect(first.log).toMatch(/checked against the source/);
    await expectSameData(db, copy);
    const rps = await dest.queryText(`SHOW RETENTION POLICIES ON "${copy}"`);
    expect(rps).toContain('["hourly","0s","1h0m0s",1,false]');

    await source.write(db, `big,k=v i=9223372036854775806i ${nowNs() - 5n * NS}\nbig,k=w i=1i ${nowNs() - 4n * NS}`);
    const second = await backup(rpcEnv(db, copy));
    expect(second.summary.ok).toBe(true);
    expect(second.log).not.toMatch(/INFO\s+(not )?seeding/);
    expect(second.summary.pointsRead).toBeLessThanOrEqual(3);
    await expectSameData(db, copy);
  });

  it("restores a whole database into a target that does not hold it, seeded, with the source's retention policies", async () => {
    const back = freshName("seed_restored");
    const run = await restore({
      ...rpcEnv(back, copy),
      RESTORE_URL: source.url,
      RESTORE_RPC_ADDRESS: source.rpcAddress!,
    });
    expect(run.summary.ok).toBe(true);
    expect(run.log).toMatch(/seeding .* through InfluxDB's RPC snapshot protocol/);
    await expectSameData(copy, back, source, dest);
    const rps = await source.queryText(`SHOW RETENTION POLICIES ON "${back}"`);
    expect(rps).toContain('["hourly","8736h0m0s","1h0m0s",1,false]');
  });
});

describe("falling back to HTTP, in one line saying why", () => {
  const closedPort = async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise((r) => srv.close(r));
    return `127.0.0.1:${port}`;
  };

  it.each([
    ["aggregated mode", { SOURCE_GROUP_BY: "5m" }, /SOURCE_GROUP_BY aggregates/],
    ["a measurement filter", { MEASUREMENTS: "cpu,big,events" }, /MEASUREMENTS/],
    ["a rename", { MEASUREMENT_RENAMES: "cpu:processor" }, /RENAMES/],
  ])("%s", async (_what, extra, reason) => {
    const db = freshName("fb");
    await primary(db);
    const run = await backup(rpcEnv(db, freshName("fb_copy"), extra));
    expect(run.summary.ok).toBe(true);
    expect(run.log.match(/not seeding/g)).toHaveLength(1);
    expect(run.log).toMatch(reason);
    expect(run.log).not.toMatch(/INFO\s+seeding/);
  });

  it("a destination database that exists, and an RPC port that does not answer, copying exactly over HTTP", async () => {
    const db = freshName("fb");
    await primary(db);
    const existing = freshName("fb_copy");
    await dest.query(`CREATE DATABASE ${existing}`);
    const run = await backup(rpcEnv(db, existing));
    expect(run.log).toMatch(/not seeding .*: the destination database exists already; copying over HTTP/);
    await expectSameData(db, existing);

    const unreachable = freshName("fb_copy");
    const run2 = await backup(rpcEnv(db, unreachable, { DEST_RPC_ADDRESS: await closedPort() }));
    expect(run2.summary.ok).toBe(true);
    expect(run2.log).toMatch(/not seeding .*: the server imported nothing|not seeding .*cannot reach/);
    await expectSameData(db, unreachable);
  });

  it("a server that refuses a request (answers nothing) leaves the copy to HTTP", async () => {
    const refusing = net.createServer((socket) => {
      socket.once("data", () => socket.end());
      socket.on("error", () => undefined);
    });
    await new Promise<void>((r) => refusing.listen(0, "127.0.0.1", r));
    try {
      const db = freshName("fb");
      await primary(db);
      const copyDb = freshName("fb_copy");
      const run = await backup(
        rpcEnv(db, copyDb, {
          SOURCE_RPC_ADDRESS: `127.0.0.1:${(refusing.address() as net.AddressInfo).port}`,
        }),
      );
      expect(run.summary.ok).toBe(true);
      expect(run.log).toMatch(/not seeding .*answered MetastoreBackup with nothing: it refused the request/);
      await expectSameData(db, copyDb);
    } finally {
      await new Promise((r) => refusing.close(r));
    }
  });
});

describe("a seed killed with kill -9", () => {
  it("is completed exactly by the next run", async () => {
    const db = freshName("kill");
    const copyDb = freshName("kill_copy");
    await primary(db);
    // Many 1-hour shards, so that the kill lands while shards are still being streamed.
    await writeAll((l) => source.write(db, l, "hourly"), eventLines(nowNs() - 5n * DAY, nowNs() - DAY, 7n * MINUTE));
    const stateDir = tempDir("influxdb-backup-seed-state-");
    const env = { ...rpcEnv(db, copyDb), STATE_DIR: stateDir, LOG_LEVEL: "DEBUG", HEALTH_PORT: "0", CONCURRENCY: "1" };
    const program = startProgram(env);
    await program.waitForOutput(/seeded shard \d+ of/);
    program.child.kill("SIGKILL");
    await program.exited;
    expect(fs.readFileSync(path.join(stateDir, "seed.json"), "utf8")).toContain("hourly");

    const next = await runProgram({ ...env, LOG_LEVEL: "INFO" });
    expect(next.code).toBe(0);
    expect(next.output).toMatch(/completing the seed of .* that an earlier run began/);
    await expectSameData(db, copyDb);
    expect(JSON.parse(fs.readFileSync(path.join(stateDir, "seed.json"), "utf8"))).toEqual({ version: 1, seeds: {} });
  });
});
