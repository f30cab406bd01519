/**
 * Property test of the line protocol encoder against a real InfluxDB 1.x: random measurement
 * names, tag keys and values, field keys and string values, drawn from a character set full of
 * the characters line protocol treats specially, are encoded with the project's own encoder,
 * written, read back as JSON and compared one by one.
 *
 * Every name must either come back identical or be refused by the encoder with an
 * UnrepresentableError, and the encoder must refuse exactly the names InfluxDB cannot carry
 * (mustRefuse below). For refused names the test also shows that the obvious encoding really
 * does not survive a write, and for tag sets (refused or not for the whole series key) it puts
 * the series key in the contexts that break it.
 *
 * The seed is random per run and printed in every failure; replay with LP_SEED=<seed>.
 * LP_CASES=<n> runs more cases (default 400).
 */
import {
  UnrepresentableError,
  encodeField,
  escapeFieldKey,
  escapeKey,
  escapeMeasurement,
  seriesKey,
} from "../../src/codec/lineProtocol";
import { START } from "./helpers/dataset";
import { seriesOf, startInflux, type InfluxServer } from "./helpers/influxServer";

const SEED = process.env.LP_SEED ? Number(process.env.LP_SEED) : Math.floor(Math.random() * 2 ** 31);
const CASES = Number(process.env.LP_CASES ?? 400);
const ID = "case id";

/** mulberry32: a tiny seeded generator, so a failure can be replayed. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Ordinary characters, then the special ones (listed several times to make them frequent). */
const CHARS = [
  ..."abcXYZ09-_.:/*",
  ..."é",
  "ß",
  "温",
  "度",
  "😀",
  "👩‍💻",
  "e\u0301", // e + combining acute accent
  "\u00a0", // no-break space
  "\u200b", // zero-width space
  "\ufeff", // byte order mark
  "\u000b",
  "\u000c",
  "\u0000",
  "\r",
  "\n",
  "\t",
  "#",
  ..."\"'\\,= ".repeat(3),
  "\\",
  "\\",
];

type Position = "measurement" | "tags" | "field key";

/** True when some character of `specials` follows an odd run of backslashes. */
function oddBackslashesBefore(s: string, specials: string): boolean {
  let run = 0;
  for (const c of s) {
    if (specials.includes(c) && run % 2 === 1) return true;
    run = c === "\\" ? run + 1 : 0;
  }
  return false;
}

/**
 * The names the encoder must refuse, found with InfluxDB 1.6.7 (probes of every position and a
 * brute-force search of every escaping of short names):
 * - anywhere: a line feed (it ends the line), a trailing backslash (it escapes the separator
 *   after it: InfluxDB refuses the write);
 * - measurement: a first character # (the line is a comment: silently not written), tab or NUL
 *   (stripped), and a backslash before , space = or " (InfluxDB unescapes measurement names
 *   twice: the name changes);
 * - field key: a first character tab or NUL (stripped), an odd run of backslashes before
 *   , space or = (the write is refused, answered with HTTP 500, or the line is split);
 * - tags: a tag value with a NUL (line protocol carries it, but GROUP BY *, how the backup
 *   reads, joins tag values with NULs to tell series apart: a=NUL and b=NUL come back as one
 *   series). Besides, the encoder refuses series keys that InfluxDB's line splitter would read
 *   past (a tag with an odd run of backslashes before a space makes it count = , and " early);
 *   which ones is not listed here but shown on the server, by the last test.
 * Two of these are the encoder's choice rather than hard limits: a measurement with a backslash
 * before a separator could be written escaped twice, and a backslash-LF is carried by InfluxDB.
 */
