/**
 * A deterministic Telegraf-shaped database: dozens of measurements named after Telegraf's
 * inputs, each with a host tag and up to two more, and from a few to several dozen fields of
 * mixed types (counters as integers, gauges as full-precision floats, a few strings and
 * booleans), every field on every point: wide rows, many series, as agents write them.
 */

export type FieldType = "float" | "integer" | "string" | "boolean";

export interface MeasurementShape {
  name: string;
  /** Extra tags (besides host) and their values; the series are every combination. */
  tags: [string, string[]][];
  fields: [string, FieldType][];
}

export interface TelegrafDataset {
  hosts: number;
  /** Points per series. */
  perSeries: number;
  stepS: number;
  measurements: MeasurementShape[];
}

const START_S = 1_704_067_200;

/** name, extra tags, number of fields, share of integer fields, one string field?, one boolean field? */
const PLUGINS: [string, [string, number][], number, number, boolean, boolean][] = [
  ["cpu", [["cpu", 5]], 10, 0, false, false],
  ["mem", [], 34, 0.9, false, false],
  [
    "disk",
    [
      ["path", 3],
      ["fstype", 1],
    ],
    8,
    0.9,
    false,
    false,
  ],
  ["diskio", [["name", 3]], 11, 1, false, false],
  ["net", [["interface", 2]], 14, 1, false, false],
  ["netstat", [], 12, 1, false, false],
  ["system", [], 7, 0.5, true, false],
  ["processes", [], 10, 1, false, false],
  ["swap", [], 6, 0.8, false, false],
  ["kernel", [], 6, 1, false, false],
  ["kernel_vmstat", [], 48, 1, false, false],
  ["linux_sysctl_fs", [], 9, 1, false, false],
  ["interrupts", [["irq", 4]], 4, 1, true, false],
  ["soft_interrupts", [["irq", 2]], 3, 1, false, false],
  ["nstat", [["name", 2]], 40, 1, false, false],
  ["conntrack", [], 4, 1, false, false],
  ["docker", [], 20, 1, false, false],
  ["docker_container_cpu", [["container_name", 4]], 9, 0.6, false, false],
  ["docker_container_mem", [["container_name", 4]], 30, 0.9, false, false],
  ["docker_container_net", [["container_name", 4]], 8, 1, false, false],
  ["docker_container_blkio", [["container_name", 4]], 12, 1, false, false],
  ["docker_container_status", [["container_name", 4]], 8, 0.7, true, true],
  ["procstat", [["process_name", 3]], 28, 0.7, false, false],
  ["procstat_lookup", [["pattern", 3]], 3, 1, false, true],
  ["internal_agent", [], 5, 1, false, false],
  ["internal_gather", [["input", 3]], 4, 1, false, false],
  ["internal_write", [["output", 1]], 7, 1, false, false],
  ["internal_memstats", [], 16, 1, false, false],
  ["nginx", [["port", 1]], 7, 1, false, false],
  ["postgresql", [["db", 2]], 17, 0.8, false, false],
  ["redis", [["port", 1]], 42, 0.8, true, false],
  ["http_response", [["server", 2]], 5, 0.4, true, true],
  ["ping", [["url", 2]], 9, 0.5, false, false],
  ["dns_query", [["server", 2]], 3, 0.5, false, false],
  ["ntpq", [["remote", 2]], 7, 0.6, true, false],
  ["temp", [["sensor", 3]], 1, 0, false, false],
  ["chrony", [], 10, 0.2, true, false],
  ["zfs", [], 24, 1, false, false],
  ["smart_device", [["device", 2]], 9, 0.8, true, true],
  ["x509_cert", [["source", 1]], 6, 0.8, true, false],
];

