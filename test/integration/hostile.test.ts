/**
 * Hostile input against real InfluxDB servers: names and values of every kind must reach the
 * destination exactly, or fail loudly, never be changed or dropped in silence.
 *
 * The source is seeded with line protocol written here by hand (InfluxDB 1.x's own escaping
 * rules, not the product's encoder), or with SELECT ... INTO for names that line protocol
 * cannot carry; what the source really stores is checked by reading it back as JSON before
 * the backup runs, and the destination is compared with the source by their own JSON text.
 */
import { actualPoints, diffPoints, expectedAggregate, pointsOf, expectSameAnswer } from "./helpers/compare";
import { DAY, NS, START, writeAll } from "./helpers/dataset";
import { fieldTypes, freshName, seriesOf, type InfluxServer } from "./helpers/influxServer";
import { UnrepresentableError, seriesKey } from "../../src/codec/lineProtocol";
import { backup } from "./helpers/runBackup";
import { useServerPair } from "./helpers/serverPair";

const servers = useServerPair("raw");
const envFor = servers.envFor;
let source: InfluxServer;
let dest: InfluxServer;
beforeAll(() => {
  ({ source, dest } = servers);
});

// --- Line protocol by hand (InfluxDB 1.x rules) --------------------------------------------
/** Measurement: escape commas and spaces. */
const lpMeasurement = (s: string) => s.replace(/[, ]/g, (c) => `\\${c}`);
/** Tag key, tag value, field key: escape commas, equals signs and spaces. */
const lpKey = (s: string) => s.replace(/[,= ]/g, (c) => `\\${c}`);
/** String field value: double-quoted, backslashes and double quotes escaped. */
const lpString = (s: string) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
/** InfluxQL identifier for the test's own queries. */
const ident = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

/** Names that are valid in every position (time is not a valid tag or field key: see below). */
const NAMES = [
  'dq"mid',
  '"dqstart',
  'dqend"',
  'dq""double',
  '"',
  "sq'mid",
  "'sqstart",
  "sqend'",
  "sq''double",
  "'",
  "bs\\mid",
  "\\bsstart",
  "bs\\\\double",
  "\\\\doublestart",
  "comma,mid",
  ",commastart",
  "commaend,",
  ",",
  "eq=mid",
  "=eqstart",
  "eqend=",
  "=",
  "space mid",
  " spacestart",
  "spaceend ",
  "   ",
  "tab\tmid",
  "tabend\t",
  "mixed \"d\" 'q' \\x , = end",
  "àccénts ëü ñ",
  "温度计 測定",
  "😀🚀 emoji 👩‍💻",
  "hash#mid",
  'x"; DROP DATABASE "victim',
  "a' OR '1'='1",
  '")::field FROM "y"; DROP DATABASE "victim" --',
  "/regex/",
  "/.*/",
  "select",
  "from",
  "exact",
  "where",
  "group",
  "default",
];

async function measurementsOf(server: InfluxServer, db: string): Promise<string[]> {
  const answer = await server.query(`SHOW MEASUREMENTS`, db);
  return (seriesOf(answer)[0]?.values ?? []).map((r) => r[0] as string).sort();
}

async function databasesOf(server: InfluxServer): Promise<string[]> {
  return ((await server.query(`SHOW DATABASES`)).results[0]!.series![0]!.values ?? []).map((r) => r[0] as string);
}

const expectIdentical = (src: string, dst: string, query = `SELECT * FROM /.*/ GROUP BY *`) =>
  expectSameAnswer(source, src, dest, dst, query);

/** Aggregated destination equals the source's own one-query aggregate, per measurement. */
async function expectAggregated(
  src: string,
  dst: string,
  measurements: Record<string, Record<string, "float" | "integer" | "string" | "boolean">>,
  bucket: string,
) {
  for (const [m, fields] of Object.entries(measurements)) {
    const expected = await expectedAggregate(source, src, "autogen", m, fields, bucket);
    const actual = await actualPoints(dest, dst, "autogen", m);
    expect(expected.size).toBeGreaterThan(0);
    expect({ measurement: m, diffs: diffPoints(expected, actual) }).toEqual({ measurement: m, diffs: [] });
  }
}

