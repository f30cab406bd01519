/**
 * Raw mode (SOURCE_GROUP_BY=raw) against real InfluxDB servers: every point copied exactly,
 * compared as the servers' own JSON text (RFC3339 nanosecond times, exact int64 digits).
 */
import { InfluxError } from "../../src/errors";
import { InfluxClient } from "../../src/influx/client";
import { DAY, MINUTE, START, cpuLines, rng, writeAll } from "./helpers/dataset";
import { fieldTypes, freshName, type InfluxServer } from "./helpers/influxServer";
import { useServerPair } from "./helpers/serverPair";
import { actualPoints, expectSameAnswer } from "./helpers/compare";
import { backup } from "./helpers/runBackup";
import { TcpProxy } from "./helpers/tcpProxy";

const SECOND = 1_000_000_000n;

const servers = useServerPair("raw");
const envFor = servers.envFor;
let source: InfluxServer;
let dest: InfluxServer;
beforeAll(() => {
  ({ source, dest } = servers);
});

const expectIdentical = (src: string, dst: string, from = "/.*/") =>
  expectSameAnswer(source, src, dest, dst, `SELECT * FROM ${from} GROUP BY *`);

describe("raw backup", () => {
  it("copies every point exactly: nanosecond times, int64 extremes, floats, strings, booleans, tags", async () => {
    const src = freshName("raw");
    const dst = freshName("raw_b");
    await source.query(`CREATE DATABASE ${src}`);
    await source.write(
      src,
      [
        `exact,host=a i=9223372036854775807i,f=0.1,s="x",b=true 1704067200123456789`,
        `exact,host=a i=-9223372036854775808i,f=1e+300,s="",b=false 1704067200123456790`,
        `exact,host=b i=9007199254740993i,f=5,s="five" 1`,
        `exact,host=b f=-0.000001 -1000000000123`,
      ].join("\n"),
    );
    const { summary } = await backup(envFor(src, dst));
    expect(summary.ok).toBe(true);
    await expectIdentical(src, dst);
    // 5 and 5.0 look alike in JSON: the type comes from the schema, so f stays float.
    expect(await fieldTypes(dest, dst, `"exact"`)).toEqual({
      "exact.b": "boolean",
      "exact.f": "float",
      "exact.i": "integer",
      "exact.s": "string",
    });
  });

  it("copies random doubles bit for bit: full precision, short decimals, tiny, huge, subnormal, next to powers of ten", async () => {
    const seed = Number(process.env.FLOAT_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const random = rng(seed);
    const f64 = new Float64Array(1);
    const u32 = new Uint32Array(f64.buffer);
    const values: number[] = [];
    for (let i = 0; values.length < 20000; i++) {
      u32[0] = random() * 2 ** 32;
      u32[1] = random() * 2 ** 32;
      const kinds = [
        f64[0]!, // any bit pattern: subnormals, huge, tiny
        random() * 10 ** (Math.floor(random() * 24) - 8),
        Math.round(random() * 1e7) / 10 ** Math.floor(random() * 10),
        10 ** (Math.floor(random() * 30) - 10) * (1 + (Math.floor(random() * 5) - 2) * Number.EPSILON),
        -(50 + 45 * Math.sin(i)),
      ];
      for (const v of kinds) if (Number.isFinite(v)) values.push(v);
    }
    const src = freshName("floats");
    const dst = freshName("floats_b");
    await source.query(`CREATE DATABASE ${src}`);
    // Written with JavaScript's own shortest text, which reads back exactly.
    const lines = values.map((v, i) => `floats v=${String(v)} ${START + BigInt(i) * 1_000_000_000n}`);
    for (let i = 0; i < lines.length; i += 5000) await source.write(src, lines.slice(i, i + 5000).join("\n"));
    const { summary } = await backup(envFor(src, dst));
    expect(summary.ok).toBe(true);
    expect(summary.pointsWritten).toBe(values.length);
    // InfluxDB's JSON has the shortest text of each double: equal text is equal bits.
    const q = `SELECT v FROM floats`;
    const copied = await dest.queryText(q, dst);
    if (copied !== (await source.queryText(q, src))) {
      throw new Error(`a float did not come back bit for bit (replay with FLOAT_SEED=${seed})`);
    }
    expect(copied).toContain(`"values"`);
  });

  it("round-trips hostile names and values: spaces, commas, quotes, equals signs, unicode, newlines in strings", async () => {
    const src = freshName("names");
    const dst = freshName("names_b");
    await source.query(`CREATE DATABASE ${src}`);
    await source.write(
      src,
      [
        `my\\ measurement\\,with\\ comma,tag\\ key=va\\=l\\,ue\\ x field\\ key="a \\"quoted\\" \\\\ back\nslash" 1000`,
        `x";\\ DROP\\ DATABASE\\ "y,t=1 v=1 2000`,
        `ünïcødé\\ 温度,città=Zürich températur=21.5 3000`,
        `quote'single,t='q' v="it's" 4000`,
      ].join("\n"),
    );
    const measurements = (await source.query(`SHOW MEASUREMENTS`, src)).results[0]!.series![0]!.values!.flat();
    expect(measurements).toContain('x"; DROP DATABASE "y');
    const { summary } = await backup(envFor(src, dst));
    expect(summary.failures).toEqual([]);
    await expectIdentical(src, dst);
    // The aggregated path quotes the same names.
    const agg = freshName("names_agg");
    expect((await backup(envFor(src, agg, { SOURCE_GROUP_BY: "1m" }))).summary.ok).toBe(true);
    const rows = await dest.query(`SELECT * FROM "my measurement,with comma" GROUP BY *`, agg);
    expect(rows.results[0]!.series![0]!.tags).toEqual({ "tag key": "va=l,ue x" });
    expect(rows.results[0]!.series![0]!.values).toEqual([["1970-01-01T00:00:00Z", 'a "quoted" \\ back\nslash']]);
    // The injection-looking name did nothing to the server.
    expect((await source.query(`SHOW DATABASES`)).results[0]!.series![0]!.values!.flat()).toContain(src);
  });

  it("reads big answers in several chunks and across windows without losing a point", async () => {
    const src = freshName("big");
    const dst = freshName("big_b");
    await source.query(`CREATE DATABASE ${src}`);
    // 3 series × ~12,000 points: more than one 10,000-row chunk per window.
    await writeAll(
      (l) => source.write(src, l),
      cpuLines({ end: START + 3n * DAY, stepNs: 21n * 1_000_000_000n, seed: 3 }),
    );
    const { summary, log } = await backup(envFor(src, dst, { DAYS_OF_PAGINATION: "1.5" }));
    expect(summary.ok).toBe(true);
    expect(summary.pointsRead).toBeGreaterThan(30000);
    expect(summary.pointsWritten).toBe(summary.pointsRead);
    // Read in windows: every window over the shard group the data is in.
    expect(Number(/windows=(\d+) /.exec(log)?.[1])).toBeGreaterThanOrEqual(3);
    const count = await source.query(`SELECT count(usage), count(state) FROM cpu`, src);
    const copied = await dest.query(`SELECT count(usage), count(state) FROM cpu`, dst);
    expect(copied.results[0]!.series![0]!.values).toEqual(count.results[0]!.series![0]!.values);
    await expectIdentical(src, dst, "cpu");
  });

  it("reads again what lies within a minute of the run's clock, so a point that arrives later at exactly the newest copied time is not skipped", async () => {
    const src = freshName("resume");
    const dst = freshName("resume_b");
    const once = freshName("resume_once");
    await source.query(`CREATE DATABASE ${src}`);
    const t = START + 5n * MINUTE;
    const clock = (ns: bigint) => ({ now: () => Number(ns / 1_000_000n) });
    await source.write(src, [`m,s=a v=1 ${START}`, `m,s=a v=2 ${t}`].join("\n"));
    // The run's clock is 10 s after t: t is within the one-minute margin, where points may still land.
    expect((await backup(envFor(src, dst), clock(t + 10n * SECOND))).summary.ok).toBe(true);
    // Another series gets a point at exactly that time, and later points follow.
    await source.write(src, [`m,s=b v=3 ${t}`, `m,s=a v=4 ${t + 1n}`].join("\n"));
    const second = await backup(envFor(src, dst), clock(t + 20n * SECOND));
    expect(second.summary.ok).toBe(true);
    expect(second.summary.pointsWritten).toBe(3); // the point at t (re-written), b at t, and t+1
    expect((await backup(envFor(src, once))).summary.ok).toBe(true);
    await expectIdentical(src, dst);
    expect(await dest.queryText(`SELECT * FROM /.*/ GROUP BY *`, once)).toBe(
      await dest.queryText(`SELECT * FROM /.*/ GROUP BY *`, dst),
    );
    // Two minutes later, nothing written since: nothing is asked or copied (quiet.ts).
    const idle = await backup(envFor(src, dst), clock(t + 2n * MINUTE));
    expect(idle.summary.ok).toBe(true);
    expect(idle.summary.pointsWritten).toBe(0);
    // Something written to the retention policy (another measurement): what was within the
    // previous run's margin is read once more (3 points, and the new one), then nothing.
    await source.write(src, `other x=1 ${START}`);
    const third = await backup(envFor(src, dst), clock(t + 2n * MINUTE));
    expect(third.summary.pointsWritten).toBe(4);
    const fourth = await backup(envFor(src, dst), clock(t + 2n * MINUTE));
    expect(fourth.summary.ok).toBe(true);
    expect(fourth.summary.pointsWritten).toBe(0);
    await expectIdentical(src, dst);
  });

  it("after a stop in the middle of a first backup, the next run (with or without state) completes it exactly", async () => {
    const src = freshName("stop");
    await source.query(`CREATE DATABASE ${src}`);
    await writeAll(
      (l) => source.write(src, l),
      cpuLines({ end: START + 4n * DAY, stepNs: 60n * 1_000_000_000n, seed: 11 }),
    );
    for (const stateDir of [undefined, "none"]) {
      const dst = freshName("stop_b");
      const controller = new AbortController();
      const env = envFor(src, dst, {
        DAYS_OF_PAGINATION: "0.5",
        WRITE_BATCH_SIZE: "500",
        ...(stateDir ? { STATE_DIR: stateDir } : {}),
      });
      const stopped = await backup(env, {
        signal: controller.signal,
        onLog: (text) => {
          if (text.includes("window ")) controller.abort(); // stop during the second window
        },
      });
      expect(stopped.summary.aborted).toBe(true);
      expect(stopped.summary.failures).toEqual([]);
      // What the stop left is part of the source, point for point (tags, fields, types, ns times).
      const whole = await actualPoints(source, src, "autogen", "cpu");
      const partial = await actualPoints(dest, dst, "autogen", "cpu");
      expect(partial.size).toBeGreaterThan(0); // something was written before the stop
      expect(partial.size).toBeLessThan(whole.size); // and the stop came before the end
      const notInSource = [...partial].filter(([k, fields]) => JSON.stringify(whole.get(k)) !== JSON.stringify(fields));
      expect(notInSource.slice(0, 5)).toEqual([]);
      const resumed = await backup(env);
      expect(resumed.summary.ok).toBe(true);
      await expectIdentical(src, dst, "cpu");
    }
  });

  it("without state, repeats the window a killed run was in, so series it had not reached are not lost", async () => {
    const src = freshName("kill");
    const dst = freshName("kill_b");
    await source.query(`CREATE DATABASE ${src}`);
    await writeAll((l) => source.write(src, l), cpuLines({ end: START + 2n * DAY, stepNs: 5n * MINUTE, seed: 5 }));
    const env = envFor(src, dst, { DAYS_OF_PAGINATION: "1", STATE_DIR: "none" });
    expect((await backup(env)).summary.ok).toBe(true);
    // What a kill in the middle of the last window leaves: series are written one after the
    // other, so h1 is complete there while h2 and h3 are missing.
    const lastWindowStart = (START / DAY + 1n) * DAY;
    await dest.query(`DELETE FROM cpu WHERE host != 'h1' AND time >= ${lastWindowStart}`, dst);
    expect(await dest.queryText(`SELECT count(*) FROM cpu`, dst)).not.toBe(
      await source.queryText(`SELECT count(*) FROM cpu`, src),
    );
    expect((await backup(env)).summary.ok).toBe(true);
    await expectIdentical(src, dst, "cpu");
  });

  it("finds a series that backfills late behind the resume point, with LOOKBACK and with the default digests", async () => {
    const src = freshName("late");
    const withLookback = freshName("late_lb");
    const without = freshName("late_0");
    await source.query(`CREATE DATABASE ${src}`);
    await source.write(src, [0n, 10n, 20n, 30n].map((m) => `m,dev=a v=${m} ${START + m * MINUTE}`).join("\n"));
    expect((await backup(envFor(src, withLookback, { LOOKBACK: "1h" }))).summary.ok).toBe(true);
    expect((await backup(envFor(src, without))).summary.ok).toBe(true);
    // Device b was offline and now sends points older than the newest copied point.
    await source.write(src, `m,dev=b v=-1 ${START + 5n * MINUTE}`);
    expect((await backup(envFor(src, withLookback, { LOOKBACK: "1h" }))).summary.ok).toBe(true);
    expect((await backup(envFor(src, without))).summary.ok).toBe(true);
    await expectIdentical(src, withLookback);
    // Without lookback the late-data digests, over LATE_DATA_HORIZON behind the resume point
    // (not behind the clock: this data is years old), find it.
    await expectIdentical(src, without);
  });

  it("writes gzip-compressed bodies with WRITE_GZIP=true, a fraction of the bytes for the same result", async () => {
    const src = freshName("gz");
    await source.query(`CREATE DATABASE ${src}`);
    await writeAll((l) => source.write(src, l), cpuLines({ end: START + DAY, stepNs: MINUTE, seed: 9 }));
    const u = new URL(dest.url);
    const sent: number[] = [];
    for (const gzip of ["false", "true"]) {
      const proxy = await new TcpProxy(u.hostname, Number(u.port)).start();
      try {
        const dst = freshName(`gz_${gzip}`);
        expect((await backup({ ...envFor(src, dst, { WRITE_GZIP: gzip }), DEST_URL: proxy.url })).summary.ok).toBe(
          true,
        );
        await expectIdentical(src, dst, "cpu");
        sent.push(proxy.bytesUp);
      } finally {
        await proxy.stop();
      }
    }
    expect(sent[1]!).toBeLessThan(sent[0]! / 3);
  });

  it("surfaces an error that arrives inside an HTTP 200 answer", async () => {
    const src = freshName("err");
    await source.query(`CREATE DATABASE ${src}`);
    await source.write(src, `m s="text" ${START}`);
    const client = new InfluxClient({ role: "source", url: new URL(source.url), timeoutMs: 5000 });
    try {
      await expect(client.query(`SELECT mean("s") FROM m`, { db: src })).rejects.toThrow(InfluxError);
      await expect(client.query(`SELECT * FROM m`, { db: "nosuchdb" })).rejects.toThrow(/database not found/);
    } finally {
      client.close();
    }
  });
});
