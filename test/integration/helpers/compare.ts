/** What the destination should hold, computed by the source server itself, and comparisons. */
import type { InfluxServer, JsonAnswer } from "./influxServer";
import { seriesOf } from "./influxServer";

export type PointMap = Map<string, Record<string, unknown>>;

function tagKey(tags: Record<string, string> | undefined): string {
  const entries = Object.entries(tags ?? {}).filter(([, v]) => v !== "");
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(entries);
}

/** name|tags|time -> non-null fields. */
export function pointsOf(answer: JsonAnswer, round: ReadonlySet<string> = new Set()): PointMap {
  const out: PointMap = new Map();
  for (const s of seriesOf(answer)) {
    for (const row of s.values ?? []) {
      const fields: Record<string, unknown> = {};
      s.columns.forEach((c, i) => {
        if (i === 0) return;
        let v = row[i];
        if (v === null || v === undefined) return;
        if (round.has(c) && typeof v === "number") v = v < 0 ? -Math.round(-v) : Math.round(v);
        fields[c] = v;
      });
      if (Object.keys(fields).length === 0) continue;
      out.set(`${s.name}|${tagKey(s.tags)}|${row[0] as string}`, fields);
    }
  }
  return out;
}

/**
 * The source's own answer for one measurement over the whole range in ONE query:
 * mean() of numeric fields and last() of the others per bucket and series.
 */
export async function expectedAggregate(
  source: InfluxServer,
  db: string,
  rp: string,
  measurement: string,
  fields: Record<string, "float" | "integer" | "string" | "boolean">,
  bucket: string,
): Promise<PointMap> {
  const q = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
  const cols = Object.entries(fields)
    .map(([f, t]) => `${t === "float" || t === "integer" ? "mean" : "last"}(${q(f)}) AS ${q(f)}`)
    .join(", ");
  const answer = await source.query(
    `SELECT ${cols} FROM ${q(db)}.${q(rp)}.${q(measurement)} WHERE time >= '2000-01-01T00:00:00Z' AND time < '2100-01-01T00:00:00Z' GROUP BY time(${bucket}), * fill(none)`,
    db,
  );
  const ints = new Set(
    Object.entries(fields)
      .filter(([, t]) => t === "integer")
      .map(([f]) => f),
  );
  return pointsOf(answer, ints);
}

export async function actualPoints(dest: InfluxServer, db: string, rp: string, measurement: string): Promise<PointMap> {
  const q = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
  return pointsOf(await dest.query(`SELECT * FROM ${q(db)}.${q(rp)}.${q(measurement)} GROUP BY *`, db));
}

/** Differences between two point maps, for readable failures. */
export function diffPoints(expected: PointMap, actual: PointMap): string[] {
  const diffs: string[] = [];
  for (const [k, v] of expected) {
    const a = actual.get(k);
    if (!a) diffs.push(`missing ${k} ${JSON.stringify(v)}`);
    else if (JSON.stringify(sorted(a)) !== JSON.stringify(sorted(v)))
      diffs.push(`differs ${k}: expected ${JSON.stringify(v)} got ${JSON.stringify(a)}`);
  }
  for (const k of actual.keys()) if (!expected.has(k)) diffs.push(`unexpected ${k}`);
  return diffs.slice(0, 20);
}

function sorted(o: Record<string, unknown>): [string, unknown][] {
  return Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1));
}

/** The destination's measurement holds exactly the source's own 5m aggregate of it (expectedAggregate). */
export async function expectSameAggregate(
  source: InfluxServer,
  src: string,
  dest: InfluxServer,
  dst: string,
  measurement: string,
  fields: Record<string, "float" | "integer" | "string" | "boolean">,
): Promise<void> {
  const expected = await expectedAggregate(source, src, "autogen", measurement, fields, "5m");
  expect(expected.size).toBeGreaterThan(0);
  expect(diffPoints(expected, await actualPoints(dest, dst, "autogen", measurement))).toEqual([]);
}

/** The destination answers `query` with exactly the source's JSON text (times, int64 digits and all). */
export async function expectSameAnswer(
  source: InfluxServer,
  src: string,
  dest: InfluxServer,
  dst: string,
  query: string,
) {
  const expected = await source.queryText(query, src);
  expect(expected).toContain('"values"');
  expect(await dest.queryText(query, dst)).toBe(expected);
}