describe("hostile names and values", () => {
  it("round-trips quotes, backslashes, commas, equals signs, spaces, tabs, unicode and InfluxQL look-alikes in every position", async () => {
    const src = freshName("names");
    const dst = freshName("names_b");
    const agg = freshName("names_agg");
    await source.query(`CREATE DATABASE ${src}`);
    for (const server of [source, dest]) await server.query(`CREATE DATABASE victim`);
    const lines: string[] = [];
    NAMES.forEach((n, i) => {
      const t = START + BigInt(i) * 61n * NS; // one point per minute bucket
      // n as a measurement name, and as a string value
      lines.push(`${lpMeasurement(n)},k=${i} v=${i}i,s=${lpString(n)} ${t}`);
      // n as a tag key and as a tag value
      lines.push(`tags,${lpKey(n)}=${lpKey(n)},i=${i} v=${i + 0.5} ${t}`);
      // n as a field key (string), in one measurement holding them all
      lines.push(`fields,i=${i} ${lpKey(n)}=${lpString(n)} ${t}`);
    });
    // A tag that is absent on some points: GROUP BY * reports it as "" and it stays absent.
    lines.push(`tags,i=absent v=1 ${START}`);
    // "time" is a valid measurement name, tag value and string, but InfluxDB refuses it as a
    // tag key or field key, so no source holds one.
    lines.push(`time,k=time v=1i,s="time" ${START}`);
    await source.write(src, lines.join("\n"));
    await expect(source.write(src, `refused,time=1 v=1 ${START}`)).rejects.toThrow(/invalid tag key/);
    await expect(source.write(src, `refused time=1 ${START}`)).rejects.toThrow(/invalid field name/);
    await source.query(`DROP MEASUREMENT refused`, src); // listed although refused: see below

    // The source really holds these exact names (so the comparison below is not vacuous).
    expect(await measurementsOf(source, src)).toEqual([...NAMES, "fields", "tags", "time"].sort());
    const tagKeys = seriesOf(await source.query(`SHOW TAG KEYS FROM tags`, src))[0]!.values!.map((r) => r[0]);
    expect(tagKeys.sort()).toEqual([...NAMES, "i"].sort());
    const fieldKeys = await fieldTypes(source, src, "fields");
    expect(Object.keys(fieldKeys).sort()).toEqual(NAMES.map((n) => `fields.${n}`).sort());
    const tagSeries = seriesOf(await source.query(`SELECT * FROM tags GROUP BY *`, src));
    for (const [i, n] of NAMES.entries()) {
      const s = tagSeries.find((x) => x.tags!.i === String(i))!;
      expect(Object.fromEntries(Object.entries(s.tags!).filter(([, v]) => v !== ""))).toEqual({
        [n]: n,
        i: String(i),
      });
    }
    const strings = seriesOf(await source.query(`SELECT s FROM /.*/ GROUP BY *`, src));
    for (const n of NAMES) expect(strings.find((s) => s.name === n)!.values![0]![1]).toBe(n);

    const { summary } = await backup(envFor(src, dst));
    expect(summary.failures).toEqual([]);
    expect(summary.pointsWritten).toBe(lines.length);
    await expectIdentical(src, dst);
    await expectIdentical(src, dst, `SHOW TAG KEYS`);
    await expectIdentical(src, dst, `SHOW FIELD KEYS`);
    await expectIdentical(src, dst, `SHOW SERIES`);

    // Aggregated mode quotes the same names in mean()/last() ... AS and in FROM.
    const aggRun = await backup(envFor(src, agg, { SOURCE_GROUP_BY: "1m" }));
    expect(aggRun.summary.failures).toEqual([]);
    await expectAggregated(
      src,
      agg,
      {
        ...Object.fromEntries(NAMES.map((n) => [n, { v: "integer", s: "string" } as const])),
        tags: { v: "float" },
        time: { v: "integer", s: "string" },
        fields: Object.fromEntries(NAMES.map((n) => [n, "string" as const])),
      },
      "1m",
    );
    expect(await measurementsOf(dest, agg)).toEqual(await measurementsOf(source, src));
    await expectIdentical(src, agg, `SHOW TAG KEYS`);
    await expectIdentical(src, agg, `SHOW FIELD KEYS`);

    // Nothing that looked like InfluxQL did anything to either server.
    for (const server of [source, dest]) expect(await databasesOf(server)).toContain("victim");
  });

  it("keeps a field and a tag that share a key, in raw and aggregated mode", async () => {
    const src = freshName("dup");
    const dst = freshName("dup_b");
    const agg = freshName("dup_agg");
    await source.query(`CREATE DATABASE ${src}`);
    await source.write(
      src,
      [
        `m,x=a x=1.5,s="one" ${START}`,
        `m,x=b x=2.5,s="two" ${START + 1n}`,
        `m x=3.5 ${START + 2n}`, // no tag x on this series
        `m,s=tag\\ s s="field s" ${START + 3n}`, // string field s and tag s
      ].join("\n"),
    );
    // What InfluxDB answers: without GROUP BY the tag is renamed x_1 beside the field x ...
    const flat = seriesOf(await source.query(`SELECT * FROM m`, src))[0]!;
    expect(flat.columns).toEqual(["time", "s", "s_1", "x", "x_1"]);
    expect(flat.values![0]).toEqual(["2024-01-01T00:02:17.123456789Z", "one", null, 1.5, "a"]);
    // ... and with GROUP BY * the tag is in the series' tags, the column is the field.
    const grouped = seriesOf(await source.query(`SELECT * FROM m GROUP BY *`, src));
    expect(grouped.map((s) => [s.tags, s.columns])).toEqual([
      [{ s: "", x: "" }, ["time", "s", "x"]],
      [{ s: "", x: "a" }, ["time", "s", "x"]],
      [{ s: "", x: "b" }, ["time", "s", "x"]],
      [{ s: "tag s", x: "" }, ["time", "s", "x"]],
    ]);

    const { summary } = await backup(envFor(src, dst));
    expect(summary.failures).toEqual([]);
    await expectIdentical(src, dst);
    await expectIdentical(src, dst, `SELECT * FROM m`);
    await expectIdentical(src, dst, `SHOW TAG KEYS`);
    await expectIdentical(src, dst, `SHOW FIELD KEYS`);

    expect((await backup(envFor(src, agg, { SOURCE_GROUP_BY: "1m" }))).summary.failures).toEqual([]);
    await expectAggregated(src, agg, { m: { x: "float", s: "string" } }, "1m");
    await expectIdentical(src, agg, `SHOW TAG KEYS`);
    await expectIdentical(src, agg, `SHOW FIELD KEYS`);
  });

  it("round-trips newlines, tabs and backslashes in string values, 64 KiB and 1 MiB strings, and long names", async () => {
    const src = freshName("long");
    const dst = freshName("long_b");
    const agg = freshName("long_agg");
    await source.query(`CREATE DATABASE ${src}`);
    const values = [
      "line1\nline2\n",
      "\n",
      "crlf\r\nend",
      "\ttab\tstart",
      "trailing backslash \\",
      "\\",
      "\\\\",
      "doubled at end \\\\",
      '\\"',
      '"\\',
      'escaped-looking \\n \\t \\" \\\\ text',
      "",
      " ",
      "#not a comment",
      "😀".repeat(1000),
    ];
    const pattern = 'a b,c=d"e\\f\n\t g😀 ';
    const big = pattern.repeat(Math.ceil(65536 / pattern.length)); // 64 KiB and a little more
    const huge = ("x".repeat(1023) + "\n").repeat(1024);
    // The series key (escaped) must stay below InfluxDB's 64 KiB key limit.
    const longTag = "t v,=é".repeat(5000); // 30,000 chars, 50,000 bytes escaped
    const longMeasurement = "measurement ".repeat(300);
    const longField = "field,key=".repeat(500);
    const lines = values.map((v, i) => `strings,i=${i} s=${lpString(v)} ${START + BigInt(i)}`);
    lines.push(`strings,i=big s=${lpString(big)} ${START + 100n}`);
    lines.push(`strings,i=huge s=${lpString(huge)} ${START + 101n}`);
    lines.push(`longtag,t=${lpKey(longTag)} v=1 ${START}`);
    lines.push(
      `${lpMeasurement(longMeasurement)},${lpKey(longField)}=${lpKey(longTag.slice(0, 9000))} ${lpKey(longField)}=${lpString(big)} ${START}`,
    );
    await source.write(src, lines.join("\n"));
    const stored = seriesOf(await source.query(`SELECT s FROM strings GROUP BY *`, src));
    for (const [i, v] of values.entries()) expect(stored.find((s) => s.tags!.i === String(i))!.values![0]![1]).toBe(v);
    expect(stored.find((s) => s.tags!.i === "big")!.values![0]![1]).toBe(big);
    expect(stored.find((s) => s.tags!.i === "huge")!.values![0]![1]).toBe(huge);
    expect(seriesOf(await source.query(`SELECT * FROM longtag GROUP BY *`, src))[0]!.tags).toEqual({ t: longTag });
    expect(await measurementsOf(source, src)).toContain(longMeasurement);

    const { summary } = await backup(envFor(src, dst));
    expect(summary.failures).toEqual([]);
    await expectIdentical(src, dst);
    expect((await backup(envFor(src, agg, { SOURCE_GROUP_BY: "1h" }))).summary.failures).toEqual([]);
    await expectAggregated(
      src,
      agg,
      { strings: { s: "string" }, longtag: { v: "float" }, [longMeasurement]: { [longField]: "string" } },
      "1h",
    );

    // The limit is InfluxDB's own: a series key above 65,535 bytes (escaped) is refused on write,
    // so no source can hold one.
    await expect(source.write(src, `longtag,t=${"y".repeat(65530)} v=1 ${START}`)).rejects.toThrow(
      /max key length exceeded/,
    );
  });

  it("carries carriage returns in tag keys and values (line protocol ends a line only at \\n)", async () => {
    const src = freshName("cr");
    const dst = freshName("cr_b");
    await source.query(`CREATE DATABASE ${src}`);
    await source.write(src, `cr,k\rk=v\rv,crlf=a\rb v="x\r\ny" ${START}`);
    expect(seriesOf(await source.query(`SELECT * FROM cr GROUP BY *`, src))[0]!.tags).toEqual({
      "k\rk": "v\rv",
      crlf: "a\rb",
    });
    const { summary } = await backup(envFor(src, dst));
    expect(summary.failures).toEqual([]);
    await expectIdentical(src, dst);
  });

  it("refuses, and reports, measurement names a source can hold but line protocol cannot carry, instead of renaming or dropping them", async () => {
    const src = freshName("badm");
    const dst = freshName("badm_b");
    await source.query(`CREATE DATABASE ${src}`);
    await source.write(src, `normal,k=v f=1,s="x" ${START}`);
    // SELECT ... INTO writes names without line protocol; \n in an InfluxQL identifier is a newline.
    for (const target of ["#hash", "\tleadingtab", "nl\\nx"]) {
      await source.query(`SELECT * INTO ${src}.autogen."${target}" FROM normal GROUP BY *`, src);
    }
    // A carriage return is carried by line protocol but cannot be written in an InfluxQL name.
    await source.write(src, `cr\rm,k=v f=1 ${START}`);
    const hostile = ["#hash", "\tleadingtab", "nl\nx", "cr\rm"];
    expect(await measurementsOf(source, src)).toEqual([...hostile, "normal"].sort());

    const { summary } = await backup(envFor(src, dst));
    // Every one of them is a failure naming the measurement ...
    expect(summary.failures.map((f) => f.measurement).sort()).toEqual([...hostile].sort());
    // ... nothing was written under another name, and the rest was copied.
    expect(await measurementsOf(dest, dst)).toEqual(["normal"]);
    await expectIdentical(src, dst, `SELECT * FROM normal GROUP BY *`);
  });

  it("measurement names with a backslash before a comma or space: listed by InfluxDB, but unreadable even on the source", async () => {
    const src = freshName("bsm");
    const dst = freshName("bsm_b");
    await source.query(`CREATE DATABASE ${src}`);
    // Line protocol unescapes measurement names twice: "\\\," stores a backslash and a comma ...
    await source.write(src, [`bs\\\\\\,comma,k=v f=1 ${START}`, `bs\\\\\\ space,k=v f=1 ${START}`].join("\n"));
    await source.write(src, `normal,k=v f=1 ${START}`);
    expect(await measurementsOf(source, src)).toEqual(["bs\\ space", "bs\\,comma", "normal"]);
    // ... but files their fields under the name unescaped once, so no query reads them.
    expect(Object.keys(await fieldTypes(source, src, "/.*/"))).toEqual(["normal.f"]);
    expect(seriesOf(await source.query(`SELECT * FROM /bs/`, src))).toEqual([]);
    expect(seriesOf(await source.query(`SELECT * FROM ${ident("bs\\,comma")}`, src))).toEqual([]);
    // The backup sees only what InfluxQL reads (and would refuse these names anyway).
    expect(() => seriesKey("bs\\,comma", {})).toThrow(UnrepresentableError);
    const { summary } = await backup(envFor(src, dst));
    expect(summary.failures).toEqual([]);
    expect(await measurementsOf(dest, dst)).toEqual(["normal"]);
  });

  it("copies field keys exactly, or reports them, never renamed: backslash before a quote, comma, space or equals sign, leading tab", async () => {
    const src = freshName("badf");
    const dst = freshName("badf_b");
    await source.query(`CREATE DATABASE ${src}`);
    await source.write(src, `normal,k=v f=1 ${START}`);
    // One measurement per key, created with SELECT ... INTO (an AS alias can be any identifier).
    const keys: Record<string, string> = {
      quote: 'q\\"f', // backslash + double quote
      space: "bs\\ sp",
      comma: "bs\\,cm",
      equals: "eq\\=x",
      tab: "\tlead",
      newline: "nl\nx",
    };
    for (const [m, key] of Object.entries(keys)) {
      const alias = ident(key).replace(/\n/g, "\\n");
      await source.query(`SELECT f AS ${alias} INTO ${src}.autogen.${m} FROM normal GROUP BY *`, src);
    }
    const stored = await fieldTypes(source, src, "/.*/");
    for (const [m, key] of Object.entries(keys)) expect(stored[`${m}.${key}`]).toBe("float");

    const { summary } = await backup(envFor(src, dst));
    // The quote can be carried (as \\" in line protocol); the others cannot and must be reported.
    expect(summary.failures.map((f) => f.measurement).sort()).toEqual(["comma", "equals", "newline", "space", "tab"]);
    await expectIdentical(src, dst, `SELECT * FROM quote GROUP BY *`);
    const copied = await fieldTypes(dest, dst, "/.*/");
    expect(Object.keys(copied).sort()).toEqual(["normal.f", `quote.${keys.quote}`]);
  });

  it("reports a name that holds a backslash-newline: stored by line protocol, but refused by the encoder", async () => {
    const src = freshName("bsnl");
    const dst = freshName("bsnl_b");
    await source.query(`CREATE DATABASE ${src}`);
    await source.write(src, [`ok,k=v f=1 ${START}`, `bsnl,k=a\\\nb f=1 ${START}`].join("\n"));
    expect(seriesOf(await source.query(`SELECT * FROM bsnl GROUP BY *`, src))[0]!.tags).toEqual({ k: "a\\\nb" });
    const { summary } = await backup(envFor(src, dst));
    expect(summary.failures.map((f) => f.measurement)).toEqual(["bsnl"]);
    expect(await measurementsOf(dest, dst)).toEqual(["ok"]);
  });

  it("does not merge two series told apart only by a NUL in a tag value (GROUP BY * cannot tell them apart)", async () => {
    const src = freshName("nul");
    const dst = freshName("nul_b");
    await source.query(`CREATE DATABASE ${src}`);
    await source.write(src, [`m,a=\0 f=1 ${START}`, `m,b=\0 f=2 ${START + 1n}`, `m,a=x f=3 ${START}`].join("\n"));
    // Three series on the source ...
    expect(seriesOf(await source.query(`SHOW SERIES FROM m`, src))[0]!.values).toEqual([
      ["m,a=\0"],
      ["m,a=x"],
      ["m,b=\0"],
    ]);
    // ... but GROUP BY * (how the backup reads) answers the two NUL series as one, under a=NUL.
    const grouped = seriesOf(await source.query(`SELECT * FROM m GROUP BY *`, src));
    expect(grouped.map((s) => [s.tags, s.values!.length])).toEqual([
      [{ a: "\0", b: "" }, 2],
      [{ a: "x", b: "" }, 1],
    ]);
    const { summary } = await backup(envFor(src, dst));
    // Refused and reported, not copied as one series with the other's point moved into it.
    expect(summary.failures.map((f) => f.measurement)).toEqual(["m"]);
    expect(seriesOf(await dest.query(`SHOW SERIES FROM m`, dst))[0]!.values).toEqual([["m,a=x"]]);
  });

  it("a backslash before a space in a tag: copied when harmless (shell-escaped paths), refused and reported when InfluxDB would split the line", async () => {
    const src = freshName("bssp");
    const dst = freshName("bssp_b");
    await source.query(`CREATE DATABASE ${src}`);
    // Shell-escaped paths, beside string values with line feeds.
    await source.write(
      src,
      [
        `paths,path=/home/u/My\\\\ Documents,user=u s="line\nbreak" ${START}`,
        `paths,path=C:\\\\ dir\\\\ x s="a\nb\nc" ${START + 1n}`,
      ].join("\n"),
    );
    expect(seriesOf(await source.query(`SELECT * FROM paths GROUP BY *`, src)).map((s) => s.tags)).toEqual([
      { path: "/home/u/My\\ Documents", user: "u" },
      { path: "C:\\ dir\\ x", user: "" },
    ]);
    // Tag key k\ x with the value v"q: stored when written alone, but in a batch its quote makes
    // InfluxDB's line splitter join the next line to it.
    await source.write(src, `m,k\\\\ x=v"q f=1 ${START}`);
    await source.write(src, [`m,a=1 f=2,s="x\ny" ${START}`, `m,a=2 f=3,s="z" ${START}`].join("\n"));
    expect(seriesOf(await source.query(`SELECT * FROM m GROUP BY *`, src)).map((s) => s.tags)).toEqual([
      { a: "", "k\\ x": 'v"q' },
      { a: "1", "k\\ x": "" },
      { a: "2", "k\\ x": "" },
    ]);
    const { summary } = await backup(envFor(src, dst));
    expect(summary.failures.map((f) => f.measurement)).toEqual(["m"]);
    await expectIdentical(src, dst, `SELECT * FROM paths GROUP BY *`);
    await expectIdentical(src, dst, `SELECT f, s FROM m WHERE a != '' GROUP BY a`);
  });
});

