/**
 * Correctness checks after each tool run: the destination is compared with what the source
 * itself answers (counts per series and field, series, field keys and types, tag keys, exact
 * rows at the edges and in a sample slice; in aggregated mode the number of buckets per series
 * and field, and the values of a sample slice against the source's own mean()/last()).
 */
import type { InfluxHttp, JsonSeries } from "./http";

export interface CheckResult {
  ok: boolean;
  problems: string[];
  /** Short human summary of what was compared. */
  checked: string[];
}

const q = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

function tagKey(tags: Record<string, string> | undefined): string {
  return JSON.stringify(
    Object.entries(tags ?? {})
      .filter(([, v]) => v !== "")
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}

async function fieldKeys(http: InfluxHttp, db: string, m: string): Promise<[string, string][]> {
  const s = await http.query(`SHOW FIELD KEYS FROM ${q(m)}`, db);
  return (s[0]?.values ?? []).map((r) => [String(r[0]), String(r[1])] as [string, string]);
}

async function tagKeys(http: InfluxHttp, db: string, m: string): Promise<string[]> {
  const s = await http.query(`SHOW TAG KEYS FROM ${q(m)}`, db);
  return (s[0]?.values ?? []).map((r) => String(r[0]));
}

async function exactCardinality(http: InfluxHttp, db: string, m: string): Promise<number> {
  const s = await http.query(`SHOW SERIES EXACT CARDINALITY FROM ${q(m)}`, db);
  return s.reduce((n, x) => n + (x.values ?? []).reduce((a, r) => a + Number(r[0]), 0), 0);
}

/** series key -> column -> value, from a GROUP BY * answer with one row per series. */
function perSeries(series: JsonSeries[]): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const s of series) {
    const row = s.values?.[0] ?? [];
    const rec: Record<string, unknown> = {};
    s.columns.forEach((c, i) => {
      if (c !== "time") rec[c] = row[i];
    });
    out.set(tagKey(s.tags), rec);
  }
  return out;
}

/** series|time -> non-null fields, for every row. */
function rowsOf(series: JsonSeries[], roundInts: ReadonlySet<string> = new Set()): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of series) {
    for (const row of s.values ?? []) {
      const rec: [string, unknown][] = [];
      s.columns.forEach((c, i) => {
        if (i === 0) return;
        let v = row[i];
        if (v === null || v === undefined) return;
        if (roundInts.has(c) && typeof v === "number") v = v < 0 ? -Math.round(-v) : Math.round(v);
        rec.push([c, v]);
      });
      if (rec.length === 0) continue;
      rec.sort(([a], [b]) => (a < b ? -1 : 1));
      out.set(`${tagKey(s.tags)}|${String(row[0])}`, JSON.stringify(rec));
    }
  }
  return out;
}

function diffMaps(what: string, expected: Map<string, unknown>, actual: Map<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [k, v] of expected) {
    const a = actual.get(k);
    if (a === undefined) problems.push(`${what}: missing ${k} (expected ${JSON.stringify(v)})`);
    else if (JSON.stringify(a) !== JSON.stringify(v))
      problems.push(`${what}: ${k} differs: expected ${JSON.stringify(v)}, got ${JSON.stringify(a)}`);
    if (problems.length >= 10) return problems;
  }
  for (const k of actual.keys()) {
    if (!expected.has(k)) problems.push(`${what}: unexpected ${k}`);
    if (problems.length >= 10) break;
  }
  return problems;
}