function mustRefuse(position: Position, s: string): boolean {
  if (position === "tags") {
    const tags = Object.entries(JSON.parse(s) as Record<string, string>);
    return tags.some(
      ([k, v]) => k.includes("\n") || k.endsWith("\\") || v.includes("\n") || v.endsWith("\\") || v.includes("\0"),
    );
  }
  if (s.includes("\n") || s.endsWith("\\")) return true;
  if (position === "measurement") return /^[#\t\0]/.test(s) || /\\[, ="]/.test(s);
  return /^[\t\0]/.test(s) || oddBackslashesBefore(s, ", =");
}

interface Case {
  id: number;
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, string>;
  line: string;
}

/** One call of the encoder: a measurement name, a field key, or a whole tag set (as JSON). */
interface Decision {
  id: number;
  position: Position;
  name: string;
  refused: boolean;
}

/** Fixed cases from the issue, always run whatever the seed. */
const FIXED: { measurement: string; tags: Record<string, string>; fields: Record<string, string> }[] = [
  { measurement: "   ", tags: { "   ": "   " }, fields: { "   ": "   " } },
  { measurement: "trailing\\", tags: { k: "trailing\\" }, fields: { "trailing\\": "trailing\\" } },
  { measurement: "\\", tags: { "\\": "\\" }, fields: { "\\": "\\" } },
  { measurement: "empty tag", tags: { empty: "", k: "v" }, fields: { s: "" } },
  { measurement: 'q\\"m', tags: { 'q\\"k': 'q\\"v' }, fields: { 'q\\"f': 'q\\"s' } },
  { measurement: "#comment", tags: { "#k": "#v" }, fields: { "#f": "#s" } },
  { measurement: "\tlead", tags: { "\tk": "\tv" }, fields: { "\tf": "\ts" } },
  { measurement: "bs\\,c", tags: { "bs\\,k": "bs\\=v" }, fields: { "bs\\=f": "bs\\,s" } },
  { measurement: "cr\rm", tags: { "cr\rk": "cr\rv" }, fields: { "cr\rf": "cr\r\ns" } },
  { measurement: "nul\0m", tags: { "nul\0k": "nul\0v" }, fields: { "nul\0f": "nul\0s" } },
  // A shell-escaped path: the odd backslash before a space is harmless here ...
  { measurement: "path", tags: { path: "/home/u/My\\ Documents", z: "1" }, fields: { s: "x" } },
  // ... but not before a quote, or before a tag key with a backslash before a comma.
  { measurement: "quote", tags: { "k\\ x": 'v"q' }, fields: { s: "x" } },
  { measurement: "split", tags: { a: "x\\ y", "p\\,q": "1" }, fields: { s: "x" } },
];

/** Tags with a value, sorted, as the encoder writes them. */
function nonEmpty(tags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).filter(([, v]) => v !== ""));
}