describe("schema oddities", () => {
  it("a field that is float in one shard and integer in another: warned about, each shard copied with its type", async () => {
    const src = freshName("mix");
    const dst = freshName("mix_b");
    const agg = freshName("mix_agg");
    await source.query(`CREATE DATABASE ${src}`);
    const early = START - 400n * DAY; // another shard group (7 days each)
    await source.write(src, [`m,h=a f=1.5 ${early}`, `m,h=a f=2.25 ${early + NS}`].join("\n"));
    await source.write(src, [`m,h=a f=9007199254740993i ${START}`, `m,h=a f=7i ${START + NS}`].join("\n"));
    expect(seriesOf(await source.query(`SHOW FIELD KEYS FROM m`, src))[0]!.values).toEqual([
      ["f", "float"],
      ["f", "integer"],
    ]);
    // The source itself answers the mix as floats (2^53 + 1 is read as 2^53) ...
    const asFloat = seriesOf(await source.query(`SELECT f FROM m`, src))[0]!.values;
    expect(asFloat!.map((r) => r[1])).toEqual([1.5, 2.25, 9007199254740992, 7]);
    // ... while the integer shard still holds the exact integer.
    const exact = await source.queryText(`SELECT f::integer FROM m WHERE time >= ${START}`, src);
    expect(exact).toContain("9007199254740993");

    const { summary, log } = await backup(envFor(src, dst));
    expect(summary.failures).toEqual([]);
    expect(log).toMatch(/field "f" is float in some shards and integer in others; each shard group is copied/);
    await expectIdentical(src, dst);
    // The destination holds the same mix: integers stay exact in the integer shard.
    expect(seriesOf(await dest.query(`SHOW FIELD KEYS FROM m`, dst))[0]!.values).toEqual([
      ["f", "float"],
      ["f", "integer"],
    ]);
    expect(await dest.queryText(`SELECT f FROM m WHERE time >= ${START}`, dst)).toBe(
      await source.queryText(`SELECT f FROM m WHERE time >= ${START}`, src),
    );
    expect(await dest.queryText(`SELECT f FROM m WHERE time >= ${START}`, dst)).toContain("9007199254740993");

    expect((await backup(envFor(src, agg, { SOURCE_GROUP_BY: "1h" }))).summary.failures).toEqual([]);
    await expectAggregated(src, agg, { m: { f: "float" } }, "1h");
  });

  it("an empty database: the run succeeds, creates the destination database and writes nothing", async () => {
    const src = freshName("empty");
    const dst = freshName("empty_b");
    await source.query(`CREATE DATABASE ${src}`);
    const { summary } = await backup(envFor(src, dst));
    expect(summary.ok).toBe(true);
    expect(summary.pointsRead).toBe(0);
    expect(summary.pointsWritten).toBe(0);
    expect(await databasesOf(dest)).toContain(dst);
    expect(await measurementsOf(dest, dst)).toEqual([]);
  });

  it("measurements and fields whose data was deleted, or whose write was refused, but which are still listed", async () => {
    const src = freshName("deleted");
    const dst = freshName("deleted_b");
    const agg = freshName("deleted_agg");
    await source.query(`CREATE DATABASE ${src}`);
    const old = START - 400n * DAY;
    await source.write(
      src,
      [
        `gone,h=a f=1 ${START}`,
        `gone,h=b f=2 ${START + NS}`,
        `dropped,h=a f=1 ${START}`,
        `part,h=a f=1 ${START}`,
        `part,h=b f=2 ${START}`,
        `oldfield,h=a f=1 ${START}`,
        `oldfield,h=b s="deleted" ${old}`,
        `kept f=1 ${START}`,
      ].join("\n"),
    );
    // A point refused for its field name still leaves its measurement listed, with no data.
    await expect(source.write(src, `ghost time=1 ${START}`)).rejects.toThrow(/invalid field name/);
    await source.query(`DELETE FROM gone WHERE time < ${START + DAY}`, src);
    await source.query(`DROP SERIES FROM dropped`, src);
    await source.query(`DROP SERIES FROM part WHERE h = 'a'`, src);
    await source.query(`DELETE FROM oldfield WHERE time < ${START - DAY}`, src);
    expect(await measurementsOf(source, src)).toEqual(["ghost", "kept", "oldfield", "part"]);
    // The string field whose every value was deleted is still listed.
    expect(await fieldTypes(source, src, "oldfield")).toEqual({ "oldfield.f": "float", "oldfield.s": "string" });

    const { summary } = await backup(envFor(src, dst));
    expect(summary.failures).toEqual([]);
    for (const m of ["kept", "oldfield", "part"]) {
      const q = `SELECT * FROM ${m} GROUP BY *`;
      const expected = pointsOf(await source.query(q, src));
      expect(expected.size).toBeGreaterThan(0);
      expect(diffPoints(expected, pointsOf(await dest.query(q, dst)))).toEqual([]);
    }
    expect(await measurementsOf(dest, dst)).toEqual(["kept", "oldfield", "part"]);
    // A field with no value left cannot be created by writing points: it is not listed on the
    // destination, so answers that list columns (SELECT * shows an all-null column s) differ.
    expect(await fieldTypes(dest, dst, "oldfield")).toEqual({ "oldfield.f": "float" });

    const aggRun = await backup(envFor(src, agg, { SOURCE_GROUP_BY: "1h" }));
    expect(aggRun.summary.failures).toEqual([]);
    await expectAggregated(src, agg, { kept: { f: "float" }, part: { f: "float" }, oldfield: { f: "float" } }, "1h");
    expect(await measurementsOf(dest, agg)).toEqual(["kept", "oldfield", "part"]);
  });

  it("a database with 3,000 series: every series arrives with its tags intact", async () => {
    const src = freshName("many");
    const dst = freshName("many_b");
    const agg = freshName("many_agg");
    await source.query(`CREATE DATABASE ${src}`);
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const host = `host ${String(i).padStart(4, "0")},"${i % 7}"=é`;
      const rack = i % 3 === 0 ? "" : `,rack=r\\=${i % 13}`; // some series lack a tag
      for (let p = 0; p < 2; p++) {
        lines.push(`many,host=${lpKey(host)}${rack},zone=z${i % 5} v=${i + p / 4},n=${i}i ${START + BigInt(p) * NS}`);
      }
    }
    await writeAll((l) => source.write(src, l), lines);
    const count = (answerText: string) => (answerText.match(/"name":"many"/g) ?? []).length;
    const q = `SELECT count(v) FROM many GROUP BY *`;
    expect(count(await source.queryText(q, src))).toBe(3000);

    const { summary } = await backup(envFor(src, dst, { WRITE_BATCH_SIZE: "1000" }));
    expect(summary.failures).toEqual([]);
    expect(summary.pointsWritten).toBe(6000);
    expect(count(await dest.queryText(q, dst))).toBe(3000);
    await expectIdentical(src, dst);
    await expectIdentical(src, dst, `SHOW SERIES`);

    expect((await backup(envFor(src, agg, { SOURCE_GROUP_BY: "1m" }))).summary.failures).toEqual([]);
    await expectAggregated(src, agg, { many: { v: "float", n: "integer" } }, "1m");
    await expectIdentical(src, agg, `SHOW SERIES`);
  });
});