function same(what: string, expected: unknown, actual: unknown, problems: string[]): void {
  if (JSON.stringify(expected) !== JSON.stringify(actual)) {
    problems.push(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

export interface Side {
  http: InfluxHttp;
  db: string;
}

async function schemaChecks(src: Side, dst: Side, m: string, problems: string[], checked: string[]) {
  const [sf, df, st, dt] = await Promise.all([
    fieldKeys(src.http, src.db, m),
    fieldKeys(dst.http, dst.db, m),
    tagKeys(src.http, src.db, m),
    tagKeys(dst.http, dst.db, m),
  ]);
  same("field keys and types", sf, df, problems);
  same("tag keys", st, dt, problems);
  checked.push(`fields ${df.map(([k, t]) => `${k}:${t}`).join(",")}`, `tag keys ${dt.join(",")}`);
  return sf;
}

/** Raw mode: the destination must hold exactly the source's points. */
export async function checkRaw(
  src: Side,
  dst: Side,
  m: string,
  expected: { points: number; series: number },
  sample: { startNs: bigint; endNs: bigint },
  /** Per-series checks only for the series matching this condition (bounded cost at high cardinality). */
  seriesWhere?: string,
): Promise<CheckResult> {
  const problems: string[] = [];
  const checked: string[] = [];
  const fields = await schemaChecks(src, dst, m, problems, checked);
  const only = seriesWhere ? ` WHERE ${seriesWhere}` : "";
  const andOnly = seriesWhere ? ` AND ${seriesWhere}` : "";
  const which = seriesWhere ? ` (series where ${seriesWhere})` : "";

  const [sc, dc] = await Promise.all([exactCardinality(src.http, src.db, m), exactCardinality(dst.http, dst.db, m)]);
  same("series cardinality vs source", sc, dc, problems);
  same("series cardinality vs dataset", expected.series, dc, problems);
  checked.push(`series ${dc}`);

  const totalsQ = `SELECT count(*) FROM ${q(m)}`;
  const [st, dt] = await Promise.all([src.http.query(totalsQ, src.db), dst.http.query(totalsQ, dst.db)]);
  const totals = (s: JsonSeries[]) => perSeries(s).get("[]") ?? {};
  same("count(*) vs source", totals(st), totals(dt), problems);
  for (const [f] of fields) same(`count(${f}) vs dataset`, expected.points, totals(dt)[`count_${f}`], problems);
  checked.push(`count(*) ${JSON.stringify(totals(dt))}`);

  const ints = fields.filter(([, t]) => t === "integer").map(([f]) => f);
  const floats = fields.filter(([, t]) => t === "float").map(([f]) => f);
  const cols = [
    ...fields.map(([f]) => `count(${q(f)}) AS ${q(`count_${f}`)}`),
    ...ints.map((f) => `sum(${q(f)}) AS ${q(`sum_${f}`)}`),
    ...floats.flatMap((f) => [`min(${q(f)}) AS ${q(`min_${f}`)}`, `max(${q(f)}) AS ${q(`max_${f}`)}`]),
  ];
  const statsQ = `SELECT ${cols.join(", ")} FROM ${q(m)}${only} GROUP BY *`;
  const [ss, ds] = await Promise.all([src.http.query(statsQ, src.db), dst.http.query(statsQ, dst.db)]);
  const sMap = perSeries(ss);
  const dMap = perSeries(ds);
  problems.push(...diffMaps("per-series count/sum/min/max", sMap, dMap));
  checked.push(`per-series count/sum/min/max of ${dMap.size} series${which}`);

  for (const order of ["ASC", "DESC"]) {
    const edgeQ = `SELECT * FROM ${q(m)}${only} GROUP BY * ORDER BY time ${order} LIMIT 1`;
    const [se, de] = await Promise.all([src.http.query(edgeQ, src.db), dst.http.query(edgeQ, dst.db)]);
    problems.push(...diffMaps(`${order === "ASC" ? "first" : "last"} point per series`, rowsOf(se), rowsOf(de)));
  }
  checked.push(`first and last point per series (exact)${which}`);

  const sampleQ = `SELECT * FROM ${q(m)} WHERE time >= ${sample.startNs} AND time < ${sample.endNs}${andOnly} GROUP BY *`;
  const [sr, dr] = await Promise.all([src.http.query(sampleQ, src.db), dst.http.query(sampleQ, dst.db)]);
  const sRows = rowsOf(sr);
  problems.push(...diffMaps("sample slice", sRows, rowsOf(dr)));
  checked.push(`${sRows.size} points of a sample slice (exact)${which}`);
  return { ok: problems.length === 0, problems, checked };
}

/** Aggregated mode: one point per series and bucket holding data, fields as the source computes them. */
export async function checkAggregated(
  src: Side,
  dst: Side,
  m: string,
  bucket: string,
  range: { startNs: bigint; endNs: bigint },
  sample: { startNs: bigint; endNs: bigint },
  /** Every point has every field. */
  dense = false,
  /**
   * At high cardinality: per-series checks only for the series matching `where`, and the
   * destination's totals against `buckets` (known from how the dataset was made).
   */
  subset?: { where: string; buckets: number },
): Promise<CheckResult> {
  const problems: string[] = [];
  const checked: string[] = [];
  const fields = await schemaChecks(src, dst, m, problems, checked);
  const andOnly = subset ? ` AND ${subset.where}` : "";
  const which = subset ? ` (series where ${subset.where})` : "";
  if (subset) {
    const totals = perSeries(await dst.http.query(`SELECT count(*) FROM ${q(m)}`, dst.db)).get("[]") ?? {};
    for (const [f] of fields)
      same(`count(${f}) vs buckets of the dataset`, subset.buckets, totals[`count_${f}`], problems);
    checked.push(`count(*) ${JSON.stringify(totals)}`);
  }

  // Buckets per series and field on the source, counted by the source itself in a subquery
  // (so that a million buckets are not sent here as rows): a row of GROUP BY time(bucket)
  // fill(none) is a bucket holding data. When every point has every field (the benchmark's
  // datasets), one subquery counts them all; otherwise one per field, as a bucket where a field
  // has no point would count too (its count() is 0, not null).
  const expected = new Map<string, Record<string, number>>();
  const groups = dense ? [fields.map(([f]) => f)] : fields.map(([f]) => [f]);
  for (const group of groups) {
    const inner = group.map((f) => `count(${q(f)}) AS ${q(f)}`).join(", ");
    const outer = group.map((f) => `count(${q(f)}) AS ${q(f)}`).join(", ");
    const bucketsQ =
      `SELECT ${outer} FROM (SELECT ${inner} FROM ${q(m)}` +
      ` WHERE time >= ${range.startNs} AND time < ${range.endNs}${andOnly} GROUP BY time(${bucket}), * fill(none)) GROUP BY *`;
    for (const s of await src.http.query(bucketsQ, src.db)) {
      const rec = expected.get(tagKey(s.tags)) ?? Object.fromEntries(fields.map(([g]) => [`count_${g}`, 0]));
      s.columns.forEach((c, i) => {
        if (i > 0) rec[`count_${c}`] = Number(s.values?.[0]?.[i] ?? 0);
      });
      expected.set(tagKey(s.tags), rec);
    }
  }
  let buckets = 0; // buckets holding any field
  for (const rec of expected.values()) buckets += Math.max(...Object.values(rec));
  const destQ = `SELECT ${fields.map(([f]) => `count(${q(f)}) AS ${q(`count_${f}`)}`).join(", ")} FROM ${q(m)}${subset ? ` WHERE ${subset.where}` : ""} GROUP BY *`;
  const actual = perSeries(await dst.http.query(destQ, dst.db));
  problems.push(...diffMaps("buckets per series and field", expected, actual));
  checked.push(`${buckets} buckets in ${actual.size} series (count per field)${which}`);

  const aggCols = fields
    .map(([f, t]) => `${t === "float" || t === "integer" ? "mean" : "last"}(${q(f)}) AS ${q(f)}`)
    .join(", ");
  const expectQ =
    `SELECT ${aggCols} FROM ${q(m)} WHERE time >= ${sample.startNs} AND time < ${sample.endNs}${andOnly}` +
    ` GROUP BY time(${bucket}), * fill(none)`;
  const ints = new Set(fields.filter(([, t]) => t === "integer").map(([f]) => f));
  const sRows = rowsOf(await src.http.query(expectQ, src.db), ints);
  const dRows = rowsOf(
    await dst.http.query(
      `SELECT * FROM ${q(m)} WHERE time >= ${sample.startNs} AND time < ${sample.endNs}${andOnly} GROUP BY *`,
      dst.db,
    ),
  );
  problems.push(...diffMaps("aggregated sample slice", sRows, dRows));
  checked.push(`${sRows.size} aggregated points of a sample slice (exact values)${which}`);
  return { ok: problems.length === 0, problems, checked };
}