function generate(seed: number): { cases: Case[]; decisions: Decision[] } {
  const random = generator(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const name = (max = 10) => {
    let s = "";
    const n = 1 + Math.floor(random() * max);
    for (let i = 0; i < n; i++) s += pick(CHARS);
    return s;
  };
  const specs = [...FIXED];
  while (specs.length < CASES) {
    const tags: Record<string, string> = {};
    for (let n = Math.floor(random() * 4); n > 0; n--) tags[name()] = random() < 0.05 ? "" : name();
    const fields: Record<string, string> = {};
    for (let n = 1 + Math.floor(random() * 3); n > 0; n--) fields[name()] = random() < 0.05 ? "" : name(30);
    specs.push({ measurement: name(), tags, fields });
  }

  const cases: Case[] = [];
  const decisions: Decision[] = [];
  const encode = (id: number, position: Position, s: string, fn: () => string): string | undefined => {
    try {
      const encoded = fn();
      decisions.push({ id, position, name: s, refused: false });
      return encoded;
    } catch (err) {
      if (!(err instanceof UnrepresentableError)) throw err;
      decisions.push({ id, position, name: s, refused: true });
      return undefined;
    }
  };
  specs.forEach((spec, id) => {
    const measurement =
      encode(id, "measurement", spec.measurement, () => escapeMeasurement(spec.measurement)) === undefined
        ? "refused measurement"
        : spec.measurement;
    // "time" is not a valid tag or field key in InfluxDB (the write is refused); ID is ours.
    let tags = Object.fromEntries(Object.entries(spec.tags).filter(([k]) => k !== "time"));
    const tagsJson = JSON.stringify(nonEmpty(tags));
    if (encode(id, "tags", tagsJson, () => seriesKey("m", tags)) === undefined) tags = {};
    const fields: Record<string, string> = {};
    const encodedFields: string[] = [];
    for (const [k, v] of Object.entries(spec.fields)) {
      if (k === "time" || k === ID) continue;
      const key = encode(id, "field key", k, () => escapeFieldKey(k));
      if (key === undefined) continue;
      fields[k] = v;
      encodedFields.push(encodeField(key, "string", v)!);
    }
    encodedFields.push(encodeField(escapeFieldKey(ID), "integer", id)!);
    const line = `${seriesKey(measurement, tags)} ${encodedFields.join(",")} ${START + BigInt(id)}`;
    cases.push({ id, measurement, tags: nonEmpty(tags), fields, line });
  });
  return { cases, decisions };
}

let server: InfluxServer;
beforeAll(async () => {
  server = await startInflux();
});
afterAll(async () => {
  await server?.stop();
});

describe(`line protocol encoder against a real server (seed ${SEED}, replay with LP_SEED=${SEED})`, () => {
  const { cases, decisions } = generate(SEED);
  const refusals = decisions.filter((d) => d.refused);

  it("refuses exactly the names line protocol cannot carry, and no other", () => {
    const wrong = decisions
      .filter((d) =>
        d.position === "tags"
          ? mustRefuse(d.position, d.name) && !d.refused // the others: see the last test
          : d.refused !== mustRefuse(d.position, d.name),
      )
      .map((d) => `case ${d.id}: ${d.position} ${JSON.stringify(d.name)} ${d.refused ? "refused" : "accepted"}`);
    expect({ seed: SEED, wrong }).toEqual({ seed: SEED, wrong: [] });
    // The fixed cases and the character set make each kind of refusal happen on every seed.
    expect(new Set(refusals.map((r) => r.position))).toEqual(new Set(["measurement", "tags", "field key"]));
  });

  it("writes every accepted name and value and reads each back identical", async () => {
    const db = `lp_${SEED}`;
    await server.query(`CREATE DATABASE ${db}`);
    await server.write(db, cases.map((c) => c.line).join("\n"));
    const series = seriesOf(await server.query(`SELECT * FROM /.*/ GROUP BY *`, db));
    const found = new Map<
      number,
      { measurement: string; tags: Record<string, string>; fields: Record<string, unknown> }
    >();
    for (const s of series) {
      const idColumn = s.columns.indexOf(ID);
      for (const row of s.values ?? []) {
        const id = row[idColumn];
        if (typeof id !== "number") continue;
        const fields: Record<string, unknown> = {};
        s.columns.forEach((c, i) => {
          if (i > 0 && i !== idColumn && row[i] !== null) fields[c] = row[i];
        });
        const tags = Object.fromEntries(Object.entries(s.tags ?? {}).filter(([, v]) => v !== ""));
        found.set(id, { measurement: s.name!, tags, fields });
      }
    }
    const mismatches: string[] = [];
    for (const c of cases) {
      const expected = { measurement: c.measurement, tags: c.tags, fields: c.fields };
      const actual = found.get(c.id);
      if (JSON.stringify(sortKeys(actual)) !== JSON.stringify(sortKeys(expected))) {
        mismatches.push(
          `case ${c.id}: wrote ${JSON.stringify(c.line)}\n  expected ${JSON.stringify(expected)}\n  got      ${JSON.stringify(actual)}`,
        );
      }
    }
    expect({ seed: SEED, mismatches: mismatches.slice(0, 10), count: mismatches.length }).toEqual({
      seed: SEED,
      mismatches: [],
      count: 0,
    });
  });

  it("shows that each name refused on its own (not for a line feed) does not survive the obvious encoding", async () => {
    const db = `lp_refused_${SEED}`;
    await server.query(`CREATE DATABASE ${db}`);
    const naive = (s: string, special: RegExp) => s.replace(special, (c) => `\\${c}`);
    // Tag sets are refused for what they do to the rest of the line: see the next test.
    const tested = refusals.filter((r) => !r.name.includes("\n") && r.position !== "tags");
    expect(tested.length).toBeGreaterThan(0);
    // One line per name, told apart by the tag probe (measurements) or the measurement (field
    // keys), each followed by a sentinel line: a name survives only if it is stored as it is
    // and the line after it is intact.
    const lines = tested.flatMap((r, i) => [
      r.position === "measurement"
        ? `${naive(r.name, /[, ]/g)},probe=${i} f=1 ${START}`
        : `field${i} ${naive(r.name, /[,= ]/g)}=1 ${START}`,
      `sentinel,probe=${i} ok=1 ${START}`,
    ]);
    // Lines InfluxDB cannot parse are dropped one by one (HTTP 400, "partial write" or "unable to
    // parse"); the others are written. Its answer may even be unreadable: the error header then
    // repeats a refused name's control characters (fetch's HTTP parser refuses it). Anything else
    // (the server unreachable) is a failure; the sentinels below show what was written.
    await server.write(db, lines.join("\n")).catch((err: Error) => {
      const parserCode = (err.cause as { code?: string } | undefined)?.code ?? "";
      if (/HTTP 400/.test(err.message) && /unable to parse|partial write/.test(err.message)) return;
      if (parserCode.startsWith("HPE_")) return;
      throw err;
    });
    const stored = new Map<string, string[]>();
    const sentinels = new Set<string>();
    for (const s of seriesOf(await server.query(`SELECT * FROM /.*/ GROUP BY *`, db))) {
      if (s.name === "sentinel") sentinels.add(s.tags!.probe!);
      else if (s.tags?.probe) stored.set(`measurement ${s.tags.probe}`, [s.name!]);
    }
    for (const s of seriesOf(await server.query(`SHOW FIELD KEYS`, db))) {
      stored.set(
        `field key ${s.name!.slice("field".length)}`,
        (s.values ?? []).map((r) => r[0] as string),
      );
    }
    const survived = tested.filter((r, i) => stored.get(`${r.position} ${i}`)?.includes(r.name));
    expect({ seed: SEED, survived }).toEqual({ seed: SEED, survived: [] });
    // The write was read line by line, so "nothing survived" is about the probes, not a write
    // that stored nothing: the sentinel after a probe is stored unless the probe's broken line
    // swallowed it (a few per hundred).
    expect(sentinels.size).toBeGreaterThan(tested.length / 2);
  });

  it("puts every tag set in the contexts InfluxDB's line splitter gets wrong: accepted ones survive, refused ones do not", async () => {
    const db = `lp_context_${SEED}`;
    await server.query(`CREATE DATABASE ${db}`);
    // The tag sets refused for the whole series key (not for one name), and the accepted ones.
    const sets = decisions
      .filter((d) => d.position === "tags" && !mustRefuse("tags", d.name))
      .map((d) => ({ id: d.id, tags: JSON.parse(d.name) as Record<string, string>, refused: d.refused }));
    expect(sets.filter((s) => s.refused).length).toBeGreaterThan(0);
    // Each set written with the obvious escaping (what the encoder writes when it accepts) in two
    // contexts: a string value with a line feed, and a field key that starts with a quote; each
    // line is followed by a sentinel line.
    const contexts = [`s="a\nb"`, `"k=1i,s="a\nb"`];
    const key = (m: string, tags: Record<string, string>) =>
      m +
      Object.keys(tags)
        .sort()
        .map((k) => `,${escapeKey(k)}=${escapeKey(tags[k]!)}`)
        .join("");
    const lines = sets.flatMap(({ id, tags }) =>
      contexts.flatMap((fields, c) => [
        `${key(`ctx${c}_${id}`, tags)} ${fields} ${START}`,
        `sentinel,probe=${c}_${id} ok=1 ${START}`,
      ]),
    );
    await server.write(db, lines.join("\n")).catch(() => undefined);
    const stored = new Map<string, string>();
    for (const s of seriesOf(await server.query(`SELECT * FROM /.*/ GROUP BY *`, db))) {
      const fields = Object.fromEntries(
        s.columns.map((col, i) => [col, s.values![0]![i]]).filter(([, v]) => v !== null),
      );
      delete fields.time;
      stored.set(
        s.name === "sentinel" ? `sentinel ${s.tags!.probe}` : s.name!,
        JSON.stringify(sortKeys({ tags: nonEmpty(s.tags ?? {}), fields })),
      );
    }
    const wrong: string[] = [];
    for (const { id, tags, refused } of sets) {
      const survives = contexts.map((_, c) => {
        const expected = { tags, fields: c === 0 ? { s: "a\nb" } : { '"k': 1, s: "a\nb" } };
        return stored.get(`ctx${c}_${id}`) === JSON.stringify(sortKeys(expected)) && stored.has(`sentinel ${c}_${id}`);
      });
      if (refused && survives.every(Boolean))
        wrong.push(`case ${id}: refused ${JSON.stringify(tags)}, but it survives`);
      if (!refused && !survives.every(Boolean))
        wrong.push(`case ${id}: accepted ${JSON.stringify(tags)}, but it breaks`);
    }
    expect({ seed: SEED, wrong }).toEqual({ seed: SEED, wrong: [] });
  });
});

function sortKeys(value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => [k, sortKeys(v)]),
  );
}
