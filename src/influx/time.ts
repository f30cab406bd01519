/**
 * Pure time conversions between InfluxDB's RFC3339 timestamps, nanosecond epochs (bigint)
 * and InfluxQL durations. Nanosecond epochs do not fit in a JS number, so they stay bigint
 * or decimal text.
 */

const RFC3339 = /^(-?\d{4,})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/;

// A memo of the last date-time prefix converted (rows of an answer share it); safe as module
// state: the prefix is compared before the seconds are used, and the update is synchronous.
let cachedPrefix = "";
let cachedSeconds = 0;

function secondsOf(prefix: string, m: RegExpExecArray): number {
  if (prefix === cachedPrefix) return cachedSeconds;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  let seconds = ms / 1000;
  const zone = m[8];
  if (zone && zone !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    seconds -= sign * (Number(zone.slice(1, 3)) * 3600 + Number(zone.slice(4, 6)) * 60);
  }
  cachedPrefix = prefix;
  cachedSeconds = seconds;
  return seconds;
}

/**
 * Nanoseconds since the epoch, as decimal text, from an RFC3339 timestamp as InfluxDB
 * prints it ("2024-01-02T03:04:05.123456789Z"). Exact to the nanosecond.
 */
export function rfc3339ToNsText(ts: string): string {
  const m = RFC3339.exec(ts);
  if (!m) throw new RangeError(`not an RFC3339 timestamp: ${JSON.stringify(ts)}`);
  const seconds = secondsOf(ts.slice(0, 19) + (m[8] ?? ""), m);
  const frac = (m[7] ?? "").padEnd(9, "0");
  if (seconds > 0) return `${seconds}${frac}`;
  return (BigInt(seconds) * 1_000_000_000n + BigInt(frac)).toString();
}

export function rfc3339ToNs(ts: string): bigint {
  return BigInt(rfc3339ToNsText(ts));
}

/** RFC3339 with nanoseconds, for logs and queries (always UTC, trailing zeros kept off). */
export function nsToRfc3339(ns: bigint): string {
  let seconds = ns / 1_000_000_000n;
  let frac = ns % 1_000_000_000n;
  if (frac < 0n) {
    frac += 1_000_000_000n;
    seconds -= 1n;
  }
  const iso = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  if (frac === 0n) return `${iso}Z`;
  return `${iso}.${frac.toString().padStart(9, "0").replace(/0+$/, "")}Z`;
}

const UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  u: 1_000n,
  µ: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
  w: 604_800_000_000_000n,
};

/** An InfluxQL duration literal ("30s", "5m", "1h30m", "1d") in nanoseconds, or undefined if invalid. */
export function parseDuration(text: string): bigint | undefined {
  const re = /(\d+)(ns|u|µ|ms|s|m|h|d|w)/y;
  let total = 0n;
  let pos = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) return undefined;
    total += BigInt(m[1] as string) * (UNIT_NS[m[2] as string] as bigint);
    pos = re.lastIndex;
  }
  return pos === 0 ? undefined : total;
}

/** Human form of a nanosecond duration: "7d", "5m", "1h30m". */
export function formatDuration(ns: bigint): string {
  if (ns === 0n) return "0s";
  const parts: string[] = [];
  let rest = ns;
  for (const [unit, size] of [
    ["d", UNIT_NS.d],
    ["h", UNIT_NS.h],
    ["m", UNIT_NS.m],
    ["s", UNIT_NS.s],
    ["ms", UNIT_NS.ms],
    ["u", UNIT_NS.u],
    ["ns", 1n],
  ] as const) {
    const n = rest / (size as bigint);
    if (n > 0n) {
      parts.push(`${n}${unit}`);
      rest -= n * (size as bigint);
    }
  }
  return parts.join("");
}

/** A duration as one InfluxQL literal with a single unit ("168h", "90m", "0s"). */
export function influxqlDuration(ns: bigint): string {
  if (ns === 0n) return "0s";
  for (const [unit, size] of [
    ["w", UNIT_NS.w],
    ["d", UNIT_NS.d],
    ["h", UNIT_NS.h],
    ["m", UNIT_NS.m],
    ["s", UNIT_NS.s],
    ["ms", UNIT_NS.ms],
    ["u", UNIT_NS.u],
  ] as const) {
    if (ns % (size as bigint) === 0n) return `${ns / (size as bigint)}${unit}`;
  }
  return `${ns}ns`;
}