export function telegrafDataset(hosts: number, perSeries: number, stepS = 10): TelegrafDataset {
  const measurements = PLUGINS.map(([name, tags, nFields, intShare, withString, withBool]) => {
    const fields: [string, FieldType][] = [];
    const numeric = nFields - (withString ? 1 : 0) - (withBool ? 1 : 0);
    const ints = Math.round(numeric * intShare);
    for (let i = 0; i < numeric; i++) fields.push([`${name.split("_")[0]}_f${i}`, i < ints ? "integer" : "float"]);
    if (withString) fields.push(["status", "string"]);
    if (withBool) fields.push(["ok", "boolean"]);
    fields.sort(([a], [b]) => (a < b ? -1 : 1));
    return {
      name,
      tags: tags.map(([k, n]) => [k, Array.from({ length: n }, (_, i) => `${k}${i}`)] as [string, string[]]),
      fields,
    };
  });
  return { hosts, perSeries, stepS, measurements };
}

/** Tag sets of one measurement, keys sorted (host included). */
export function tagSets(d: TelegrafDataset, m: MeasurementShape): Record<string, string>[] {
  let sets: Record<string, string>[] = Array.from({ length: d.hosts }, (_, h) => ({
    host: `host-${String(h).padStart(3, "0")}`,
  }));
  for (const [k, values] of m.tags) sets = sets.flatMap((s) => values.map((v) => ({ ...s, [k]: v })));
  return sets;
}

export const seriesOf = (d: TelegrafDataset, m: MeasurementShape): number =>
  d.hosts * m.tags.reduce((n, [, v]) => n * v.length, 1);

export const totalSeries = (d: TelegrafDataset): number => d.measurements.reduce((n, m) => n + seriesOf(d, m), 0);

export const totalTelegrafPoints = (d: TelegrafDataset): number => totalSeries(d) * d.perSeries;

export function telegrafRange(d: TelegrafDataset): { oldestNs: bigint; newestNs: bigint } {
  return {
    oldestNs: BigInt(START_S) * 1_000_000_000n,
    newestNs: BigInt(START_S + (d.perSeries - 1) * d.stepS) * 1_000_000_000n,
  };
}

function mix(a: number, b: number, c: number): number {
  let x = Math.imul(a + 1, 0x9e3779b1) ^ Math.imul(b + 1, 0x85ebca6b) ^ Math.imul(c + 1, 0xc2b2ae35);
  x ^= x >>> 15;
  x = Math.imul(x, 0x2c1b3c6d);
  x ^= x >>> 12;
  return x >>> 0;
}

function value(type: FieldType, s: number, k: number, f: number): string {
  const x = mix(s, k, f);
  switch (type) {
    case "float":
      return String((x % 100_000) / 997 + Math.sin(k / 31 + f)); // full-precision gauges
    case "integer":
      return `${Math.floor(x / 7) + k * 1000}i`; // growing counters
    case "string":
      return `"${["ok", "degraded", "synchronised", "unknown"][x & 3]}"`;
    case "boolean":
      return (x & 1) === 1 ? "true" : "false";
  }
}

/** Batches in arrival order: every measurement and series at one time, then the next time. */
export function* telegrafBatches(d: TelegrafDataset, batchLines: number): Generator<string> {
  const keys = d.measurements.map((m) =>
    tagSets(d, m).map(
      (t) =>
        `${m.name},${Object.keys(t)
          .sort()
          .map((k) => `${k}=${t[k]}`)
          .join(",")}`,
    ),
  );
  let batch: string[] = [];
  for (let k = 0; k < d.perSeries; k++) {
    const ts = `${START_S + k * d.stepS}000000000`;
    d.measurements.forEach((m, mi) => {
      keys[mi]!.forEach((key, s) => {
        const fields = m.fields.map(([f, t], fi) => `${f}=${value(t, mi * 10_000 + s, k, fi)}`).join(",");
        batch.push(`${key} ${fields} ${ts}`);
      });
    });
    if (batch.length >= batchLines) {
      yield batch.join("\n");
      batch = [];
    }
  }
  if (batch.length) yield batch.join("\n");
}
